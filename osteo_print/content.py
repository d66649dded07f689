"""Load and validate a content folder: every mistake in every file, located, in one go.

Layout::

    content/
      sources.yaml                          the numbered sources
      <lang>/handouts/<doc>.yaml            one file per handout and language
      <lang>/handouts/<variant>/<doc>.yaml  an audience's version of a handout
      <lang>/quiz.yaml                      the quiz bank of that language

      <lang>/quiz/<variant>.yaml            an audience's version of the quiz bank

Any ``<name>.yaml`` in a handouts folder is a handout (see docs/content-model.md). A
variant file (``easy-read``, ``caregiver``...) is an overlay on its base: the keys it
sets replace the base's, and the others are kept. In its ``blocks`` (or, for a quiz
bank, ``items``) an entry with only an ``id`` keeps the base's entry as it is, and
base entries it does not list are left out.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from osteo_print import fonts
from osteo_print.errors import ContentError, Problem, display_path
from osteo_print.handout import BLOCK_TAGS, BOX_IDS, NAME_RE, Handout
from osteo_print.models import (
    Loc,
    Source,
    SourceList,
    friendly_message,
    future_date,
    walk,
)
from osteo_print.paths import BUILTIN_CONTENT, BUILTIN_TEMPLATES
from osteo_print.quiz.bank import ITEM_TYPES, QuizBank
from osteo_print.quiz.generate import generate
from osteo_print.quiz.questions import Question
from osteo_print.quiz.validate import GENERATED, bank_problems, build_pool
from osteo_print.safefile import (
    MAX_TEXT_BYTES,
    InputFileError,
    outside_problem,
    read_input,
    real_roots,
)
from osteo_print.yamlfile import YamlDoc, YamlFileError, load_yaml

LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
M = TypeVar("M", bound=BaseModel)
Locate = Callable[[Loc, str], Problem]
Key = tuple[str, str, str | None]  # (language, handout name, variant or None)


@dataclass(frozen=True)
class Quizzes:
    """A quiz bank and every item a quiz can use (authored and generated)."""

    bank: QuizBank
    pool: dict[str, Question]


@dataclass(frozen=True)
class Content:
    """A validated content folder."""

    root: Path
    sources: dict[int, Source]
    handouts: dict[Key, Handout]
    files: dict[Key, tuple[Path, ...]]  # the files each was read from
    quizzes: dict[tuple[str, str | None], Quizzes]  # (lang, variant) -> quiz bank
    warnings: list[str] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)  # lang -> untranslated

    def handout(self, lang: str, document: str, variant: str | None = None) -> Handout:
        """The handout in a language, in an audience's variant when there is one."""
        return self.handouts.get((lang, document, variant)) \
            or self.handouts[(lang, document, None)]

    def names(self, lang: str | None = None) -> list[str]:
        """The handouts of a language (or of any), by their ``order``, then by name."""
        found = {(h.order, d) for (lg, d, v), h in self.handouts.items()
                 if v is None and (lang is None or lg == lang)}
        return list(dict.fromkeys(d for _, d in sorted(found)))

    def has(self, lang: str, document: str) -> bool:
        return (lang, document, None) in self.handouts

    def quiz(self, lang: str, variant: str | None = None) -> Quizzes:
        """The quiz bank of a language, in an audience's variant when there is one."""
        return self.quizzes.get((lang, variant)) or self.quizzes[(lang, None)]

    def cited_sources(self, model: BaseModel) -> list[Source]:
        """Return the sources a model cites, in number order."""
        cited = {value for loc, value in walk(model) if loc and loc[-1] == "source"
                 and isinstance(value, int) and not isinstance(value, bool)}
        return [self.sources[n] for n in sorted(cited) if n in self.sources]


def handout_path(root: Path, lang: str, document: str, variant: str | None = None) -> Path:
    folder = root / lang / "handouts"
    return (folder / variant if variant else folder) / f"{document}.yaml"


def quiz_path(root: Path, lang: str, variant: str | None = None) -> Path:
    return root / lang / "quiz" / f"{variant}.yaml" if variant else root / lang / "quiz.yaml"


def load_content(root: Path, langs: Sequence[str] = ("en",),
                 block_types: frozenset[str] | None = None,
                 roots: Sequence[Path] = ()) -> Content:
    """Load ``root``; raise ContentError listing every problem found in it.

    ``block_types`` are the block types the templates know (default: the built-in ones).
    Files are read only inside ``root`` and ``roots`` (the project's folder): a link
    leading out of them, or round in a loop, is a located problem.
    """
    problems: list[Problem] = []
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "folder not found"
        raise ContentError("The content folder cannot be used.",
                           [Problem(display_path(root), None, "", what)])
    known = frozenset(block_types) if block_types is not None else builtin_block_types()
    allowed = real_roots([root, *roots])
    key = _load_key(root, langs, known, allowed)
    kept = None
    if key is not None:  # kept for any working folder, or for this one (see _LOADED)
        kept = _LOADED.get(key) or _LOADED.get((*key, os.getcwd()))
    if kept is not None:
        return _private(kept)
    content = _load_content(root, langs, known, allowed, problems)
    # Kept only if nothing changed while it loaded: the key must be what was read.
    if key is not None and _load_key(root, langs, known, allowed) == key:
        if content.warnings or not root.is_absolute():
            key = (*key, os.getcwd())
        _LOADED[key] = _private(content)
        while len(_LOADED) > LOADED_LIMIT:
            _LOADED.popitem(last=False)
    return content


# Loaded content folders, by everything that went into them: the folder's whole tree
# (every entry's name and kind, where each link leads, each file's bytes), the languages,
# block types, the build date (content dated after it warns), the allowed roots if the
# folder holds a link (only a link can lead out of them), and the working folder if the
# content has warnings (they name files relative to it) or the folder's path is relative.
# A long-lived process (osteo-print serve, a program using the library, the test suite)
# that loads the same folder again reads and hashes its files (a few ms) instead of
# checking every model (some 150 ms for the built-in content in two languages), from
# whichever project or folder it is asked; an edit anywhere in it is a new key. Only a
# load that succeeded is kept; each caller gets its own dicts and lists (the models
# themselves are frozen).
LOADED_LIMIT = 16
_LOADED: OrderedDict[tuple[Any, ...], Content] = OrderedDict()


def _load_key(root: Path, langs: Sequence[str], known: frozenset[str],
              allowed: tuple[Path, ...]) -> tuple[Any, ...] | None:
    """The cache key of a load, or None when the folder is not kept: something in it
    cannot be read, is too big to be content, is no plain file or folder, or is a link
    to a folder or out of the allowed roots (the load then says what, if anything)."""
    from osteo_print.models import build_date

    digest = hashlib.sha256()
    try:
        linked = _digest_tree(root, "", digest, allowed)
    except (OSError, _Unkeyable):
        return None
    return (str(root), tuple(langs), known, allowed if linked else None, build_date(),
            digest.hexdigest())


class _Unkeyable(Exception):
    pass


def _digest_tree(folder: Path, prefix: str, digest: Any, allowed: tuple[Path, ...]) -> bool:
    """Hash every entry under ``folder``; return whether it holds a link. Links are
    followed only to files inside the allowed roots, and files are read as the load reads
    them (``safefile.read_input``: never blocking on a FIFO), so a folder that links out
    of them costs nothing here."""
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    linked = False
    for entry in entries:
        name = prefix + entry.name
        if entry.is_symlink() and entry.is_dir():
            raise _Unkeyable
        if entry.is_dir():
            digest.update(f"d\0{name}\0".encode("utf-8", "surrogateescape"))
            linked |= _digest_tree(Path(entry.path), name + "/", digest, allowed)
            continue
        linked |= entry.is_symlink()
        try:  # a FIFO, a device, a huge file, a link out of the roots: never kept
            data = read_input(Path(entry.path), MAX_TEXT_BYTES, allowed)
        except InputFileError:
            raise _Unkeyable from None
        link = os.path.realpath(entry.path) if entry.is_symlink() else ""
        digest.update(f"f\0{name}\0{link}\0{len(data)}\0".encode(
            "utf-8", "surrogateescape") + hashlib.sha256(data).digest())
    return linked


def _private(content: Content) -> Content:
    """A copy of ``content`` whose dicts and lists a caller may change."""
    return replace(content, sources=dict(content.sources), handouts=dict(content.handouts),
                   files=dict(content.files),
                   quizzes={k: replace(q, pool=dict(q.pool))
                            for k, q in content.quizzes.items()},
                   warnings=list(content.warnings),
                   missing={k: list(v) for k, v in content.missing.items()})


def _load_content(root: Path, langs: Sequence[str], known: frozenset[str],
                  allowed: tuple[Path, ...], problems: list[Problem]) -> Content:
    source_list = _load(root / "sources.yaml", SourceList, problems, allowed)
    sources = {s.number: s for s in source_list.sources} if source_list else None
    if source_list:
        problems += _duplicate_numbers(root / "sources.yaml", source_list)

    loaded = _Loaded(sources, known, problems, allowed)
    for lang in langs:
        folder = root / lang / "handouts"
        if not folder.is_dir():
            where = f"content/{lang}/handouts" if root == BUILTIN_CONTENT else \
                display_path(folder)
            problems.append(Problem(where, None, "", (
                f"folder not found; language {lang!r} needs its handouts here")))
            continue
        loaded.language(root, lang)

    if problems:
        n = len(problems)
        raise ContentError(
            f"The content has {n} problem{'s' if n > 1 else ''}; nothing was written.",
            problems)
    missing = _untranslated(root, loaded.handouts, langs)
    warnings = loaded.warnings + [
        f"{display_path(handout_path(root, lang, d))}: not translated yet, so the {lang} "
        f"build has no {d!r} handout" for lang, names in missing.items() for d in names]
    warnings += [f"{display_path(loaded.files[key][-1])}: {late}"
                 for key, handout in loaded.handouts.items()
                 if (late := future_date(handout.last_reviewed))]
    return Content(root, sources or {}, loaded.handouts, loaded.files, loaded.quizzes,
                   warnings, missing)


def builtin_block_types() -> frozenset[str]:
    return block_types_in([BUILTIN_TEMPLATES])


def block_types_in(folders: Iterable[Path]) -> frozenset[str]:
    """The block types that have a template ``blocks/<type>.html`` in these folders."""
    found = set()
    for folder in folders:
        blocks = folder / "blocks"
        if blocks.is_dir():
            found |= {p.stem for p in blocks.glob("*.html") if NAME_RE.match(p.stem)}
    return frozenset(found)


def _untranslated(root: Path, handouts: dict[Key, Handout], langs: Sequence[str]
                  ) -> dict[str, list[str]]:
    names = {d for (_, d, v) in handouts if v is None}
    out = {}
    for lang in langs:
        if (root / lang / "handouts").is_dir():
            lacking = sorted(d for d in names if (lang, d, None) not in handouts)
            if lacking:
                out[lang] = lacking
    return out


class _Loaded:
    """What has been read so far, and the problems met."""

    def __init__(self, sources: dict[int, Source] | None, known: frozenset[str],
                 problems: list[Problem], roots: tuple[Path, ...]) -> None:
        self.sources, self.known, self.problems = sources, known, problems
        self.roots = roots  # real paths of the folders files may be read from
        self.handouts: dict[Key, Handout] = {}
        self.files: dict[Key, tuple[Path, ...]] = {}
        self.quizzes: dict[tuple[str, str | None], Quizzes] = {}
        self.warnings: list[str] = []

    def language(self, root: Path, lang: str) -> None:
        folder = root / lang / "handouts"
        bases: dict[str, YamlDoc] = {}
        if problem := _folder_problem(folder, self.roots):
            self.problems.append(problem)
            return
        for path in _handout_files(folder, self.problems, self.warnings):
            doc = _read(path, self.problems, self.roots)
            handout = doc and self.validate(doc.data, doc.problem)
            if doc and handout:
                bases[path.stem] = doc
                self.handouts[(lang, path.stem, None)] = handout
                self.files[(lang, path.stem, None)] = (path,)
        broken = any(p.file.startswith(display_path(folder)) for p in self.problems)
        variants = _variants(folder, self.problems, self.roots)
        for variant in variants:
            for path in _handout_files(folder / variant, self.problems, self.warnings):
                self.variant(path, bases, lang, variant)
        if broken or any(p.file.startswith(display_path(folder)) for p in self.problems):
            # Checks against handouts that did not load would only add noise; the banks'
            # own mistakes are still worth reporting in the same run.
            for path in (quiz_path(root, lang), *(quiz_path(root, lang, v) for v in
                                                  _quiz_variants(root / lang, self.problems,
                                                                 self.roots))):
                doc = _read(path, self.problems, self.roots) if _present(path) else None
                if doc is not None and path == quiz_path(root, lang):
                    _validate(doc.data, QuizBank, doc.problem, self.problems, self.sources)
            return
        quiz_variants = _quiz_variants(root / lang, self.problems, self.roots)
        for quiz_variant in (None, *sorted(set(variants) | set(quiz_variants))):
            self.quiz(root, lang, quiz_variant)

    def validate(self, data: Any, locate: Locate) -> Handout | None:
        if isinstance(data, dict) and "blocks" not in data and \
                {"sections", "key_points"} & set(data):
            self.problems.append(locate(("sections",), (
                "this handout is in the old layout (sections, "
                "key_points...): handouts now hold blocks (docs/content-model.md); "
                "scripts/migrate_content.py in the source converts a content folder")))
            return None
        return _validate(data, Handout, locate, self.problems, self.sources, self.known)

    def variant(self, path: Path, bases: dict[str, YamlDoc], lang: str, variant: str) -> None:
        overlay = _read(path, self.problems, self.roots)
        if overlay is None:
            return
        base = bases.get(path.stem)
        if base is None:
            if (path.parent.parent / f"{path.stem}.yaml").is_file():
                return  # the base has problems of its own, reported already
            self.problems.append(overlay.problem((), (
                f"no handout {path.stem}.yaml in {display_path(path.parent.parent)} for "
                f"this {variant} version to change")))
            return
        data, locate = merge(base, overlay, "blocks", self.problems)
        handout = self.validate(data, _for_variant(locate, variant))
        if handout:
            self.handouts[(lang, path.stem, variant)] = handout
            self.files[(lang, path.stem, variant)] = (base.path, path)

    def quiz(self, root: Path, lang: str, variant: str | None) -> None:
        base_path = quiz_path(root, lang)
        if variant is None and not _present(base_path):
            if self.names(lang):
                self.problems.append(Problem(display_path(base_path), None, "", (
                    "file not found; every language needs a quiz bank")))
            return
        base = _read(base_path, self.problems, self.roots)
        if base is None:
            return
        data: Any = base.data
        locate: Locate = base.problem
        overlay_path = quiz_path(root, lang, variant) if variant else None
        if overlay_path is not None and _present(overlay_path):
            overlay = _read(overlay_path, self.problems, self.roots)
            if overlay is None:
                return
            data, locate = merge(base, overlay, "items", self.problems)
        if variant is not None and (lang, None) not in self.quizzes:
            return  # the base bank failed; its problems are reported once
        handouts = {d: self.handouts.get((lang, d, variant)) or self.handouts[(lang, d, None)]
                    for d in self.names(lang)}
        if variant is not None:
            locate = _for_variant(locate, variant)
        quizzes = _load_quiz(data, self._generated_locator(lang, variant, locate), handouts,
                             self.problems, self.sources)
        if quizzes is not None:
            self.quizzes[(lang, variant)] = quizzes

    def _generated_locator(self, lang: str, variant: str | None, locate: Locate) -> Locate:
        """Place a generated item's problem at its generator, in the handout that has it."""
        def where(loc: Loc, message: str) -> Problem:
            if loc[:1] != (GENERATED,):
                return locate(loc, message)
            name, family = str(loc[1]), loc[2]
            key = (lang, name, variant) if (lang, name, variant) in self.files \
                else (lang, name, None)
            handout = self.handouts[key]
            index = next((i for i, g in enumerate(handout.generators) if g.id == family), 0)
            doc = load_yaml(self.files[key][-1])
            if not isinstance(doc.data, dict) or "generators" not in doc.data:
                doc = load_yaml(self.files[key][0])
            suffix = f" (in the {variant} version)" if variant else ""
            return doc.problem(("generators", index), message + suffix)
        return where

    def names(self, lang: str) -> list[str]:
        return [d for (lg, d, v) in self.handouts if lg == lang and v is None]


def _for_variant(locate: Locate, variant: str) -> Locate:
    """Say which audience's version a problem was found in."""
    return lambda loc, message: locate(loc, f"{message} (in the {variant} version)")


def _handout_files(folder: Path, problems: list[Problem], warnings: list[str]) -> list[Path]:
    """The handout files of a folder; a badly named one is a located problem."""
    out = []
    for path in sorted(folder.iterdir()):
        if path.is_dir() or path.name.startswith("."):
            continue
        if path.suffix == ".yml":
            problems.append(Problem(display_path(path), None, "", (
                f"handout files end in .yaml: rename it {path.stem}.yaml")))
        elif path.suffix == ".yaml":
            if path.stem == "quiz" or path.stem.startswith("quiz-"):
                problems.append(Problem(display_path(path), None, "", (
                    "'quiz' and names starting with 'quiz-' are kept for the quizzes: give "
                    "this handout another name")))
            elif NAME_RE.match(path.stem) and len(path.stem) <= 60:
                out.append(path)
            else:
                problems.append(Problem(display_path(path), None, "", (
                    "a handout's file name is its document name: use lower-case letters, "
                    "digits and '-' (like walk-group.yaml)")))
        elif not path.name.endswith(("~", ".bak", ".orig", ".swp")):
            warnings.append(f"{display_path(path)}: skipped; handouts are .yaml files")
    return out


def _quiz_variants(folder: Path, problems: list[Problem], roots: tuple[Path, ...]
                   ) -> list[str]:
    quiz_dir = folder / "quiz"
    if not quiz_dir.is_dir() or (problem := _folder_problem(quiz_dir, roots)):
        if quiz_dir.is_dir() and problem:
            problems.append(problem)
        return []
    return [p.stem for p in sorted(quiz_dir.glob("*.yaml")) if NAME_RE.match(p.stem)]


def _variants(folder: Path, problems: list[Problem], roots: tuple[Path, ...]) -> list[str]:
    found = []
    for path in sorted(folder.iterdir()):
        if not path.is_dir():
            continue
        if problem := _folder_problem(path, roots):
            problems.append(problem)
        elif any(path.glob("*.yaml")):
            found.append(path.name)
    return found


def _present(path: Path) -> bool:
    """Is there anything by this name (a link to nowhere, a pipe...)? Reading it then
    says what is wrong with it, where ``is_file`` would call it missing."""
    return os.path.lexists(path)


def _folder_problem(folder: Path, roots: tuple[Path, ...]) -> Problem | None:
    """A content folder reached through a link that leads out of the allowed folders, or
    back into a folder that holds it (which would repeat the content), as a problem."""
    if not os.path.lexists(folder):
        return None
    if problem := outside_problem(folder, roots, "the content folder"):
        return problem
    if folder.is_symlink():
        real = Path(os.path.realpath(folder))
        if Path(os.path.realpath(folder.parent)).is_relative_to(real):
            return Problem(display_path(folder), None, "", (
                f"is a link to {real}, a folder that holds it: a loop; remove the link"))
    return None


def _read(path: Path, problems: list[Problem], roots: tuple[Path, ...] | None = None
          ) -> YamlDoc | None:
    try:
        return load_yaml(path, roots)
    except YamlFileError as exc:
        problems.append(exc.problem)
        return None


def _load(path: Path, model: type[M], problems: list[Problem], roots: tuple[Path, ...],
          sources: dict[int, Source] | None = None) -> M | None:
    """Parse and validate one file, appending its problems; return None if it had any."""
    doc = _read(path, problems, roots)
    return None if doc is None else _validate(doc.data, model, doc.problem, problems, sources)


def _validate(data: Any, model: type[M], locate: Locate, problems: list[Problem],
              sources: dict[int, Source] | None,
              known: frozenset[str] | None = None) -> M | None:
    try:
        value = model.model_validate(data)
    except ValidationError as exc:
        problems += [locate(_clean_loc(err["loc"]), friendly_message(err)) for err in exc.errors()]
        return None
    found = [locate(loc, msg) for loc, msg in _semantic(value, sources, known)]
    problems += found
    return None if found else value


def merge(base: YamlDoc, overlay: YamlDoc, field: str, problems: list[Problem]
          ) -> tuple[Any, Locate]:
    """Lay an audience's version over its base; return the data and a locator for it.

    Keys the overlay sets replace the base's. In its ``field`` list (and, for blocks,
    inside sections), an entry with only an ``id`` keeps the base's entry with that id.
    """
    if not isinstance(overlay.data, dict) or not isinstance(base.data, dict):
        return overlay.data, overlay.problem
    data = {**base.data, **overlay.data}
    origin: dict[Loc, tuple[YamlDoc, Loc]] = {}
    entries = overlay.data.get(field)
    if isinstance(entries, list):
        index = dict(_by_id(base.data.get(field), (field,)))
        data[field] = _Merger(base, overlay, index, origin, problems).merge(
            entries, (field,), (field,))

    def locate(loc: Loc, message: str) -> Problem:
        for end in range(len(loc), 0, -1):
            if (found := origin.get(tuple(loc[:end]))) is not None:
                doc, where = found
                return doc.problem((*where, *loc[end:]), message)
        doc = overlay if loc[:1] and loc[0] in overlay.data else base
        return doc.problem(loc, message)

    return data, locate


def _by_id(entries: Any, loc: Loc) -> Iterator[tuple[str, tuple[Loc, Any]]]:
    """(id, (key path, entry)) for every entry with an id, sections' blocks included."""
    if not isinstance(entries, list):
        return
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        kind = entry.get("type")
        key = entry.get("id") or (BOX_IDS.get(kind) if isinstance(kind, str) else None)
        if isinstance(key, str):
            yield key, ((*loc, i), entry)
        yield from _by_id(entry.get("blocks"), (*loc, i, "blocks"))


@dataclass
class _Merger:
    """Builds the merged list, remembering which file each entry came from."""

    base: YamlDoc
    overlay: YamlDoc
    index: dict[str, tuple[Loc, Any]]
    origin: dict[Loc, tuple[YamlDoc, Loc]]
    problems: list[Problem]

    def merge(self, entries: list, merged_loc: Loc, overlay_loc: Loc) -> list:
        out: list = []
        for j, entry in enumerate(entries):
            here = (*merged_loc, len(out))
            if isinstance(entry, dict) and set(entry) == {"id"}:
                found = self.index.get(entry["id"]) if isinstance(entry["id"], str) else None
                if found is None:
                    self.problems.append(self.overlay.problem((*overlay_loc, j, "id"), (
                        f"the base has no {entry['id']!r} to keep (ids there: "
                        f"{', '.join(self.index) or 'none'})")))
                    continue
                self.origin[here] = (self.base, found[0])
                out.append(found[1])
                continue
            self.origin[here] = (self.overlay, (*overlay_loc, j))
            if isinstance(entry, dict) and isinstance(entry.get("blocks"), list):
                entry = {**entry, "blocks": self.merge(
                    entry["blocks"], (*here, "blocks"), (*overlay_loc, j, "blocks"))}
            out.append(entry)
        return out


def _semantic(value: BaseModel, sources: dict[int, Source] | None,
              known: frozenset[str] | None = None) -> Iterator[tuple[Loc, str]]:
    if isinstance(value, Handout):
        yield from value.problems(known)
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


def _load_quiz(data: Any, locate: Locate, handouts: dict[str, Handout],
               problems: list[Problem], sources: dict[int, Source] | None) -> Quizzes | None:
    """Validate a quiz bank and check it against the handouts it quizzes on."""
    bank = _validate(data, QuizBank, locate, problems, sources)
    if bank is None:
        return None
    generated = generate(handouts)
    found = list(bank_problems(bank, handouts, generated))
    if found:
        problems += [locate(loc, message) for loc, message in found]
        return None
    return Quizzes(bank, build_pool(bank, generated))


def _clean_loc(loc: tuple) -> Loc:
    """Drop the union tag pydantic puts after a list index (``items[3].single.stem``)."""
    out = []
    for i, part in enumerate(loc):
        if (part in ITEM_TYPES or part in BLOCK_TAGS) and i and isinstance(loc[i - 1], int):
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
