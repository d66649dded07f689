"""The layout map of a quiz sheet, read from WeasyPrint's laid-out document.

``read_layout`` runs inside the renderer on the layout it keeps (after copyfitting), so
the map holds the very positions the PDF prints, for any audience, language, paper or
clinic template. It returns plain data (picklable, for worker processes); ``sheet_map``
adds what the sheet is and ``map_problems`` says what a scanner would miss.

What it looks for, all set by templates/quiz.html and style.css:
- an element with ``data-box`` ("answer" or "class-id") is a tick box; its other
  ``data-`` attributes say which (question and option, and row for matching; or digit
  and value);
- the element with ``data-sheet="name"`` is the name write-in on page 1;
- the markers are the backgrounds of the top-left, top-right, bottom-right and
  bottom-left page margin boxes whose image is a marker (``marks.marker_url``);
- the QR code is the image of the top-centre margin box whose URL is a page's QR.

Coordinates are PDF points from the page's top-left corner, y down; a box is its
border box, the outer edge of the printed square.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from osteo_print.quiz.versions import LETTERS, Version
from osteo_print.sheet.marks import MARKER_BOXES, MAX_SHEET_PAGES, Sheet, marker_url

PT = 0.75  # WeasyPrint lays out in CSS pixels: 1 px = 0.75 pt
FORMAT = "osteo-print-sheet-map"
MAP_VERSION = 1


def _pt(value: float) -> float:
    return round(value * PT, 3)


def read_layout(document: Any) -> list[dict[str, Any]]:
    """Every page's size, markers, QR code, name area and tick boxes, in points."""
    return [_page(page) for page in document.pages]


def _page(page: Any) -> dict[str, Any]:
    from weasyprint.formatting_structure import boxes

    page_box = page._page_box
    found: dict[str, Any] = {"width": _pt(page.width), "height": _pt(page.height),
                             "markers": [], "qr": None, "name": None, "boxes": []}
    for child in page_box.children:
        if isinstance(child, boxes.MarginBox):
            _margin_box(child, found)
    seen: set[int] = set()
    for box in page_box.descendants():
        element = getattr(box, "element", None)
        if element is None or getattr(box, "pseudo_type", None) or id(box) in seen:
            continue
        kind = element.get("data-box")
        if kind:
            seen.add(id(box))
            found["boxes"].append(_tick(kind, element, box))
        elif element.get("data-sheet") == "name" and found["name"] is None:
            found["name"] = _rect(box)
    found["markers"].sort(key=lambda m: m["id"])
    return found


def _margin_box(box: Any, found: dict[str, Any]) -> None:
    """A marker drawn as the box's background, or the QR code as its content image."""
    from weasyprint.formatting_structure import boxes

    urls = [value for kind, value in box.style["background_image"] if kind == "url"]
    layers = box.background.layers if box.background else []
    for marker_id, keyword in MARKER_BOXES.items():
        if box.at_keyword != keyword or marker_url(marker_id) not in urls:
            continue
        layer = layers[urls.index(marker_url(marker_id))] if len(layers) == len(urls) \
            else None
        if layer is not None and layer.image is not None:
            x = layer.positioning_area[0] + layer.position[0]
            y = layer.positioning_area[1] + layer.position[1]
            found["markers"].append({"id": marker_id, "x": _pt(x), "y": _pt(y),
                                     "size": _pt(layer.size[0])})
    if box.at_keyword == "@top-center":
        content = box.style["content"]
        urls = [value[1] for kind, value in content if kind == "url"] \
            if isinstance(content, tuple) else []
        images = [b for b in box.descendants() if isinstance(b, boxes.InlineReplacedBox)]
        if urls and images:
            found["qr"] = {"url": urls[0], "x": _pt(images[0].content_box_x()),
                           "y": _pt(images[0].content_box_y()), "size": _pt(images[0].width)}


def _rect(box: Any) -> dict[str, float]:
    return {"x": _pt(box.border_box_x()), "y": _pt(box.border_box_y()),
            "w": _pt(box.border_width()), "h": _pt(box.border_height())}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _tick(kind: str, element: Any, box: Any) -> dict[str, Any]:
    if kind == "class-id":
        head: dict[str, Any] = {"kind": kind, "digit": _int(element.get("data-digit")),
                                "value": _int(element.get("data-value"))}
    else:
        head = {"kind": kind, "question": _int(element.get("data-question")),
                "option": element.get("data-option"), "row": _int(element.get("data-row"))}
    return {**head, **_rect(box)}


def sheet_map(sheet: Sheet, pages: list[dict[str, Any]]) -> dict[str, Any]:
    """The layout map (docs/design/scoring.md, section 2) of a sheet's laid-out pages."""
    out = []
    qr_urls = sheet.qr_urls
    for number, page in enumerate(pages, 1):
        qr = page["qr"]
        if qr is not None:  # the QR of another page would be a template's mistake
            expected = qr_urls[number - 1] if number <= len(qr_urls) else None
            qr = {k: v for k, v in qr.items() if k != "url"} if qr["url"] == expected else None
        out.append({"number": number, "width": page["width"], "height": page["height"],
                    "markers": page["markers"], "qr": qr,
                    "name": page["name"] if number == 1 else None, "boxes": page["boxes"]})
    return {
        "format": FORMAT, "map_version": MAP_VERSION,
        "quiz": sheet.quiz, "form": sheet.form, "version": sheet.letter, "seed": sheet.seed,
        "code": sheet.code, "hash": sheet.hash, "audience": sheet.audience,
        "lang": sheet.lang, "paper": sheet.paper, "class_id_digits": sheet.class_id_digits,
        "pages": out,
    }


def map_json(data: dict[str, Any]) -> bytes:
    """The map as a file: one line per page part and per box, so a diff reads well."""
    lines = []
    head = {k: v for k, v in data.items() if k != "pages"}
    for page in data["pages"]:
        parts = [f'"{k}": {json.dumps(v)}' for k, v in page.items() if k != "boxes"]
        rows = ",\n".join(f"    {json.dumps(b)}" for b in page["boxes"])
        lines.append("  {" + ", ".join(parts) + ', "boxes": [\n' + rows + "\n  ]}")
    text = json.dumps(head, ensure_ascii=False)[:-1] + ', "pages": [\n' + ",\n".join(lines) \
        + "\n]}\n"
    return text.encode("utf-8")


def expected_boxes(version: Version, class_id_digits: int) -> Iterator[tuple]:
    """The tick boxes a sheet must have, as (kind, question or digit, option or value,
    row)."""
    for digit in range(class_id_digits):
        for value in range(10):
            yield ("class-id", digit, value, None)
    for p in version.questions:
        letters = LETTERS[:len(p.options)]
        if p.question.type == "matching":
            for row in range(len(p.prompts)):
                for letter in letters:
                    yield ("answer", p.number, letter, row)
        else:
            for letter in letters:
                yield ("answer", p.number, letter, None)


def map_problems(data: dict[str, Any], version: Version) -> list[str]:
    """What would keep a scanner from reading this sheet, in words; [] when nothing."""
    problems = []
    pages = data["pages"]
    if len(pages) > MAX_SHEET_PAGES:
        problems.append(f"the sheet has {len(pages)} pages; only the first "
                        f"{MAX_SHEET_PAGES} carry a QR code, so it cannot be scanned "
                        "(type its answers instead)")
    for page in pages[:MAX_SHEET_PAGES]:
        missing = [str(i) for i in range(4) if i not in {m["id"] for m in page["markers"]}]
        if missing:
            problems.append(f"page {page['number']} lacks corner marker(s) "
                            f"{', '.join(missing)}")
        if page["qr"] is None:
            problems.append(f"page {page['number']} has no QR code")
    if pages and pages[0]["name"] is None:
        problems.append("page 1 has no name line (data-sheet=\"name\")")
    found: dict[tuple, int] = {}
    for page in pages:
        for box in page["boxes"]:
            key = ((box["kind"], box["digit"], box["value"], None) if box["kind"] == "class-id"
                   else (box["kind"], box["question"], box["option"], box["row"]))
            found[key] = found.get(key, 0) + 1
    wanted = list(expected_boxes(version, data["class_id_digits"]))
    lacking = [k for k in wanted if k not in found]
    extra = [k for k, n in found.items() if n > 1 or k not in set(wanted)]
    if lacking:
        problems.append(f"{len(lacking)} tick box(es) are not on the sheet, first "
                        f"{_named(lacking[0])}")
    if extra:
        problems.append(f"{len(extra)} tick box(es) are doubled or unknown, first "
                        f"{_named(extra[0])}")
    return problems


def _named(key: tuple) -> str:
    kind, first, second, row = key
    if kind == "class-id":
        return f"class ID digit {first}, value {second}"
    where = f", row {row + 1}" if row is not None else ""
    return f"question {first}{where}, option {second}"
