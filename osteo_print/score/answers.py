"""Answers written as letters (a typed CSV cell, a decision in review.csv), checked
against the question they answer.

"B" (one letter), "AC" (multiple select, any order), "BDA" (matching: one letter per
line, in printed order, "_" or "-" for a line left empty); empty or "-" is no answer.
Case and spaces do not matter.
"""

from __future__ import annotations

from osteo_print.score.model import EMPTY_LINE, LETTERS, NO_ANSWER, Answer, KeyItem, no_answer

BLANKS = NO_ANSWER + EMPTY_LINE
CELL = "leave its cell empty"  # how a typed-answer file says "no answer"
DECISION = f'write "{NO_ANSWER}" as its decision'  # how review.csv says it
CONTROL_NAMES = {"\x00": "NUL", "\x1b": "ESC", "\x7f": "DEL"}


class AnswerError(ValueError):
    """The letters cannot answer this question; the message says why, in a user's words."""


def parse_answer(item: KeyItem, text: str, no_answer_hint: str = CELL) -> Answer:
    """Read ``text`` as an answer to ``item``; raise AnswerError. ``no_answer_hint``
    says how the file being read writes "no answer" (``CELL`` or ``DECISION``)."""
    letters = "".join(text.split()).upper()
    if not letters.strip(BLANKS):
        return no_answer(item)
    _check_letters(item, letters)
    if item.type == "matching":
        return _matching(item, letters)
    if any(c in BLANKS for c in letters):
        raise AnswerError(f'"{EMPTY_LINE}" stands for a line of a matching question left '
                          f"empty; here, for no answer, {no_answer_hint.replace('its ', 'the ')}")
    if item.type == "multiple":
        twice = sorted({c for c in letters if letters.count(c) > 1})
        if twice:
            raise AnswerError(f"the letter {twice[0]} is written twice")
        return Answer(("".join(sorted(letters)),))
    if len(letters) > 1:
        raise AnswerError(
            f'"{letters}" is {len(letters)} letters, but question {item.number} takes one '
            "answer: write the one letter checked (a question with two boxes checked "
            f"scores 0: {no_answer_hint})")
    return Answer((letters,))


def _check_letters(item: KeyItem, letters: str) -> None:
    for char in letters:
        if char in BLANKS:
            continue
        if char not in LETTERS:
            shown = f'"{char}"' if char.isprintable() else (
                "an invisible control character "
                f"({CONTROL_NAMES.get(char, f'U+{ord(char):04X}')})")
            raise AnswerError(f"{shown} is not a letter: write the letters checked, "
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
