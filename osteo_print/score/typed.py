"""Typed answers, for clinics without a scanner: one CSV row per sheet.

Columns ``person, class_id, quiz, version, code, 1, 2, ..., N`` (names in any case and
order). ``quiz`` is the quiz id (quiz-pre) or its form (pre); ``version`` the letter
and ``code`` the four-character code printed at the top of the sheet; each numbered
column the letters checked for that question (see ``answers``). Every bad cell is a
located problem; all are collected, and the whole file is refused if there is one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from osteo_print.score.answers import AnswerError, parse_answer
from osteo_print.score.csvin import Table, read_table
from osteo_print.score.keys import KeySet
from osteo_print.score.model import (
    CLASS_ID_RE,
    FORMS,
    Answer,
    CellProblem,
    Key,
    ScoreError,
    Sheet,
    cell_problem,
)

FIELDS = ("person", "class_id", "quiz", "version", "code")
HEADER_HINT = "person,class_id,quiz,version,code,1,2,3,..."
QUIZ_IDS = {form: quiz for quiz, form in FORMS.items()}
MAX_ROWS = 1_000  # sheets a file may hold; a class set is at most 500


@dataclass
class _Columns:
    """Where each field and each question's column is in one file's header."""

    fields: dict[str, int] = field(default_factory=dict)
    questions: dict[int, int] = field(default_factory=dict)  # question number -> position
    names: dict[int, str] = field(default_factory=dict)  # position -> name as written


def read_typed(paths: Sequence[Path], keys: KeySet, warnings: list[str] | None = None,
               digits: dict[tuple[str, str, str], int] | None = None) -> list[Sheet]:
    """The sheets of typed-answer CSV files; raise ScoreError listing every bad cell.
    What is odd but usable (a row shorter than the header) goes into ``warnings``.
    ``digits``: how many digits the class ID grid of each (quiz, version, code) has,
    where the sheet maps say it."""
    problems: list[CellProblem] = []
    sheets: list[Sheet] = []
    said = warnings if warnings is not None else []
    for path in paths:
        table = read_table(path, problems, HEADER_HINT)
        if table is not None and len(table.rows) > MAX_ROWS:
            problems.append(cell_problem(table.file, None, None, 0, (
                f"has {len(table.rows)} rows of answers; a file holds at most {MAX_ROWS:,} "
                "sheets (a class set is at most 500): split it into one file per class")))
        elif table is not None:
            sheets += _read_table(table, keys, problems, said, digits or {})
    if problems:
        raise ScoreError("The typed answers have mistakes; nothing was written. Fix these "
                         "cells and run the command again:", problems)
    return sheets


def _read_table(table: Table, keys: KeySet, problems: list[CellProblem],
                warnings: list[str], digits: dict[tuple[str, str, str], int]
                ) -> list[Sheet]:
    columns = _columns(table, problems)
    if columns is None:
        return []
    missing: set[int] = set()  # question columns already reported missing in this file
    sheets = []
    for number, cells in table.rows:
        sheet = _read_row(table.file, number, cells, columns, keys, problems, missing)
        if sheet is None:
            continue
        if len(cells) < len(table.header):
            warnings.append(f"{table.file}, row {number}: has {len(cells)} cells, fewer than "
                            f"the {len(table.header)} columns of the header; the cells "
                            "missing at the end are read as empty (no answer)")
        grid = digits.get((sheet.key.quiz, sheet.key.version, sheet.key.code))
        if grid is not None and len(sheet.class_id) > grid:
            position = columns.fields["class_id"]
            problems.append(cell_problem(table.file, number, columns.names[position],
                                         position, (
                f'"{sheet.class_id}" has {len(sheet.class_id)} digits, but the class ID '
                f"boxes of {sheet.key.quiz} version {sheet.key.version} have "
                f"{grid}{' (no class ID)' if grid == 0 else ''}: write the digits from "
                "the boxes on the sheet")))
            continue
        sheets.append(sheet)
    return sheets


def _columns(table: Table, problems: list[CellProblem]) -> _Columns | None:
    found = _Columns()
    before = len(problems)
    for position, name in enumerate(table.header):
        found.names[position] = name
        label = name.lower()
        where = cell_problem(table.file, 1, name, position, "")
        if label.isdigit() and int(label) >= 1:
            number = int(label)
            if number in found.questions:
                problems.append(_say(where, f"question {number} has two columns"))
            found.questions[number] = position
        elif label in FIELDS:
            if label in found.fields:
                problems.append(_say(where, "this column comes twice"))
            found.fields[label] = position
        elif label or any(_cell(cells, position) for _, cells in table.rows):
            problems.append(_say(where, (
                f"unknown column; the columns are {HEADER_HINT} (a number for each "
                "question)")))
    for name in FIELDS:
        if name not in found.fields:
            problems.append(cell_problem(table.file, 1, None, 0, (
                f'the column "{name}" is missing; the header row is {HEADER_HINT}')))
    return None if len(problems) > before else found


def _say(problem: CellProblem, message: str) -> CellProblem:
    return CellProblem(problem.file, problem.line, problem.key, message, problem.column)


def _cell(cells: list[str], position: int) -> str:
    return cells[position].strip() if position < len(cells) else ""


def _read_row(file: str, row: int, cells: list[str], columns: _Columns, keys: KeySet,
              problems: list[CellProblem], missing: set[int]) -> Sheet | None:
    value = {name: _cell(cells, pos) for name, pos in columns.fields.items()}
    written = {n: _cell(cells, pos) for n, pos in columns.questions.items()}
    if not value["person"] and not value["class_id"] and not any(written.values()):
        return None  # a row left empty but for its quiz, version or code
    before = len(problems)

    def bad(name: str, message: str) -> None:
        position = columns.fields[name]
        problems.append(cell_problem(file, row, columns.names[position], position, message))

    if len(cells) > len(columns.names) and any(c.strip() for c in cells[len(columns.names):]):
        problems.append(cell_problem(file, row, None, 0, (
            "has values to the right of the last column; give each a column name")))
    class_id = value["class_id"]
    if class_id and not CLASS_ID_RE.match(class_id):
        bad("class_id", f'"{class_id}" is not a class ID: write the digits from the class '
                        "ID boxes on the sheet, such as 07")
    key = _find_key(value, keys, bad)
    if key is None:
        return None
    answers = _answers(file, row, key, written, columns, problems, missing)
    if len(problems) > before:
        return None
    return Sheet(f"{file}:{row}", key, answers, person=" ".join(value["person"].split()),
                 class_id=class_id, no_answers=all(a.blank for a in answers.values()))


def _find_key(value: dict[str, str], keys: KeySet,
              bad: Callable[[str, str], None]) -> Key | None:
    """The key that fits a row's quiz, version and code, or None (said with ``bad``)."""
    written = value["quiz"].lower()
    quiz = QUIZ_IDS.get(written, written)
    version, code = value["version"].upper(), value["code"].upper()
    if not written:
        bad("quiz", f"which quiz? Write its id or form: {', '.join(keys.quizzes())}")
        return None
    if quiz not in keys.quizzes():
        bad("quiz", f'no answer key for quiz "{value["quiz"]}" in {keys.folder}; the keys '
                    f"there are for {', '.join(keys.quizzes())}")
        return None
    versions = keys.versions(quiz)
    if version not in versions:
        shown = f'"{value["version"]}"' if version else "empty"
        bad("version", f"is {shown}; write the version letter printed at the top of the "
                       f"sheet: {quiz} has version{'s' if len(versions) > 1 else ''} "
                       f"{', '.join(versions)} in {keys.folder}")
        return None
    codes = keys.codes(quiz, version)
    if code not in codes:
        shown = f'"{value["code"]}"' if code else "empty"
        bad("code", f"is {shown}; write the code printed beside the version letter at the "
                    f"top of the sheet: version {version} of {quiz} has code "
                    f"{' or '.join(codes)} in {keys.folder} (another code means the sheet "
                    "was printed from other keys)")
        return None
    found = keys.matching(quiz, version, code)
    if len({k.marking() for k in found}) > 1:
        bad("code", f"{len(found)} answer keys fit and they differ "
                    f"({', '.join(k.file for k in found)}); give --keys a folder that "
                    "holds only this class's keys")
        return None
    return found[0]


def _answers(file: str, row: int, key: Key, written: dict[int, str], columns: _Columns,
             problems: list[CellProblem], missing: set[int]) -> dict[int, Answer]:
    answers = {}
    for item in key.items:
        if item.number not in columns.questions:
            if item.number not in missing:
                missing.add(item.number)
                problems.append(cell_problem(file, row, None, 0, (
                    f'{key.quiz} version {key.version} has {len(key.items)} questions, but '
                    f'the header has no column "{item.number}"')))
            continue
        position = columns.questions[item.number]
        try:
            answers[item.number] = parse_answer(item, written[item.number])
        except AnswerError as exc:
            problems.append(cell_problem(file, row, columns.names[position], position,
                                         str(exc)))
    for number, text in sorted(written.items()):
        if number > len(key.items) and text:
            position = columns.questions[number]
            problems.append(cell_problem(file, row, columns.names[position], position, (
                f"{key.quiz} version {key.version} has only {len(key.items)} questions; "
                "leave this cell empty")))
    return answers
