"""``osteo-print init``: start a clinic project folder without touching existing work."""

from __future__ import annotations

import re
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
# Where each handout can be read online: page 1 prints this address and a QR code of
# it. {document}, {lang} and {audience} are filled in for each handout.
# digital_url = "https://riverside.example/handouts/{document}_{audience}_{lang}.html"

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
   only the Jinja blocks you write here change: masthead, online (the QR code of
   digital_url), blocks (the body), after_boxes, end_matter.

   To change how one kind of content block looks (a table, the "Questions?" box), put
   a template of that name in templates/blocks/ (copy the built-in one to start, e.g.
   blocks/ask.html). To add a block type of your own, add templates/blocks/NAME.html
   and use "type: NAME" in a handout; the block's keys reach the template as "block".

   Example: to add a line after the body, delete the two comment markers below. #}
{% extends "builtin/handout.html" %}

{# {% block after_boxes %}
<p>Classes meet every Tuesday at 10 am in Room 4.</p>
{% endblock %} #}
'''

IMAGES_NOTE = "Put your clinic's logo here (PNG or SVG), then set logo in osteo-print.toml.\n"


def init_project(directory: Path, with_content: bool = False) -> list[Path]:
    """Create the project files in ``directory``; never overwrite one.

    Run on an existing project with ``with_content``, it adds only the content copy and
    points the project file at it.
    """
    config = directory / CONFIG_NAME
    content = directory / "content"
    if config.exists():
        if not with_content or content.exists():
            taken = [p for p in (config, content if with_content else None) if p and p.exists()]
            raise OutputError("osteo-print init will not overwrite a project.", [
                Problem(display_path(p), None, "", "already exists") for p in taken])
        return _guarded(directory, lambda: _add_content(directory, config))
    if with_content and content.exists():
        raise OutputError("osteo-print init will not overwrite a project.", [
            Problem(display_path(content), None, "", "already exists")])
    return _guarded(directory, lambda: _new_project(directory, with_content))


def _guarded(directory: Path, make) -> list[Path]:
    try:
        return make()
    except OSError as exc:
        raise OutputError("The project could not be created.",
                          [Problem(display_path(directory), None, "",
                                   exc.strerror or str(exc))]) from None


def _copy_content(directory: Path) -> Path:
    """Copy the built-in content, renamed into place whole."""
    staging = directory / ".content-being-copied"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(BUILTIN_CONTENT, staging)
    staging.rename(directory / "content")
    return directory / "content"


def _add_content(directory: Path, config: Path) -> list[Path]:
    created = [_copy_content(directory)]
    text = config.read_text("utf-8")
    if re.search(r"^\s*content\s*=", text, re.M) is None:
        lines = text.splitlines(keepends=True)
        commented = [i for i, line in enumerate(lines)
                     if re.match(r"^#\s*content\s*=", line)]
        after = next((i for i, line in enumerate(lines) if line.strip() == "[defaults]"), None)
        if commented:
            lines[commented[0]] = 'content = "content"\n'
        elif after is not None:
            lines.insert(after + 1, 'content = "content"\n')
        else:
            lines.append('\n[defaults]\ncontent = "content"\n')
        config.write_text("".join(lines), "utf-8")
        created.append(config)
    return created


def _new_project(directory: Path, with_content: bool) -> list[Path]:
    (directory / "templates").mkdir(parents=True, exist_ok=True)
    (directory / "images").mkdir(exist_ok=True)
    created = []
    config = directory / CONFIG_NAME
    if with_content:  # copied first, so a failed copy leaves no project file behind
        created.append(_copy_content(directory))
    content_line = 'content = "content"' if with_content else '# content = "content"'
    config.write_text(CONFIG_TEXT.replace("{content_line}", content_line), "utf-8")
    created.insert(0, config)
    override = directory / "templates" / "handout.html"
    if not override.exists():
        override.write_text(OVERRIDE_TEXT, "utf-8")
        created.insert(1, override)
    note = directory / "images" / "README.txt"
    if not note.exists():
        note.write_text(IMAGES_NOTE, "utf-8")
        created.append(note)
    return created
