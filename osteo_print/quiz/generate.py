"""Items made from the rows of handout tables, by the generators the handouts declare.

Every wrong answer comes from another row whose value differs from the right
answer's, so a generated item is wrong by construction only where the content is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from osteo_print.handout import GeneratorSpec, Handout, Row, Table
from osteo_print.quiz.questions import Question

MAX_OPTIONS = 4


def generate(handouts: Mapping[str, Handout]) -> list[Question]:
    """Return every item the handouts' generators make."""
    out: list[Question] = []
    for name, handout in handouts.items():
        for gen in handout.generators:
            out += list(generate_one(name, handout, gen))
    return out


def generate_one(name: str, handout: Handout, gen: GeneratorSpec) -> Iterator[Question]:
    """The items of one generator (none when it does not fit the handout)."""
    found = handout.find(gen.rows)
    if found is None:
        return
    table, section = found
    if not isinstance(table, Table):
        return
    where = section.id if section is not None else _first_anchor(handout)
    make = {"row-value": _row_value, "pick-row": _pick_row, "match-rows": _match_rows}
    for question in make[gen.type](table, gen):
        yield Question(handout=name, section=where, objective=gen.objective, family=gen.id,
                       level=gen.level, **question)


def _first_anchor(handout: Handout) -> str:
    return next(iter(handout.anchors()), "box-key-points")


def _fill(pattern: str, row: Row) -> str:
    return pattern.format(**{k: str(v) for k, v in row.fields.items()})


def _value(row: Row, column: str) -> str:
    return str(row.get(column))


def _row_value(table: Table, gen: GeneratorSpec) -> Iterator[dict]:
    column = gen.column or ""
    values = list(dict.fromkeys(_value(row, column) for row in table.rows))
    if len(values) < 2:
        return
    for i, row in enumerate(table.rows):
        right = _value(row, column)
        others = [v for v in values if v != right]
        start = i % len(others)
        wrong = (others[start:] + others[:start])[:MAX_OPTIONS - 1]
        chosen = [v for v in values if v == right or v in wrong]  # the table's order
        yield dict(
            id=f"gen-{gen.id}-{row.id}", type="single", stem=_fill(gen.stem, row),
            options=tuple(gen.answers.get(v, v) for v in chosen),
            correct=frozenset({chosen.index(right)}),
            explanation=_fill(gen.explanation, row), facts=_facts(gen, [row]))


def _pick_row(table: Table, gen: GeneratorSpec) -> Iterator[dict]:
    column = gen.column or ""
    picked = {str(v) for v in gen.values}
    wrong_values = {str(v) for v in gen.wrong}
    right = [r for r in table.rows if _value(r, column) in picked]
    wrong = [r for r in table.rows if _value(r, column) not in picked
             and (not wrong_values or _value(r, column) in wrong_values)]
    if len(wrong) < 2:
        return
    label = gen.label or "{" + table.columns[0].key + "}"
    for i, row in enumerate(right):
        distractors = [wrong[(2 * i) % len(wrong)], wrong[(2 * i + 1) % len(wrong)]]
        options = tuple(_fill(label, r) for r in [row, *distractors])
        yield dict(
            id=f"gen-{gen.id}-{row.id}", type="single", stem=_fill(gen.stem, row),
            options=options, correct=frozenset({0}), explanation=_fill(gen.explanation, row),
            facts=_facts(gen, [row]))


def _match_rows(table: Table, gen: GeneratorSpec) -> Iterator[dict]:
    """Match every row but the last; the last row's right text is the extra answer."""
    rows = table.rows[:7]
    if len(rows) < 3:
        return
    asked = rows[:-1]
    yield dict(
        id=f"gen-{gen.id}", type="matching", stem=gen.stem,
        options=tuple(_fill(gen.right or "", r) for r in rows),
        correct=frozenset(range(len(asked))),
        prompts=tuple(_fill(gen.left or "", r) for r in asked),
        pairs=tuple(range(len(asked))), explanation=gen.explanation, points=len(asked),
        facts=_facts(gen, asked))


def _facts(gen: GeneratorSpec, rows: list[Row]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_fill(f, r) for f in gen.facts for r in rows))
