"""The CSV files of a scoring run: scores.csv, items.csv and review.csv.

Plain UTF-8, comma-separated, numbers with a dot, one header row; the same sheets give
the same bytes. Every text cell a spreadsheet would run as a formula (it starts with =,
+, -, @, a tab or a carriage return: a name, a sheet named after its file) is written
with a leading apostrophe; numbers ("-0.12") and a lone "-" (no answer) are left as
they are, since neither is a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from osteo_print.score.csvin import FORMULA_START
from osteo_print.score.model import Scored
from osteo_print.score.resolve import COLUMNS as REVIEW_COLUMNS
from osteo_print.score.resolve import review_rows
from osteo_print.score.stats import ItemStat

SHEET_COLUMNS = ("no", "sheet", "person", "class_id", "quiz", "form", "version", "code")
END_COLUMNS = ("total", "max", "percent", "flags")
ITEM_COLUMNS = ("quiz", "form", "item", "type", "objective", "questions", "n", "points",
                "difficulty", "discrimination", "flags")
NUMBER_RE = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(c) for c in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def _text(value: str) -> str:
    """Text, safe to open in a spreadsheet."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _cell(value: object) -> object:
    if not isinstance(value, str) or value == "-":
        return value
    return value if NUMBER_RE.match(value) else _text(value)


def _number(value: float | None, places: int) -> str:
    return "" if value is None else f"{value:.{places}f}"


def scores_csv(scored: Sequence[Scored], anonymous: bool = False) -> bytes:
    """One row per sheet: who, which key, each question's answer and points, the total."""
    width = max((len(s.sheet.key.items) for s in scored), default=0)
    header = [*SHEET_COLUMNS,
              *(f"q{n}_{part}" for n in range(1, width + 1) for part in ("answer", "points")),
              *END_COLUMNS]
    rows = []
    for s in scored:
        key = s.sheet.key
        cells: list[object] = [s.number, s.sheet.source,
                               "" if anonymous else _text(s.sheet.person),
                               s.sheet.class_id, key.quiz, key.form, key.version, key.code]
        for m in s.marks:
            cells += [m.answer.text(), m.points]
        cells += [""] * (2 * (width - len(s.marks)))
        cells += [s.total, s.max, _number(s.percent, 1), "; ".join(s.flags())]
        rows.append(cells)
    return _csv(header, rows)


def items_csv(stats: Sequence[ItemStat], forms: dict[str, str]) -> bytes:
    """One row per item of each quiz: difficulty, discrimination and flags."""
    rows = [[i.quiz, forms.get(i.quiz, ""), i.item, i.type, i.objective,
             " ".join(f"{v}{n}" for v, n in i.questions), i.n, i.points,
             _number(i.difficulty, 3), _number(i.discrimination, 3), "; ".join(i.flags)]
            for i in stats]
    return _csv(ITEM_COLUMNS, rows)


def review_csv(scored: Sequence[Scored]) -> bytes | None:
    """The marks a person must decide (and those decided), or None when there are none."""
    rows = review_rows([s.sheet for s in scored])
    return _csv(REVIEW_COLUMNS, rows) if rows else None
