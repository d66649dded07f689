"""The PDF half of a preview build, in a child process: ``python -m osteo_print.serve.pdfjob``.

The preview's builder sends the ``BuildOptions`` (pickled) on standard input and reads
back, on standard output, ``("ok", summary)`` or ``("error", OsteoPrintError)`` (or
``("crash", text)``). PDFs take seconds; in a process of their own they leave the server
responsive, and a new change can stop them at once: SIGTERM ends this process on the
spot, and never in the middle of writing the output, whose renames run with SIGTERM
blocked (``writer._signals_held``), so the folder keeps the earlier files whole.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from typing import Any


def _stop_now(signum: int, frame: Any) -> None:
    # Not KeyboardInterrupt: that would first wait for the pool's workers to finish the
    # documents they are laying out. The workers die with this process (PR_SET_PDEATHSIG,
    # see runner._die_with_parent); temporary files are swept by the next build.
    os._exit(128 + signum)


def summary(result: Any) -> dict[str, Any]:
    """What the preview needs of a ``BuildResult``: plain data, quick to pickle."""
    return {"entries": [entry.as_json() for entry in result.entries],
            "rendered": [job.stem for job in result.rendered],
            "warnings": list(result.warnings)}


def main() -> None:
    signal.signal(signal.SIGTERM, _stop_now)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server's Ctrl-C is the server's
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but the answer goes to standard output
    options = pickle.load(sys.stdin.buffer)
    from osteo_print.build import build
    from osteo_print.errors import OsteoPrintError

    answer: tuple[str, Any]
    try:
        answer = ("ok", summary(build(options)))
    except OsteoPrintError as exc:
        answer = ("error", exc)
    except Exception as exc:  # a bug: said in the page, the server goes on
        answer = ("crash", f"{type(exc).__name__}: {exc}")
    pickle.dump(answer, out)
    out.flush()


if __name__ == "__main__":
    main()
