"""Checks that a quiz measures learning: no item gives another away, forms are parallel,
enough items ask to apply what was learnt, and every wrong answer is plausible."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence

from osteo_print.quiz.questions import Question

APPLY_SHARE = 1 / 3
# Wrong answers no reader would pick: they make an item a free point. Folded, any language.
ABSURD = re.compile(
    r"(your |my |su |sus |mi )?(napping|naps?|sugar|candy|sweets|(favou?rite )?(tv|television) "
    r"shows?|video games?|watching tv|siestas?|dormir la siesta|tomar una siesta|azucar|"
    r"azúcar|dulces|(su |tu )?programa de (tv|televisión|television)( favorito)?|"
    r"telenovelas?|videojuegos?|ver (la )?(tv|televisión|television))[.!]?",
    re.IGNORECASE)


def item_problems(q: Question) -> Iterator[str]:
    """What makes one item unfair on its own."""
    if q.type == "matching" and len(q.options) != len(q.prompts) + 1:
        yield ("a matching item needs one more answer than prompts, so the last match is "
               "not free: add an extra answer that matches nothing")
    for i, option in enumerate(q.options):
        if i not in q.correct and ABSURD.fullmatch(option.strip()):
            yield f"the wrong answer {option!r} is not plausible: use one a learner might pick"


def cueing_problems(items: Sequence[Question]) -> Iterator[str]:
    """Two items that test one fact, or one that gives away what another tests."""
    for a_index, a in enumerate(items):
        for b in items[a_index + 1:]:
            if shared := sorted(set(a.facts) & set(b.facts)):
                yield f"{a.id} and {b.id} both test {', '.join(shared)}"
            for first, second in ((a, b), (b, a)):
                if given := sorted(set(first.reveals) & set(second.facts)):
                    yield (f"{first.id} gives away what {second.id} tests "
                           f"({', '.join(given)})")


def level_problems(items: Sequence[Question]) -> Iterator[str]:
    """At least a third of a form asks to apply knowledge, a safety behaviour among them."""
    applied = [q for q in items if q.level == "apply"]
    needed = math.ceil(len(items) * APPLY_SHARE)
    if len(applied) < needed:
        yield (f"only {len(applied)} of {len(items)} items ask to apply what was learnt "
               f"(level: apply); at least {needed} should")
    if items and not any(q.safety for q in applied):
        yield "no item asks what to do to stay safe (level: apply with safety: true)"


def parallel_problems(pre: Sequence[Question], post: Sequence[Question]) -> Iterator[str]:
    """The pre- and post-test: same objectives, in the same order, of the same shape."""
    if len(pre) != len(post):
        yield f"the pre-test has {len(pre)} items and the post-test {len(post)}"
        return
    for n, (a, b) in enumerate(zip(pre, post, strict=True), start=1):
        for what, left, right in (("objective", a.objective, b.objective),
                                  ("type", a.type, b.type),
                                  ("number of options", len(a.options), len(b.options)),
                                  ("level", a.level, b.level)):
            if left != right:
                yield (f"item {n} differs in {what}: {a.id} has {left}, {b.id} has {right} "
                       "(the post-test must mirror the pre-test item by item)")


def form_checks(name: str, items: Sequence[Question]) -> Iterator[str]:
    yield from cueing_problems(items)
    yield from level_problems(items)


def handout_pools(pool: Mapping[str, Question]) -> dict[str, list[Question]]:
    """The authored items of each handout: a quiz on that handout prints all of them."""
    out: dict[str, list[Question]] = {}
    for q in pool.values():
        if q.family is None:
            out.setdefault(q.handout, []).append(q)
    return out
