"""Typed models of the content: sources and the five handouts.

Every model forbids unknown keys, so a typo in a YAML key is an error, not a silent
omission. Checks that need more than one field (a section that a medicine points to
must exist, say) live in ``Handout.problems`` so they can be reported with a location.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1500)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)]
SourceNo = Annotated[int, Field(ge=1, le=999, strict=True)]
Loc = tuple[str | int, ...]


class Model(BaseModel):
    """Base of every content model: strict keys, immutable, no type coercion surprises."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Source(Model):
    """One numbered reference that facts are tied to."""

    number: SourceNo
    citation: Text


class SourceList(Model):
    """The file ``content/sources.yaml``."""

    sources: list[Source] = Field(min_length=1)


class Fact(Model):
    """A sentence or two of content, tied to the numbered source it comes from."""

    text: Text
    source: SourceNo


class Action(Model):
    """Something the reader can do; may leave a line to write on."""

    text: Text
    source: SourceNo | None = None
    write_in: Short | None = None


class Section(Model):
    """A headed part of a handout: paragraphs, then bullets, then widgets."""

    id: Slug
    heading: Short
    paragraphs: list[Fact] = []
    bullets: list[Fact] = []
    show: list[Slug] = []


class Handout(Model):
    """What every handout has, whatever its subject."""

    WIDGETS: ClassVar[frozenset[str]] = frozenset()

    title: Short
    purpose: Text
    last_reviewed: dt.date
    key_points: list[Fact] = Field(min_length=1, max_length=6)
    sections: list[Section] = Field(min_length=1)
    actions: list[Action] = Field(min_length=1)
    ask: list[Short] = []

    def section_ids(self) -> set[str]:
        return {s.id for s in self.sections}

    def problems(self) -> Iterator[tuple[Loc, str]]:
        """Yield (key path, message) for mistakes that span fields."""
        if self.last_reviewed > dt.date.today():
            yield ("last_reviewed",), "this date is in the future"
        seen: set[str] = set()
        for i, section in enumerate(self.sections):
            if section.id in seen:
                yield ("sections", i, "id"), f"section id {section.id!r} is used twice"
            seen.add(section.id)
            for j, widget in enumerate(section.show):
                if widget not in self.WIDGETS:
                    allowed = ", ".join(sorted(self.WIDGETS)) or "none for this handout"
                    yield ("sections", i, "show", j), (
                        f"unknown widget {widget!r} (allowed: {allowed})")
            if not (section.paragraphs or section.bullets or section.show):
                yield ("sections", i), "section is empty: give it paragraphs, bullets or show"

    def _refs(self, field: str, items: list[Any]) -> Iterator[tuple[Loc, str]]:
        ids = self.section_ids()
        for i, item in enumerate(items):
            if item.section not in ids:
                yield (field, i, "section"), f"no section with id {item.section!r}"


class Stage(Model):
    number: Annotated[int, Field(ge=1, le=4)]
    name: Short
    happens: Text
    notice: Text
    source: SourceNo


class Figure(Model):
    """A picture drawn by the template: its caption and its text alternative."""

    caption: Text
    alt: Text


class TScore(Model):
    score: Short
    meaning: Text
    source: SourceNo


class StagesHandout(Handout):
    WIDGETS = frozenset({"stage-diagram", "stage-table", "t-score-table"})

    stages: list[Stage] = Field(min_length=4, max_length=4)
    diagram: Figure
    t_scores: list[TScore] = Field(min_length=1)

    def problems(self) -> Iterator[tuple[Loc, str]]:
        yield from super().problems()
        for i, stage in enumerate(self.stages):
            if stage.number != i + 1:
                yield ("stages", i, "number"), f"stages must be numbered in order; expected {i + 1}"


class Medicine(Model):
    id: Slug
    name: Short
    brand: Short | None = None
    section: Slug
    action: Literal["slows", "builds", "both"]
    does: Text
    source: SourceNo


class MedicinesHandout(Handout):
    WIDGETS = frozenset({"medicine-table"})

    medicines: list[Medicine] = Field(min_length=2)

    def problems(self) -> Iterator[tuple[Loc, str]]:
        yield from super().problems()
        yield from self._refs("medicines", self.medicines)
        yield from _unique_ids("medicines", self.medicines)


class Exercise(Model):
    """An activity; only bone-building ones are listed and tracked on the handout."""

    id: Slug
    name: Short
    note: Text | None = None
    kind: Literal["weight-bearing", "resistance", "not-weight-bearing"]
    source: SourceNo

    @property
    def builds_bone(self) -> bool:
        return self.kind != "not-weight-bearing"


class Tracker(Model):
    blank_rows: Annotated[int, Field(ge=0, le=6)] = 2


class ExercisesHandout(Handout):
    WIDGETS = frozenset({"exercise-list", "weekly-tracker"})

    exercises: list[Exercise] = Field(min_length=2)
    tracker: Tracker = Tracker()

    def problems(self) -> Iterator[tuple[Loc, str]]:
        yield from super().problems()
        yield from _unique_ids("exercises", self.exercises)


class Nutrient(Model):
    id: Slug
    name: Short
    section: Slug
    does: Text
    source: SourceNo


class NutrientsHandout(Handout):
    WIDGETS = frozenset({"nutrient-checklist"})

    nutrients: list[Nutrient] = Field(min_length=2)

    def problems(self) -> Iterator[tuple[Loc, str]]:
        yield from super().problems()
        yield from self._refs("nutrients", self.nutrients)
        yield from _unique_ids("nutrients", self.nutrients)
        listed = {n.section for n in self.nutrients}
        for i, section in enumerate(self.sections):
            if "nutrient-checklist" in section.show and section.id not in listed:
                yield ("sections", i, "show"), (
                    f"no nutrient has section: {section.id}, so the checklist would be empty")


class Faq(Model):
    question: Short
    answer: list[Fact] = Field(min_length=1)


class LifestyleHandout(Handout):
    WIDGETS = frozenset({"faq"})

    faqs: list[Faq] = Field(min_length=1)


def _unique_ids(field: str, items: list[Any]) -> Iterator[tuple[Loc, str]]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.id in seen:
            yield (field, i, "id"), f"id {item.id!r} is used twice"
        seen.add(item.id)


HANDOUTS: dict[str, type[Handout]] = {
    "stages": StagesHandout,
    "medicines": MedicinesHandout,
    "exercises": ExercisesHandout,
    "nutrients": NutrientsHandout,
    "lifestyle": LifestyleHandout,
}


def walk(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, Any]]:
    """Yield (key path, leaf value) for every leaf of a model tree."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from walk(getattr(value, name), (*loc, name))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from walk(item, (*loc, i))
    else:
        yield loc, value


PATTERN_HINTS = {
    "accent_color": "write the colour as # and six hex digits, like #0b5394",
    "languages": "write a language code such as en or es",
    "audiences": "write an audience name such as general or large-print",
}


def friendly_message(err: Any, noun: str = "key") -> str:
    """Say a pydantic validation error in words a content editor can act on."""
    kind, msg, loc = err["type"], err["msg"], err.get("loc", ())
    if kind == "missing":
        return f"missing required {noun}"
    if kind == "extra_forbidden":
        return f"unknown {noun} (check its spelling and indentation)"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "expected keys and values (a mapping) here"
    if kind.startswith("date"):
        return "expected a date written like 2026-11-01"
    if kind == "list_type":
        if noun == "setting":  # TOML
            return 'expected a list here, like ["general", "large-print"]'
        return "expected a list here (items starting with '- ')"
    if kind == "string_pattern_mismatch":
        hint = next((h for name, h in PATTERN_HINTS.items() if name in loc), None)
        if hint:
            return hint
    if kind == "string_type" and isinstance(err.get("input"), bool | int | float | dt.date):
        return (f"expected text, but YAML read {err['input']!r}; put the text in quotes, "
                "like \"No\" or \"2026\"")
    return msg[:1].lower() + msg[1:]
