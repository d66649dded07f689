"""Answer "is everything already built?" without loading the content or WeasyPrint.

A build records a fingerprint of all its inputs (see ``inputs``: every content, template
and catalog file, the project file and logo, the options, the tool and library versions,
SOURCE_DATE_EPOCH, the font subsetter) in the cache file of the output folder. When the
fingerprint is the same and every output file is still there with the hash the cache
recorded, nothing needs doing. Anything else (a changed byte, a missing or edited
output, a corrupt cache) falls through to the full build, which then decides job by job.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from osteo_print.inputs import Inputs, list_inputs
from osteo_print.options import BuildOptions
from osteo_print.safefile import InputFileError, read_input

__all__ = ["CACHE_NAME", "fingerprint", "up_to_date"]

CACHE_NAME = ".osteo-print-cache.json"
CACHE_LIMIT = 64_000_000  # bytes; the cache of a 1,000-document build is about 2 MB


def fingerprint(options: BuildOptions) -> str | None:
    """A hash of every input of a build, or None if it cannot be worked out cheaply."""
    return list_inputs(options).digest()


def up_to_date(options: BuildOptions, inputs: Inputs | None = None
               ) -> list[dict[str, Any]] | None:
    """The manifest entries of a build that has nothing to do, or None.

    ``inputs`` is ``list_inputs(options)`` when the caller has it already.
    """
    if options.force or options.strict or not options.write or "html" in options.formats:
        return None  # web pages: the build writes their assets/ again (never missing)
    inputs = list_inputs(options) if inputs is None else inputs
    out_dir, expected = inputs.out_dir, inputs.digest()
    if out_dir is None or expected is None:
        return None
    if any(out_dir.glob(".osteo-print-*.tmp")):
        return None  # a killed build left temporary files: the full build removes them
    try:
        # A plain file under the cap, read without blocking (never a pipe or a device).
        cache = json.loads(read_input(out_dir / CACHE_NAME, CACHE_LIMIT).decode("utf-8"))
        if cache.get("fingerprint") != expected:
            return None
        entries = []
        for record in cache["jobs_of_last_build"]:
            for item in cache["jobs"][record]["files"]:
                path = out_dir / item["path"]
                if "/" in item["path"] or not path.is_file() \
                        or hashlib.sha256(path.read_bytes()).hexdigest() != item["sha256"]:
                    return None
                entries.append(item)
        return entries
    except (InputFileError, OSError, ValueError, KeyError, TypeError, AttributeError,
            RecursionError):
        return None
