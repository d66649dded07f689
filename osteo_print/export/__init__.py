"""Quiz exports for learning management systems: QTI 2.1, Moodle XML and GIFT.

``model`` is the format-neutral view of a bank or a printed version, ``qti``,
``moodle`` and ``gift`` write it, ``run`` chooses what to export and writes the files,
``cli`` is the ``osteo-print export`` command. The API (``export``, ``ExportRequest``,
``ExportResult``, ``FORMATS``) is imported on first use, so that the command line's
``--help`` stays fast.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FORMATS", "ExportRequest", "ExportResult", "export"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from osteo_print.export import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
