"""Audience profiles: who a document is for, and the type and layout that suit them.

Each audience is one folder holding ``audience.toml`` (and, if it wants, templates
that override the built-in ones for that audience). The built-in audiences live in
``templates/audiences/``; a clinic adds its own in ``audiences/`` next to its
``osteo-print.toml``, and may ``extends`` a built-in one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError

from osteo_print.errors import ContentError, Problem
from osteo_print.models import Model, Short, Slug, friendly_message
from osteo_print.paths import BUILTIN_TEMPLATES
from osteo_print.safefile import outside_problem, real_roots
from osteo_print.tomlfile import load_toml
from osteo_print.yamlfile import YamlFileError

BUILTIN_AUDIENCES = BUILTIN_TEMPLATES / "audiences"
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")  # folders named otherwise are not audiences
Points = Annotated[float, Field(ge=9, le=60)]


class Audience(Model):
    """Type sizes (pt), spacing and layout for one audience; defaults suit general print."""

    name: Slug = "general"
    label: Short = "General"
    description: Short = ""
    extends: Slug | None = None
    content: Slug | None = None  # content variant folder, e.g. "easy-read"; None = base
    body_pt: Points = 12
    lead_pt: Points = 13.5
    title_pt: Points = 22
    heading_pt: Points = 16
    subheading_pt: Points = 13.5
    small_pt: Points = 12
    source_pt: Points = 10
    furniture_pt: Points = 10
    cite_pt: Points = 9.5
    quiz_pt: Points = 14
    line_height: Annotated[float, Field(ge=1.0, le=3.0)] = 1.35
    list_columns: Annotated[int, Field(ge=1, le=3)] = 2
    pair_boxes: bool = True
    stack_tables: bool = False
    cite_once_per_section: bool = False  # one [n] per source in a section or box
    # pages a handout should take ('osteo-print check' warns past it); 0: no target
    target_pages: Annotated[int, Field(ge=0, le=100)] = 2
    # lang -> words this audience's text must not use (checked by 'osteo-print check')
    voice: dict[Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")],
                list[Short]] = {}


def audience_dirs(extra: Iterable[Path] = ()) -> list[Path]:
    """Folders that hold audience folders, the clinic's first."""
    return [*extra, BUILTIN_AUDIENCES]


def find_audience_folder(name: str, roots: Iterable[Path]) -> Path | None:
    for root in roots:
        folder = root / name
        if (folder / "audience.toml").is_file():
            return folder
    return None


def available(roots: Iterable[Path]) -> list[str]:
    """Every audience name found, in a stable order (built-in order first)."""
    names: list[str] = []
    for root in reversed(list(roots)):
        if root.is_dir():
            for folder in sorted(root.iterdir()):
                if (folder / "audience.toml").is_file() and folder.name not in names \
                        and SLUG_RE.match(folder.name):
                    names.append(folder.name)
    order = ["general", "large-print", "easy-read", "caregiver"]
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))


def load_audience(name: str, roots: list[Path], _seen: tuple[str, ...] = ()) -> Audience:
    """Load one audience, following ``extends``; raise ContentError with its location."""
    folder = find_audience_folder(name, roots)
    if folder is None:
        known = ", ".join(available(roots))
        raise ContentError(f"Unknown audience {name!r}.",
                           [Problem("audiences", None, "", f"known audiences: {known}")])
    path = folder / "audience.toml"
    # An audience's folder is also a template folder: it, and its file, must lie inside
    # the folder of audiences that holds it (which may itself be a link), never be a link
    # out of it to files elsewhere.
    root = real_roots([folder.parent])
    try:
        problem = outside_problem(folder, root, "the audiences folder")
        if problem is not None:
            raise YamlFileError(problem)
        doc = load_toml(path, root, "the audiences folder")
    except YamlFileError as exc:
        raise ContentError("An audience file is broken.", [exc.problem]) from None
    data = dict(doc.data)
    parent = data.get("extends")
    base: dict = {}
    if isinstance(parent, str) and parent:
        if parent in (*_seen, name):
            raise ContentError("Audiences extend each other in a circle.",
                               [doc.problem(("extends",), f"{parent!r} leads back here")])
        if find_audience_folder(parent, roots) is None:
            raise ContentError("An audience extends one that does not exist.", [doc.problem(
                ("extends",), f"no audience {parent!r} (known: {', '.join(available(roots))})")])
        base = load_audience(parent, roots, (*_seen, name)).model_dump(
            exclude={"name", "label", "description", "extends"})
    try:
        return Audience.model_validate({**base, **data, "name": name})
    except ValidationError as exc:
        problems = [doc.problem(tuple(e["loc"]), friendly_message(e, "setting"))
                    for e in exc.errors()]
        raise ContentError("An audience file has mistakes.", problems) from None
