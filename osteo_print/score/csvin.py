"""Read a CSV file a person wrote (typed answers, review decisions) as rows of cells.

Rows are numbered as a spreadsheet numbers them (the header is row 1). Excel's
"CSV UTF-8" byte order mark is skipped, and a file saved with semicolons (as
spreadsheets do where the decimal mark is a comma) is read as such.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from osteo_print.errors import display_path
from osteo_print.safefile import InputFileError, read_input
from osteo_print.score.model import CellProblem, cell_problem

MAX_CSV_BYTES = 20_000_000  # a class is a few kB; a whole program's year, a few MB
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run


def unescape(value: str) -> str:
    """A cell as osteo-print had it before writing it safe for a spreadsheet (the
    leading apostrophe before a formula character taken off)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


@dataclass(frozen=True)
class Table:
    """A CSV file's header (names stripped, as written) and its non-empty rows."""

    file: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number, cells)


def read_table(path: Path, problems: list[CellProblem], header_hint: str) -> Table | None:
    """Read ``path``; add what is wrong to ``problems`` and return None if it is not a
    CSV table with a header row (``header_hint`` says what the header should be)."""
    shown = display_path(path)
    try:
        raw = read_input(path, MAX_CSV_BYTES)
    except InputFileError as exc:
        problems.append(cell_problem(shown, None, None, 0, exc.problem.message))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw[:exc.start].count(b"\n") + 1
        problems.append(cell_problem(shown, row, None, 0, (
            f"is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as "
            '"CSV UTF-8" from your spreadsheet')))
        return None
    if not text.strip():
        problems.append(cell_problem(shown, None, None, 0, (
            f"the file is empty; it needs a header row: {header_hint}")))
        return None
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), _dialect(text)))
    except csv.Error as exc:
        problems.append(cell_problem(shown, None, None, 0, f"is not a CSV file ({exc})"))
        return None
    header = [cell.strip() for cell in records[0]]
    rows = [(number, cells) for number, cells in enumerate(records[1:], 2)
            if any(cell.strip() for cell in cells)]
    return Table(shown, header, rows)


def _dialect(text: str) -> type[csv.Dialect]:
    first = text.split("\n", 1)[0]
    if ";" in first and "," not in first:
        return _Semicolon
    if "\t" in first and "," not in first:
        return csv.excel_tab
    return csv.excel


class _Semicolon(csv.excel):
    delimiter = ";"
