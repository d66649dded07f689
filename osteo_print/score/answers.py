"""Answers written as letters (a typed CSV cell, a decision in review.csv), checked
against the question they answer.

"B" (one letter), "AC" (multiple select, any order), "BDA" (matching: one letter per
line, in printed order, "_" or "-" for a line left empty); empty or "-" is no answer.
Case and spaces do not matter.
"""

from __future__ import annotations

from osteo_print.score.model import EMPTY_LINE, LETTERS, NO_ANSWER, Answer, KeyItem, no_answer

BLANKS = NO_ANSWER + EMPTY_LINE


class AnswerError(ValueError):
    """The letters cannot answer this question; the message says why, in a user's words."""


def parse_answer(item: KeyItem, text: str) -> Answer:
    """Read ``text`` as an answer to ``item``; raise AnswerError."""
    letters = "".join(text.split()).upper()
    if not letters.strip(BLANKS):
        return no_answer(item)
    _check_letters(item, letters)
    if item.type == "matching":
        return _matching(item, letters)
    if any(c in BLANKS for c in letters):
        raise AnswerError(f'"{EMPTY_LINE}" stands for a line of a matching question left '
                          "empty; here, leave the cell empty for no answer")
    if item.type == "multiple":
        twice = sorted({c for c in letters if letters.count(c) > 1})
        if twice:
            raise AnswerError(f"the letter {twice[0]} is written twice")
        return Answer(("".join(sorted(letters)),))
    if len(letters) > 1:
        raise AnswerError(
            f'"{letters}" is {len(letters)} letters, but question {item.number} takes one '
            "answer: write the one letter checked (a question with two boxes checked "
            "scores 0: leave its cell empty)")
    return Answer((letters,))


def _check_letters(item: KeyItem, letters: str) -> None:
    for char in letters:
        if char in BLANKS:
            continue
        if char not in LETTERS:
            raise AnswerError(f'"{char}" is not a letter: write the letters checked, '
                              "such as B (or AC when several are checked)")
        if char not in item.letters:
            raise AnswerError(f'"{char}" is not printed on question {item.number}: its '
                              f"letters are {_span(item.letters)}")


def _matching(item: KeyItem, letters: str) -> Answer:
    if len(letters) != item.prompts:
        example = (item.letters * item.prompts)[1:item.prompts + 1]
        raise AnswerError(
            f"question {item.number} has {item.prompts} lines to match: write "
            f'{item.prompts} letters, one per line in printed order, such as "{example}" '
            f'("{EMPTY_LINE}" for a line left empty), not {len(letters)}')
    return Answer(tuple("" if c in BLANKS else c for c in letters))


def _span(letters: str) -> str:
    return f"{letters[0]} to {letters[-1]}" if len(letters) > 2 else " and ".join(letters)
