"""Score a class (issue 13; docs/design/scoring.md, section 4).

Scanned sheets or typed answers in; ``scores.csv``, ``items.csv``, ``report.pdf`` and,
when marks need a look, ``review.pdf`` and ``review.csv`` out::

    from osteo_print.score import ScoreRequest, score

    result = score(ScoreRequest(out_dir=Path("results"), answers=(Path("typed.csv"),),
                                keys_dir=Path("output")))

The stages, each usable alone:

- ``load_keys`` (keys): the answer keys of a folder;
- ``read_typed`` (typed) and ``sheets_from_pages`` / ``read_scanned`` (scans): sheets;
- ``read_decisions`` / ``apply_decisions`` (resolve): a person's review decisions;
- ``mark_sheets`` (marking): each question's points, by the rules in ``marking``;
- ``item_stats``, ``pair_sheets``, ``class_gain``, ``objectives`` (stats): the numbers;
- ``report_view`` / ``review_view`` (report) and ``Printer`` (printing): the PDFs;
- ``score`` (run): all of it, written into the results folder all at once.
"""

from __future__ import annotations

from osteo_print.score.keys import KeySet, load_keys
from osteo_print.score.marking import mark_sheet, mark_sheets, points
from osteo_print.score.model import (
    Answer,
    CellProblem,
    Key,
    KeyItem,
    Mark,
    Scored,
    ScoreError,
    Sheet,
)
from osteo_print.score.resolve import apply_decisions, read_decisions
from osteo_print.score.run import ScoreRequest, ScoreResult, score
from osteo_print.score.scans import decide, read_class_id, read_scanned, sheets_from_pages
from osteo_print.score.stats import (
    class_gain,
    hake,
    item_stats,
    objectives,
    pair_sheets,
    pearson,
    summaries,
)
from osteo_print.score.typed import read_typed

__all__ = [
    "Answer", "CellProblem", "Key", "KeyItem", "KeySet", "Mark", "ScoreError", "ScoreRequest",
    "ScoreResult", "Scored", "Sheet", "apply_decisions", "class_gain", "decide", "hake",
    "item_stats", "load_keys", "mark_sheet", "mark_sheets", "objectives", "pair_sheets",
    "pearson", "points", "read_class_id", "read_decisions", "read_scanned", "read_typed",
    "score", "sheets_from_pages", "summaries",
]
