"""What scoring works with: answer keys, what a sheet says, and the errors it reports.

Plain data, no files: the readers (typed CSV, scans) build these; the marker and the
statistics read them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from osteo_print.errors import OsteoPrintError, Problem

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
NO_ANSWER = "-"  # a decision (review.csv) for a question or class ID with no answer
# A matching line with no answer, in a typed cell or scores.csv ("_BA"); "-" is read
# too, but never written: a spreadsheet takes "-BA" for a formula.
EMPTY_LINE = "_"
DOUBT_TEXT = "?"  # what scores.csv shows for an answer a person must look at
FORMS = {"quiz-pre": "pre", "quiz-post": "post", "quiz": "all"}


class ScoreError(OsteoPrintError):
    """Scoring cannot go on: a broken key, a bad answer cell, a bad decision."""


# A class ID as typed or decided: 1 to 6 digits.
CLASS_ID_RE = re.compile(r"^[0-9]{1,6}$")

@dataclass(frozen=True, order=True)
class CellProblem(Problem):
    """A mistake in a CSV file, located by its row and column as a spreadsheet shows
    them: ``typed.csv, row 5, column "3": ...``.

    ``key`` holds the column's position (so problems sort left to right) and ``column``
    its name as written in the header.
    """

    column: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f", row {self.line}"
        if self.column:
            where += f', column "{self.column}"'
        return f"{where}: {self.message}"


def cell_problem(file: str, row: int | None, column: str | None, position: int,
                 message: str) -> CellProblem:
    """A located problem in a CSV cell (``column`` None: the whole row; ``row`` None:
    the whole file). Row 0 stands for the whole file, so that problems sort."""
    return CellProblem(file, row or 0, f"{position:05d}" if column is not None else "", message,
                       column or "")


@dataclass(frozen=True)
class See:
    """Where the handouts teach an item, in the sheet's language."""

    handout: str
    section: str | None = None
    box: str | None = None


@dataclass(frozen=True)
class KeyItem:
    """One question of a version, as its answer key gives it."""

    number: int
    id: str
    type: str  # single, multiple, true-false, fill-blank, matching
    options: int  # how many options (letters A...) are printed
    correct: tuple[str, ...]  # the right letter(s); matching: one per line, in order
    points: int
    objective: str
    handout: str
    section: str
    prompts: int = 0  # matching: the lines to match
    see: See | None = None
    stem: str = ""

    @property
    def rows(self) -> int:
        """Answer rows on the sheet: one per line to match, else one."""
        return self.prompts if self.type == "matching" else 1

    @property
    def letters(self) -> str:
        return LETTERS[:self.options]


@dataclass(frozen=True)
class Key:
    """The answer key of one printed version (``<quiz>-key_..._<letter>.json``)."""

    file: str  # as shown in messages
    quiz: str
    title: str
    version: str
    seed: int
    code: str
    lang: str
    audience: str
    paper: str
    items: tuple[KeyItem, ...]
    hash: str | None = None  # the sheet hash printed in the QR code, when the key has it

    @property
    def form(self) -> str:
        """pre, post or all for the class forms; handout for a one-handout quiz."""
        return FORMS.get(self.quiz, "handout")

    @property
    def total(self) -> int:
        return sum(item.points for item in self.items)

    def marking(self) -> tuple[tuple[str, str, int, tuple[str, ...], int, int], ...]:
        """What marking a sheet with this key depends on (two keys alike mark alike)."""
        return tuple((i.id, i.type, i.options, i.correct, i.points, i.prompts)
                     for i in self.items)


@dataclass(frozen=True)
class Answer:
    """What a sheet says for one question.

    ``rows`` holds the letters marked on each answer row (one row unless matching;
    "" when none). ``doubt`` says why a person must look ("" when the reading is
    clear): ``two-marks``, ``faint`` or ``filled``. ``decided`` is set when a person
    gave the answer in review.csv.
    """

    rows: tuple[str, ...]
    doubt: str = ""
    decided: bool = False

    @property
    def blank(self) -> bool:
        return not any(self.rows)

    def seen(self) -> str:
        """Every letter read, marked or doubtful: "AB" (two marks), "B-A" (matching)."""
        return "".join(r or EMPTY_LINE for r in self.rows) if len(self.rows) > 1 \
            else (self.rows[0] if self.rows else "")

    def text(self) -> str:
        """The answer as scores.csv writes it: "B", "AC", "BD-" (matching), "" or "?"."""
        if self.doubt:
            return DOUBT_TEXT
        if len(self.rows) > 1:
            return "" if self.blank else "".join(r or EMPTY_LINE for r in self.rows)
        return self.rows[0] if self.rows else ""


def no_answer(item: KeyItem) -> Answer:
    return Answer(("",) * item.rows)


@dataclass(frozen=True)
class Crop:
    """A part of a scanned page image, for review.pdf: a PNG and what it shows."""

    png: bytes
    page: int  # the sheet's page number


@dataclass
class Sheet:
    """One person's filled-in quiz: typed, or read from consecutive scanned pages.

    ``source`` names it for people and for review.csv: "scans/a.pdf:3" (its first page)
    or "typed.csv:5" (its row). ``person`` is the name typed (never read from a scan);
    ``class_id`` the digits from the grid or typed ("" when none). ``missing_pages``
    are the sheet's pages not found among the scans. ``crops`` hold, for scans, the images a
    reviewer needs, by question number (and 0, -1: see ``scans.NAME_CROP``).
    """

    source: str
    key: Key
    answers: dict[int, Answer]
    person: str = ""
    class_id: str = ""
    class_id_doubt: str = ""
    class_id_decided: bool = False
    missing_pages: list[int] = field(default_factory=list)
    crops: dict[int, Crop] = field(default_factory=dict)
    scanned: bool = False
    no_answers: bool = False  # a typed row with a name or class ID but no answer at all
    # What a person decided in review.csv: question ("3", or "class_id") -> (what was
    # read, why it was doubtful, the decision), so that review.csv is written again
    # with every decision in it.
    reviewed: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    # Marks read clearly that a decision changed: question ("3", or "class_id") ->
    # (what was read, what was decided).
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Mark:
    """One question of a sheet, marked."""

    item: KeyItem
    answer: Answer
    points: int


@dataclass(frozen=True)
class Scored:
    """A sheet and its marks; ``number`` is its row in scores.csv (1-based)."""

    number: int
    sheet: Sheet
    marks: tuple[Mark, ...]

    @property
    def total(self) -> int:
        return sum(m.points for m in self.marks)

    @property
    def max(self) -> int:
        return self.sheet.key.total

    @property
    def percent(self) -> float:
        return 100.0 * self.total / self.max if self.max else 0.0

    @property
    def quiz(self) -> str:
        return self.sheet.key.quiz

    def flags(self) -> list[str]:
        """What a person must look at on this sheet, in scores.csv's words."""
        out = [f"page {n} missing" for n in self.sheet.missing_pages]
        if self.sheet.class_id_doubt:
            out.append(f"class_id: {self.sheet.class_id_doubt}")
        out += [f"q{m.item.number}: {m.answer.doubt}" for m in self.marks if m.answer.doubt]
        out += [f"{'' if q == 'class_id' else 'q'}{q}: changed by hand"
                for q in sorted(self.sheet.changed, key=lambda q: (q.isdigit(),
                                                                   q.zfill(6)))]
        if self.sheet.no_answers:
            out.append("no answers")
        return out

    @property
    def doubtful(self) -> list[Mark]:
        return [m for m in self.marks if m.answer.doubt]
