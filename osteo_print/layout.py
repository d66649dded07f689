"""The Layout check: how the pages of a finished PDF use the paper.

Measured from the PDF (pdfplumber's characters, lines, rectangles and images), so it
judges what prints, whatever the templates do:

- the last page's fill: the share of its content area down to the lowest thing printed
  in it (the running header and footer, in the top and bottom margins, do not count);
  a document of more than one page that ends on a page less full than
  ``min_last_page_fill`` wastes a sheet of paper on every copy;
- anything printed outside the page's content area at the sides, or off the paper;
- the page count against the audience's target for handouts (a warning: safety
  content is never cut to fit).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from osteo_print.context import Paper, points

SLACK_PT = 1.5  # half a border's width may stand out of the content box


@dataclass(frozen=True)
class Outside:
    """Something printed outside the content area."""

    page: int  # 1-based
    what: str  # the text, or "a line" / "a box" / "an image"
    by_pt: float  # how far outside
    side: str  # "left", "right", "top" or "bottom"


@dataclass(frozen=True)
class PageUse:
    pages: int
    fill: float  # the last page's fill, 0..1
    outside: list[Outside]


@contextmanager
def opened(pdf: Any) -> Iterator[Any]:
    """A PDF as a pdfplumber document: ``pdf`` is the PDF's bytes (opened here, and
    closed afterwards), or a pdfplumber document already open, which is used as it is.

    Reading a PDF's characters is most of what the checks cost, and pdfplumber keeps what
    it read of each page: the checks of one document share one open document.
    """
    if not isinstance(pdf, (bytes, bytearray, memoryview)):
        yield pdf
        return
    import pdfplumber

    with pdfplumber.open(io.BytesIO(bytes(pdf))) as doc:
        yield doc


def page_use(pdf: Any, paper: Paper) -> PageUse:
    """Measure a PDF's pages against the paper's margins. ``pdf``: its bytes, or an
    open pdfplumber document of it (see ``opened``)."""
    top, side, bottom = (points(paper.margin_top), points(paper.margin_side),
                         points(paper.margin_bottom))
    outside: list[Outside] = []
    fill = 0.0
    with opened(pdf) as doc:
        count = len(doc.pages)
        for number, page in enumerate(doc.pages, 1):
            width, height = float(page.width), float(page.height)
            chars = [c for c in page.chars if c["text"].strip()]
            shapes = [s for s in (*page.lines, *page.rects, *page.curves) if _visible(s)]
            images = page.images
            _outside(number, chars, shapes, images, width, height, side, outside)
            if number == count:
                low = top
                for obj in [*chars, *shapes, *images]:
                    if obj["top"] >= top - SLACK_PT and obj["bottom"] <= height - bottom + SLACK_PT:
                        low = max(low, float(obj["bottom"]))
                area = height - top - bottom
                fill = max(0.0, min(1.0, (low - top) / area)) if area > 0 else 1.0
    return PageUse(count, fill, outside)


WHITE = {(1, 1, 1), (1,), (0, 0, 0, 0)}  # RGB, grey and CMYK white


def _visible(shape) -> bool:
    """A line or box that prints: stroked, or filled with something other than white
    (a page's white background is not content)."""
    if shape.get("stroke") and float(shape.get("linewidth") or 0) > 0:
        return True
    color = shape.get("non_stroking_color")
    if isinstance(color, (int, float)):
        color = (color,)
    filled = tuple(round(float(c), 3) for c in color) if isinstance(color, (tuple, list)) else None
    return bool(shape.get("fill")) and filled not in WHITE


def _outside(number: int, chars, shapes, images, width: float, height: float,
             side: float, found: list[Outside]) -> None:
    """Record the first thing past each edge of one page (one note per edge)."""
    left_edge, right_edge = side - SLACK_PT, width - side + SLACK_PT
    worst: dict[str, Outside] = {}

    def note(edge: str, by: float, obj: Any, label: str | None) -> None:
        if by > 0 and (edge not in worst or by > worst[edge].by_pt):
            # Named only when past an edge: naming every character would cost a pass
            # over the page's characters each (quadratic in the page's text).
            worst[edge] = Outside(number, label or _text_near(chars, obj), round(by, 1), edge)

    for group, label in ((chars, None), (shapes, "a line or box"), (images, "an image")):
        for obj in group:
            note("left", left_edge - float(obj["x0"]), obj, label)
            note("right", float(obj["x1"]) - right_edge, obj, label)
            note("top", -float(obj["top"]), obj, label)
            note("bottom", float(obj["bottom"]) - height, obj, label)
    found.extend(worst[e] for e in ("left", "right", "top", "bottom") if e in worst)


def _text_near(chars, char) -> str:
    """The words on the same line as ``char``, to name what runs over."""
    line = sorted((c for c in chars if abs(float(c["top"]) - float(char["top"])) < 2),
                  key=lambda c: float(c["x0"]))
    text, end = "", None
    for c in line:  # the PDF has no spaces: a gap between letters is one
        if end is not None and float(c["x0"]) - end > 0.2 * float(c["size"]):
            text += " "
        text += c["text"]
        end = float(c["x1"])
    text = text.strip()
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def describe(outside: Outside) -> str:
    inches = outside.by_pt / 72
    where = (f"{inches:.2f} in into the {outside.side} margin"
             if outside.side in ("left", "right") else f"off the {outside.side} of the paper")
    return f"{outside.what} on page {outside.page} runs {where}"
