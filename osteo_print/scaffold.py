"""``osteo-print init``: start a clinic project folder without touching existing work."""

from __future__ import annotations

import shutil
from pathlib import Path

from osteo_print.errors import OutputError, Problem, display_path
from osteo_print.options import CONFIG_NAME
from osteo_print.paths import BUILTIN_CONTENT

CONFIG_TEXT = '''\
# osteo-print project file. Run "osteo-print build" in this folder to use it.
# Everything is optional; delete what you do not need.

# Your clinic's name and phone number are printed on every page of every handout and
# quiz, and in the "Questions?" box. Remove the "# " in front of the lines you fill in,
# including [clinic]. Until then the pages are neutral, with a line to write a number on.
# [clinic]
# name = "Riverside Bone Health Clinic"
# phone = "(555) 010-4477"
# address = "12 River Road, Springfield"
# website = "riverside.example"
# A PNG or SVG file, relative to this file. Put it in images/.
# logo = "images/logo.png"
# Headings and box borders. Must be dark enough to read on white.
# accent_color = "#0b5394"

[defaults]
# Who to print for: general, large-print, easy-read, caregiver (or folders you add
# under audiences/). "all" prints every audience.
audiences = ["general"]
# Languages: en, es.
languages = ["en"]
# Paper: letter, a4.
papers = ["letter"]
# Build from your own copy of the content (see "osteo-print init --with-content").
{content_line}
# out = "output"
# seed = 1
'''

OVERRIDE_TEXT = '''\
{# Your override of the built-in handout template. It extends the one it replaces, so
   only the blocks you write here change. Blocks you can override: masthead,
   key_points, sections, actions, actions_extra, questions, questions_extra,
   after_boxes, end_matter.

   Example: to add a line at the end of the "Questions?" box, delete the two comment
   markers around the block below. #}
{% extends "builtin/handout.html" %}

{# {% block questions_extra %}
<p>Classes meet every Tuesday at 10 am in Room 4.</p>
{% endblock %} #}
'''

IMAGES_NOTE = "Put your clinic's logo here (PNG or SVG), then set logo in osteo-print.toml.\n"


def init_project(directory: Path, with_content: bool = False) -> list[Path]:
    """Create the project files in ``directory``; refuse to overwrite any of them."""
    config = directory / CONFIG_NAME
    targets = [config, directory / "templates" / "handout.html"]
    if with_content:
        targets.append(directory / "content")
    taken = [p for p in targets if p.exists()]
    if taken:
        raise OutputError("osteo-print init will not overwrite a project.", [
            Problem(display_path(p), None, "", "already exists") for p in taken])
    try:
        (directory / "templates").mkdir(parents=True, exist_ok=True)
        (directory / "images").mkdir(exist_ok=True)
        created = []
        if with_content:  # copied first, and renamed into place whole
            staging = directory / ".content-being-copied"
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(BUILTIN_CONTENT, staging)
            staging.rename(directory / "content")
            created.append(directory / "content")
        content_line = 'content = "content"' if with_content else '# content = "content"'
        config.write_text(CONFIG_TEXT.replace("{content_line}", content_line), "utf-8")
        (directory / "templates" / "handout.html").write_text(OVERRIDE_TEXT, "utf-8")
        created[:0] = [config, directory / "templates" / "handout.html"]
        note = directory / "images" / "README.txt"
        if not note.exists():
            note.write_text(IMAGES_NOTE, "utf-8")
            created.append(note)
    except OSError as exc:
        raise OutputError("The project could not be created.",
                          [Problem(display_path(directory), None, "",
                                   exc.strerror or str(exc))]) from None
    return created
