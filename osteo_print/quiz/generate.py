"""Items made from the structured handout content.

Every distractor comes from another entry whose value differs from the right
answer's, so a generated item is wrong by construction only where the content is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from osteo_print.models import (
    ExercisesHandout,
    Handout,
    MedicinesHandout,
    StagesHandout,
)
from osteo_print.quiz.bank import Generator, Labels, QuizBank
from osteo_print.quiz.questions import Question

EFFECTS = {"slows": {"slows"}, "builds": {"builds"}, "both": {"slows", "builds"}}


def generate(handouts: Mapping[str, Handout], bank: QuizBank) -> list[Question]:
    """Return every generated item for the handouts and generators the bank has."""
    out: list[Question] = []
    for name, generator in bank.generators.items():
        handout_id, make = GENERATORS[name]
        handout = handouts.get(handout_id)
        if handout is not None:
            out += [replace(q, family=name) for q in make(handout, generator, bank.labels)]
    return out


def _section_showing(handout: Handout, widget: str) -> str:
    return next((s.id for s in handout.sections if widget in s.show), handout.sections[0].id)


def _label(name: str, brand: str | None) -> str:
    return f"{name} ({brand})" if brand else name


def medicine_action(doc: MedicinesHandout, gen: Generator, labels: Labels) -> list[Question]:
    """"What does X mainly do?" with the action labels of the other actions as distractors."""
    present = [a for a in ("slows", "builds", "both") if any(m.action == a for m in doc.medicines)]
    texts = tuple(getattr(labels, a) for a in present)
    out = []
    for med in doc.medicines:
        name = _label(med.name, med.brand)
        out.append(Question(
            id=f"gen-medicine-action-{med.id}", type="single",
            stem=gen.stem.format(name=name, does=med.does), options=texts,
            correct=frozenset({present.index(med.action)}),
            explanation=gen.explanation.format(name=name, does=med.does),
            handout="medicines", section=med.section, objective=gen.objective))
    return out


def medicine_builds(doc: MedicinesHandout, gen: Generator, labels: Labels) -> list[Question]:
    """"Which of these builds new bone?" with two medicines that do not as distractors."""
    builders = [m for m in doc.medicines if "builds" in EFFECTS[m.action]]
    others = [m for m in doc.medicines if "builds" not in EFFECTS[m.action]]
    out = []
    for i, med in enumerate(builders):
        if len(others) < 2:
            break
        wrong = [others[(2 * i) % len(others)], others[(2 * i + 1) % len(others)]]
        options = tuple(_label(m.name, m.brand) for m in [med, *wrong])
        name = options[0]
        out.append(Question(
            id=f"gen-medicine-builds-{med.id}", type="single", stem=gen.stem.format(name=name),
            options=options, correct=frozenset({0}),
            explanation=gen.explanation.format(name=name), handout="medicines",
            section=med.section, objective=gen.objective))
    return out


def weight_bearing(doc: ExercisesHandout, gen: Generator, labels: Labels) -> list[Question]:
    """"Which is weight-bearing?" with activities that are not as distractors."""
    right = [e for e in doc.exercises if e.kind == "weight-bearing"]
    wrong = [e for e in doc.exercises if e.kind == "not-weight-bearing"][:2]
    if not wrong:
        return []
    section = _section_showing(doc, "exercise-list")
    return [Question(
        id=f"gen-weight-bearing-{e.id}", type="single", stem=gen.stem.format(name=e.name),
        options=(e.name, *(w.name for w in wrong)), correct=frozenset({0}),
        explanation=gen.explanation.format(name=e.name), handout="exercises",
        section=section, objective=gen.objective) for e in right]


def stage_order(doc: StagesHandout, gen: Generator, labels: Labels) -> list[Question]:
    """Match each stage to what happens: one matching item over the four stages."""
    return [Question(
        id="gen-stage-order", type="matching", stem=gen.stem,
        options=tuple(s.happens for s in doc.stages),
        correct=frozenset(range(len(doc.stages))),
        prompts=tuple(labels.stage.format(number=s.number) for s in doc.stages),
        pairs=tuple(range(len(doc.stages))), explanation=gen.explanation,
        handout="stages", section=_section_showing(doc, "stage-table"),
        objective=gen.objective, points=len(doc.stages))]


def t_score(doc: StagesHandout, gen: Generator, labels: Labels) -> list[Question]:
    """"What does this T-score mean?" with the other bands' meanings as distractors."""
    meanings = tuple(b.meaning for b in doc.t_scores)
    section = _section_showing(doc, "t-score-table")
    return [Question(
        id=f"gen-t-score-{i + 1}", type="single",
        stem=gen.stem.format(score=band.score, meaning=band.meaning), options=meanings,
        correct=frozenset({i}),
        explanation=gen.explanation.format(score=band.score, meaning=band.meaning),
        handout="stages", section=section, objective=gen.objective)
        for i, band in enumerate(doc.t_scores)]


GENERATORS: dict[str, tuple[str, Callable[..., list[Question]]]] = {
    "medicine-action": ("medicines", medicine_action),
    "medicine-builds": ("medicines", medicine_builds),
    "weight-bearing": ("exercises", weight_bearing),
    "stage-order": ("stages", stage_order),
    "t-score": ("stages", t_score),
}
