"""Act as if HarfBuzz's subsetter (libharfbuzz-subset0) were not installed.

Put this folder on PYTHONPATH and every Python process started with it, the worker
processes of a build included, runs WeasyPrint as on a fresh machine: its fontTools
fallback, its warnings, and osteo-print's tip. The whole suite can run that way:

    PYTHONPATH=tests/no_subsetter pytest

WeasyPrint is not imported early: its ``text.ffi`` module is patched when something
imports it, so commands that never render stay as light as they are.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import sys
import warnings

TARGET = "weasyprint.text.ffi"
INPUTS = "osteo_print.inputs"  # its check for the subsetter, an input of every build


class _WithoutSubsetter(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in (TARGET, INPUTS):
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            if name == INPUTS:
                module.harfbuzz_subset = functools.cache(lambda: False)
                return
            module.harfbuzz_subset = None  # as _dlopen(..., allow_fail=True) leaves it
            warnings.warn(  # what WeasyPrint says then, as it imports
                "HarfBuzz-Subset will be required by future versions of WeasyPrint. "
                "Please install this library with your package manager.",
                category=DeprecationWarning, stacklevel=2)

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _WithoutSubsetter())
