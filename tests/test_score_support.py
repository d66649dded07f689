"""Builders for the scoring tests: answer keys, typed CSVs and scanned pages made in
memory (no scanner, no rendering), and a stand-in for the rendering of report.pdf and
review.pdf (``stub_pdfs``). Imported by tests/test_score*.py."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from osteo_print.scan import BoxReading, MapBox, PageReading, SheetMap

LETTERS = "ABCDEFGHIJ"

# A small quiz with every item type: (type, options, right letters, points, prompts).
DEMO_ITEMS = [
    ("single", 3, ["B"], 1, 0, "vitamin-d"),
    ("multiple", 4, ["A", "C"], 2, 0, "exercise"),
    ("true-false", 3, ["A"], 1, 0, "vitamin-d"),
    ("fill-blank", 3, ["C"], 1, 0, "falls"),
    ("matching", 4, ["B", "D", "A"], 3, 3, "medicines"),
]


def demo_key(quiz: str = "quiz-demo", version: str = "A", code: str = "AB12",
             sheet_hash: str | None = "0badc0de", lang: str = "en") -> dict[str, Any]:
    """A key of DEMO_ITEMS, in the JSON shape ``pages.key_json`` writes."""
    questions = []
    for number, (kind, options, correct, points, prompts, objective) in enumerate(
            DEMO_ITEMS, 1):
        row: dict[str, Any] = {
            "number": number, "id": f"{quiz}-item-{number}", "type": kind,
            "stem": f"Question {number} stem", "options": [f"option {c}" for c in
                                                            LETTERS[:options]],
            "correct": correct, "correct_text": "", "points": points, "objective": objective,
            "handout": "falls", "section": "home",
            "see": {"handout_title": "Preventing falls at home",
                    "section_title": f"Section for {objective}", "box": None}}
        if prompts:
            row["prompts"] = [f"prompt {i}" for i in range(prompts)]
        questions.append(row)
    data: dict[str, Any] = {
        "quiz": quiz, "title": "Demo quiz", "version": version, "seed": 1, "code": code,
        "lang": lang, "audience": "general", "paper": "letter",
        "total_points": sum(q["points"] for q in questions), "questions": questions}
    if sheet_hash:
        data["hash"] = sheet_hash
    return data


def write_key(folder: Path, data: Mapping[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{data['quiz']}-key_{data['audience']}_{data['lang']}_{data['paper']}"
    path = folder / f"{stem}_{data['version']}.json"
    path.write_text(json.dumps(data, indent=2), "utf-8")
    return path


def write_csv(path: Path, rows: Iterable[Sequence[object]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), "utf-8")
    return path


def typed_header(questions: int) -> list[str]:
    return ["person", "class_id", "quiz", "version", "code",
            *(str(n) for n in range(1, questions + 1))]


# --- Scanned pages, as the scan reader gives them ---------------------------------------

PAGE_W, PAGE_H = 612.0, 792.0
BOX = 14.0
SCALE = 100 / 72  # the reader's READ_DPI, in pixels per map point


def _box(kind: str, x: float, y: float, **meaning: Any) -> dict[str, Any]:
    return {"kind": kind, "x": x, "y": y, "w": BOX, "h": BOX, **meaning}


def demo_map(sheet_hash: str = "0badc0de", quiz: str = "quiz-demo", version: str = "A",
             code: str = "AB12") -> SheetMap:
    """A two-page sheet map of DEMO_ITEMS: class ID grid and questions 1-3 on page 1,
    questions 4-5 on page 2."""
    pages: list[dict[str, Any]] = []
    for number, questions in ((1, (1, 2, 3)), (2, (4, 5))):
        boxes = []
        if number == 1:
            boxes += [_box("class-id", 400 + 20 * value, 90 + 20 * digit, digit=digit,
                           value=value) for digit in range(2) for value in range(10)]
        y = 200.0
        for q in questions:
            kind, options, _, _, prompts, _ = DEMO_ITEMS[q - 1]
            for row in range(max(prompts, 1)):
                for i in range(options):
                    boxes.append(_box("answer", 80 + 30 * i, y, question=q,
                                      option=LETTERS[i],
                                      row=row if kind == "matching" else None))
                y += 24
            y += 40
        pages.append({
            "number": number, "width": PAGE_W, "height": PAGE_H,
            "markers": [{"id": i, "x": x, "y": yy, "size": 22.68} for i, (x, yy) in
                        enumerate([(20, 20), (569, 20), (569, 749), (20, 749)])],
            "qr": {"x": 500, "y": 20, "size": 40},
            "name": {"x": 60, "y": 90, "w": 250, "h": 30} if number == 1 else None,
            "boxes": boxes})
    return SheetMap.model_validate({
        "format": "osteo-print-sheet-map", "map_version": 1, "quiz": quiz, "form": None,
        "version": version, "seed": 1, "code": code, "hash": sheet_hash,
        "audience": "general", "lang": "en", "paper": "letter", "class_id_digits": 2,
        "pages": pages})


def demo_pages(sheet_map: SheetMap, answers: Mapping[int, str],
               file: str = "scans/class.pdf", first_index: int = 1,
               class_id: str = "", doubtful: Mapping[tuple[int, int, str], str] | None = None,
               pages: Sequence[int] | None = None) -> list[PageReading]:
    """The page readings of one filled-in sheet.

    ``answers``: question -> letters marked ("AC"); matching: a letter per row ("B_A").
    ``doubtful``: (question, row, letter) -> reason, for boxes the reader doubts.
    ``class_id``: digits ticked in the grid.
    """
    doubtful = dict(doubtful or {})
    out = []
    for page in sheet_map.pages:
        if pages is not None and page.number not in pages:
            continue
        readings = []
        for box in page.boxes:
            state, reason = "empty", None
            if box.kind == "class-id":
                if box.digit is not None and box.digit < len(class_id) \
                        and class_id[box.digit] == str(box.value):
                    state = "marked"
            else:
                assert box.question is not None
                given = answers.get(box.question, "")
                row = box.row or 0
                letters = given if box.row is None else (given[row:row + 1])
                if box.option in letters:
                    state = "marked"
                why = doubtful.get((box.question, row, box.option or ""))
                if why:
                    state, reason = "doubtful", why
            readings.append(BoxReading(box, 0.6 if state != "empty" else 0.01, state, reason))
        png = _page_png(page.boxes, readings, page.number)
        where = f"{file}:{first_index + len(out)}"
        out.append(PageReading(file, first_index + len(out), sheet_map.hash, page.number,
                               tuple(readings), png,
                               image_hash=hashlib.sha256(png + where.encode()).hexdigest()))
    return out


def _page_png(boxes: Sequence[MapBox], readings: Sequence[BoxReading], number: int) -> bytes:
    image = np.full((round(PAGE_H * SCALE), round(PAGE_W * SCALE)), 255, np.uint8)
    for reading in readings:
        b = reading.box
        x0, y0 = round(b.x * SCALE), round(b.y * SCALE)
        x1, y1 = round((b.x + b.w) * SCALE), round((b.y + b.h) * SCALE)
        cv2.rectangle(image, (x0, y0), (x1, y1), 0, 2)
        if reading.state == "marked":
            cv2.line(image, (x0 + 3, y0 + 3), (x1 - 3, y1 - 3), 0, 4)
            cv2.line(image, (x0 + 3, y1 - 3), (x1 - 3, y0 + 3), 0, 4)
        elif reading.state == "doubtful":
            cv2.rectangle(image, (x0 + 3, y0 + 3), (x1 - 3, y1 - 3), 150, -1)
        if b.kind == "answer":
            cv2.putText(image, str(b.option), (x1 + 4, y1 - 2), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                        0, 1)
    cv2.putText(image, f"page {number}", (60, 60), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2)
    ok, png = cv2.imencode(".png", image)
    assert ok
    return png.tobytes()


# --- report.pdf and review.pdf: rendered, or not where a test reads neither ------------

# The ``pdfs`` parameter of a test that runs ``score`` but reads no PDF it writes (or not
# the one of some run): the fast suite fills the templates but renders nothing (no
# WeasyPrint; no matplotlib, unless a report is rendered), -m slow renders every PDF.
PDFS = ["stubbed", pytest.param("rendered", marks=pytest.mark.slow)]
DOCUMENTS = ("report", "review")


def stub_pdfs(monkeypatch: pytest.MonkeyPatch, documents: Sequence[str] = DOCUMENTS) -> None:
    """Let score runs write the PDFs of ``documents`` unrendered: the views are made and
    the templates filled as ever, but each such "PDF" is one line that names its
    document and the digest of its HTML (the same HTML, the same bytes); without the
    report, its plots are not drawn either."""
    from osteo_print.score import plots, printing

    rendered = printing.Printer._pdf

    def pdf(self: printing.Printer, html: str, document: str) -> printing.Printed:
        if document not in documents:
            return rendered(self, html, document)
        digest = hashlib.sha256(html.encode("utf-8")).hexdigest()
        return printing.Printed(f"%PDF-1.7\n% {document}, not rendered: HTML sha256 "
                                f"{digest}\n".encode(), 1, ())

    monkeypatch.setattr(printing.Printer, "_pdf", pdf)
    if "report" in documents:
        monkeypatch.setattr(plots, "_render", lambda draw, width_in, height_in: "data:,")
