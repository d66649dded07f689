"""A handout: title, purpose and an ordered list of typed blocks (see docs/content-model.md).

The built-in block types are typed here; a clinic's own block type (a template in its
``templates/blocks/``) is read as a ``CustomBlock`` that keeps whatever keys it has.
Which types exist is decided by the templates, not by this module: ``Handout.problems``
takes the known type names and reports a block whose type has no template.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Discriminator, Field, Tag, model_validator

from osteo_print.models import Action, Fact, Loc, Model, Short, Slug, SourceNo, Text

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=40)]
Cell = str | int | float | bool
BOX_IDS = {"key-points": "box-key-points", "actions": "box-actions", "ask": "box-questions"}
NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class Block(Model):
    """What every block has: its type and, if it needs to be pointed at, an id."""

    type: str
    id: Slug | None = None

    @property
    def key(self) -> str | None:
        """The id a quiz or an audience version uses: the id, or a box's default one."""
        return self.id or BOX_IDS.get(self.type)


class Paragraph(Block):
    type: Literal["paragraph"]
    text: Text
    source: SourceNo | None = None


class Bullets(Block):
    type: Literal["bullets"]
    items: list[Fact] = Field(min_length=1)


class Callout(Block):
    """A shaded box (``callout``) or a bordered "be careful" box (``warning``)."""

    type: Literal["callout", "warning"]
    heading: Short | None = None
    items: list[Fact] = Field(min_length=1)


class Column(Model):
    """A table column: the row key it shows; in a comparison, the values that tick it."""

    key: Key
    label: Short
    marks: list[str | int] | None = None


class Row(Model):
    """A table row: an id and a source, plus one value per column (and any extras)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: Slug | None = None
    source: SourceNo | None = None

    @model_validator(mode="after")
    def _plain_values(self) -> Row:
        for name, value in (self.model_extra or {}).items():
            if isinstance(value, bool):
                raise ValueError(
                    f"{name}: expected text, but YAML read {value!r}; put the text in quotes, "
                    'like "No" or "Yes"')
            if not isinstance(value, Cell):
                raise ValueError(f"{name}: a cell holds text or a number, not {value!r}")
            if isinstance(value, str) and len(value) > 600:
                raise ValueError(f"{name}: a cell holds at most 600 characters, not "
                                 f"{len(value)}; put long text in a paragraph")
        return self

    def get(self, key: str) -> Any:
        return (self.model_extra or {}).get(key)

    @property
    def fields(self) -> dict[str, Any]:
        """The row's values by key, its id included: what {placeholders} may use."""
        return {**({"id": self.id} if self.id else {}), **(self.model_extra or {})}


class Table(Block):
    """Rows under labelled columns; the first column heads each row."""

    type: Literal["table", "comparison-table"]
    caption: Short | None = None
    columns: list[Column] = Field(min_length=2, max_length=8)
    rows: list[Row] = Field(min_length=1)


class CheckItem(Model):
    label: Short | None = None
    text: Text
    source: SourceNo | None = None


class Checklist(Block):
    type: Literal["checklist"]
    intro: Text | None = None
    items: list[CheckItem] = Field(min_length=1)


class TrackerRow(Model):
    name: Short
    note: Short | None = None


class Tracker(Block):
    type: Literal["tracker"]
    intro: Text | None = None
    rows: list[TrackerRow] = Field(min_length=1)
    blank_rows: Annotated[int, Field(ge=0, le=6)] = 2


class Step(Model):
    label: Short
    name: Short


class Steps(Block):
    """A figure of steps in a row, with arrows between them."""

    type: Literal["steps"]
    alt: Text
    caption: Text
    source: SourceNo | None = None
    picture: Literal["plain", "bone"] = "plain"
    steps: list[Step] = Field(min_length=2, max_length=5)


class Answer(Model):
    question: Short
    answer: list[Fact] = Field(min_length=1)


class QA(Block):
    type: Literal["qa"]
    items: list[Answer] = Field(min_length=1)


class KeyPoints(Block):
    type: Literal["key-points"]
    heading: Short | None = None
    items: list[Fact] = Field(min_length=1, max_length=6)


class Actions(Block):
    type: Literal["actions"]
    heading: Short | None = None
    items: list[Action] = Field(min_length=1)


class Ask(Block):
    type: Literal["ask"]
    heading: Short | None = None
    items: list[Short] = []


class Medicine(Block):
    """One medicine: what it does, how to take it, and its warnings (none may be empty)."""

    type: Literal["medicine"]
    id: Slug
    name: Short
    brands: list[Short] = []
    say: Short | None = None  # how to say the name
    does: list[Fact] = Field(min_length=1)
    how_to_take: list[Fact] = Field(min_length=1)
    warnings: list[Fact] = Field(min_length=1)


class Precautions(Block):
    """What to avoid: the moves, habits or mixes that can do harm."""

    type: Literal["precautions"]
    heading: Short | None = None
    items: list[Fact] = Field(min_length=1)


class CustomBlock(Block):
    """A clinic's own block type: its keys go to its template as they are."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: Slug


INNER: dict[str, type[Block]] = {
    "paragraph": Paragraph, "bullets": Bullets, "callout": Callout, "warning": Callout,
    "table": Table, "comparison-table": Table, "checklist": Checklist, "tracker": Tracker,
    "steps": Steps, "qa": QA, "key-points": KeyPoints, "actions": Actions, "ask": Ask,
    "medicine": Medicine, "precautions": Precautions,
}
# What a handout on a topic must hold, so a safety part cannot silently go missing.
TOPIC_RULES: dict[str, tuple[str, str]] = {
    "medicines": ("medicine", "a medicines handout needs medicine blocks, each with "
                  "how_to_take and warnings"),
    "exercise": ("precautions", "an exercise handout needs a precautions block: the moves "
                 "to avoid"),
}
ROW_BLOCKS = ("table", "comparison-table")


def _tag(allowed: set[str]):
    def tag(value: Any) -> str:
        kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
        if not isinstance(kind, str):
            return "custom"  # a list or a number: the custom model says what is wrong
        if kind == "section":
            return "section" if "section" in allowed else "nested-section"
        return kind if kind in allowed else "custom"
    return tag


InnerBlock = Annotated[
    Annotated[Paragraph, Tag("paragraph")] | Annotated[Bullets, Tag("bullets")]
    | Annotated[Callout, Tag("callout")] | Annotated[Callout, Tag("warning")]
    | Annotated[Table, Tag("table")] | Annotated[Table, Tag("comparison-table")]
    | Annotated[Checklist, Tag("checklist")] | Annotated[Tracker, Tag("tracker")]
    | Annotated[Steps, Tag("steps")] | Annotated[QA, Tag("qa")]
    | Annotated[KeyPoints, Tag("key-points")] | Annotated[Actions, Tag("actions")]
    | Annotated[Ask, Tag("ask")] | Annotated[Medicine, Tag("medicine")]
    | Annotated[Precautions, Tag("precautions")] | Annotated[CustomBlock, Tag("custom")],
    Discriminator(_tag(set(INNER)), custom_error_type="block_type",
                  custom_error_message="a section cannot hold another section")]


class Section(Block):
    """A headed part of a handout, holding the other blocks."""

    type: Literal["section"]
    id: Slug
    heading: Short
    blocks: list[InnerBlock] = Field(min_length=1)


TopBlock = Annotated[
    Annotated[Section, Tag("section")] | Annotated[Paragraph, Tag("paragraph")]
    | Annotated[Bullets, Tag("bullets")] | Annotated[Callout, Tag("callout")]
    | Annotated[Callout, Tag("warning")] | Annotated[Table, Tag("table")]
    | Annotated[Table, Tag("comparison-table")] | Annotated[Checklist, Tag("checklist")]
    | Annotated[Tracker, Tag("tracker")] | Annotated[Steps, Tag("steps")]
    | Annotated[QA, Tag("qa")] | Annotated[KeyPoints, Tag("key-points")]
    | Annotated[Actions, Tag("actions")] | Annotated[Ask, Tag("ask")]
    | Annotated[Medicine, Tag("medicine")] | Annotated[Precautions, Tag("precautions")]
    | Annotated[CustomBlock, Tag("custom")],
    Discriminator(_tag({*INNER, "section"}))]
BLOCK_TAGS = frozenset({*INNER, "section", "custom"})


class GeneratorSpec(Model):
    """A rule that makes quiz items from one table's rows.

    row-value   for each row: "which value does it have in ``column``?"; the wrong
                answers are the values other rows have
    pick-row    for each row whose ``column`` is one of ``values``: "which one is it?";
                the wrong answers are rows with another value (one of ``wrong``, if given)
    match-rows  one matching item: each row's ``left`` text to its ``right`` text
    """

    id: Slug
    type: Literal["row-value", "pick-row", "match-rows"]
    rows: Slug
    column: Key | None = None
    values: list[Cell] = []
    wrong: list[Cell] = []
    answers: dict[str, Short] = {}
    label: Short | None = None
    left: Short | None = None
    right: Short | None = None
    stem: Text
    explanation: Text
    objective: Slug
    facts: list[Short] = []  # the facts each item tests, with {field} placeholders
    level: Literal["recall", "apply"] = "recall"


class Handout(Model):
    """One handout file: what it is for, and its body as blocks."""

    title: Short
    purpose: Text
    last_reviewed: dt.date
    reviewed_by: Short | None = None  # a role or a name, printed beside the date
    order: Annotated[int, Field(ge=0, le=9999, strict=True)] = 100
    topic: Literal["medicines", "exercise"] | None = None  # each brings safety rules
    sourced: bool = True
    # For a class's facilitator guide (class packets): what people can do after this
    # part, and how long it takes to teach (else estimated from its word count).
    objectives: list[Short] = Field(default=[], max_length=8)
    minutes: Annotated[int, Field(ge=1, le=240, strict=True)] | None = None
    blocks: list[TopBlock] = Field(min_length=1)
    generators: list[GeneratorSpec] = []

    def walk_blocks(self) -> Iterator[tuple[Loc, Block, Section | None]]:
        """Yield (key path, block, the section holding it) for every block, in order."""
        for i, block in enumerate(self.blocks):
            yield ("blocks", i), block, None
            if isinstance(block, Section):
                for j, inner in enumerate(block.blocks):
                    yield ("blocks", i, "blocks", j), inner, block

    @property
    def sections(self) -> list[Section]:
        return [b for b in self.blocks if isinstance(b, Section)]

    def section_ids(self) -> set[str]:
        return {s.id for s in self.sections}

    def anchors(self) -> dict[str, str | None]:
        """Every place a quiz item may point at: section ids and box ids -> heading."""
        out: dict[str, str | None] = {}
        for block in self.blocks:
            if isinstance(block, Section):
                out[block.id] = block.heading
            elif block.key:
                out[block.key] = getattr(block, "heading", None)
        return out

    def find(self, block_id: str) -> tuple[Block, Section | None] | None:
        """The block with this id (or box id), and the section holding it."""
        for _, block, section in self.walk_blocks():
            if block.key == block_id:
                return block, section
        return None

    def types_used(self) -> set[str]:
        return {block.type for _, block, _ in self.walk_blocks()}

    def problems(self, known_types: frozenset[str] | None = None
                 ) -> Iterator[tuple[Loc, str]]:
        """Yield (key path, message) for mistakes that span fields."""
        # A review date after the build's date is a warning (content.load_content).
        yield from self._id_problems()
        if known_types is not None:
            for loc, block, _ in self.walk_blocks():
                if block.type not in known_types:
                    yield (*loc, "type"), (
                        f"unknown block type {block.type!r}: no template blocks/"
                        f"{block.type}.html (known: {', '.join(sorted(known_types))})")
        if self.sourced:
            yield from self._unsourced()
        if self.topic in TOPIC_RULES:
            needed, message = TOPIC_RULES[self.topic]
            if needed not in self.types_used():
                yield ("blocks",), message
        for loc, block, _ in self.walk_blocks():
            if isinstance(block, Table):
                yield from _table_problems(loc, block)
        for i, gen in enumerate(self.generators):
            yield from (((("generators", i, *loc)), msg) for loc, msg in
                        generator_problems(self, gen))
        seen = set()
        for i, gen in enumerate(self.generators):
            if gen.id in seen:
                yield ("generators", i, "id"), f"generator id {gen.id!r} is used twice"
            seen.add(gen.id)

    def _id_problems(self) -> Iterator[tuple[Loc, str]]:
        seen: set[str] = set()
        for loc, block, _ in self.walk_blocks():
            key = block.key
            if key is None:
                continue
            if key in seen:
                yield (*loc, "id"), f"the id {key!r} is used twice in this handout"
            seen.add(key)

    def _unsourced(self) -> Iterator[tuple[Loc, str]]:
        """Each section or box cites at least one source; easy-read cites once a section."""
        for i, block in enumerate(self.blocks):
            if isinstance(block, Section):
                facts = [(("blocks", i, "blocks", j, *path), item)
                         for j, b in enumerate(block.blocks) for path, item in _facts(b)]
            else:
                facts = [(("blocks", i, *path), item) for path, item in _facts(block)]
            if facts and all(item.source is None for _, item in facts):
                what = "section" if isinstance(block, Section) else f"{block.type} block"
                yield (*facts[0][0], "source"), (
                    f"this {what} cites no source: give at least one of its facts a source "
                    "from sources.yaml (or set sourced: false for a handout with no health "
                    "facts)")


def _facts(block: Block) -> Iterator[tuple[Loc, Any]]:
    """The sourced texts of a block: (path inside it, item with text and source)."""
    if isinstance(block, Paragraph):
        yield (), block
    elif isinstance(block, Medicine):
        for name in ("does", "how_to_take", "warnings"):
            for i, item in enumerate(getattr(block, name)):
                yield (name, i), item
    elif isinstance(block, Bullets | Callout | KeyPoints | Checklist | Precautions):
        for i, item in enumerate(block.items):
            yield ("items", i), item
    elif isinstance(block, QA):
        for i, item in enumerate(block.items):
            for j, fact in enumerate(item.answer):
                yield ("items", i, "answer", j), fact
    elif isinstance(block, Table):
        for i, row in enumerate(block.rows):
            yield ("rows", i), row
    elif isinstance(block, Steps):
        yield (), block
    elif isinstance(block, CustomBlock):  # a clinic's own type: its text is a fact too
        extra = block.model_extra or {}
        if isinstance(extra.get("text"), str):
            source = extra.get("source")
            yield (), _CustomFact(extra["text"], source if isinstance(source, int) else None)


@dataclass(frozen=True)
class _CustomFact:
    text: str
    source: int | None


def _table_problems(loc: Loc, table: Table) -> Iterator[tuple[Loc, str]]:
    keys = [c.key for c in table.columns]
    for i, row in enumerate(table.rows):
        missing = [k for k in dict.fromkeys(keys) if row.get(k) is None]
        if missing:
            yield (*loc, "rows", i), f"no value for column {', '.join(missing)}"
    if table.columns[0].marks is not None:
        yield (*loc, "columns", 0, "marks"), "the first column heads each row: give it no marks"
    if table.type == "comparison-table":
        for j, column in enumerate(table.columns[1:], start=1):
            if not column.marks:
                yield (*loc, "columns", j), (
                    "a comparison-table column needs marks: the values that print a tick")
    seen: set[str] = set()
    for i, row in enumerate(table.rows):
        if row.id and row.id in seen:
            yield (*loc, "rows", i, "id"), f"row id {row.id!r} is used twice"
        seen.add(row.id or "")


def placeholders(pattern: str) -> set[str]:
    """The {names} a pattern uses; raises ValueError when it is broken.

    Only plain names: no attributes, indexes, conversions or widths ({name.x},
    {name!r}, {name:>9999}), so a pattern can neither reach into Python nor blow up.
    """
    names = set()
    for _, name, spec, conversion in string.Formatter().parse(pattern):
        if name is None:
            continue
        if spec or conversion or not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
            raise ValueError(f"write a plain {{name}}, not {{{name}"
                             f"{'!' + conversion if conversion else ''}"
                             f"{':' + spec if spec else ''}}}")
        names.add(name)
    return names


def generator_problems(handout: Handout, gen: GeneratorSpec) -> Iterator[tuple[Loc, str]]:
    """Yield what stops a generator from making fair items from this handout."""
    found = handout.find(gen.rows)
    if found is None:
        tables = [b.id for _, b, _ in handout.walk_blocks() if isinstance(b, Table) and b.id]
        yield ("rows",), (f"no table with id {gen.rows!r} in this handout "
                          f"(tables with an id: {', '.join(tables) or 'none'})")
        return
    table = found[0]
    if not isinstance(table, Table):
        yield ("rows",), (f"the block {gen.rows!r} is a {table.type}, not a table or "
                          "comparison-table")
        return
    fields = set.intersection(*(set(row.fields) for row in table.rows))
    needs = {"row-value": ("column",), "pick-row": ("column", "values"),
             "match-rows": ("left", "right")}[gen.type]
    for name in needs:
        if not getattr(gen, name):
            yield (name,), f"a {gen.type} generator needs {name}"
    if gen.column and gen.column not in fields:
        yield ("column",), (f"not every row of {gen.rows} has {gen.column!r} "
                            f"(every row has: {', '.join(sorted(fields))})")
    texts: tuple[str | tuple[str, int], ...] = (
        "stem", "explanation", "label", "left", "right",
        *(("facts", i) for i in range(len(gen.facts))))
    for text in texts:
        pattern = gen.facts[text[1]] if isinstance(text, tuple) else getattr(gen, text)
        if not pattern:
            continue
        where: Loc = text if isinstance(text, tuple) else (text,)
        try:
            used = placeholders(pattern)
        except ValueError as exc:
            yield where, f"broken {{placeholder}}: {exc}"
            continue
        per_row = text in ("left", "right") or isinstance(text, tuple)  # facts: each row's
        allowed = fields if gen.type != "match-rows" or per_row else set()
        if unknown := used - allowed:
            shown = ", ".join(f"{{{f}}}" for f in sorted(allowed)) or "none"
            yield where, (f"unknown placeholder {', '.join(sorted(unknown))} "
                          f"(allowed: {shown})")
    if gen.type != "match-rows" and any(not row.id for row in table.rows):
        yield ("rows",), f"every row of {gen.rows} needs an id: generated items are named by it"
