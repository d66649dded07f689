"""review.csv: the marks a person must decide, and their decisions.

``score`` writes ``review.csv`` with a row per doubtful mark (columns ``sheet,
question, read, reason, decision``); a person fills in ``decision`` and runs ``score
--resolve review.csv``. A decision is written like a typed answer ("B", "AC", "BDA";
"-" for no answer); for the class ID, its digits ("-": none). An empty decision leaves
the mark doubtful. Every bad decision is a located problem, and all are reported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from osteo_print.score.answers import DECISION, AnswerError, parse_answer
from osteo_print.score.csvin import Table, read_table, unescape
from osteo_print.score.model import (
    CLASS_ID_RE,
    NO_ANSWER,
    Answer,
    CellProblem,
    ScoreError,
    Sheet,
    cell_problem,
)

COLUMNS = ("sheet", "question", "read", "reason", "decision")
CLASS_ID = "class_id"
HEADER_HINT = ",".join(COLUMNS)


@dataclass(frozen=True)
class Decision:
    """One filled-in row of review.csv."""

    row: int
    sheet: str
    question: str  # a question number, or "class_id"
    text: str
    read: str = ""  # what review.csv says was read


@dataclass(frozen=True)
class Decisions:
    """A review.csv read: its name, where its columns are, its filled-in rows."""

    file: str
    columns: dict[str, int]
    rows: tuple[Decision, ...]


def read_decisions(path: Path) -> Decisions:
    """The decisions in a review.csv (rows with an empty decision are left out)."""
    problems: list[CellProblem] = []
    table = read_table(path, problems, HEADER_HINT)
    if table is None:
        raise ScoreError("The review decisions cannot be read; nothing was written.",
                         problems)
    where = _columns(table, problems)
    if problems:
        raise ScoreError("The review decisions cannot be read; nothing was written.",
                         problems)

    def cell(cells: list[str], name: str) -> str:
        position = where.get(name, len(cells))
        return unescape(cells[position].strip()) if position < len(cells) else ""

    rows = tuple(Decision(row, cell(cells, "sheet"), cell(cells, "question").lower(),
                          cell(cells, "decision"), cell(cells, "read"))
                 for row, cells in table.rows if cell(cells, "decision"))
    return Decisions(table.file, where, rows)


def _columns(table: Table, problems: list[CellProblem]) -> dict[str, int]:
    where = {name.lower(): position for position, name in enumerate(table.header)}
    for name in ("sheet", "question", "decision"):
        if name not in where:
            problems.append(cell_problem(table.file, 1, None, 0, (
                f'the column "{name}" is missing; review.csv has the columns {HEADER_HINT} '
                "(as osteo-print score writes it)")))
    return where


def apply_decisions(sheets: Sequence[Sheet], decisions: Decisions) -> list[Sheet]:
    """The sheets with the decisions applied; raise ScoreError listing every bad one."""
    by_source = {sheet.source: index for index, sheet in enumerate(sheets)}
    out = [_copy(s) for s in sheets]
    problems: list[CellProblem] = []
    done: dict[tuple[str, str], str] = {}
    def bad(decision: Decision, column: str, message: str) -> None:
        problems.append(cell_problem(decisions.file, decision.row, column,
                                     decisions.columns.get(column, 0), message))

    for decision in decisions.rows:
        index = by_source.get(decision.sheet)
        if index is None:
            example = f' such as "{sheets[0].source}"' if sheets else ""
            bad(decision, "sheet", f'no sheet "{decision.sheet}" was scored; write the sheet '
                                   f"as review.csv names it{example}")
            continue
        earlier = done.get((decision.sheet, decision.question))
        if earlier is not None and earlier != decision.text:
            bad(decision, "decision", f"this mark is decided twice, differently "
                                      f'("{earlier}" and "{decision.text}")')
            continue
        done[(decision.sheet, decision.question)] = decision.text
        try:
            _apply(out[index], decision)
        except _Bad as exc:
            bad(decision, exc.column, str(exc))
    if problems:
        raise ScoreError("Some decisions in the review file cannot be used; nothing was "
                         "written:", problems)
    return out


def _copy(sheet: Sheet) -> Sheet:
    return dataclasses.replace(sheet, answers=dict(sheet.answers),
                               reviewed=dict(sheet.reviewed), changed=dict(sheet.changed))


def reapply_decisions(sheets: Sequence[Sheet], decisions: Decisions
                      ) -> tuple[list[Sheet], int]:
    """The sheets with the decisions of an earlier review.csv (one osteo-print wrote)
    applied where the same sheet's same mark still reads as it did then; and how many
    were applied. A decision that no longer fits is left out, not reported."""
    by_source = {sheet.source: index for index, sheet in enumerate(sheets)}
    out = [_copy(s) for s in sheets]
    applied = 0
    for decision in decisions.rows:
        index = by_source.get(decision.sheet)
        if index is None or not _reads_as_before(out[index], decision):
            continue
        try:
            _apply(out[index], decision)
        except _Bad:
            continue
        applied += 1
    return out, applied


def _reads_as_before(sheet: Sheet, decision: Decision) -> bool:
    if decision.question == CLASS_ID:
        return bool(sheet.class_id_doubt) and sheet.class_id == decision.read
    if not decision.question.isdigit():
        return False
    answer = sheet.answers.get(int(decision.question))
    return answer is not None and bool(answer.doubt) and answer.seen() == decision.read


class _Bad(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _apply(sheet: Sheet, decision: Decision) -> None:
    if decision.question == CLASS_ID:
        _apply_class_id(sheet, decision)
        return
    items = {str(item.number): item for item in sheet.key.items}
    item = items.get(decision.question.lstrip("q"))
    if item is None:
        raise _Bad("question", f'"{decision.question}" is not a question of this sheet: '
                               f"write a number from 1 to {len(items)}, or {CLASS_ID}")
    try:
        answer = parse_answer(item, decision.text, DECISION)
    except AnswerError as exc:
        raise _Bad("decision", str(exc)) from None
    before = sheet.answers.get(item.number)
    read = before.seen() if before is not None else ""
    reason = before.doubt if before is not None else ""
    if before is not None and before.decided:
        read, reason, _ = sheet.reviewed.get(str(item.number), (read, reason, ""))
    elif before is not None and not before.doubt and before.rows != answer.rows:
        sheet.changed[str(item.number)] = (before.text() or NO_ANSWER,
                                           answer.text() or NO_ANSWER)
    sheet.answers[item.number] = Answer(answer.rows, "", decided=True)
    sheet.reviewed[str(item.number)] = (read, reason, answer.text() or NO_ANSWER)


def _apply_class_id(sheet: Sheet, decision: Decision) -> None:
    digits = "".join(decision.text.split())
    if digits != NO_ANSWER and not CLASS_ID_RE.match(digits):
        raise _Bad("decision", f'"{decision.text}" is not a class ID: write its digits, '
                               f'such as 07, or "{NO_ANSWER}" when it has none')
    read, reason = sheet.class_id, sheet.class_id_doubt
    new = "" if digits == NO_ANSWER else digits
    if sheet.class_id_decided:
        read, reason, _ = sheet.reviewed.get(CLASS_ID, (read, reason, ""))
    elif not sheet.class_id_doubt and sheet.class_id != new:
        sheet.changed[CLASS_ID] = (sheet.class_id or NO_ANSWER, new or NO_ANSWER)
    sheet.class_id = new
    sheet.class_id_doubt = ""
    sheet.class_id_decided = True
    sheet.reviewed[CLASS_ID] = (read, reason, digits)


def review_rows(sheets: Sequence[Sheet]) -> list[tuple[str, str, str, str, str]]:
    """The rows of review.csv: every doubtful mark, and every mark decided before."""
    rows = []
    for sheet in sheets:
        marks: dict[str, tuple[str, str, str]] = dict(sheet.reviewed)
        if sheet.class_id_doubt:
            marks[CLASS_ID] = (sheet.class_id, sheet.class_id_doubt, "")
        for number, answer in sheet.answers.items():
            if answer.doubt:
                marks[str(number)] = (answer.seen(), answer.doubt, "")
        for question in sorted(marks, key=lambda q: (q != CLASS_ID, int(q) if q.isdigit()
                                                      else 0)):
            read, reason, decided = marks[question]
            rows.append((sheet.source, question, read, reason, decided))
    return rows
