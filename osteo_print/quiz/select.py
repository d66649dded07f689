"""Which questions a quiz holds: a fixed form, or every item on one handout."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping

from osteo_print.quiz.bank import QuizBank
from osteo_print.quiz.questions import Question

GENERATED_PER_FAMILY = 2  # a handout quiz takes at most this many items of one generator


def form_questions(bank: QuizBank, pool: Mapping[str, Question], form: str) -> list[Question]:
    """Return the items of a form, in the bank's order."""
    return [pool[item_id] for item_id in bank.forms[form].items]


def handout_questions(pool: Mapping[str, Question], handout: str, seed: int) -> list[Question]:
    """Return every authored item on a handout and a few generated ones (chosen by seed)."""
    authored = [q for q in pool.values() if q.handout == handout and q.family is None]
    families: dict[str, list[Question]] = defaultdict(list)
    for q in pool.values():
        if q.handout == handout and q.family is not None:
            families[q.family].append(q)
    rng = random.Random(f"osteo-print|quiz-{handout}|{seed}")
    generated: list[Question] = []
    for _, members in sorted(families.items()):
        order = rng.sample(members, len(members))
        taken = 0
        for q in order:  # none may test or give away what a chosen item tests
            if taken < GENERATED_PER_FAMILY and not _clashes(q, [*authored, *generated]):
                generated.append(q)
                taken += 1
    return authored + sorted(generated, key=lambda q: q.id)


def _clashes(q: Question, chosen: list[Question]) -> bool:
    mine = set(q.facts)
    return any(mine & (set(c.facts) | set(c.reveals)) or set(q.reveals) & set(c.facts)
               for c in chosen)
