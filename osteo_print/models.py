"""Typed models shared by all content: text types, sources, facts and actions.

Every model forbids unknown keys, so a typo in a YAML key is an error, not a silent
omission. Handouts and their blocks live in ``osteo_print.handout``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from typing import Annotated, Any

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
    """A sentence or two of content, tied to the numbered source it comes from.

    ``source`` may be left out only in a handout that says ``sourced: false``.
    """

    text: Text
    source: SourceNo | None = None


class Action(Model):
    """Something the reader can do; may leave a line to write on."""

    text: Text
    source: SourceNo | None = None
    write_in: Short | None = None


def today() -> dt.date:
    """The computer's date (tests set the clock back by replacing this)."""
    return dt.date.today()


def build_date() -> tuple[dt.date, str]:
    """The date a build's content dates are compared with, and what it is.

    SOURCE_DATE_EPOCH, the build's own date, when it is set; else the computer's date,
    which may be wrong: a date after it is worth a warning, never a refusal (a machine
    whose clock is behind must still print the built-in content).
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return (dt.datetime.fromtimestamp(int(epoch), dt.UTC).date(),
                    "the build date (SOURCE_DATE_EPOCH)")
        except (ValueError, OverflowError, OSError):
            pass
    return today(), "today's date on this computer"


def future_date(value: dt.date) -> str | None:
    """A warning for a review date after the build date, or None."""
    reference, what = build_date()
    if value <= reference:
        return None
    return (f"last_reviewed {value.isoformat()} is after {what}, {reference.isoformat()}: "
            "check the date (or the computer's clock)")


def walk(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, Any]]:
    """Yield (key path, leaf value) for every leaf of a model tree, in field order.

    The leaves are gathered into a list first: nested generators cost a step per level
    for every leaf, and a handout's tree is walked for every check.
    """
    leaves: list[tuple[Loc, Any]] = []
    _leaves(value, loc, leaves.append)
    return iter(leaves)


def _leaves(value: Any, loc: Loc, add: Callable[[tuple[Loc, Any]], None]) -> None:
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _leaves(getattr(value, name), (*loc, name), add)
        for name, extra in (value.model_extra or {}).items():
            _leaves(extra, (*loc, name), add)
    elif isinstance(value, dict):
        for name, item in value.items():
            _leaves(item, (*loc, str(name)), add)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _leaves(item, (*loc, i), add)
    else:
        add((loc, value))


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
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
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
