"""``osteo-print facts``: every fact with its source and the handouts that use it, as CSV.

A clinic's reviewer signs the content off from this sheet: one row per fact, so a fact
that several handouts or audiences share is read (and corrected) once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from osteo_print.content import Content
from osteo_print.handout import Handout, _facts

COLUMNS = ("lang", "fact", "source", "citation", "used_in", "reviewed", "reviewed_by")


def fact_rows(content: Content) -> list[dict[str, str]]:
    """One row per (language, text, source), in handout order."""
    rows: dict[tuple[str, str, str], dict[str, str]] = {}
    for (lang, name, variant), handout in _in_order(content):
        where = f"{name} ({variant or 'general'})"
        for text, source in _texts(handout):
            key = (lang, text, str(source or ""))
            row = rows.get(key)
            if row is None:
                citation = content.sources[source].citation if source in content.sources \
                    else ""
                rows[key] = {"lang": lang, "fact": text, "source": str(source or ""),
                             "citation": citation, "used_in": where,
                             "reviewed": handout.last_reviewed.isoformat(),
                             "reviewed_by": handout.reviewed_by or ""}
            elif where not in row["used_in"].split("; "):
                row["used_in"] += f"; {where}"
    return list(rows.values())


def to_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _inert(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def _inert(value: str) -> str:
    """A spreadsheet must not run a cell as a formula (=HYPERLINK(...), +, -, @)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _in_order(content: Content):
    order = {name: i for i, name in enumerate(content.names())}
    return sorted(content.handouts.items(),
                  key=lambda kv: (kv[0][0], order.get(kv[0][1], 0), kv[0][2] or ""))


def _texts(handout: Handout) -> Iterator[tuple[str, int | None]]:
    """Each sourced text of a handout; a section's unsourced facts take its first source."""
    for block in handout.blocks:
        inner = getattr(block, "blocks", None) or [block]
        facts = [item for b in inner for _, item in _facts(b)]
        first = next((f.source for f in facts if f.source is not None), None)
        for item in facts:
            text = getattr(item, "text", None)
            if text is None:  # a table row: its cells, read across
                text = " | ".join(str(v) for k, v in item.fields.items() if k != "id") \
                    if hasattr(item, "fields") else getattr(item, "caption", "")
            yield " ".join(str(text).split()), item.source or first
