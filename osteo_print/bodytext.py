"""Pull the body text out of a rendered page, for readability checks.

Body text is the text of paragraphs, list items, table cells and captions inside
``<main>``; headings, citation markers, table headers and the sources list are left
out, and so are labels of fewer than three words ("Yes", "Nothing yet."), which are not
prose and would make the text look easier than it is. Each unit is one paragraph, list
item or cell.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

UNIT_TAGS = {"p", "li", "td", "figcaption", "dd"}
SKIP_TAGS = {"h1", "h2", "h3", "h4", "thead", "style", "script", "title", "svg"}
SKIP_CLASSES = {"cite", "sources", "write-in", "tickbox", "label", "clinic-contact"}
VOID = {"br", "img", "meta", "link", "input", "hr", "col", "source", "wbr"}


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipping)
        self.units: list[str] = []
        self.current: list[str] | None = None
        self.in_main = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            if tag == "br" and self.current is not None:
                self.current.append(" ")
            return
        classes = set((dict(attrs).get("class") or "").split())
        skipping = bool(self.stack and self.stack[-1][1]) or tag in SKIP_TAGS \
            or bool(classes & SKIP_CLASSES)
        self.stack.append((tag, skipping))
        if tag == "main":
            self.in_main += 1
        if tag in UNIT_TAGS and self.in_main and not skipping and self.current is None:
            self.current = []

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == "main":
                self.in_main -= 1
            if open_tag in UNIT_TAGS and self.current is not None and open_tag == tag:
                text = re.sub(r"\s+", " ", "".join(self.current)).strip()
                if text:
                    self.units.append(text)
                self.current = None
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.current is not None and not (self.stack and self.stack[-1][1]):
            self.current.append(data)


MIN_WORDS = 3


def body_units(html: str) -> list[str]:
    """Return the body text units of a rendered page."""
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    return [unit for unit in parser.units if len(unit.split()) >= MIN_WORDS]
