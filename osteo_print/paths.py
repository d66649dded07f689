"""Where the built-in content and templates live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _builtin(name: str) -> Path:
    # A wheel carries the folders inside the package; a source checkout (and an
    # editable install) has them next to the package, at the project's top level.
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


BUILTIN_CONTENT = _builtin("content")
BUILTIN_TEMPLATES = _builtin("templates")
