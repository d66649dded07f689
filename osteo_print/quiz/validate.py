"""Checks on a quiz bank that span items, generators, forms and the handouts."""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Iterator, Mapping

from osteo_print.models import HANDOUTS, Handout, Loc
from osteo_print.quiz.bank import PLACEHOLDERS, REQUIRED_FORMS, QuizBank
from osteo_print.quiz.questions import Question, blank_problems, from_bank

BOXES = ("box-key-points", "box-actions", "box-questions")
TEACH_BACK_RANGE = (2, 3)
CLOSED_CHECKS = ("do you understand", "¿entiende", "¿entendió")


def build_pool(bank: QuizBank, generated: list[Question]) -> dict[str, Question]:
    """Every item a quiz can use, authored first, by id."""
    pool = {item.id: from_bank(item, bank.labels) for item in bank.items}
    for q in generated:
        pool.setdefault(q.id, q)
    return pool


def bank_problems(bank: QuizBank, handouts: Mapping[str, Handout],
                  generated: list[Question]) -> Iterator[tuple[Loc, str]]:
    """Yield (key path, message) for every mistake in the bank.

    Run ``template_problems`` first: generating items needs sound templates.
    """
    yield from _item_problems(bank, handouts)
    yield from _generated_problems(handouts, generated)
    pool = build_pool(bank, generated)
    yield from _form_problems(bank, pool)
    yield from _teach_back_problems(bank)


def _item_problems(bank: QuizBank, handouts: Mapping[str, Handout]
                   ) -> Iterator[tuple[Loc, str]]:
    seen: set[str] = set()
    for i, item in enumerate(bank.items):
        if item.id in seen:
            yield ("items", i, "id"), f"item id {item.id!r} is used twice"
        if item.id.startswith("gen-"):
            yield ("items", i, "id"), "ids starting with 'gen-' are kept for generated items"
        seen.add(item.id)
        for message in (*blank_problems(item), *from_bank(item, bank.labels).problems()):
            yield ("items", i), message
        yield from _teaches_problems(("items", i, "teaches"), item.teaches.handout,
                                     item.teaches.section, handouts)


def _teaches_problems(loc: Loc, handout: str, section: str,
                      handouts: Mapping[str, Handout]) -> Iterator[tuple[Loc, str]]:
    if handout not in HANDOUTS:
        yield (*loc, "handout"), f"no handout {handout!r} (known: {', '.join(HANDOUTS)})"
    elif handout in handouts and section not in (*handouts[handout].section_ids(), *BOXES):
        known = ", ".join(s.id for s in handouts[handout].sections)
        yield (*loc, "section"), (
            f"the {handout} handout has no section {section!r} (sections: {known}; "
            f"boxes: {', '.join(BOXES)})")


def template_problems(bank: QuizBank) -> Iterator[tuple[Loc, str]]:
    """Yield mistakes in the generators' {placeholder} patterns."""
    for name, gen in bank.generators.items():
        for field in ("stem", "explanation"):
            try:
                used = {f for _, f, _, _ in string.Formatter().parse(getattr(gen, field)) if f}
            except ValueError as exc:
                yield ("generators", name, field), f"broken {{placeholder}}: {exc}"
                continue
            if unknown := used - PLACEHOLDERS[name]:
                allowed = ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS[name])) or "none"
                yield ("generators", name, field), (
                    f"unknown placeholder {', '.join(sorted(unknown))} (allowed: {allowed})")
    try:
        used = {f for _, f, _, _ in string.Formatter().parse(bank.labels.stage) if f}
    except ValueError as exc:
        used = {f"broken: {exc}"}
    if used != {"number"}:
        yield ("labels", "stage"), "write it with {number} and no other placeholder, like " \
            "\"Stage {number}\""


def _generated_problems(handouts: Mapping[str, Handout],
                        generated: list[Question]) -> Iterator[tuple[Loc, str]]:
    for q in generated:
        for message in q.problems():
            yield ("generators", q.family or ""), f"generated item {q.id}: {message}"
        yield from (((("generators", q.family or "")), m)
                    for _, m in _teaches_problems((), q.handout, q.section, handouts))


def _form_problems(bank: QuizBank, pool: Mapping[str, Question]
                   ) -> Iterator[tuple[Loc, str]]:
    for name in REQUIRED_FORMS:
        if name not in bank.forms:
            needed = ", ".join(REQUIRED_FORMS)
            yield ("forms",), f"missing form {name!r} (every bank needs {needed})"
    for name, form in bank.forms.items():
        counts = Counter(form.items)
        for j, item_id in enumerate(form.items):
            if item_id not in pool:
                yield ("forms", name, "items", j), f"no item with id {item_id!r}"
            elif counts[item_id] > 1:
                yield ("forms", name, "items", j), f"item {item_id!r} is in this form twice"
    if "pre" in bank.forms and "post" in bank.forms:
        pre, post = bank.forms["pre"].items, bank.forms["post"].items
        if shared := sorted(set(pre) & set(post)):
            yield ("forms", "post", "items"), (
                f"the post-test must use different items from the pre-test: {', '.join(shared)}")
        objectives = [Counter(pool[i].objective for i in items if i in pool)
                      for items in (pre, post)]
        if objectives[0] != objectives[1]:
            diff = sorted((objectives[0] - objectives[1]) + (objectives[1] - objectives[0]))
            yield ("forms", "post", "items"), (
                "the pre- and post-test must test the same objectives; they differ on "
                f"{', '.join(diff)}")


def _teach_back_problems(bank: QuizBank) -> Iterator[tuple[Loc, str]]:
    low, high = TEACH_BACK_RANGE
    for handout in HANDOUTS:
        prompts = bank.teach_back.get(handout, [])
        if not low <= len(prompts) <= high:
            yield ("teach_back", handout), (
                f"give {low} or {high} teach-back prompts for {handout}, not {len(prompts)}")
    for handout, prompts in bank.teach_back.items():
        if handout not in HANDOUTS:
            yield ("teach_back", handout), f"no handout {handout!r}"
        for j, prompt in enumerate(prompts):
            if any(bad in prompt.casefold() for bad in CLOSED_CHECKS):
                yield ("teach_back", handout, j), (
                    "ask the learner to explain in their own words; "
                    "'Do you understand?' does not check understanding")
