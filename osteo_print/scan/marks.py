"""Read a page's tick boxes: the ink in each, thresholds calibrated on the page itself,
and each box's state.

Everything here works on the page warped into map space (``READ_DPI``). Ink is measured
as darkness against the paper around it (so uneven light in a photo does not count) and
relative to the page's own black (its corner markers), so pencil on a grey photo and pen
on a copier scan are on one scale.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from osteo_print.scan.maps import MapBox, MapPage
from osteo_print.scan.model import READ_DPI, BoxReading, Calibration, Reason, State

BORDER_PT = 1.5  # the printed border of a box (templates/style.css: .tickbox)
INSET_PT = 3.0  # left out at a box's edge: its printed border (1.5 pt) and a margin
SEARCH_PT = 5.0  # a box's printed border is looked for this far around its mapped place
NEIGHBOURS, NEIGHBOUR_PT = 4, 120.0  # a box's nearest boxes (this close) ...
NEAR_PX = 2  # ... whose borders lie this far from where theirs do
SOLID_PT = 4.5  # a patch of ink at least this wide is solid (a fill); strokes are thinner
SOLID_SHARE = 0.25  # a box whose inside is this much solid is filled (or crossed out)
INKED = 0.08  # a pixel this dark (0 paper, 1 black) holds ink; paler is paper and noise
REF_SIDE_PT = 20.0  # ink is counted as if in a box of this side
NOISE_MADS = 6.0  # empty boxes: their median ink, plus this many MADs ...
MIN_CONTRAST = 0.006  # ... or at least this much, is the most an empty box holds
MIN_BOXES = 8  # a page with fewer boxes has too few empty ones to learn from
EMPTY_CAP = 0.03  # no box holding more is taken for an empty one (a page of few boxes)
# A mark holds at least MARK_INK ink, reaches MARK_EXTENT across its box's inside (less
# is a dot or a dash), and its strokes are at least MARK_TONE as dark as the page's
# printed borders come out (lighter is faint). On a page whose own marks are weaker
# (faint pencil throughout), the ink and tone lines are lowered to MARK_RATIO and
# TONE_RATIO of its usual mark, when it has MIN_MARKS marks to tell.
MARK_INK = 0.03
MARK_EXTENT = 0.5
MARK_TONE = 0.38
MARK_RATIO = 0.4
TONE_RATIO = 0.7
MIN_GAP = 0.004  # a mark's ink is at least this far above the empty boxes' line
MIN_MARKS = 3
PRIOR_BORDER_TONE = 0.5  # a page whose borders cannot be measured (none: no boxes)


@dataclass(frozen=True)
class Measure:
    """One box's ink: its mean darkness inside, and how much of that is solid."""

    share: float
    solid: float
    tone: float  # the mean darkness of the inked pixels: pen near 1, faint pencil low
    extent: float  # how far the mark reaches across the inside (0 to 1): a dash is short
    side_pt: float
    ring: float = 0.0  # the mean darkness of the box's printed border, as scanned

    @property
    def ink(self) -> float:
        """The share, scaled to a box of REF_SIDE_PT (ticks do not grow with the box)."""
        return self.share * self.side_pt / REF_SIDE_PT


def read_boxes(warped: np.ndarray, page: MapPage, dpi: float = READ_DPI
               ) -> tuple[tuple[BoxReading, ...], Calibration]:
    """Every box of ``page`` read from ``warped`` (the page in map space at ``dpi``)."""
    dark = Darkness(warped, page, dpi)
    shifts = settle(dark, page.boxes, dpi)
    measures = [measure(dark, box, dpi, shift)
                for box, shift in zip(page.boxes, shifts, strict=True)]
    calibration = calibrate(measures, border_tone(measures))
    readings = tuple(BoxReading(box, round(m.share, 4), *judge(m, calibration))
                     for box, m in zip(page.boxes, measures, strict=True))
    return readings, calibration


class Darkness:
    """Each pixel's darkness (0 the paper around it, 1 the page's black), worked out
    for the parts asked for (``dark[y0:y1, x0:x1]``): the boxes are a small part.

    The paper's brightness is taken at each part's middle: it changes slowly (the light
    across a photo), and a box's part is a few millimetres across."""

    def __init__(self, warped: np.ndarray, page: MapPage, dpi: float = READ_DPI) -> None:
        self.gray = warped
        self.shape = warped.shape
        self.paper = _paper(warped, dpi)
        self.step = warped.shape[0] / self.paper.shape[0], warped.shape[1] / self.paper.shape[1]
        self.black = 1.0
        self.black = _black(self, page, dpi)

    def __getitem__(self, key: tuple[slice | int, slice | int]) -> np.ndarray:
        part = self.gray[key]
        rows, cols = (_middle(k, n) for k, n in zip(key, self.shape, strict=True))
        paper = max(float(self.paper[min(int(rows / self.step[0]), self.paper.shape[0] - 1),
                                     min(int(cols / self.step[1]), self.paper.shape[1] - 1)]),
                    1.0)
        return np.clip((1.0 - part.astype(np.float32) / paper) / self.black, 0.0, 1.0)


def _middle(key: slice | int, size: int) -> float:
    if isinstance(key, slice):
        start, stop, _ = key.indices(size)
        return (start + max(stop, start + 1) - 1) / 2
    return float(key % size)


def darkness(warped: np.ndarray, page: MapPage, dpi: float = READ_DPI) -> np.ndarray:
    """The whole page's darkness (float32), with the paper's brightness everywhere."""
    dark = Darkness(warped, page, dpi)
    paper = cv2.resize(dark.paper, (warped.shape[1], warped.shape[0]),
                       interpolation=cv2.INTER_LINEAR)
    light = warped.astype(np.float32) / np.maximum(paper, 1.0)
    return np.clip((1.0 - light) / dark.black, 0.0, 1.0)


def _paper(gray: np.ndarray, dpi: float) -> np.ndarray:
    """The paper's brightness, on a grid four times coarser than ``gray``: the
    brightest level nearby (a filled box, text and marks are narrower than the
    window), smoothed."""
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    window = max(3, round(13 / 25.4 * dpi / 4)) | 1  # 13 mm
    bright = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (window, window)))
    return cv2.blur(bright, (window, window)).astype(np.float32)


def _black(dark: Darkness, page: MapPage, dpi: float) -> float:
    """The darkness of the page's black: the middle of the markers' black rings."""
    s = dpi / 72
    samples = []
    h, w = dark.shape[:2]
    for marker in page.markers:
        x, y, side = marker.x * s, marker.y * s, marker.size * s
        cell = side / 6
        row, col = round(y + cell / 2), round(x + cell / 2)
        if not (0 <= row < h and 0 <= col < w):
            continue
        samples.append(dark[row, round(x + cell):round(x + side - cell)])  # the ring's top
        samples.append(dark[round(y + cell):round(y + side - cell), col])  # and its left
    values = np.concatenate(samples) if samples else np.array([], np.float32)
    black = float(np.median(values)) if values.size else 0.0
    return min(max(black, 0.3), 1.0)  # a page whose markers are unreadable is not here


def measure(dark: Darkness, box: MapBox, dpi: float = READ_DPI,
            shift: tuple[int, int] | None = None) -> Measure:
    """The ink inside ``box``: its printed border found nearby (or ``shift`` pixels from
    its mapped place), then left out."""
    s = dpi / 72
    dx, dy = locate(dark, box, dpi) if shift is None else shift
    inset = min(INSET_PT, 0.3 * min(box.w, box.h)) * s
    x0, y0 = round(box.x * s + dx + inset), round(box.y * s + dy + inset)
    x1, y1 = round((box.x + box.w) * s + dx - inset), round((box.y + box.h) * s + dy - inset)
    inside = dark[max(y0, 0):max(y1, y0 + 1), max(x0, 0):max(x1, x0 + 1)]
    side = (box.w + box.h) / 2
    if inside.size == 0:
        return Measure(0.0, 0.0, 0.0, 0.0, side)
    inked = inside[inside > INKED]
    tone = float(inked.mean()) if inked.size else 0.0
    share = float(inked.sum()) / inside.size
    ring = _ring(dark, (x0 - inset, y0 - inset, x1 + inset, y1 + inset), s)
    return Measure(share, _solid(inside, s), tone, _extent(inside), side, ring)


def _ring(dark: Darkness, outer: tuple[float, float, float, float], s: float) -> float:
    """The mean darkness of the inked pixels of a box's printed border."""
    x0, y0, x1, y1 = (round(v) for v in outer)
    k = max(2, round(BORDER_PT * s) + 1)
    if x0 < 1 or y0 < 1 or y1 + 1 > dark.shape[0] or x1 + 1 > dark.shape[1] or x1 - x0 < 2 * k:
        return 0.0
    box = dark[y0 - 1:y1 + 1, x0 - 1:x1 + 1]
    ring = np.concatenate([box[:k].ravel(), box[-k:].ravel(), box[k:-k, :k].ravel(),
                           box[k:-k, -k:].ravel()])
    inked = ring[ring > INKED]
    return float(inked.mean()) if inked.size else 0.0


def border_tone(measures: Sequence[Measure]) -> float:
    """The page's printed borders' tone: how dark a thin printed line comes out of this
    scan (blur lightens thin strokes, so marks are judged against it)."""
    rings = [m.ring for m in measures if m.ring > 0]
    return max(float(np.median(rings)), 0.2) if rings else PRIOR_BORDER_TONE


def _extent(inside: np.ndarray) -> float:
    """How far the ink reaches across the inside: the larger of its spans (5th to 95th
    percentile of its strong pixels) across and down, as a share of the inside."""
    strong = inside >= max(INKED, 0.5 * float(inside.max()))
    ys, xs = np.nonzero(strong)
    if xs.size < 3:
        return 0.0
    across = (np.percentile(xs, 95) - np.percentile(xs, 5) + 1) / inside.shape[1]
    down = (np.percentile(ys, 95) - np.percentile(ys, 5) + 1) / inside.shape[0]
    return float(min(1.0, max(across, down)))


def locate(dark: Darkness, box: MapBox, dpi: float = READ_DPI,
           near: tuple[int, int] | None = None) -> tuple[int, int]:
    """How far (pixels) the box's printed border lies from its mapped place: the shift,
    within SEARCH_PT (or within NEAR_PX of ``near``), that puts both of its opposite
    edges on the darkest lines nearby."""
    s = dpi / 72
    reach = max(1, round(min(SEARCH_PT, 0.3 * min(box.w, box.h)) * s))
    x0, y0 = round(box.x * s) - reach, round(box.y * s) - reach
    w, h = round(box.w * s), round(box.h * s)
    if x0 < 0 or y0 < 0 or y0 + h + 2 * reach > dark.shape[0] \
            or x0 + w + 2 * reach > dark.shape[1]:
        return near or (0, 0)
    window = dark[y0:y0 + h + 2 * reach, x0:x0 + w + 2 * reach]
    cx, cy = near or (0, 0)
    span = reach if near is None else NEAR_PX
    dx = _edges(window[reach:reach + h].sum(axis=0), w, reach, cx, span)
    dy = _edges(window[:, reach:reach + w].sum(axis=1), h, reach, cy, span)
    return dx, dy


def _edges(profile: np.ndarray, side: int, reach: int, centre: int, span: int) -> int:
    """The shift within ``span`` of ``centre`` (and ±reach) that puts both edges of a
    ``side``-long box on the profile's peaks; ties go to the shift nearest ``centre``."""
    smooth = np.convolve(profile, np.ones(2, np.float32), mode="same")
    shifts = np.arange(max(-reach, centre - span), min(reach, centre + span) + 1)
    if shifts.size == 0:
        return max(-reach, min(reach, centre))
    first = reach + shifts + 1
    last = np.minimum(first + side - 2, len(smooth) - 1)
    score = smooth[first] + smooth[last] - 1e-3 * np.abs(shifts - centre)
    return int(shifts[int(np.argmax(score))])


def settle(dark: Darkness, boxes: Sequence[MapBox], dpi: float = READ_DPI
           ) -> list[tuple[int, int]]:
    """Each box's shift (``locate``), checked against its neighbours': the page moves
    smoothly (a curl, a slightly wrong fit), so a box whose border was found far from
    where its neighbours' were is looked for again near theirs (a mark drawn over the
    border can pull the search off it)."""
    shifts = [locate(dark, box, dpi) for box in boxes]
    centres = np.array([(b.x + b.w / 2, b.y + b.h / 2) for b in boxes]).reshape(-1, 2)
    settled = []
    for i, box in enumerate(boxes):
        distance = np.linalg.norm(centres - centres[i], axis=1)
        nearest = [j for j in np.argsort(distance)[1:NEIGHBOURS + 1]
                   if distance[j] <= NEIGHBOUR_PT]
        if len(nearest) < 2:
            settled.append(shifts[i])
            continue
        expected = tuple(int(v) for v in np.median([shifts[j] for j in nearest], axis=0))
        if max(abs(a - b) for a, b in zip(shifts[i], expected, strict=True)) > NEAR_PX:
            settled.append(locate(dark, box, dpi, near=(expected[0], expected[1])))
        else:
            settled.append(shifts[i])
    return settled


def _solid(inside: np.ndarray, s: float) -> float:
    """The share of the inside in patches of ink wider than SOLID_PT."""
    size = max(3, round(SOLID_PT * s)) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    ink = (inside > 0.4).astype(np.uint8)
    return float(cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel).mean())


def calibrate(measures: Sequence[Measure], border: float = 0.5) -> Calibration:
    """The page's thresholds, from its own boxes. Most boxes are empty, so the lower
    half gives the empty level and its spread; a page whose usual mark (the median of
    the boxes above that, filled ones left out) is weak lowers the lines to it.
    ``border`` is the page's border tone (see ``border_tone``)."""
    inks = sorted(m.ink for m in measures)
    lower = [i for i in inks[:math.ceil(len(inks) / 2)] if i <= EMPTY_CAP]
    if len(inks) < MIN_BOXES or not lower:
        lower = [0.0]
    level = float(np.median(lower))
    spread = 1.4826 * float(np.median(np.abs(np.array(lower) - level)))
    empty_below = level + max(NOISE_MADS * spread, MIN_CONTRAST)
    marks = [m for m in measures if m.ink > empty_below and m.solid < SOLID_SHARE]
    ink_from, tone_from = MARK_INK, MARK_TONE
    if len(marks) >= MIN_MARKS:
        usual_ink = float(np.median([m.ink for m in marks]))
        usual_tone = float(np.median([m.tone for m in marks])) / border
        ink_from = min(ink_from, level + MARK_RATIO * (usual_ink - level))
        tone_from = min(tone_from, TONE_RATIO * usual_tone)
    ink_from = max(ink_from, empty_below + MIN_GAP)
    return Calibration(round(level, 4), round(empty_below, 4), round(ink_from, 4),
                       round(tone_from, 4), round(border, 4))


def judge(m: Measure, calibration: Calibration) -> tuple[State, Reason | None]:
    """A box's state from its ink and its page's thresholds."""
    if m.ink <= calibration.empty_below:
        return "empty", None
    if m.solid >= SOLID_SHARE:
        return "doubtful", "filled"
    tone = m.tone / calibration.border_tone
    if m.ink < calibration.marked_from or tone < calibration.tone_from \
            or m.extent < MARK_EXTENT:
        return "doubtful", "faint"
    return "marked", None


def two_marks(boxes: Sequence[BoxReading], single: Collection[int]
              ) -> list[tuple[Any, ...]]:
    """The answers marked more than once where one mark is allowed: each question in
    ``single`` (single choice, true-false), each matching row, each class ID digit.
    Doubtful boxes count as marks. Gives each one's key: ``("answer", question, row)``
    or ``("class-id", digit)``."""
    counts: dict[tuple[Any, ...], int] = {}
    for reading in boxes:
        box = reading.box
        if reading.state == "empty":
            continue
        if box.kind == "class-id":
            key: tuple[Any, ...] = ("class-id", box.digit)
        elif box.row is not None or box.question in single:
            key = ("answer", box.question, box.row)
        else:
            continue
        counts[key] = counts.get(key, 0) + 1
    return [key for key, n in counts.items() if n > 1]
