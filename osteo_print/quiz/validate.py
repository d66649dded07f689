"""Checks on a quiz bank that span items, generators, forms and the handouts."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping

from osteo_print.handout import Handout
from osteo_print.models import Loc, walk
from osteo_print.quiz import fair
from osteo_print.quiz.bank import REQUIRED_FORMS, QuizBank
from osteo_print.quiz.questions import Question, blank_problems, from_bank

TEACH_BACK_RANGE = (2, 3)
GENERATED = "@generated"  # a location in the handout that declares the generator
CLOSED_CHECKS = ("do you understand", "¿entiende", "¿entendió")


def build_pool(bank: QuizBank, generated: list[Question]) -> dict[str, Question]:
    """Every item a quiz can use, authored first, by id."""
    pool = {item.id: from_bank(item, bank.labels) for item in bank.items}
    for q in generated:
        pool.setdefault(q.id, q)
    return pool


def bank_problems(bank: QuizBank, handouts: Mapping[str, Handout],
                  generated: list[Question]) -> Iterator[tuple[Loc, str]]:
    """Yield (key path, message) for every mistake in the bank, checked against the
    handouts its readers get (an audience's versions, for an audience's bank)."""
    yield from _item_problems(bank, handouts)
    yield from _generated_problems(handouts, generated)
    pool = build_pool(bank, generated)
    yield from _form_problems(bank, pool)
    yield from _teach_back_problems(bank, handouts, pool)
    yield from _fairness_problems(bank, pool, generated)


def _item_problems(bank: QuizBank, handouts: Mapping[str, Handout]
                   ) -> Iterator[tuple[Loc, str]]:
    seen: set[str] = set()
    taught = set().union(*(handout_words(h) for h in handouts.values()))
    for i, item in enumerate(bank.items):
        if item.id in seen:
            yield ("items", i, "id"), f"item id {item.id!r} is used twice"
        if item.id.startswith("gen-"):
            yield ("items", i, "id"), "ids starting with 'gen-' are kept for generated items"
        seen.add(item.id)
        question = from_bank(item, bank.labels)
        for message in (*blank_problems(item), *question.problems()):
            yield ("items", i), message
        yield from _teaches_problems(("items", i, "teaches"), item.teaches.handout,
                                     item.teaches.section, handouts)
        for word in untaught(from_bank(item, bank.labels), taught):
            yield ("items", i), (
                f"its answer uses {word!r}, which no handout these readers get uses: "
                "teach it there, or change the item")


def _teaches_problems(loc: Loc, handout: str, section: str,
                      handouts: Mapping[str, Handout]) -> Iterator[tuple[Loc, str]]:
    if handout not in handouts:
        yield (*loc, "handout"), f"no handout {handout!r} (known: {', '.join(handouts)})"
    elif section not in (anchors := handouts[handout].anchors()):
        yield (*loc, "section"), (
            f"the {handout} handout these readers get has no section or box {section!r} "
            f"(it has: {', '.join(anchors)})")


WORD_RE = re.compile(r"[^\W\d_]{8,}")  # long words: terms more than grammar


def _fold(text: str) -> str:
    """Case-folded, without accents: "Ósea" and "osea" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    if decomposed.isascii():
        return decomposed
    marks = {ord(ch): None for ch in set(decomposed) if unicodedata.combining(ch)}
    return decomposed.translate(marks)


def handout_words(handout: Handout) -> set[str]:
    """The 5-letter starts of every word the handout prints."""
    text = " ".join(leaf for loc, leaf in walk(handout)  # objectives print in packets only
                    if isinstance(leaf, str) and loc[:1] != ("objectives",))
    return {w[:5] for w in re.findall(r"[^\W\d_]+", _fold(text))}


def untaught(question: Question, known: set[str]) -> list[str]:
    """Long words in a question's right answers that the handouts never use."""
    right = [question.options[i] for i in sorted(question.correct)]
    if question.type == "matching":
        right = [*question.options, *question.prompts]
    elif question.type == "true-false":
        right = []
    words = [w for text in right for w in WORD_RE.findall(_fold(text))]
    asked = {w[:5] for w in re.findall(r"[^\W\d_]+", _fold(question.stem))}
    return list(dict.fromkeys(w for w in words if w[:5] not in known | asked))


def _generated_problems(handouts: Mapping[str, Handout],
                        generated: list[Question]) -> Iterator[tuple[Loc, str]]:
    made = {(q.handout, q.family) for q in generated}
    for name, handout in handouts.items():
        for gen in handout.generators:
            if (name, gen.id) not in made:
                yield (GENERATED, name, gen.id), (
                    f"generator {gen.id} makes no items from {gen.rows}: row-value needs two "
                    "different values, pick-row two wrong rows, match-rows three rows")
    owner: dict[str, str] = {}
    for q in generated:
        if owner.setdefault(q.id, q.handout) != q.handout:
            yield (GENERATED, q.handout, q.family or ""), (
                f"generated item {q.id} is also made by the {owner[q.id]} handout: give this "
                "generator another id")
    for q in generated:
        for message in q.problems():
            yield (GENERATED, q.handout, q.family or ""), f"generated item {q.id}: {message}"


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


def _fairness_problems(bank: QuizBank, pool: Mapping[str, Question],
                       generated: list[Question]) -> Iterator[tuple[Loc, str]]:
    """Items that give others away, unparallel forms, too little applying, bad options."""
    for i, item in enumerate(bank.items):
        for message in fair.item_problems(pool.get(item.id) or from_bank(item, bank.labels)):
            yield ("items", i), message
    for q in generated:
        for message in fair.item_problems(q):
            yield (GENERATED, q.handout, q.family or ""), f"generated item {q.id}: {message}"
    for name, form in bank.forms.items():
        items = [pool[i] for i in form.items if i in pool]
        for message in fair.form_checks(name, items):
            yield ("forms", name, "items"), message
    for handout, items in fair.handout_pools(pool).items():
        for message in fair.cueing_problems(items):
            yield ("items",), f"a quiz on the {handout} handout prints all its items: {message}"
    if "pre" in bank.forms and "post" in bank.forms:
        pre = [pool[i] for i in bank.forms["pre"].items if i in pool]
        post = [pool[i] for i in bank.forms["post"].items if i in pool]
        for message in fair.parallel_problems(pre, post):
            yield ("forms", "post", "items"), message


def _teach_back_problems(bank: QuizBank, handouts: Mapping[str, Handout],
                         pool: Mapping[str, Question]) -> Iterator[tuple[Loc, str]]:
    """Every handout a quiz asks about needs 2 or 3 teach-back prompts."""
    low, high = TEACH_BACK_RANGE
    quizzed = dict.fromkeys(q.handout for q in pool.values())
    for handout in quizzed:
        prompts = bank.teach_back.get(handout, [])
        if not low <= len(prompts) <= high:
            yield ("teach_back", handout), (
                f"give {low} or {high} teach-back prompts for {handout}, not {len(prompts)}")
    for handout, prompts in bank.teach_back.items():
        if handout not in handouts:
            yield ("teach_back", handout), f"no handout {handout!r}"
        for j, prompt in enumerate(prompts):
            if any(bad in prompt.casefold() for bad in CLOSED_CHECKS):
                yield ("teach_back", handout, j), (
                    "ask the learner to explain in their own words; "
                    "'Do you understand?' does not check understanding")
