"""Load and validate a content folder: every mistake in every file, located, in one go.

Layout::

    content/
      sources.yaml                          the numbered sources
      <lang>/handouts/<doc>.yaml            one file per handout and language
      <lang>/handouts/<variant>/<doc>.yaml  an audience's version of a handout
      <lang>/quiz.yaml                      the quiz bank of that language

A variant file (``easy-read``, ``caregiver``...) is an overlay on the base handout: the
keys it sets replace the base's, and the others are kept. Its ``sections`` list gives
the sections in order; an entry with only an ``id`` keeps the base section as it is,
and base sections it does not list are left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from osteo_print import fonts
from osteo_print.errors import ContentError, Problem, display_path
from osteo_print.models import (
    HANDOUTS,
    Handout,
    Loc,
    Source,
    SourceList,
    friendly_message,
    walk,
)
from osteo_print.paths import BUILTIN_CONTENT
from osteo_print.quiz.bank import ITEM_TYPES, QuizBank
from osteo_print.quiz.generate import generate
from osteo_print.quiz.questions import Question
from osteo_print.quiz.validate import bank_problems, build_pool, template_problems
from osteo_print.yamlfile import YamlDoc, YamlFileError, load_yaml

LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
M = TypeVar("M", bound=BaseModel)
Locate = Callable[[Loc, str], Problem]


@dataclass(frozen=True)
class Quizzes:
    """A language's quiz bank and every item a quiz can use (authored and generated)."""

    bank: QuizBank
    pool: dict[str, Question]


@dataclass(frozen=True)
class Content:
    """A validated content folder."""

    root: Path
    sources: dict[int, Source]
    handouts: dict[tuple[str, str, str | None], Handout]  # (lang, document, variant)
    files: dict[tuple[str, str, str | None], tuple[Path, ...]]  # the files each was read from
    quizzes: dict[str, Quizzes]  # lang -> quiz bank
    warnings: list[str] = field(default_factory=list)

    def handout(self, lang: str, document: str, variant: str | None = None) -> Handout:
        """The handout in a language, in an audience's variant when there is one."""
        return self.handouts.get((lang, document, variant)) \
            or self.handouts[(lang, document, None)]

    def cited_sources(self, model: BaseModel) -> list[Source]:
        """Return the sources a model cites, in number order."""
        cited = {value for loc, value in walk(model) if loc and loc[-1] == "source" and value}
        return [self.sources[n] for n in sorted(cited) if n in self.sources]


def handout_path(root: Path, lang: str, document: str, variant: str | None = None) -> Path:
    folder = root / lang / "handouts"
    return (folder / variant if variant else folder) / f"{document}.yaml"


def load_content(root: Path, langs: Sequence[str] = ("en",)) -> Content:
    """Load ``root``; raise ContentError listing every problem found in it."""
    problems: list[Problem] = []
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "folder not found"
        raise ContentError("The content folder cannot be used.",
                           [Problem(display_path(root), None, "", what)])

    source_list = _load(root / "sources.yaml", SourceList, problems)
    sources = {s.number: s for s in source_list.sources} if source_list else None
    if source_list:
        problems += _duplicate_numbers(root / "sources.yaml", source_list)

    handouts: dict[tuple[str, str, str | None], Handout] = {}
    files: dict[tuple[str, str, str | None], tuple[Path, ...]] = {}
    quizzes: dict[str, Quizzes] = {}
    warnings: list[str] = []
    for lang in langs:
        folder = root / lang / "handouts"
        if not folder.is_dir():
            where = f"content/{lang}/handouts" if root == BUILTIN_CONTENT else \
                display_path(folder)
            problems.append(Problem(where, None, "", (
                f"folder not found; language {lang!r} needs its handouts here")))
            continue
        warnings += _unknown_files(folder)
        bases: dict[str, YamlDoc] = {}
        for document, model in HANDOUTS.items():
            path = handout_path(root, lang, document)
            doc = _read(path, problems)
            handout = doc and _validate(doc.data, model, doc.problem, problems, sources)
            if doc and handout:
                bases[document] = doc
                handouts[(lang, document, None)] = handout
                files[(lang, document, None)] = (path,)
        for variant in _variants(folder):
            warnings += _unknown_files(folder / variant)
            for document, base in bases.items():
                path = handout_path(root, lang, document, variant)
                if not path.is_file():
                    continue
                overlay = _read(path, problems)
                if overlay is None:
                    continue
                data, locate = _overlay(base, overlay, problems)
                handout = _validate(data, HANDOUTS[document], locate, problems, sources)
                if handout:
                    handouts[(lang, document, variant)] = handout
                    files[(lang, document, variant)] = (base.path, path)
        mine = {d: h for (lg, d, v), h in handouts.items() if lg == lang and v is None}
        quiz = _load_quiz(root / lang / "quiz.yaml", mine, problems, sources)
        if quiz is not None:
            quizzes[lang] = quiz

    if problems:
        n = len(problems)
        raise ContentError(
            f"The content has {n} problem{'s' if n > 1 else ''}; nothing was written.",
            problems)
    return Content(root, sources or {}, handouts, files, quizzes, warnings)


def _variants(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()
                  if p.is_dir() and any(p.glob("*.yaml")))


def _read(path: Path, problems: list[Problem]) -> YamlDoc | None:
    try:
        return load_yaml(path)
    except YamlFileError as exc:
        problems.append(exc.problem)
        return None


def _load(path: Path, model: type[M], problems: list[Problem],
          sources: dict[int, Source] | None = None) -> M | None:
    """Parse and validate one file, appending its problems; return None if it had any."""
    doc = _read(path, problems)
    return doc and _validate(doc.data, model, doc.problem, problems, sources)


def _validate(data: Any, model: type[M], locate: Locate, problems: list[Problem],
              sources: dict[int, Source] | None) -> M | None:
    try:
        value = model.model_validate(data)
    except ValidationError as exc:
        problems += [locate(_clean_loc(err["loc"]), friendly_message(err)) for err in exc.errors()]
        return None
    found = [locate(loc, msg) for loc, msg in _semantic(value, sources)]
    problems += found
    return None if found else value


def _overlay(base: YamlDoc, overlay: YamlDoc, problems: list[Problem]
             ) -> tuple[Any, Locate]:
    """Merge a variant onto its base handout; return the data and a locator for it."""
    if not isinstance(overlay.data, dict) or not isinstance(base.data, dict):
        return overlay.data, overlay.problem
    data = {**base.data, **overlay.data}
    origin: dict[int, tuple[YamlDoc, int]] = {}  # merged section index -> (file, index)
    if isinstance(overlay.data.get("sections"), list):
        by_id = {s.get("id"): (i, s) for i, s in enumerate(base.data.get("sections", []))
                 if isinstance(s, dict)}
        merged = []
        for j, section in enumerate(overlay.data["sections"]):
            if isinstance(section, dict) and set(section) == {"id"}:
                if section["id"] not in by_id:
                    problems.append(overlay.problem(("sections", j, "id"), (
                        f"the base handout has no section {section['id']!r} to keep")))
                    continue
                i, kept = by_id[section["id"]]
                origin[len(merged)] = (base, i)
                merged.append(kept)
            else:
                origin[len(merged)] = (overlay, j)
                merged.append(section)
        data["sections"] = merged

    def locate(loc: Loc, message: str) -> Problem:
        if loc[:1] == ("sections",) and len(loc) > 1 and loc[1] in origin:
            doc, index = origin[loc[1]]  # type: ignore[index]
            return doc.problem(("sections", index, *loc[2:]), message)
        doc = overlay if loc[:1] and loc[0] in overlay.data else base
        return doc.problem(loc, message)

    return data, locate


def _semantic(value: BaseModel, sources: dict[int, Source] | None
              ) -> Iterator[tuple[Loc, str]]:
    if isinstance(value, Handout):
        yield from value.problems()
    for loc, leaf in walk(value):
        if loc and loc[-1] == "source" and leaf is not None and sources is not None \
                and leaf not in sources:
            yield loc, f"source {leaf} is not in sources.yaml"
        if isinstance(leaf, str):
            yield from _text_problems(loc, leaf)


def _text_problems(loc: Loc, text: str) -> Iterator[tuple[Loc, str]]:
    if text.count("**") % 2:
        yield loc, "unbalanced ** (bold markers come in pairs: **like this**)"
    if missing := fonts.missing_chars(text):
        shown = " ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in missing)
        yield loc, f"the font cannot print {shown}; use other characters or words"


def _load_quiz(path: Path, handouts: dict[str, Handout], problems: list[Problem],
               sources: dict[int, Source] | None) -> Quizzes | None:
    """Load a quiz bank and check it against the language's handouts."""
    doc = _read(path, problems)
    bank = doc and _validate(doc.data, QuizBank, doc.problem, problems, sources)
    if doc is None or bank is None or len(handouts) < len(HANDOUTS):
        return None  # checks against handouts that did not load would only add noise
    found = list(template_problems(bank))
    generated = [] if found else generate(handouts, bank)
    found += bank_problems(bank, handouts, generated) if not found else []
    if found:
        problems += [doc.problem(loc, message) for loc, message in found]
        return None
    return Quizzes(bank, build_pool(bank, generated))


def _clean_loc(loc: tuple) -> Loc:
    """Drop the union tag pydantic puts after a list index (``items[3].single.stem``)."""
    out = []
    for i, part in enumerate(loc):
        if part in ITEM_TYPES and i and isinstance(loc[i - 1], int):
            continue
        out.append(part)
    return tuple(out)


def _duplicate_numbers(path: Path, source_list: SourceList) -> list[Problem]:
    numbers = [s.number for s in source_list.sources]
    if len(set(numbers)) == len(numbers):
        return []
    doc = load_yaml(path)
    return [doc.problem(("sources", i, "number"), f"source {n} is listed twice")
            for i, n in enumerate(numbers) if n in numbers[:i]]


def _unknown_files(folder: Path) -> Iterable[str]:
    """Name YAML files that are not handouts (a backup copy, a typo): they are skipped."""
    known = ", ".join(HANDOUTS)
    for path in sorted(folder.iterdir()):
        if path.suffix == ".yml" and path.stem in HANDOUTS:
            yield (f"{display_path(path)}: skipped; handout files end in .yaml "
                   f"({path.stem}.yaml)")
        elif path.suffix in (".yaml", ".yml") and path.stem not in HANDOUTS:
            yield (f"{display_path(path)}: skipped; it is not one of the handouts "
                   f"({known})")
