"""Copyfitting: when a document ends on a nearly empty page, try tighter layouts.

After the first layout, a document whose last page is less than a quarter full, or
holds nothing but its end matter (the disclaimer and sources, or a quiz's closing
line), or that could save a sheet of paper (an odd page count, or a handout one page
over its audience's target, with the last page less than half full), is laid out
again with each tightening step in turn, cumulatively:

1. keep the end matter with the boxes before it;
2. less space between sections;
3. smaller page margins (0.68 in), then the smallest (0.6 in);
4. smaller figures and table cell padding.

The first layout that has fewer pages and a well-filled last page is kept; when none
has, the one with the fewest pages (the least tightened of those). See ``search`` for
the order the layouts are tried in. Type sizes and line
spacing are never touched, so the audience's minimums hold. The steps and their order
are fixed, so the same input always gives the same pages.

A page may mark parts it is complete without with the class ``if-room`` (a handout's
online link and QR code): the document is laid out without them too, and they are
left out when they would cost a page (see ``pdf.Renderer.render``).

This module measures WeasyPrint's layout (its boxes), so it is imported by ``pdf``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from osteo_print.context import Paper

MIN_FILL = 0.25  # a last page less full than this wastes a sheet
SMALLEST_MARGIN = "0.6in"


@dataclass(frozen=True)
class Step:
    """One tightening step: its name, its CSS, and the page margins it sets (or None)."""

    name: str
    css: str
    margins: tuple[str, str, str] | None = None  # top, side, bottom


STEPS = (
    Step("end matter kept with the boxes",
         ".end-matter, .thanks { break-before: avoid; }\n"
         ".end-matter { margin-top: 6pt; }\n"),
    Step("less space between sections",
         "h2 { margin-top: 7pt; } h3 { margin-top: 8pt; }\n"
         ".box { margin: 5pt 0; } .end-boxes { margin: 6pt 0; }\n"
         "table { margin: 4pt 0 8pt; } ul { margin-bottom: 5pt; }\n"
         ".callout, .warning, .medicine { margin-top: 4pt; margin-bottom: 6pt; }\n"
         ".stacked-item, .answer { margin-bottom: 6pt; } .question { margin-bottom: 9pt; }\n"
         ".lines { margin-bottom: 6pt; }\n"),
    Step("smaller margins", "", ("0.68in", "0.68in", "0.7in")),
    Step("smallest margins", "", (SMALLEST_MARGIN, SMALLEST_MARGIN, SMALLEST_MARGIN)),
    Step("smaller figures and tables",
         "figure.diagram svg { width: 86%; }\n"
         "th, td { padding-top: 2pt; padding-bottom: 2pt; }\n"),
)


@dataclass(frozen=True)
class Fit:
    """The layout settings of one attempt: how many steps apply, and the margins."""

    level: int = 0  # 0: the first layout; n: STEPS[:n] apply

    @property
    def steps(self) -> tuple[Step, ...]:
        return STEPS[:self.level]

    @property
    def name(self) -> str:
        return self.steps[-1].name if self.level else "as designed"

    @property
    def margins(self) -> tuple[str, str, str] | None:
        found = [s.margins for s in self.steps if s.margins]
        return found[-1] if found else None

    def paper(self, paper: Paper) -> Paper:
        """The paper with this attempt's margins, for the page's template."""
        if self.margins is None:
            return paper
        top, side, bottom = self.margins
        return replace(paper, margin_top=top, margin_side=side, margin_bottom=bottom)

    def css(self) -> str:
        """The style sheet that applies this attempt's steps (empty for the first).

        It sets the margins too, so a clinic's own style sheet that does not read them
        from the paper is tightened all the same.
        """
        if not self.level:
            return ""
        rules = [s.css for s in self.steps]
        if self.margins:
            rules.append("@page {{ margin: {} {} {}; }}\n".format(*self.margins))
        return "/* osteo-print copyfitting: " + self.name + " */\n" + "".join(rules)


LEVELS = tuple(Fit(n) for n in range(len(STEPS) + 1))


@dataclass(frozen=True)
class Measure:
    """How a layout ends: its page count, the last page's fill, what sits on it."""

    pages: int
    fill: float  # share of the last page's content area used, 0..1
    alone: bool  # the last page holds only end matter (sources, disclaimer, closing line)
    overflow: bool = False  # something, such as a running footer, runs off the paper
    min_fill: float = MIN_FILL  # the project's [check] min_last_page_fill

    @property
    def wasteful(self) -> bool:
        return self.pages > 1 and (self.fill < self.min_fill or self.alone)

    @property
    def sheet_to_save(self) -> bool:
        """An odd page count whose last page is less than half full: on both sides of
        the paper, a tighter layout could save a whole sheet."""
        return self.pages > 1 and self.pages % 2 == 1 and self.fill < 0.5


IF_ROOM = re.compile(r"""\bclass\s*=\s*["']?(?:[^"'>]*\s)?if-room[\s"'>]""")
WITHOUT_IF_ROOM = ".if-room { display: none !important; }\n"


def has_if_room(html: str) -> bool:
    """Whether the page has parts to print only if there is room (class ``if-room``)."""
    return IF_ROOM.search(html) is not None


def inject(html: str, css: str) -> str:
    """Add a style sheet at the end of the head (after the page's own), if any."""
    if not css:
        return html
    style = f"<style>\n{css}</style>\n"
    head_end = html.lower().rfind("</head>")
    if head_end < 0:
        return style + html
    return html[:head_end] + style + html[head_end:]


def search(attempt: Callable[[Fit], Measure], target: int = 0) -> list[tuple[Fit, Measure]]:
    """Lay out with ``attempt`` as often as needed; return every attempt made.

    The first layout stands unless it is wasteful, or could save a sheet of paper: an
    odd page count, or a handout one page over its ``target``, with the last page less
    than half full. Then the tightest layout is tried:
    if even it saves no page, nothing between will, and only the first step (which
    keeps the end matter with the boxes) is tried. If it saves one, or runs off the
    paper, the steps are tried in order and the first that saves a page, ending well,
    stops the search. ``choose`` picks the one to keep.
    """
    first = attempt(LEVELS[0])
    tried = [(LEVELS[0], first)]
    over = first.sheet_to_save or (
        bool(target) and first.pages == target + 1 and first.fill < 0.5)
    if not (first.wasteful or over):
        return tried
    tightest = attempt(LEVELS[-1])
    tried.append((LEVELS[-1], tightest))
    if tightest.pages < first.pages or tightest.overflow:  # the smallest margins can
        for fit in LEVELS[1:-1]:                           # push a footer off the paper
            latest = attempt(fit)
            tried.append((fit, latest))
            if latest.pages < first.pages and not latest.wasteful and not latest.overflow:
                break
    elif first.alone or first.wasteful:
        tried.append((LEVELS[1], attempt(LEVELS[1])))
    return tried


def choose(attempts: list[tuple[Fit, Measure]]) -> int:
    """The index of the attempt to keep: nothing off the paper (unless the first layout
    already runs off), then fewest pages, then well-filled, then the least tight."""
    def key(i: int) -> tuple[bool, int, bool, int]:
        fit, m = attempts[i]
        return (fit.level > 0 and m.overflow, m.pages, m.wasteful, fit.level)
    return min(range(len(attempts)), key=key)


END_MATTER = {"end-matter", "thanks", "disclaimer", "sources"}


def measure(document) -> Measure:
    """Measure a WeasyPrint ``Document``'s last page from its layout boxes."""
    from weasyprint.formatting_structure import boxes

    pages = document.pages
    overflow = any(_overflows(page._page_box) for page in pages)
    page_box = pages[-1]._page_box
    top = page_box.content_box_y()
    height = page_box.height or 1
    root = next((c for c in page_box.children if not isinstance(c, boxes.MarginBox)), None)
    if root is None:
        return Measure(len(pages), 0.0, False, overflow)
    bottom = top
    items: list[set[str]] = []
    for box in root.descendants():
        if isinstance(box, (boxes.LineBox, boxes.ReplacedBox)) or _drawn(box):
            bottom = max(bottom, box.position_y + box.border_height())
    _items(root, items, 0)
    fill = max(0.0, min(1.0, (bottom - top) / height))
    alone = bool(items) and all(classes & END_MATTER for classes in items)
    return Measure(len(pages), fill, alone, overflow)


def _overflows(page_box) -> bool:
    """Whether any line on the page (the running header and footer too) leaves the paper."""
    from weasyprint.formatting_structure import boxes

    width, height = page_box.margin_width(), page_box.margin_height()
    for box in page_box.descendants():
        if isinstance(box, (boxes.LineBox, boxes.ReplacedBox)) and (
                box.position_y + box.height > height + 0.5 or box.position_y < -0.5
                or box.position_x < -0.5 or box.position_x + box.width > width + 0.5):
            return True
    return False


def _drawn(box) -> bool:
    """A box that paints something: a border or a background."""
    style = box.style
    return bool(style["border_bottom_width"] or style["border_top_width"]
                or style["background_color"].alpha)


def _items(box, items: list[set[str]], depth: int) -> None:
    """The blocks a page holds: main's children and what is beside main in body."""
    from weasyprint.formatting_structure import boxes

    for child in getattr(box, "children", ()):
        if not isinstance(child, boxes.BlockLevelBox):
            continue
        tag = child.element_tag
        if tag in ("html", "body", "main") and depth < 3:
            _items(child, items, depth + 1)
            continue
        if tag == "ol" and "quiz-questions" in _classes(child):
            if child.children:
                items.append({"question"})
            continue
        items.append(_classes(child) | {tag})


def _classes(box) -> set[str]:
    element = box.element
    if element is None:
        return set()
    return set((element.get("class") or "").split())
