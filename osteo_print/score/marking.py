"""Mark a sheet against its key.

- Single choice, true/false and fill-in-the-blank: the item's points when the one
  letter marked is the right one; no answer, or two letters, scores 0.
- Multiple select: all or nothing: the item's points only when the letters marked
  are exactly the right ones.
- Matching: one point for each line matched right (the key's points equal its lines).
- A mark a person must look at (doubtful) scores 0 until review.csv decides it.
"""

from __future__ import annotations

from collections.abc import Sequence

from osteo_print.score.model import Answer, KeyItem, Mark, Scored, Sheet, no_answer


def points(item: KeyItem, answer: Answer) -> int:
    """The points ``answer`` earns on ``item``."""
    if answer.doubt or answer.blank:
        return 0
    if item.type == "matching":
        return sum(1 for got, right in zip(answer.rows, item.correct, strict=False)
                   if got == right)
    return item.points if set(answer.rows[0]) == set(item.correct) \
        and len(answer.rows[0]) == len(item.correct) else 0


def mark_sheet(sheet: Sheet, number: int) -> Scored:
    """Mark every question of ``sheet``; ``number`` is its row in scores.csv."""
    marks = []
    for item in sheet.key.items:
        answer = sheet.answers.get(item.number) or no_answer(item)
        marks.append(Mark(item, answer, points(item, answer)))
    return Scored(number, sheet, tuple(marks))


def mark_sheets(sheets: Sequence[Sheet]) -> list[Scored]:
    """Mark every sheet, numbered 1, 2, ... in the order given."""
    return [mark_sheet(sheet, number) for number, sheet in enumerate(sheets, 1)]
