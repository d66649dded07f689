"""The bundled typeface: Atkinson Hyperlegible, from its pip package."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import fontpkg_atkinson_hyperlegible as _pkg

FAMILY = "Atkinson Hyperlegible"
FONT_DIR = Path(_pkg.ROOT) / "files"
FACES = {  # (css weight, css style) -> file name
    (400, "normal"): "AtkinsonHyperlegible-Regular.ttf",
    (700, "normal"): "AtkinsonHyperlegible-Bold.ttf",
    (400, "italic"): "AtkinsonHyperlegible-Italic.ttf",
    (700, "italic"): "AtkinsonHyperlegible-BoldItalic.ttf",
}


def faces() -> list[tuple[int, str, Path]]:
    """Return (weight, style, file) for each face of the family."""
    return [(w, s, FONT_DIR / name) for (w, s), name in FACES.items()]


@cache
def covered() -> frozenset[str]:
    """Return the characters the regular face can draw."""
    from fontTools.ttLib import TTFont

    with TTFont(FONT_DIR / FACES[(400, "normal")], lazy=True) as font:
        return frozenset(chr(cp) for cp in font.getBestCmap())


def missing_chars(text: str) -> list[str]:
    """Return the characters of ``text`` the font cannot draw (spaces and controls aside)."""
    return sorted(ch for ch in set(text) - covered() if not ch.isspace())
