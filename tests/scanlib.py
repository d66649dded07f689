"""Synthetic scans of quiz sheets, for the scan reader's tests and benchmark.

A page is drawn in map space (``draw_sheet``: markers, QR code, box outlines, some text),
or rendered from a real quiz PDF (``render_page``); ``fill`` ticks its boxes with pen-like
marks; ``distort`` turns it into a copier scan or a phone photo; ``to_pdf`` and
``photo_bytes`` write what a copier or a phone would. ``fake_map`` fabricates a layout map
in the exact format of docs/design/scoring.md, section 2.

Every random choice comes from the ``numpy.random.Generator`` passed in: a seed gives the
same page.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import segno
from PIL import Image

Page = dict[str, Any]
Map = dict[str, Any]
PT_PER_MM = 72 / 25.4
MARKER_PT = 8 * PT_PER_MM  # 22.68 pt, as the sheet prints them
QR_PT = 11.5 * PT_PER_MM  # as osteo_print/sheet/marks.py prints it: 0.4 mm a module
ANSWER_PT = 7 * PT_PER_MM  # the quiz's tick boxes (templates/style.css: quiz_tick_mm)
CLASS_ID_PT = 5 * PT_PER_MM
BORDER_PT = 1.5
PAPERS = {"letter": (612.0, 792.0), "a4": (595.28, 841.89)}

# What each kind of mark must read as: clear marks are "marked", the rest "doubtful".
CLEAR_MARKS = ("tick", "cross", "scribble", "pencil", "big-tick", "thick-cross", "slash")
AMBIGUOUS_MARKS = ("faint", "partial", "half-fill", "fill", "crossed-out")
EXPECTED = {**{k: "marked" for k in CLEAR_MARKS}, **{k: "doubtful" for k in AMBIGUOUS_MARKS}}
# In a small box (the class ID grid's 6 mm), a felt-tip cross is nearly a fill, a dash
# nearly a tick, and a half-filled box reads as a mark as often as a fill: none is
# drawn there.
SMALL_BOX_PT = 18.5
NOT_IN_SMALL_BOXES = ("thick-cross", "half-fill", "partial")


# ---------------------------------------------------------------------------------------
# A layout map, fabricated


@dataclass(frozen=True)
class Question:
    """One question of a fabricated sheet: its options (letters) and, for matching, rows."""

    number: int
    options: int = 4
    rows: int = 0  # matching: one row of letter boxes per prompt


def fake_map(questions: Sequence[Question] | None = None, *, quiz: str = "quiz-pre",
             form: str | None = "pre", version: str = "A", seed: int = 1,
             paper: str = "letter", class_id_digits: int = 2, box_pt: float = ANSWER_PT
             ) -> Map:
    """A layout map (design note, section 2) for a sheet of ``questions``, as many a page
    as fit; page 1 also holds the name line and the class ID grid."""
    questions = list(questions or default_questions())
    width, height = PAPERS[paper]
    pages: list[Page] = []
    while questions or not pages:
        number = len(pages) + 1
        page = _fake_page(number, width, height, class_id_digits if number == 1 else 0)
        top = 260.0 if number == 1 and class_id_digits else 110.0
        while questions and top + _height(questions[0], box_pt) <= height - 72:
            page["boxes"] += _question_boxes(questions[0], top + 24, box_pt)
            top += _height(questions.pop(0), box_pt)
        pages.append(page)
    body = {"quiz": quiz, "form": form, "version": version, "seed": seed,
            "audience": "general", "lang": "en", "paper": paper, "pages": pages}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:8]
    return {"format": "osteo-print-sheet-map", "map_version": 1, "quiz": quiz, "form": form,
            "version": version, "seed": seed, "code": "7B49", "hash": digest,
            "audience": "general", "lang": "en", "paper": paper,
            "class_id_digits": class_id_digits, "pages": pages}


def default_questions() -> list[Question]:
    """Eight questions: single and multiple choice, true-false and a matching grid."""
    return [Question(1, 4), Question(2, 3), Question(3, 3), Question(4, 4),
            Question(5, 4), Question(6, 4, rows=3), Question(7, 3), Question(8, 4)]


def _height(question: Question, box_pt: float) -> float:
    return 24 + (question.rows or question.options) * (box_pt + 8) + 14


def _fake_page(number: int, width: float, height: float, digits: int) -> Page:
    side, top = 54.0, 27.3  # the real sheet's: at the text block's corners, in the margins
    markers = [{"id": i, "x": round(x, 2), "y": round(y, 2), "size": round(MARKER_PT, 2)}
               for i, (x, y) in enumerate([
                   (side, top), (width - side - MARKER_PT, top),
                   (width - side - MARKER_PT, height - top - MARKER_PT - 4),
                   (side, height - top - MARKER_PT - 4)])]
    qr = {"x": round((width - QR_PT) / 2, 2), "y": 18.0, "size": round(QR_PT, 2)}
    name = {"x": 72.0, "y": 78.0, "w": 260.0, "h": 24.0} if number == 1 else None
    return {"number": number, "width": width, "height": height, "markers": markers,
            "qr": qr, "name": name, "boxes": _class_id_boxes(digits, width)}


def _class_id_boxes(digits: int, width: float) -> list[dict[str, Any]]:
    return [{"kind": "class-id", "digit": d, "value": v, "x": round(width - 140 + d * 22, 2),
             "y": round(84 + v * 15.0, 2), "w": round(CLASS_ID_PT, 2),
             "h": round(CLASS_ID_PT, 2)} for d in range(digits) for v in range(10)]


def _question_boxes(question: Question, top: float, size: float) -> list[dict[str, Any]]:
    letters = "ABCDEFGH"[:question.options]
    step = size + 8
    if question.rows:  # a grid: a row per prompt, a column per letter
        return [{"kind": "answer", "question": question.number, "option": letter, "row": r,
                 "x": round(300 + c * (size + 14), 2), "y": round(top + r * step, 2),
                 "w": round(size, 2), "h": round(size, 2)}
                for r in range(question.rows) for c, letter in enumerate(letters)]
    return [{"kind": "answer", "question": question.number, "option": letter, "row": None,
             "x": 90.0, "y": round(top + i * step, 2), "w": round(size, 2),
             "h": round(size, 2)} for i, letter in enumerate(letters)]


def payload(sheet: Map, page: int) -> str:
    """The QR payload of one page of ``sheet``."""
    return "|".join(["OP1", sheet["quiz"], sheet["form"] or "-", sheet["version"],
                     str(sheet["seed"]), str(page), sheet["hash"]])


# ---------------------------------------------------------------------------------------
# Drawing a page in map space


def draw_sheet(sheet: Map, page: int, dpi: float = 150, *, qr_text: str | None = None,
               text: bool = True) -> np.ndarray:
    """Page ``page`` (1-based) of ``sheet`` as a white grayscale image at ``dpi``:
    markers, the QR code (``qr_text`` replaces its payload), box outlines and, with
    ``text``, grey bars where the questions' words would be."""
    spec = sheet["pages"][page - 1]
    s = dpi / 72
    image = np.full((round(spec["height"] * s), round(spec["width"] * s)), 255, np.uint8)
    for marker in spec["markers"]:
        _draw_marker(image, marker, s)
    _draw_qr(image, qr_text if qr_text is not None else payload(sheet, page), spec["qr"], s)
    if text:
        _draw_text(image, spec, s)
    for box in spec["boxes"]:
        _draw_box(image, box, s)
    return image


def _draw_marker(image: np.ndarray, marker: Mapping[str, Any], s: float) -> None:
    side = round(marker["size"] * s)
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    cells = cv2.aruco.generateImageMarker(dictionary, marker["id"], 6, borderBits=1)
    tile = cv2.resize(cells, (side, side), interpolation=cv2.INTER_NEAREST)
    x, y = round(marker["x"] * s), round(marker["y"] * s)
    image[y:y + side, x:x + side] = tile


def _draw_qr(image: np.ndarray, text: str, square: Mapping[str, Any], s: float) -> None:
    code = segno.make(text, error="m", micro=False)
    cells = np.array(list(code.matrix), dtype=np.uint8)
    side = round(square["size"] * s)
    tile = cv2.resize(np.where(cells > 0, 0, 255).astype(np.uint8), (side, side),
                      interpolation=cv2.INTER_NEAREST)
    x, y = round(square["x"] * s), round(square["y"] * s)
    image[y:y + side, x:x + side] = tile


def _draw_box(image: np.ndarray, box: Mapping[str, Any], s: float) -> None:
    x0, y0 = box["x"] * s, box["y"] * s
    x1, y1 = (box["x"] + box["w"]) * s, (box["y"] + box["h"]) * s
    b = BORDER_PT * s
    _fill_rect(image, x0, y0, x1, y1, 17)
    _fill_rect(image, x0 + b, y0 + b, x1 - b, y1 - b, 255)


def _fill_rect(image: np.ndarray, x0: float, y0: float, x1: float, y1: float,
               value: int) -> None:
    """Fill a rectangle with sub-pixel edges (partly covered pixels blend)."""
    h, w = image.shape
    ys, xs = np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32)
    cover_x = np.clip(np.minimum(xs + 1, x1) - np.maximum(xs, x0), 0, 1)
    cover_y = np.clip(np.minimum(ys + 1, y1) - np.maximum(ys, y0), 0, 1)
    c0, c1 = int(max(x0 - 1, 0)), int(min(x1 + 2, w))
    r0, r1 = int(max(y0 - 1, 0)), int(min(y1 + 2, h))
    cover = np.outer(cover_y[r0:r1], cover_x[c0:c1])
    patch = image[r0:r1, c0:c1].astype(np.float32)
    image[r0:r1, c0:c1] = np.round(patch * (1 - cover) + value * cover).astype(np.uint8)


def _draw_text(image: np.ndarray, spec: Page, s: float) -> None:
    """Grey bars of words: a stem above each question, a label right of each box."""
    rng = np.random.default_rng(int(spec["number"]))
    seen: set[tuple[int, float]] = set()
    for box in spec["boxes"]:
        if box["kind"] != "answer":
            continue
        if box["question"] not in {q for q, _ in seen}:
            _words(image, rng, 72 * s, (box["y"] - 18) * s, 440 * s, 9 * s)
        seen.add((box["question"], box["y"]))
        label_x = (box["x"] + box["w"] + 6) * s
        cv2.putText(image, box["option"], (round(label_x), round((box["y"] + box["h"] * 0.8) * s)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.028 * box["h"] * s / 2, 30, max(1, round(s)),
                    cv2.LINE_AA)
        if box["row"] is None:
            _words(image, rng, label_x + 16 * s, (box["y"] + 4) * s, 260 * s, 8 * s)
    if spec.get("name"):
        name = spec["name"]
        cv2.line(image, (round(name["x"] * s), round((name["y"] + name["h"]) * s)),
                 (round((name["x"] + name["w"]) * s), round((name["y"] + name["h"]) * s)),
                 40, max(1, round(s)))


def _words(image: np.ndarray, rng: np.random.Generator, x: float, y: float, width: float,
           height: float) -> None:
    end = x + width * rng.uniform(0.5, 1.0)
    while x < end:
        w = height * rng.uniform(1.5, 5.0)
        cv2.rectangle(image, (round(x), round(y)), (round(min(x + w, end)), round(y + height)),
                      int(rng.integers(40, 90)), -1)
        x += w + height * 0.6


# ---------------------------------------------------------------------------------------
# Marks


def fill(image: np.ndarray, page: Page, marks: Mapping[int, str], dpi: float,
         rng: np.random.Generator) -> np.ndarray:
    """A copy of ``image`` (a page in map space at ``dpi``) with a mark of the given kind
    (EXPECTED's keys) in each box: ``marks`` maps a box's index in ``page['boxes']`` to
    the kind."""
    out = image.copy()
    for index, kind in sorted(marks.items()):
        _mark(out, page["boxes"][index], kind, dpi / 72, rng)
    return out


SUPER = 4  # strokes are drawn at 4 times the resolution, then averaged down


def _mark(image: np.ndarray, box: Mapping[str, Any], kind: str, s: float,
          rng: np.random.Generator) -> None:
    pad = 0.6 * box["w"]
    x0, y0 = int((box["x"] - pad) * s), int((box["y"] - pad) * s)
    x1, y1 = int((box["x"] + box["w"] + pad) * s) + 1, int((box["y"] + box["h"] + pad) * s) + 1
    h, w = y1 - y0, x1 - x0
    ink = np.zeros((h * SUPER, w * SUPER), np.float32)
    k = SUPER * s  # super-sampled pixels per point

    def at(u: float, v: float) -> tuple[float, float]:  # box fraction -> patch pixels
        return ((box["x"] - x0 / s + u * box["w"]) * k, (box["y"] - y0 / s + v * box["h"]) * k)

    pen = PENS[kind](rng)
    for stroke in SHAPES[kind](rng):
        points = np.array([at(u, v) for u, v in _jitter(stroke, rng, pen.wobble)], np.float32)
        _stroke(ink, points, pen.width_pt * k, pen.fill, rng)
    if pen.grain:
        ink *= rng.uniform(1 - pen.grain, 1, ink.shape).astype(np.float32)
    cover = cv2.resize(ink, (w, h), interpolation=cv2.INTER_AREA) * pen.opacity
    patch = image[y0:y1, x0:x1].astype(np.float32)
    cover = cover[:patch.shape[0], :patch.shape[1]]
    image[y0:y1, x0:x1] = np.round(patch * (1 - cover) + pen.gray * cover).astype(np.uint8)


def _stroke(ink: np.ndarray, points: np.ndarray, width: float, filled: bool,
            rng: np.random.Generator) -> None:
    pts = np.round(points * 16).astype(np.int32).reshape(-1, 1, 2)
    if filled:
        cv2.fillPoly(ink, [pts], 1.0, cv2.LINE_AA, shift=4)
    cv2.polylines(ink, [pts], False, 1.0, max(1, round(width)), cv2.LINE_AA, shift=4)


def _jitter(stroke: Sequence[tuple[float, float]], rng: np.random.Generator, wobble: float
            ) -> list[tuple[float, float]]:
    return [(u + rng.normal(0, wobble), v + rng.normal(0, wobble)) for u, v in stroke]


@dataclass(frozen=True)
class Pen:
    width_pt: float
    gray: float  # the ink's own grey level, 0 black
    opacity: float = 1.0
    grain: float = 0.0  # pencil: random gaps in the stroke
    wobble: float = 0.03
    fill: bool = False


def _ballpoint(rng: np.random.Generator) -> Pen:
    return Pen(rng.uniform(1.0, 1.7), rng.uniform(15, 70))


PENS = {
    "tick": _ballpoint, "cross": _ballpoint, "scribble": _ballpoint, "slash": _ballpoint,
    "big-tick": _ballpoint, "partial": _ballpoint,
    "thick-cross": lambda rng: Pen(rng.uniform(2.0, 2.6), rng.uniform(10, 40)),
    "pencil": lambda rng: Pen(rng.uniform(1.0, 1.5), rng.uniform(70, 110), grain=0.3),
    "faint": lambda rng: Pen(rng.uniform(1.0, 1.3), rng.uniform(165, 195), grain=0.35),
    "half-fill": lambda rng: Pen(rng.uniform(1.0, 1.6), rng.uniform(15, 70), fill=True),
    "fill": lambda rng: Pen(rng.uniform(1.0, 1.6), rng.uniform(15, 70), fill=True),
    "crossed-out": lambda rng: Pen(rng.uniform(1.0, 1.6), rng.uniform(15, 70), fill=True),
}


def _tick(rng: np.random.Generator, size: float = 1.0) -> list[list[tuple[float, float]]]:
    c = 0.5 + rng.normal(0, 0.05)
    a = size * rng.uniform(0.8, 1.05)
    return [[(c - 0.32 * a, c + 0.02 * a), (c - 0.1 * a, c + 0.28 * a),
             (c + 0.36 * a, c - 0.34 * a)]]


def _cross(rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    lo, hi = rng.uniform(0.1, 0.22), rng.uniform(0.78, 0.9)
    return [[(lo, lo), (hi, hi)], [(hi, lo), (lo, hi)]]


def _scribble(rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    n = int(rng.integers(3, 5))
    return [[(rng.uniform(0.15, 0.3) if i % 2 else rng.uniform(0.7, 0.85),
              0.2 + 0.6 * i / (n - 1)) for i in range(n)]]


def _slash(rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    return [[(rng.uniform(0.12, 0.25), rng.uniform(0.75, 0.9)),
             (rng.uniform(0.75, 0.9), rng.uniform(0.1, 0.25))]]


def _partial(rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    """A short dash: a touch of the pen, or the end of a tick meant for the next box."""
    u, v = rng.uniform(0.25, 0.55), rng.uniform(0.3, 0.7)
    return [[(u, v), (u + rng.uniform(0.12, 0.22), v + rng.uniform(-0.06, 0.06))]]


def _area(rng: np.random.Generator, top: float) -> list[list[tuple[float, float]]]:
    lo, hi = rng.uniform(0.1, 0.18), rng.uniform(0.82, 0.9)
    return [[(lo, top), (hi, top), (hi, hi), (lo, hi), (lo, top)]]


def _crossed_out(rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    """Filled in, then crossed: the way people take an answer back."""
    return [*_area(rng, rng.uniform(0.1, 0.18)), [(0.0, 0.0), (1.0, 1.0)], [(1.0, 0.0), (0.0, 1.0)]]


SHAPES = {
    "tick": _tick, "pencil": _tick, "faint": _tick, "big-tick": lambda rng: _tick(rng, 1.5),
    "cross": _cross, "thick-cross": _cross, "scribble": _scribble, "slash": _slash,
    "partial": _partial, "half-fill": lambda rng: _area(rng, rng.uniform(0.45, 0.6)),
    "fill": lambda rng: _area(rng, rng.uniform(0.1, 0.18)), "crossed-out": _crossed_out,
}


def plan_marks(page: Page, rng: np.random.Generator, kinds: Sequence[str] = CLEAR_MARKS,
               ambiguous: int = 0, ambiguous_kinds: Sequence[str] = AMBIGUOUS_MARKS
               ) -> dict[int, str]:
    """Answers as a person gives them: one box a question (or a matching row, or a class
    ID digit), each with a clear mark of a kind drawn from ``kinds``; then ``ambiguous``
    of the empty boxes (at most half as many as the clear marks: a page's usual mark is
    a clear one) get an ambiguous mark of a kind from ``ambiguous_kinds``."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, box in enumerate(page["boxes"]):
        key = (box["kind"], box.get("question"), box.get("row"), box.get("digit"))
        groups.setdefault(key, []).append(i)
    marks = {}
    for members in groups.values():
        chosen = int(rng.choice(members))
        marks[chosen] = _kind_for(page["boxes"][chosen], kinds, rng)
    empty = [i for i in range(len(page["boxes"])) if i not in marks]
    count = min(ambiguous, len(empty), max(1, len(marks) // 2))
    for i in rng.choice(empty, size=count, replace=False):
        marks[int(i)] = _kind_for(page["boxes"][int(i)], ambiguous_kinds, rng)
    return marks


def _kind_for(box: Mapping[str, Any], kinds: Sequence[str], rng: np.random.Generator) -> str:
    if min(box["w"], box["h"]) < SMALL_BOX_PT:
        kinds = [k for k in kinds if k not in NOT_IN_SMALL_BOXES] or list(kinds)
    return str(rng.choice(kinds))


@dataclass
class Tally:
    """How a reading went against the marks drawn (see ``tally``)."""

    clear: int = 0  # clear marks drawn
    clear_right: int = 0  # ... read as marked
    ambiguous: int = 0  # ambiguous marks drawn
    ambiguous_flagged: int = 0  # ... read as doubtful
    empty: int = 0  # boxes left empty
    empty_right: int = 0  # ... read as empty
    false_flags: int = 0  # clear or empty boxes read as doubtful
    errors: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("clear", "clear_right", "ambiguous", "ambiguous_flagged", "empty",
                     "empty_right", "false_flags"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors

    def __str__(self) -> str:
        return (f"clear marks read right {self.clear_right}/{self.clear}, ambiguous "
                f"flagged {self.ambiguous_flagged}/{self.ambiguous}, empty read empty "
                f"{self.empty_right}/{self.empty}, false flags {self.false_flags}")


def tally(states: Sequence[tuple[str, float]], marks: Mapping[int, str], label: str = ""
          ) -> Tally:
    """Compare the boxes' (state, share) as read with the marks drawn (box index ->
    kind): clear marks must read marked, ambiguous ones doubtful, the rest empty."""
    out = Tally()
    for i, (state, share) in enumerate(states):
        kind = marks.get(i, "empty")
        want = EXPECTED.get(kind, "empty")
        if kind == "empty":
            out.empty += 1
            out.empty_right += state == "empty"
        elif want == "marked":
            out.clear += 1
            out.clear_right += state == "marked"
        else:
            out.ambiguous += 1
            out.ambiguous_flagged += state == "doubtful"
        if state == "doubtful" and want != "doubtful":
            out.false_flags += 1
        if state != want:
            out.errors.append(f"{label} box {i}: {kind} read {state} ({share:.3f})")
    return out


# ---------------------------------------------------------------------------------------
# Scanner and camera


def distort(image: np.ndarray, rng: np.random.Generator, *, rotate: float = 0.0,
            turn: int = 0, scale: float = 1.0, shift: tuple[float, float] = (0.0, 0.0),
            blur: float = 0.0, noise: float = 0.0, jpeg: int | None = None,
            perspective: float = 0.0, shade: float = 0.0, background: int = 255,
            crop: bool = False) -> np.ndarray:
    """A scan or photo of ``image``: turned by ``turn`` (0, 90, 180, 270) degrees, rotated
    by ``rotate`` degrees, scaled about the centre, shifted (pixels), each corner moved
    by up to ``perspective`` of the page's size (a photo), lit unevenly (``shade``: the
    darkest corner's loss of light), blurred (Gaussian sigma, pixels), with Gaussian
    noise (sigma, grey levels) and JPEG compression at quality ``jpeg``.

    The canvas grows to hold the whole page (a page askew on a larger glass), unless
    ``crop``: then it keeps the page's size, and a skewed page loses its corners."""
    out = np.ascontiguousarray(np.rot90(image, -(turn // 90) % 4))
    h, w = out.shape
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    angle = np.deg2rad(rotate)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = np.array([w / 2, h / 2])
    dst = (src - centre) @ rot.T * scale + centre + np.array(shift)
    dst += rng.uniform(-perspective, perspective, (4, 2)) * np.array([w, h])
    size = (w, h)
    if not crop:
        low = np.minimum(dst.min(axis=0), 0)
        dst -= low
        size = (int(np.ceil(max(dst[:, 0].max(), w))), int(np.ceil(max(dst[:, 1].max(), h))))
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    out = cv2.warpPerspective(out, matrix, size, flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=background)
    if shade:
        out = _shade(out, rng, shade)
    if blur:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    if noise:
        out = np.clip(out + rng.normal(0, noise, out.shape), 0, 255).astype(np.uint8)
    if jpeg:
        decoded = cv2.imdecode(photo_bytes(out, jpeg), cv2.IMREAD_GRAYSCALE)
        assert decoded is not None
        out = decoded
    return out


def _shade(image: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    h, w = image.shape
    gx, gy = rng.uniform(-1, 1, 2)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = (gx * (xs / w - 0.5) + gy * (ys / h - 0.5)) / max(abs(gx) + abs(gy), 1e-6) + 0.5
    light = 1 - amount * ramp
    return np.clip(image * light, 0, 255).astype(np.uint8)


def photo(image: np.ndarray, rng: np.random.Generator, *, quality: int = 80,
          perspective: float = 0.04, margin: float = 0.08, rotate: float = 3.0,
          shade: float = 0.3) -> np.ndarray:
    """A phone photo of a page: the page on a darker table, seen at an angle, unevenly lit,
    a little soft and noisy, JPEG-compressed."""
    h, w = image.shape
    pad_y, pad_x = int(h * margin), int(w * margin)
    table = np.full((h + 2 * pad_y, w + 2 * pad_x), 90, np.uint8)
    table[pad_y:pad_y + h, pad_x:pad_x + w] = image
    return distort(table, rng, rotate=rng.uniform(-rotate, rotate), perspective=perspective,
                   shade=shade, blur=0.8, noise=3.0, jpeg=quality, background=70)


def photo_bytes(image: np.ndarray, quality: int | None = 85, ext: str = ".jpg") -> np.ndarray:
    """The bytes of ``image`` as a JPEG (or PNG, with ``ext='.png'``) file."""
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if ext == ".jpg" and quality else []
    ok, data = cv2.imencode(ext, image, params)
    assert ok
    return data


def write_photo(path: Path, image: np.ndarray, quality: int = 85) -> Path:
    """Write ``image`` as a phone would: a JPEG (or a PNG, by ``path``'s suffix)."""
    path.write_bytes(photo_bytes(image, quality, path.suffix.lower()).tobytes())
    return path


def to_pdf(images: Iterable[np.ndarray], dpi: float, path: Path | None = None,
           quality: int = 85) -> bytes:
    """A scanned PDF: each image a page, embedded (JPEG) at ``dpi``, as copiers write
    them. Written to ``path`` too when given."""
    pages = [Image.fromarray(image) for image in images]
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:], resolution=dpi,
                  quality=quality)
    data = buffer.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data


def render_page(pdf_path: Path, page: int, dpi: float) -> np.ndarray:
    """Page ``page`` (1-based) of a real PDF, rendered in grey at ``dpi``: a real quiz
    sheet in map space, ready for ``fill``."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf_path))
    try:
        bitmap = document[page - 1].render(scale=dpi / 72, grayscale=True)
        array = np.array(bitmap.to_numpy())
    finally:
        document.close()
    return array[:, :, 0] if array.ndim == 3 else array
