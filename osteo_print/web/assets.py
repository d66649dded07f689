"""The ``assets/`` folder every web page links to: fonts, stylesheet, script, logo.

One folder for all pages of a build, named by content only (the logo by its hash), so
the same project gives the same bytes in any folder. The stylesheet holds every
audience's sizes (``body.audience-NAME``), so one file serves all pages. The clinic's
accent colours borders as it is; text in it (headings, links) uses ``accent_text``,
the accent darkened just enough to keep WCAG AA contrast on every background the
stylesheet puts text on.
"""

from __future__ import annotations

import hashlib
from typing import Any

from osteo_print import fonts
from osteo_print.audiences import Audience, available, load_audience
from osteo_print.context import DEFAULT_ACCENT, FontFace
from osteo_print.errors import ContentError
from osteo_print.project import Project
from osteo_print.templating import make_env, render

ASSETS = "assets"  # the folder's name, beside the pages
STYLESHEET = "osteo-print.css"
SCRIPT = "osteo-print.js"
FONT_FOLDER = "fonts"
# The backgrounds the stylesheet puts text on: the page, and the tint of table headers
# and boxes (the stylesheet takes them from here, so the contrast is computed on them).
BACKGROUNDS = {"paper": "#ffffff", "tint": "#eef3f8"}
TEXT_CONTRAST = 4.5  # WCAG 2 AA for normal-size text (1.4.3)


def _rgb(color: str) -> tuple[int, int, int]:
    if len(color) != 7 or not color.startswith("#"):
        raise ValueError(f"expected a colour like #0b3a63, not {color!r}")
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def luminance(color: str) -> float:
    """WCAG relative luminance of a #rrggbb colour (0 black to 1 white)."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = map(channel, _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_accent(accent: str, backgrounds: tuple[str, ...] = tuple(BACKGROUNDS.values()),
                    minimum: float = TEXT_CONTRAST) -> str:
    """``accent`` if text in it reads on every background with ``minimum`` contrast,
    else the accent darkened (towards black, keeping its hue) in 1% steps until it
    does."""
    r, g, b = _rgb(accent)
    for step in range(101):
        keep = 1 - step / 100
        color = f"#{round(r * keep):02x}{round(g * keep):02x}{round(b * keep):02x}"
        if all(contrast(color, bg) >= minimum for bg in backgrounds):
            return color
    return "#000000"  # not reached: black on these light backgrounds is over 17:1


def logo_name(data: bytes) -> str:
    """The logo's file name in assets/: from its content, never from its path."""
    ext = "png" if data.startswith(b"\x89PNG") else "svg"
    return f"logo-{hashlib.sha256(data).hexdigest()[:12]}.{ext}"


def every_audience(project: Project) -> list[Audience]:
    """Every audience the project has, built this time or not: the one stylesheet serves
    the pages of earlier builds in the folder too, so it must not depend on which
    audiences a build asked for. One that does not load has no pages to style."""
    found = []
    for name in available(project.audience_roots):
        if name in project.audiences:
            found.append(project.audiences[name])
            continue
        try:
            found.append(load_audience(name, project.audience_roots))
        except ContentError:
            continue
    return found


def web_assets(project: Project) -> dict[str, bytes]:
    """Path under the output folder -> bytes, for every asset the pages use."""
    files: dict[str, bytes] = {}
    faces = []
    for weight, style, path in fonts.faces():
        files[f"{ASSETS}/{FONT_FOLDER}/{path.name}"] = path.read_bytes()
        faces.append(FontFace(weight, style, f"{FONT_FOLDER}/{path.name}"))
    files[f"{ASSETS}/{FONT_FOLDER}/LICENSE.txt"] = (fonts.FONT_DIR.parent / "LICENSE").read_bytes()
    clinic = project.clinic
    if clinic is not None and clinic.logo_data:
        files[f"{ASSETS}/{logo_name(clinic.logo_data)}"] = clinic.logo_data
    # The stylesheet and script come from the templates, so a project may override them.
    env = make_env([project.override_dir] if project.override_dir else [])
    accent = (clinic.accent if clinic and clinic.accent else None) or DEFAULT_ACCENT
    context: dict[str, Any] = {
        "audiences": every_audience(project),
        "fonts": faces, "font_family": fonts.FAMILY,
        "accent": accent, "accent_text": readable_accent(accent), **BACKGROUNDS,
    }
    files[f"{ASSETS}/{STYLESHEET}"] = render(env, ["web/site.css"], context).encode("utf-8")
    files[f"{ASSETS}/{SCRIPT}"] = render(env, ["web/osteo-print.js"], {}).encode("utf-8")
    files[f"{ASSETS}/osteo-print-quiz.js"] = render(env, ["web/quiz.js"], {}).encode("utf-8")
    return files
