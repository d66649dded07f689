"""The one shape every quiz item takes once it leaves the bank or a generator."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from osteo_print.quiz.bank import (
    BLANK,
    FillBlankItem,
    Labels,
    MatchingItem,
    MultipleItem,
    SingleItem,
    TrueFalseItem,
)

# Wording that good items avoid (any language the bank is written in).
BANNED_OPTIONS = re.compile(
    r"\b(all|none) of the above\b|\b(todas|ninguna) de las anteriores\b", re.IGNORECASE)


@dataclass(frozen=True)
class Question:
    """A quiz item, independent of how it is printed.

    ``options`` are the texts to choose from (for matching, the right-hand column; for
    fill-blank, the word bank). ``correct`` holds option indices. For matching,
    ``prompts`` are the left-hand texts and ``pairs[i]`` is the option index that
    matches prompt ``i``. ``shuffle`` is False when the option order carries meaning
    (True / False / Not sure).
    """

    id: str
    type: str
    stem: str
    options: tuple[str, ...]
    correct: frozenset[int]
    explanation: str
    handout: str
    section: str
    objective: str
    points: int = 1
    prompts: tuple[str, ...] = ()
    pairs: tuple[int, ...] = ()
    shuffle: bool = True
    family: str | None = None  # the generator that made it; None when authored
    facts: tuple[str, ...] = ()  # the facts it tests
    reveals: tuple[str, ...] = ()  # the facts its stem or options give away
    level: str = "recall"  # or "apply": it asks to use what was learnt
    safety: bool = False

    def problems(self) -> Iterator[str]:
        """Yield what makes this item unfair or ambiguous."""
        if len(self.options) < 2:
            yield "an item needs at least two options"
        folded = [o.casefold().strip() for o in self.options]
        if len(set(folded)) != len(folded):
            yield "options must all be different"
        if self.type in ("single", "fill-blank") and len(self.correct) != 1:
            yield f"a {self.type} item needs exactly one correct answer, not {len(self.correct)}"
        if self.type == "multiple" and not 1 <= len(self.correct) < len(self.options):
            yield "a multiple-select item needs at least one correct and one wrong option"
        if self.type == "matching":
            if len(set(self.prompts)) != len(self.prompts):
                yield "the left-hand sides must all be different"
            if len(set(self.pairs)) != len(self.pairs) or len(self.pairs) != len(
                    self.prompts) or any(i not in range(len(self.options)) for i in self.pairs):
                yield "each left-hand side must match a different right-hand side"
        if any(i not in range(len(self.options)) for i in self.correct):
            yield "a correct answer points at no option"
        for text in (*self.options, *self.prompts):
            if BANNED_OPTIONS.search(text):
                yield f"avoid 'all/none of the above' ({text!r})"


def from_bank(item, labels: Labels) -> Question:
    """Turn one authored bank item into a Question."""
    common = dict(id=item.id, type=item.type, stem=item.stem, explanation=item.explanation,
                  handout=item.teaches.handout, section=item.teaches.section,
                  objective=item.objective, points=item.points, facts=tuple(item.facts),
                  reveals=tuple(item.reveals), level=item.level, safety=item.safety)
    if isinstance(item, SingleItem | MultipleItem):
        return Question(options=tuple(o.text for o in item.options),
                        correct=frozenset(i for i, o in enumerate(item.options) if o.correct),
                        **common)
    if isinstance(item, TrueFalseItem):
        options = (labels.is_true, labels.is_false) + ((labels.not_sure,) if item.not_sure else ())
        return Question(options=options, correct=frozenset({0 if item.answer else 1}),
                        shuffle=False, **common)
    if isinstance(item, MatchingItem):
        extra = (item.extra,) if item.extra else ()
        return Question(options=(*(p.right for p in item.pairs), *extra),
                        correct=frozenset(range(len(item.pairs))),
                        prompts=tuple(p.left for p in item.pairs),
                        pairs=tuple(range(len(item.pairs))), **common)
    if isinstance(item, FillBlankItem):
        words = tuple(item.words)
        correct = frozenset(i for i, w in enumerate(words) if w == item.answer)
        return Question(options=words, correct=correct, **common)
    raise TypeError(f"unknown item type {type(item).__name__}")  # pragma: no cover


def blank_problems(item) -> Iterator[str]:
    """Yield mistakes in a fill-blank item's stem and answer."""
    if isinstance(item, FillBlankItem):
        if item.stem.count(BLANK) != 1:
            yield f"the stem needs exactly one blank written as {BLANK}"
        if item.answer not in item.words:
            yield f"the answer {item.answer!r} is not one of the words"
