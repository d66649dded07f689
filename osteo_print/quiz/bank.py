"""Typed models of ``<lang>/quiz.yaml``: authored items, forms, teach-back.

Items made from handout tables come from the generators the handouts declare
(``osteo_print.handout.GeneratorSpec``), not from the bank.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from osteo_print.models import Model, Short, Slug, Text

ITEM_TYPES = ("single", "multiple", "true-false", "matching", "fill-blank")
BLANK = "___"
REQUIRED_FORMS = ("all", "pre", "post")


class Option(Model):
    text: Short
    correct: bool = False


class Teaches(Model):
    """Where a handout teaches an item: a section id, or one of the boxes ``box-...``."""

    handout: Slug
    section: Slug


class Pair(Model):
    left: Short
    right: Short


class ItemBase(Model):
    """What every item has. ``facts`` are the facts it tests; ``reveals`` the facts its
    stem or options give away (no other item in a form may test those)."""

    id: Slug
    stem: Text
    explanation: Text
    teaches: Teaches
    objective: Slug
    points: Annotated[int, Field(ge=1, le=10)] = 1
    facts: list[Slug] = []
    reveals: list[Slug] = []
    level: Literal["recall", "apply"] = "recall"
    safety: bool = False  # it asks what to do to stay safe


class SingleItem(ItemBase):
    type: Literal["single"]
    options: list[Option] = Field(min_length=2, max_length=5)


class MultipleItem(ItemBase):
    type: Literal["multiple"]
    options: list[Option] = Field(min_length=3, max_length=6)


class TrueFalseItem(ItemBase):
    type: Literal["true-false"]
    answer: bool
    not_sure: bool = True


class MatchingItem(ItemBase):
    """Pairs to match, and one more answer that matches nothing (so the last is not free)."""

    type: Literal["matching"]
    pairs: list[Pair] = Field(min_length=2, max_length=6)
    extra: Short | None = None


class FillBlankItem(ItemBase):
    type: Literal["fill-blank"]
    words: list[Short] = Field(min_length=2, max_length=5)
    answer: Short


Item = Annotated[SingleItem | MultipleItem | TrueFalseItem | MatchingItem | FillBlankItem,
                 Field(discriminator="type")]


class Labels(Model):
    """Fixed answer texts the quiz prints, in the bank's language."""

    is_true: Short
    is_false: Short
    not_sure: Short


class Form(Model):
    """A fixed set of items: the default quiz, or a pre- or post-test."""

    title: Short
    items: list[Slug] = Field(min_length=1, max_length=40)


class QuizBank(Model):
    """The file ``<lang>/quiz.yaml``."""

    title: Short
    last_reviewed: dt.date
    labels: Labels
    forms: dict[Slug, Form]
    items: list[Item] = Field(min_length=1)
    teach_back: dict[Slug, list[Short]] = {}
