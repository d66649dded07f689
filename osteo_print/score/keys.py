"""Read the answer keys (``*-key_*.json``) of a folder."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from osteo_print.errors import Problem, display_path
from osteo_print.models import friendly_message
from osteo_print.safefile import InputFileError, read_input
from osteo_print.score.model import LETTERS, Key, KeyItem, ScoreError, See

KEY_GLOB = "*-key_*.json"
MAX_KEY_BYTES = 2_000_000  # a key is a few kB


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _SeeJson(_Loose):
    handout_title: str
    section_title: str | None = None
    box: str | None = None


class _QuestionJson(_Loose):
    number: int = Field(ge=1)
    id: str = Field(min_length=1)
    stem: str = ""
    type: Literal["single", "multiple", "true-false", "fill-blank", "matching"]
    options: list[str] = Field(min_length=2, max_length=len(LETTERS))
    correct: list[str] = Field(min_length=1)
    points: int = Field(ge=1)
    objective: str = ""
    handout: str = ""
    section: str = ""
    prompts: list[str] = []
    see: _SeeJson | None = None


class _KeyJson(_Loose):
    quiz: str = Field(min_length=1)
    title: str = ""
    version: str = Field(pattern=r"^[A-Z]$")
    seed: int
    code: str = Field(min_length=1)
    lang: str = "en"
    audience: str = "general"
    paper: str = "letter"
    hash: str | None = None
    questions: list[_QuestionJson] = Field(min_length=1)


@dataclass
class KeySet:
    """The keys of one folder; ``folder`` is how messages show ``path``."""

    path: Path
    folder: str
    keys: list[Key]

    def matching(self, quiz: str, version: str, code: str) -> list[Key]:
        return [k for k in self.keys if (k.quiz, k.version, k.code) == (quiz, version, code)]

    def quizzes(self) -> list[str]:
        return sorted({k.quiz for k in self.keys})

    def versions(self, quiz: str) -> list[str]:
        return sorted({k.version for k in self.keys if k.quiz == quiz})

    def codes(self, quiz: str, version: str) -> list[str]:
        return sorted({k.code for k in self.keys if (k.quiz, k.version) == (quiz, version)})

    def for_sheet(self, sheet_hash: str, quiz: str, version: str, code: str | None,
                  audience: str, lang: str, paper: str) -> Key | None:
        """The key of a printed sheet: the one with its hash, else the one of its quiz,
        version (and code), audience, language and paper."""
        for key in self.keys:
            if key.hash == sheet_hash:
                return key
        for key in self.keys:
            if (key.quiz, key.version, key.audience, key.lang, key.paper) == (
                    quiz, version, audience, lang, paper) and code in (None, key.code):
                return key
        return None


def load_keys(folder: Path) -> KeySet:
    """Read every answer key in ``folder``; raise ScoreError listing every broken one,
    or saying there are none."""
    shown = display_path(folder)
    if folder.exists() and not folder.is_dir():
        raise ScoreError("No answer keys to score with.", [Problem(shown, None, "", (
            "is a file, not a folder; give --keys the folder that holds the answer keys "
            "(*-key_*.json), the one the quizzes were printed into"))])
    if not folder.is_dir():
        raise ScoreError("No answer keys to score with.", [Problem(shown, None, "", (
            "no such folder; build the quizzes first (osteo-print quiz --form pre "
            "--form post), or give --keys the folder that holds their *-key_*.json files"))])
    keys: list[Key] = []
    problems: list[Problem] = []
    for path in sorted(folder.glob(KEY_GLOB)):
        if path.name.endswith(".map.json"):
            continue
        key = _read_key(path, problems)
        if key is not None:
            keys.append(key)
    if problems:
        raise ScoreError("An answer key cannot be used.", problems)
    if not keys:
        raise ScoreError("No answer keys to score with.", [Problem(shown, None, "", (
            "holds no answer keys (*-key_*.json); build the quizzes into it first "
            "(osteo-print quiz --form pre --form post), or give --keys the folder that "
            "holds them"))])
    return KeySet(folder, shown, keys)


def _read_json(path: Path, problems: list[Problem]) -> Any:
    shown = display_path(path)
    try:
        raw = read_input(path, MAX_KEY_BYTES)
    except InputFileError as exc:
        problems.append(exc.problem)
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        problems.append(Problem(shown, None, "", f"is not valid JSON ({exc}); build the "
                                "quiz again to write it afresh"))
        return None


def _read_key(path: Path, problems: list[Problem]) -> Key | None:
    data = _read_json(path, problems)
    if data is None:
        return None
    shown = display_path(path)
    try:
        parsed = _KeyJson.model_validate(data)
    except ValidationError as exc:
        problems += [Problem(shown, None, _loc(e["loc"]), friendly_message(e))
                     for e in exc.errors()]
        return None
    found = list(_key_problems(parsed))
    problems += [Problem(shown, None, where, message) for where, message in found]
    if found:
        return None
    return Key(shown, parsed.quiz, parsed.title, parsed.version, parsed.seed,
               parsed.code.upper(), parsed.lang, parsed.audience, parsed.paper,
               tuple(_item(q) for q in parsed.questions), parsed.hash)


def _loc(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _key_problems(key: _KeyJson) -> Iterator[tuple[str, str]]:
    """Keys that do not add up: numbers out of order, letters not printed, a matching
    item whose points are not one per line."""
    for index, q in enumerate(key.questions):
        where = f"questions[{index}]"
        if q.number != index + 1:
            yield f"{where}.number", f"is {q.number}; questions are numbered 1, 2, 3... in order"
        printed = LETTERS[:len(q.options)]
        wrong = [c for c in q.correct if c not in printed]
        if wrong:
            yield f"{where}.correct", (f"{', '.join(map(repr, wrong))} is not one of the "
                                       f"printed letters {', '.join(printed)}")
        yield from _shape_problems(q, where)


def _shape_problems(q: _QuestionJson, where: str) -> Iterator[tuple[str, str]]:
    if q.type == "matching":
        if not q.prompts or len(q.correct) != len(q.prompts):
            yield f"{where}.correct", "a matching item needs one right letter per line"
        elif q.points != len(q.prompts):
            yield f"{where}.points", (
                f"a matching item scores one point per line, so its points must equal its "
                f"{len(q.prompts)} lines, not {q.points}: set points: {len(q.prompts)} on "
                f"item {q.id!r} in the quiz bank and print the quiz again")
    elif q.type == "multiple":
        if len(set(q.correct)) != len(q.correct):
            yield f"{where}.correct", "names a letter twice"
    elif len(q.correct) != 1:
        yield f"{where}.correct", f"a {q.type} item has exactly one right letter"


def _item(q: _QuestionJson) -> KeyItem:
    see = See(q.see.handout_title, q.see.section_title, q.see.box) if q.see else None
    return KeyItem(q.number, q.id, q.type, len(q.options), tuple(q.correct), q.points,
                   q.objective, q.handout, q.section, len(q.prompts), see, q.stem)
