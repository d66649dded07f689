"""From the scan reader's page readings to sheets (design note, sections 3 and 4).

The reader (``osteo_print.scan.read_scans``) says, for each page image, which sheet
(hash) and page it is and how each box reads: ``empty``, ``marked`` or ``doubtful``
(with a reason: ``faint``, ``filled``). Here:

- pages are grouped into sheets: consecutive pages of one hash form a sheet; a page 1
  already in the sheet starts the next one; any other page number again in one sheet
  is a page seen twice (reported, counted once), as is an image the reader has seen
  before; a page a sheet lacks is reported and flagged on the sheet;
- each question is decided from its boxes: one mark is that letter, none is no
  answer, two or more on a one-answer question (or on a matching line) are doubtful;
  multiple select takes the set of letters marked; any doubtful box makes the
  question doubtful, scored 0 until a person decides it (review.csv);
- the class ID is read from its grid, one mark per digit column;
- the parts of the page a reviewer needs are cropped for review.pdf.

Only this module knows the reader's objects; they are read by attribute (a box may
be the map's dict or an object), so the reader may change inside the contract.
"""

from __future__ import annotations

import io
import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from osteo_print.errors import display_path
from osteo_print.score.keys import KeySet
from osteo_print.score.model import Answer, Crop, Key, KeyItem, ScoreError, Sheet, no_answer

TWO_MARKS = "two-marks"
NAME_CROP, CLASS_ID_CROP = 0, -1  # keys of Sheet.crops besides question numbers
EMPTY_DIGIT = "empty-digit"  # a class ID column left empty while others are marked
READ_DPI = 100  # the reader warps each page to this many pixels an inch of map points
STEM_ROOM_PT = 40.0  # how much of the page above a question's boxes its crop shows
SIDE_PT = 30.0  # room left and right of a question's boxes in its crop
CROP_WIDTH_PT = 420.0  # at least this much of the line: the options' words follow the boxes


class Unread(str):
    """A notice about a page (or a file) that could not be read at all: the run still
    writes the results of the other sheets, and the command exits with code 3."""

    __slots__ = ()


class BoxReadingLike(Protocol):
    """What the scorer reads of one box reading (``osteo_print.scan.BoxReading``)."""

    @property
    def box(self) -> Any: ...
    @property
    def state(self) -> str: ...
    @property
    def reason(self) -> str | None: ...


class PageReadingLike(Protocol):
    """What the scorer reads of one page reading (``osteo_print.scan.PageReading``)."""

    @property
    def file(self) -> Any: ...
    @property
    def index(self) -> int: ...
    @property
    def hash(self) -> str: ...
    @property
    def page(self) -> int: ...
    @property
    def boxes(self) -> Sequence[BoxReadingLike]: ...
    @property
    def image(self) -> Any: ...


def read_scanned(paths: Sequence[Path], keys: KeySet) -> tuple[list[Sheet], list[str]]:
    """Read scanned sheets with the scan reader, against the layout maps beside the
    keys; return the sheets and the notices (pages not read, seen twice or missing,
    blank pages skipped), each located by file and page."""
    from osteo_print.scan import ScanError, load_maps, read_scans

    try:
        maps = load_maps(keys.path)
    except ScanError as exc:
        if not exc.problems:
            raise
        raise ScoreError("A layout map cannot be used; build the quizzes again (osteo-print "
                         "quiz ...) to write their maps afresh, or give --keys the folder of "
                         "this class's keys and maps.", exc.problems) from None
    result = read_scans(list(paths), maps, jobs=os.cpu_count() or 1)
    notices: list[str] = [Unread(problem) for problem in result.problems]
    if result.blank:
        notices.append(f"{len(result.blank)} blank page(s) skipped: "
                       + "; ".join(str(page) for page in result.blank[:10])
                       + ("; ..." if len(result.blank) > 10 else ""))
    sheets, more = sheets_from_pages(result.readings, keys, maps)
    return sheets, notices + more


def _get(box: Any, name: str) -> Any:
    return box.get(name) if isinstance(box, Mapping) else getattr(box, name, None)


def _where(reading: PageReadingLike) -> str:
    return f"{display_path(Path(str(reading.file)))}, page {reading.index}"


@dataclass
class _Group:
    """The pages of one sheet so far."""

    key: Key
    hash: str
    expected: int  # pages the sheet has (from its map; 0 when unknown)
    pages: dict[int, PageReadingLike] = field(default_factory=dict)


def sheets_from_pages(pages: Sequence[PageReadingLike], keys: KeySet,
                      maps: Mapping[str, Any]) -> tuple[list[Sheet], list[str]]:
    """Group page readings into sheets and read each; return the sheets and notices.
    ``maps`` are the layout maps by sheet hash (``osteo_print.scan.SheetMap``)."""
    notices: list[str] = []
    groups = _group(pages, keys, maps, notices)
    sheets = [_sheet(group, maps.get(group.hash), notices) for group in groups]
    return sheets, notices


def _key(keys: KeySet, sheet_hash: str, sheet_map: Any) -> Key | None:
    if sheet_map is None:
        return next((k for k in keys.keys if k.hash == sheet_hash), None)
    fields = ("quiz", "version", "code", "audience", "lang", "paper")
    return keys.for_sheet(sheet_hash, *(_get(sheet_map, name) for name in fields))


def _group(pages: Sequence[PageReadingLike], keys: KeySet, maps: Mapping[str, Any],
           notices: list[str]) -> list[_Group]:
    groups: list[_Group] = []
    images: dict[str, str] = {}  # the reader's hash of a page image -> where first seen
    for reading in pages:
        where = _where(reading)
        digest = getattr(reading, "image_hash", "")
        if digest and digest in images:
            notices.append(f"{where}: the same page image as {images[digest]}; counted once")
            continue
        if digest:
            images[digest] = where
        sheet_map = maps.get(reading.hash)
        key = _key(keys, reading.hash, sheet_map)
        if key is None:
            notices.append(Unread(
                f"{where}: no answer key in {keys.folder} fits this sheet (code "
                f"{reading.hash}); print its quiz into that folder, or give --keys the "
                "folder that holds its keys"))
            continue
        current = groups[-1] if groups else None
        if current is not None and current.hash == reading.hash:
            if reading.page not in current.pages:
                current.pages[reading.page] = reading
                continue
            if reading.page != 1:
                first = _where(_first(current))
                notices.append(f"{where}: page {reading.page} of the sheet that starts at "
                               f"{first} again; counted once")
                continue
        pages_in_map = _get(sheet_map, "pages") or [] if sheet_map is not None else []
        groups.append(_Group(key, reading.hash, len(pages_in_map), {reading.page: reading}))
    return groups


def _first(group: _Group) -> PageReadingLike:
    return min(group.pages.values(), key=lambda r: (str(r.file), r.index))


def _sheet(group: _Group, sheet_map: Any, notices: list[str]) -> Sheet:
    first = _first(group)
    source = f"{display_path(Path(str(first.file)))}:{first.index}"
    boxes: dict[int, list[BoxReadingLike]] = defaultdict(list)
    class_boxes: list[BoxReadingLike] = []
    for reading in group.pages.values():
        for box in reading.boxes:
            kind = _get(box.box, "kind")
            if kind == "answer":
                boxes[int(_get(box.box, "question"))].append(box)
            elif kind == "class-id":
                class_boxes.append(box)
    answers = {item.number: decide(item, boxes.get(item.number, []))
               for item in group.key.items}
    class_id, doubt = read_class_id(class_boxes)
    sheet = Sheet(source, group.key, answers, class_id=class_id, class_id_doubt=doubt,
                  scanned=True)
    expected = group.expected or max(group.pages)
    sheet.missing_pages = [n for n in range(1, expected + 1) if n not in group.pages]
    if sheet.missing_pages:
        pages = ", ".join(map(str, sheet.missing_pages))
        plural = "s" if len(sheet.missing_pages) > 1 else ""
        notices.append(f"{_where(first)}: the sheet that starts here has no page{plural} "
                       f"{pages}; its questions there count as not answered")
    sheet.crops = _crops(sheet, group, sheet_map)
    return sheet


def decide(item: KeyItem, boxes: Sequence[BoxReadingLike]) -> Answer:
    """What a question's boxes say (see the module's docstring)."""
    if not boxes:
        return no_answer(item)
    marked: list[list[str]] = [[] for _ in range(item.rows)]
    doubts: list[list[str]] = [[] for _ in range(item.rows)]
    reasons: list[str] = []
    for box in boxes:
        row = int(_get(box.box, "row") or 0) if item.type == "matching" else 0
        option = str(_get(box.box, "option"))
        if not 0 <= row < item.rows:
            continue
        if box.state == "marked":
            marked[row].append(option)
        elif box.state == "doubtful":
            doubts[row].append(option)
            reasons.append(box.reason or "faint")
    rows = []
    for row in range(item.rows):
        letters = "".join(sorted(marked[row] + doubts[row]))
        if not doubts[row] and len(marked[row]) > 1 and item.type != "multiple":
            reasons.append(TWO_MARKS)
        rows.append(letters)
    return Answer(tuple(rows), reasons[0] if reasons else "")


def read_class_id(boxes: Sequence[BoxReadingLike]) -> tuple[str, str]:
    """The class ID from its grid's boxes, and why it is doubtful ("" when clear)."""
    if not boxes:
        return "", ""
    columns: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for box in boxes:
        columns[int(_get(box.box, "digit"))].append(
            (box.state, str(_get(box.box, "value")), box.reason or "faint"))
    digits, reasons = [], []
    for column in range(max(columns) + 1):
        marks = columns.get(column, [])
        marked = [value for state, value, _ in marks if state == "marked"]
        doubtful = [reason for state, _, reason in marks if state == "doubtful"]
        if doubtful or len(marked) > 1:
            reasons.append(doubtful[0] if doubtful else TWO_MARKS)
        elif not marked:
            reasons.append(EMPTY_DIGIT)
        digits.append(marked[0] if len(marked) == 1 and not doubtful else "?")
    if all(reason == EMPTY_DIGIT for reason in reasons) and len(reasons) == len(digits):
        return "", ""  # no class ID written at all
    clear = [r for r in reasons if r != EMPTY_DIGIT]
    return "".join(digits), (clear[0] if clear else (reasons[0] if reasons else ""))


def _crops(sheet: Sheet, group: _Group, sheet_map: Any) -> dict[int, Crop]:
    """The images review.pdf shows: each doubtful question (by number); the name and
    class ID boxes (NAME_CROP) of a sheet with anything to review; the class ID grid
    alone (CLASS_ID_CROP) when it is doubtful."""
    wanted = [n for n, a in sheet.answers.items() if a.doubt]
    if not wanted and not sheet.class_id_doubt and not sheet.missing_pages:
        return {}
    crops = {}
    for number in wanted:
        found = _question_area(group, number)
        if found is not None:
            reading, area = found
            crops[number] = Crop(_png(reading, area), reading.page)
    first = group.pages.get(1)
    if first is None:
        return crops
    name = _name_area(first, sheet_map, with_name=True)
    if name is not None:
        crops[NAME_CROP] = Crop(_png(first, name), 1)
    grid = _name_area(first, sheet_map, with_name=False)
    if grid is not None and sheet.class_id_doubt:
        crops[CLASS_ID_CROP] = Crop(_png(first, grid), 1)
    return crops


Area = tuple[float, float, float, float]  # x0, y0, x1, y1 in map points


def _question_area(group: _Group, number: int) -> tuple[PageReadingLike, Area] | None:
    best: tuple[int, PageReadingLike, list[Any]] | None = None
    for reading in group.pages.values():
        mine = [b.box for b in reading.boxes if _get(b.box, "kind") == "answer"
                and int(_get(b.box, "question")) == number]
        if mine and (best is None or len(mine) > best[0]):
            best = (len(mine), reading, mine)
    if best is None:
        return None
    _, reading, mine = best
    width = _page_width(reading)
    left = max(0.0, min(float(_get(b, "x")) for b in mine) - SIDE_PT)
    right = max(float(_get(b, "x")) + float(_get(b, "w")) for b in mine) + SIDE_PT
    # the whole width of the question's text block: its words run to the right margin,
    # as far from the page's right edge as the block starts from its left
    right = min(width, max(right, left + CROP_WIDTH_PT, width - left))
    top = min(float(_get(b, "y")) for b in mine) - STEM_ROOM_PT
    bottom = max(float(_get(b, "y")) + float(_get(b, "h")) for b in mine) + 8
    return reading, (left, top, right, bottom)


def _name_area(reading: PageReadingLike, sheet_map: Any, with_name: bool) -> Area | None:
    """The class ID grid on page 1, with the name written beside it or without."""
    rects = [b.box for b in reading.boxes if _get(b.box, "kind") == "class-id"]
    pages = (_get(sheet_map, "pages") or []) if sheet_map is not None else []
    name = _get(pages[0], "name") if pages else None
    if name is not None and with_name:
        rects.append(name)
    if not rects:
        return None
    x0 = min(float(_get(r, "x")) for r in rects) - 6
    y0 = min(float(_get(r, "y")) for r in rects) - 6
    x1 = max(float(_get(r, "x")) + float(_get(r, "w")) for r in rects) + 6
    y1 = max(float(_get(r, "y")) + float(_get(r, "h")) for r in rects) + 6
    return x0, y0, x1, y1


def _page_width(reading: PageReadingLike) -> float:
    """The page's width in map points: the image is the page warped to map space."""
    width = reading.image.shape[1]
    scale = _scale(reading)
    return width / scale if scale else float(width)


def _scale(reading: PageReadingLike) -> float:
    """Pixels per map point of the warped page image."""
    return READ_DPI / 72.0


def _png(reading: PageReadingLike, area: Area) -> bytes:
    """The part ``area`` of the page image, as a grey PNG."""
    import numpy as np
    from PIL import Image

    image = np.asarray(reading.image)
    scale = _scale(reading)
    height, width = image.shape[:2]
    x0, y0, x1, y1 = (round(v * scale) for v in area)
    x0, x1 = max(0, x0), min(width, max(x1, x0 + 1))
    y0, y1 = max(0, y0), min(height, max(y1, y0 + 1))
    part = image[y0:y1, x0:x1]
    picture = Image.fromarray(part[..., ::-1] if part.ndim == 3 else part)
    buffer = io.BytesIO()
    picture.convert("L").save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
