"""Seeded versions of a quiz, and their answer keys.

A version shuffles question order and option order with a random generator seeded
by (quiz, seed, letter), so the same seed always gives the same version. For items
with one right answer, the right answer's position is dealt from a balanced deck,
so across a version each position is right about equally often.
"""

from __future__ import annotations

import hashlib
import random
import string
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from osteo_print.quiz.questions import Question

LETTERS = string.ascii_uppercase
MAX_VERSIONS = len(LETTERS)


class VersionError(ValueError):
    """More versions than letters, or fewer than one."""


def version_letters(count: int) -> list[str]:
    """Return the letters of ``count`` versions: A, B, C..."""
    if not 1 <= count <= MAX_VERSIONS:
        raise VersionError(
            f"versions are lettered A to Z, so ask for 1 to {MAX_VERSIONS}, not {count}")
    return list(LETTERS[:count])


@dataclass(frozen=True)
class Printed:
    """A question as printed in one version: its number and its option order."""

    number: int
    question: Question
    order: tuple[int, ...]  # bank option indices, in printed order
    prompt_order: tuple[int, ...] = ()  # matching: bank prompt indices, in printed order

    @property
    def options(self) -> list[str]:
        return [self.question.options[i] for i in self.order]

    @property
    def prompts(self) -> list[str]:
        return [self.question.prompts[i] for i in self.prompt_order]

    def correct_letters(self) -> list[str]:
        """The letter(s) to mark right: for matching, one per printed prompt."""
        q = self.question
        if q.type == "matching":
            return [LETTERS[self.order.index(q.pairs[k])] for k in self.prompt_order]
        return [LETTERS[pos] for pos, i in enumerate(self.order) if i in q.correct]

    def correct_text(self) -> str:
        """The right answer in words."""
        q = self.question
        if q.type == "matching":
            return "; ".join(f"{q.prompts[k]} → {q.options[q.pairs[k]]}"
                             for k in self.prompt_order)
        return "; ".join(q.options[i] for i in self.order if i in q.correct)


@dataclass(frozen=True)
class Version:
    """One lettered version of a quiz."""

    quiz: str
    letter: str
    seed: int
    questions: tuple[Printed, ...]

    @property
    def total_points(self) -> int:
        return sum(p.question.points for p in self.questions)

    @property
    def code(self) -> str:
        """A short code for (quiz, seed, letter): 4 upper-case hex digits, printed on
        every sheet and key so a sheet is never marked with another seed's key."""
        digest = hashlib.sha256(f"osteo-print|{self.quiz}|{self.seed}|{self.letter}".encode())
        return digest.hexdigest()[:4].upper()


def make_version(questions: Sequence[Question], quiz: str, seed: int, letter: str) -> Version:
    """Shuffle ``questions`` and their options for one version."""
    rng = random.Random(f"osteo-print|{quiz}|{seed}|{letter}")
    shuffled = list(questions)
    rng.shuffle(shuffled)
    targets = _balanced_targets(shuffled, rng)
    printed = []
    for number, q in enumerate(shuffled, 1):
        order, prompt_order = _order(q, targets.get(number - 1), rng)
        printed.append(Printed(number, q, order, prompt_order))
    return Version(quiz, letter, seed, tuple(printed))


def make_versions(questions: Sequence[Question], quiz: str, seed: int,
                  count: int) -> list[Version]:
    """Return versions A, B, ... of a quiz."""
    return [make_version(questions, quiz, seed, letter) for letter in version_letters(count)]


def _one_right_shuffled(q: Question) -> bool:
    return q.shuffle and q.type in ("single", "fill-blank") and len(q.correct) == 1


def _balanced_targets(questions: Sequence[Question], rng: random.Random) -> dict[int, int]:
    """Deal the right answer's position for each one-answer item, evenly per option count."""
    groups: dict[int, list[int]] = defaultdict(list)
    for index, q in enumerate(questions):
        if _one_right_shuffled(q):
            groups[len(q.options)].append(index)
    targets: dict[int, int] = {}
    for size, indices in sorted(groups.items()):
        deck: list[int] = []
        while len(deck) < len(indices):
            hand = list(range(size))
            rng.shuffle(hand)
            deck += hand
        targets.update(zip(indices, deck, strict=False))
    return targets


def _order(q: Question, target: int | None, rng: random.Random
           ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    n = len(q.options)
    if not q.shuffle:
        return tuple(range(n)), tuple(range(len(q.prompts)))
    if target is not None:
        [right] = q.correct
        wrong = [i for i in range(n) if i != right]
        rng.shuffle(wrong)
        wrong.insert(target, right)
        return tuple(wrong), ()
    order = list(range(n))
    rng.shuffle(order)
    if q.type != "matching":
        return tuple(order), ()
    prompts = list(range(len(q.prompts)))
    while True:  # no prompt may sit in the same row as its match: the key is never A, B, C
        rng.shuffle(prompts)
        if all(order.index(q.pairs[k]) != row for row, k in enumerate(prompts)):
            return tuple(order), tuple(prompts)


def key_data(version: Version) -> list[dict[str, Any]]:
    """The machine-readable key: one object per question, in printed order."""
    rows = []
    for p in version.questions:
        q = p.question
        row: dict[str, Any] = {
            "number": p.number, "id": q.id, "type": q.type, "stem": q.stem,
            "options": p.options, "correct": p.correct_letters(),
            "correct_text": p.correct_text(), "points": q.points,
            "objective": q.objective, "handout": q.handout, "section": q.section,
        }
        if q.type == "matching":
            row["prompts"] = p.prompts
        rows.append(row)
    return rows
