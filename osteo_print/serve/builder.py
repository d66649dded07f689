"""The preview's builder: one thread, so builds never overlap; changes queue and coalesce.

Each round builds through the build cache (``osteo_print.build``), so only what the
changed files feed is rendered again:

1. the web pages, in this process (Jinja only, a fraction of a second), and the
   browser is told which pages changed;
2. the PDFs, in a child process (``pdfjob``), and the browser is told again. A change
   that comes in meanwhile stops the child at once: the web pages of the new change
   come first, then the PDFs again (what the stopped child finished is lost; what an
   earlier round wrote stays up to date in the cache).

An error is kept in the state (the page shows it) with the text the command line would
print; the preview folder keeps the last good build, since a failed build writes nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from osteo_print.errors import (
    ConfigError,
    OsteoPrintError,
    OutputError,
    SetupError,
    UsageError,
    display_path,
)
from osteo_print.inputs import Inputs, list_inputs
from osteo_print.options import BuildOptions
from osteo_print.serve.state import ALL_PAGES, State

# What stops ``serve`` from starting: a project file it cannot use, a choice on the
# command line that does not fit, a preview folder it cannot write, a missing library.
# Anything else (a YAML or template mistake) is shown in the page while it runs.
FATAL_AT_START = (ConfigError, UsageError, OutputError, SetupError)
PDF_QUIET = 0.5  # seconds without a change after the web pages, before the PDFs start
STOP_GRACE = 2.0  # seconds a stopped PDF child gets before it is killed outright
WEB_KINDS = ("web-handout", "web-quiz")

Say = Callable[[str, bool], None]  # a line for the terminal; True for an error


def error_text(exc: BaseException) -> str:
    """The error as ``osteo-print build`` prints it (see ``cli.reports_errors``)."""
    from osteo_print.cli import FLAG_WORDS

    if isinstance(exc, UsageError):
        lines = exc.phrased(FLAG_WORDS)
    elif isinstance(exc, OsteoPrintError):
        lines = exc.lines()
    else:
        lines = [f"osteo-print stopped unexpectedly: {type(exc).__name__}: {exc}"]
    return "\n".join([f"Error: {lines[0]}", *lines[1:]])


class Builder:
    """Builds ``options`` (its ``out_dir`` is the preview folder) again on each change."""

    def __init__(self, options: BuildOptions, state: State, *, pdf: bool = True,
                 say: Say | None = None,
                 inputs_seen: Callable[[Inputs], None] | None = None) -> None:
        self.options = options
        self.state = state
        self.pdf = pdf
        self.say: Say = say or (lambda text, error: None)
        self.inputs_seen = inputs_seen or (lambda inputs: None)
        self._cond = threading.Condition()
        self._changes: set[Path] = set()
        self._dirty = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._assets: dict[str, str] = {}  # the web assets' hashes, to see them change
        self._warned: set[str] = set()
        self.child: subprocess.Popen[bytes] | None = None  # the last PDF child started
        self._digest: str | None = None  # of the inputs of the last good web build
        self._pdf_digest: str | None = None  # of the inputs the PDFs were last made from
        state.web, state.pdfs = earlier(options.out_dir)

    # -- the public side ----------------------------------------------------------------

    def request(self, paths: Iterable[Path] = ()) -> None:
        """Build again soon (``paths`` changed; none: look again anyway)."""
        with self._cond:
            self._changes.update(paths)
            self._dirty = True
            self._cond.notify_all()

    def first_build(self) -> bool:
        """Build the web pages now, in this thread; raise an error in FATAL_AT_START."""
        return self._web(set(), first=True)

    def start(self, pdfs_first: bool) -> None:
        """Run the builder thread; it starts with the PDFs when ``pdfs_first``."""
        self._thread = threading.Thread(target=self._loop, args=(pdfs_first and self.pdf,),
                                        name="osteo-print-builder", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the PDF child, let a web build in progress finish, end the thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    # -- the thread -----------------------------------------------------------------------

    def _loop(self, need_pdf: bool) -> None:
        while True:
            with self._cond:
                while not (self._dirty or self._stopping or need_pdf):
                    self._cond.wait()
                if self._stopping:
                    return
                dirty, changes = self._dirty, self._changes
                self._dirty, self._changes = False, set()
            if dirty:  # the web pages first; the PDFs once no change is waiting
                need_pdf = self._web(changes) and self.pdf and not self._pdfs_fresh
                if need_pdf:
                    self._quiet(PDF_QUIET)
            elif need_pdf:
                need_pdf = not self._pdfs()

    @property
    def _pdfs_fresh(self) -> bool:
        """Were the PDFs made from the very inputs of the last web build?"""
        return self._digest is not None and self._digest == self._pdf_digest

    def _quiet(self, seconds: float) -> None:
        """Wait up to ``seconds`` for another change (or a stop) before the PDFs: the
        browser reloads its page meanwhile without a PDF process starting beside it,
        and an editor saving again soon starts no PDF build that would be stopped."""
        with self._cond:
            self._cond.wait_for(lambda: self._dirty or self._stopping, seconds)

    def _web(self, changes: set[Path], first: bool = False) -> bool:
        """Build the web pages; publish what changed. False if the build failed."""
        if changes:
            shown = ", ".join(sorted(display_path(p) for p in changes)[:3])
            more = f" and {len(changes) - 3} more" if len(changes) > 3 else ""
            self.say(f"Changed: {shown}{more}", False)
        started, cpu = time.perf_counter(), time.thread_time()
        options = replace(self.options, formats=("html",))
        self.state.begin("web")
        try:
            inputs = list_inputs(options)
            self.inputs_seen(inputs)
            from osteo_print.build import build

            result = build(options, inputs=inputs)
        except Exception as exc:  # every mistake is shown; the server goes on
            if first and isinstance(exc, FATAL_AT_START):
                raise
            text = error_text(exc)
            self.state.finish("web", error=text, pdf_state="stale" if self.pdf else "off")
            self.say(text, True)
            return False
        if "web" in self.state.errors:
            self.say("Fixed: the build works again.", False)
        self._digest = inputs.digest()
        changed = [f"{job.stem}.html" for job in result.rendered if job.web]
        assets = {e.path: e.sha256 for e in result.entries if e.info.kind == "web-asset"}
        if self._assets and assets != self._assets:
            changed.append(ALL_PAGES)
        self._assets = assets
        pages = [_page(job) for job in result.jobs if job.web]
        self._warn(result.warnings)
        pdf_state = "off" if not self.pdf else "done" if self._pdfs_fresh else "waiting"
        self.state.finish("web", changed, web=pages, warnings=list(result.warnings),
                          pdf_state=pdf_state)
        made = sum(1 for name in changed if name != ALL_PAGES)
        self.say(f"Web pages: {made} made, {len(pages) - made} up to date "
                 f"({time.perf_counter() - started:.2f} s, CPU "
                 f"{time.thread_time() - cpu:.2f} s)", False)
        return True

    def _pdfs(self) -> bool:
        """Build the PDFs in a child process; False if a change or a stop cut it short."""
        started = time.perf_counter()
        digest = self._digest  # what the web pages were made from: the PDFs are too
        self.state.begin("pdf")
        answer = self._run_child(replace(self.options, formats=("pdf",)))
        if answer is None:
            self.state.set_pdf_state("waiting")
            return False
        kind, payload = answer
        if kind != "ok":
            text = error_text(payload) if isinstance(payload, BaseException) else \
                f"Error: osteo-print stopped unexpectedly while making the PDFs: {payload}"
            self.state.finish("pdf", error=text, pdf_state="failed")
            self.say(text, True)
            return True
        rendered = set(payload["rendered"])
        changed = [e["path"] for e in payload["entries"]
                   if e["path"].split(".", 1)[0] in rendered]
        pdfs = [e for e in payload["entries"] if e["format"] == "pdf"]
        self._warn(payload["warnings"])
        self._pdf_digest = digest
        self.state.finish("pdf", changed, pdfs=pdfs, pdf_state="done")
        made = sum(1 for e in pdfs if e["path"] in changed)
        self.say(f"PDFs: {made} rendered, {len(pdfs) - made} up to date "
                 f"({time.perf_counter() - started:.1f} s)", False)
        return True

    def _run_child(self, options: BuildOptions) -> tuple[str, Any] | None:
        """Run ``pdfjob`` on ``options``; its answer, or None if it was stopped."""
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root,
                                                          env.get("PYTHONPATH")]))
        try:
            child = subprocess.Popen([sys.executable, "-m", "osteo_print.serve.pdfjob"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env,
                                     start_new_session=True)  # Ctrl-C is for the server
        except OSError as exc:
            return ("crash", f"cannot start {sys.executable}: {exc.strerror or exc}")
        self.child = child
        done: list[tuple[bytes, bytes]] = []

        def talk() -> None:
            try:
                output = child.communicate(pickle.dumps(options))
            except (OSError, ValueError) as exc:
                output = (b"", str(exc).encode())
            with self._cond:
                done.append(output)
                self._cond.notify_all()

        threading.Thread(target=talk, name="osteo-print-pdf-child", daemon=True).start()
        with self._cond:
            self._cond.wait_for(lambda: bool(done) or self._dirty or self._stopping)
            cut = not done
        if cut:
            _end(child)
            return None
        out, err = done[0]
        try:
            answer: tuple[str, Any] = pickle.loads(out)
        except Exception:  # the child died: say how, with its last words
            tail = err.decode("utf-8", "replace").strip().splitlines()[-5:]
            answer = ("crash", f"exit code {child.returncode}" + "".join(
                f"\n  {line}" for line in tail))
        with self._cond:
            if answer[0] != "ok" and (self._dirty or self._stopping):
                return None  # the files changed under it: the next round says
        return answer

    def _warn(self, warnings: Iterable[str]) -> None:
        """Print each warning once per session, not on every rebuild."""
        for warning in warnings:
            if warning not in self._warned:
                self._warned.add(warning)
                self.say(f"Warning: {warning}", False)


def earlier(folder: Path | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The web pages and PDFs that the preview folder's manifest lists (an earlier
    session's), to show until this session has built its own."""
    from osteo_print.writer import MANIFEST, is_own_manifest

    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8")) if folder else None
    except (OSError, ValueError):
        return [], []
    if not isinstance(data, dict) or not is_own_manifest(data):
        return [], []
    listed = data.get("files")
    files = [f for f in listed if isinstance(f, dict) and isinstance(f.get("path"), str)
             and isinstance(f.get("kind"), str)] if isinstance(listed, list) else []
    pages = [{"page": f["path"], "kind": f["kind"].removeprefix("web-"),
              "document": f.get("document"), "audience": f.get("audience"),
              "lang": f.get("lang"), "version": f.get("version")}
             for f in files if f.get("kind") in WEB_KINDS]
    return pages, [f for f in files if f.get("format") == "pdf"]


def _page(job: Any) -> dict[str, Any]:
    return {"page": f"{job.stem}.html", "kind": job.kind, "document": job.document,
            "audience": job.audience, "lang": job.lang, "version": job.version}


def _end(child: subprocess.Popen[bytes]) -> None:
    """Stop the PDF child and its workers (its own process group), and wait for it."""
    for sig, wait in ((signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, sig)
        try:
            child.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue
