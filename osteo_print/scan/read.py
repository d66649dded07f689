"""Read scanned quiz sheets: every page image of the input files, aligned on its
markers, identified by its QR code, and its boxes read (docs/design/scoring.md, 3)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from osteo_print.scan.align import (
    MAX_FIT_MM,
    Payload,
    find_markers,
    homography,
    parse_payload,
    read_qr,
    read_qr_where,
    warp,
)
from osteo_print.scan.maps import MapBox, Marker, Rect, SheetMap, Square
from osteo_print.scan.marks import read_boxes
from osteo_print.scan.model import (
    READ_DPI,
    PageImage,
    PageProblem,
    PageReading,
    ScanResult,
)
from osteo_print.scan.source import (
    PageError,
    PdfPages,
    Raster,
    ScanFile,
    check_page_cap,
    photo_raster,
    survey,
)

IMAGE_QUALITY = 90  # the warped page is kept as a JPEG of this quality (for review crops)
BLANK_INK = 0.004  # a page with less ink than this (share of its area) is blank

Outcome = PageReading | PageProblem | PageImage  # a PageImage alone: a blank page
PAGES_PER_WORKER = 12  # a worker process costs about a second to start: worth it from here
RETRY = ("no-marks", "no-qr")  # problems a finer image of the page may solve


def read_scans(paths: Sequence[Path], maps: Mapping[str, SheetMap], *, jobs: int = 1
               ) -> ScanResult:
    """Read every page image of ``paths`` (scanned PDFs, JPEG and PNG photos) against
    the layout maps ``maps`` (by sheet hash, see ``load_maps``).

    Pure: nothing is written. A page that cannot be read is a located problem; a blank
    page is listed and skipped; a page whose image was already read is reported once.
    Raises ScanError when the run holds more than MAX_PAGES page images. With ``jobs``
    above 1, pages are read in up to that many worker processes (one for every
    PAGES_PER_WORKER pages at most: starting one costs about a second).
    """
    files, problems = survey(paths)
    check_page_cap(files)
    tasks = [(f, i) for f in files for i in range(1, f.pages + 1)]
    workers = min(jobs, len(tasks) // PAGES_PER_WORKER)
    if workers > 1:
        return _in_pool(problems, tasks, maps, workers)
    return _collect(_read_in_order(files, maps), problems)


def _in_pool(problems: list[PageProblem], tasks: list[tuple[ScanFile, int]],
             maps: Mapping[str, SheetMap], jobs: int) -> ScanResult:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Spawned, not forked: OpenCV's and PDFium's threads do not survive a fork (a forked
    # worker can hang for good on a lock one of them held).
    with ProcessPoolExecutor(max_workers=jobs,
                             mp_context=multiprocessing.get_context("spawn"),
                             initializer=_start_worker, initargs=(dict(maps),)) as pool:
        outcomes = pool.map(_read_task, tasks, chunksize=_chunk(len(tasks), jobs))
        return _collect(outcomes, problems)


_MAPS: dict[str, SheetMap] = {}  # a worker's layout maps


def _start_worker(maps: dict[str, SheetMap]) -> None:
    cv2.setNumThreads(1)  # one process a core: OpenCV's own threads would only compete
    _MAPS.update(maps)


def _chunk(tasks: int, jobs: int) -> int:
    return max(1, tasks // max(1, jobs * 4))


def _read_in_order(files: Sequence[ScanFile], maps: Mapping[str, SheetMap]
                   ) -> Iterator[tuple[Outcome, str]]:
    for scan_file in files:
        if scan_file.kind != "pdf":
            yield _read_one(scan_file, 1, maps, None)
            continue
        try:
            pages = PdfPages(scan_file.path)
        except (PageError, OSError) as exc:
            yield PageProblem(scan_file.shown, None, _why(exc), "file"), ""
            continue
        try:
            for index in range(1, scan_file.pages + 1):
                yield _read_one(scan_file, index, maps, pages)
        finally:
            pages.close()


_OPEN: dict[Path, PdfPages] = {}  # a worker's open PDF: its tasks come in file order


def _read_task(task: tuple[ScanFile, int]) -> tuple[Outcome, str]:
    scan_file, index = task
    maps = _MAPS
    if scan_file.kind != "pdf":
        return _read_one(scan_file, index, maps, None)
    pages = _OPEN.get(scan_file.path)
    if pages is None:
        for old in _OPEN.values():
            old.close()
        _OPEN.clear()
        try:
            pages = _OPEN[scan_file.path] = PdfPages(scan_file.path)
        except (PageError, OSError) as exc:
            return PageProblem(scan_file.shown, index, _why(exc), "file"), ""
    return _read_one(scan_file, index, maps, pages)


def _why(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return f"cannot read: {exc.strerror or exc}"
    return str(exc)


def _read_one(scan_file: ScanFile, index: int, maps: Mapping[str, SheetMap],
              pages: PdfPages | None) -> tuple[Outcome, str]:
    """One page image read: the outcome, and the hash of the image it was read from."""
    where = PageImage(scan_file.shown, index)

    def load(reduce: bool) -> Raster:
        if pages is not None:
            return pages.raster(index, reduce)
        return photo_raster(scan_file.path, reduce)

    try:
        raster = load(True)
        outcome = read_page(raster.gray, where, maps)
        if raster.reduced and isinstance(outcome, PageProblem) and outcome.kind in RETRY:
            raster = load(False)  # finer, and rendered by pdfium: a second chance
            outcome = read_page(raster.gray, where, maps)
    except PageError as exc:
        return PageProblem(where.file, index, str(exc), "file"), ""
    except (cv2.error, ValueError, RuntimeError, MemoryError) as exc:  # a broken page
        return PageProblem(where.file, index, f"cannot be read as an image ({exc})",
                           "file"), ""
    digest = hashlib.blake2b(np.ascontiguousarray(raster.gray).data, digest_size=16).hexdigest()
    if isinstance(outcome, PageReading):
        outcome = replace(outcome, image_hash=digest)
    return outcome, digest


def _collect(outcomes: Iterable[tuple[Outcome, str]], problems: list[PageProblem]
             ) -> ScanResult:
    readings: list[PageReading] = []
    blank: list[PageImage] = []
    first: dict[str, PageImage] = {}
    for outcome, digest in outcomes:
        if isinstance(outcome, PageReading):
            if digest in first:
                problems.append(PageProblem(outcome.file, outcome.index, (
                    f"is the same image as {first[digest]}: read once"), "duplicate"))
                continue
            first[digest] = outcome.where
            readings.append(outcome)
        elif isinstance(outcome, PageProblem):
            problems.append(outcome)
        else:
            blank.append(outcome)
    return ScanResult(tuple(readings), tuple(problems), tuple(blank))


# ---------------------------------------------------------------------------------------
# One page


@dataclass(frozen=True)
class _Found:
    payload: Payload
    sheet: SheetMap


def read_page(gray: np.ndarray, where: PageImage, maps: Mapping[str, SheetMap]
              ) -> Outcome:
    """One page image read: a PageReading, a PageProblem, or ``where`` itself when the
    page is blank."""
    markers = find_markers(gray)
    texts = _find_qr(gray, markers, maps)
    if len(markers) < 3 and not texts:
        return where if is_blank(gray) else _problem(where, (
            "no scan marks found (no corner markers, no QR code): is it a page of a quiz "
            "sheet, and all of it?"), "no-marks")
    found = _identify(texts, where, maps)
    if isinstance(found, PageProblem):
        return found
    page = found.sheet.pages[found.payload.page - 1]
    fit = homography(markers, page)
    if fit is None:
        missing = sorted(set(range(4)) - set(markers))
        return _problem(where, (
            f"found {len(markers)} of the 4 corner markers (missing: "
            f"{', '.join(CORNERS[m] for m in missing)}): a corner is cut off, folded or "
            "covered; scan the page again, all of it"), "no-marks")
    matrix, miss = fit
    if miss > MAX_FIT_MM:
        return _problem(where, (
            f"the corner markers do not fit the page (off by {miss:.1f} mm): a folded or "
            "curled page? Scan it flat"), "no-marks")
    warped = warp(gray, matrix, page)
    boxes, calibration = read_boxes(warped, page)
    ok, data = cv2.imencode(".jpg", warped, [cv2.IMWRITE_JPEG_QUALITY, IMAGE_QUALITY])
    return PageReading(where.file, where.index, found.sheet.hash, page.number, boxes,
                       data.tobytes() if ok else b"", calibration)


def _find_qr(gray: np.ndarray, markers: dict[int, np.ndarray],
             maps: Mapping[str, SheetMap]) -> list[str]:
    """The QR code's texts: looked for where the sheets put it (fast), then anywhere,
    then where the sheets put it again, harder."""
    places = layouts(maps) if len(markers) >= 3 else []
    return (read_qr_where(gray, markers, places) or read_qr(gray)
            or read_qr_where(gray, markers, places, thorough=True))


def layouts(maps: Mapping[str, SheetMap]) -> list[tuple[tuple[Marker, ...], Square]]:
    """The different places the sheets put their markers and QR code."""
    seen = {(tuple(page.markers), page.qr) for sheet in maps.values() for page in sheet.pages
            if page.qr is not None}
    return sorted(seen, key=repr)


CORNERS = {0: "top left", 1: "top right", 2: "bottom right", 3: "bottom left"}


def _problem(where: PageImage, message: str, kind: str) -> PageProblem:
    return PageProblem(where.file, where.index, message, kind)  # type: ignore[arg-type]


def _identify(texts: Sequence[str], where: PageImage, maps: Mapping[str, SheetMap]
              ) -> _Found | PageProblem:
    """The sheet and page the QR code names, or the located reason there is none."""
    if not texts:
        return _problem(where, (
            "found the corner markers but could not read the QR code: is it smudged, "
            "folded or cut off? Scan the page again"), "no-qr")
    payloads = {p for p in map(parse_payload, texts) if p is not None}
    if not payloads:
        return _problem(where, (
            f"the QR code does not hold a quiz sheet's code (it reads {texts[0][:60]!r})"),
            "bad-qr")
    if len(payloads) > 1:
        pages = ", ".join(sorted(f"{p.quiz} page {p.page}" for p in payloads))
        return _problem(where, (
            f"holds more than one sheet page ({pages}): scan or photograph one page at "
            "a time"), "bad-qr")
    payload = payloads.pop()
    sheet = maps.get(payload.hash)
    if sheet is None:
        return _problem(where, (
            f"is a page of another quiz, or of another version of it (its QR code: "
            f"{payload.quiz}, version {payload.version}, sheet {payload.hash}); no layout "
            "map given is for it"), "unknown-sheet")
    if sheet.page(payload.page) is None or (payload.quiz, payload.version, payload.seed) \
            != (sheet.quiz, sheet.version, sheet.seed):
        return _problem(where, (
            f"its QR code (page {payload.page} of {payload.quiz}, version "
            f"{payload.version}) does not match the layout map of sheet {sheet.hash} "
            f"({sheet.quiz}, version {sheet.version}, {len(sheet.pages)} pages)"),
            "bad-qr")
    return _Found(payload, sheet)


def is_blank(gray: np.ndarray) -> bool:
    """Whether a page image holds almost no ink (a page left blank on purpose, the back
    of a page in a two-sided scan): show-through and specks do not count."""
    scale = 400 / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    paper = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15)))
    ink = small.astype(np.float32) < 0.6 * paper.astype(np.float32)
    return float(ink.mean()) < BLANK_INK


# ---------------------------------------------------------------------------------------
# Crops for review


def crop(reading: PageReading, rect: MapBox | Rect | tuple[float, float, float, float],
         pad: float = 6.0, image: np.ndarray | None = None) -> np.ndarray:
    """A box (or any rectangle, in map points: x, y, w, h) cut from the page, with
    ``pad`` points around it; pass ``image`` (``reading.image``) when cutting many."""
    page = reading.image if image is None else image
    if isinstance(rect, tuple):
        x, y, w, h = rect
    else:
        x, y, w, h = rect.x, rect.y, rect.w, rect.h
    s = READ_DPI / 72
    x0, y0 = max(0, round((x - pad) * s)), max(0, round((y - pad) * s))
    x1 = min(page.shape[1], round((x + w + pad) * s))
    y1 = min(page.shape[0], round((y + h + pad) * s))
    return page[y0:max(y1, y0), x0:max(x1, x0)].copy()
