"""The ``assets/`` folder every web page links to: fonts, stylesheet, script, logo.

One folder for all pages of a build, named by content only (the logo by its hash), so
the same project gives the same bytes in any folder. The stylesheet holds every
audience's sizes (``body.audience-NAME``), so one file serves all pages.
"""

from __future__ import annotations

import hashlib
from typing import Any

from osteo_print import fonts
from osteo_print.context import DEFAULT_ACCENT, FontFace
from osteo_print.project import Project
from osteo_print.templating import make_env, render

ASSETS = "assets"  # the folder's name, beside the pages
STYLESHEET = "osteo-print.css"
SCRIPT = "osteo-print.js"
FONT_FOLDER = "fonts"


def logo_name(data: bytes) -> str:
    """The logo's file name in assets/: from its content, never from its path."""
    ext = "png" if data.startswith(b"\x89PNG") else "svg"
    return f"logo-{hashlib.sha256(data).hexdigest()[:12]}.{ext}"


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
    context: dict[str, Any] = {
        "audiences": list(project.audiences.values()),
        "fonts": faces, "font_family": fonts.FAMILY,
        "accent": (clinic.accent if clinic and clinic.accent else None) or DEFAULT_ACCENT,
    }
    files[f"{ASSETS}/{STYLESHEET}"] = render(env, ["web/site.css"], context).encode("utf-8")
    files[f"{ASSETS}/{SCRIPT}"] = render(env, ["web/osteo-print.js"], {}).encode("utf-8")
    return files
