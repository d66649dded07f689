"""The page images of the input files: scanned PDFs and phone photos, opened safely
(regular files only, of bounded size and pixel count), one page at a time."""

from __future__ import annotations

import io
import os
import stat
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

import cv2
import numpy as np

from osteo_print.errors import Problem, display_path
from osteo_print.safefile import PNG_SIGNATURE, InputFileError, kind_of
from osteo_print.scan.model import PageProblem, ScanError

MAX_PAGES = 1000  # page images in one run: a class of 24 is about 200
MAX_PDF_BYTES = 2_000_000_000  # read as a stream, never whole
MAX_PHOTO_BYTES = 60_000_000
MAX_PIXELS = 60_000_000  # a 50-megapixel phone photo fits
VECTOR_DPI = 200  # a page with no scanned image in it (a PDF printed to file)
MIN_DPI, MAX_DPI = 100, 300  # a scanned page is rendered within these
WORK_DPI = 150  # pages are looked at about this fine first; finer only when that fails
WORK_SIDE = 2000  # photos: the long side is kept at least this many pixels at first

FileKind = Literal["pdf", "jpeg", "png"]


@dataclass(frozen=True)
class ScanFile:
    """An input file, checked: what it is and how many page images it holds."""

    path: Path
    shown: str
    kind: FileKind
    pages: int


@dataclass(frozen=True)
class Raster:
    """A page image in grey; ``reduced`` says it was made coarser than the file holds
    (a finer one may be asked for when this one does not read)."""

    gray: np.ndarray
    reduced: bool = False


class PageError(Exception):
    """A page image cannot be made from its file; the message says why."""


def survey(paths: Sequence[Path]) -> tuple[list[ScanFile], list[PageProblem]]:
    """Check every input file and count its pages; a file that cannot be read, or is
    given twice, is a problem, and the rest are read."""
    files: list[ScanFile] = []
    problems: list[PageProblem] = []
    seen: dict[tuple[int, int], str] = {}
    for path in paths:
        shown = display_path(path)
        try:
            with open_scan(path, MAX_PDF_BYTES) as stream:
                identity = _identity(stream)
                if identity in seen:
                    problems.append(PageProblem(shown, None, (
                        f"is the same file as {seen[identity]}: read once"), "duplicate"))
                    continue
                seen[identity] = shown
                kind = sniff(stream.read(1024))
                if kind is None:
                    raise PageError("is not a PDF, JPEG or PNG file; scan to PDF, or "
                                    "photograph to JPEG or PNG")
                pages = count_pdf_pages(stream) if kind == "pdf" else 1
        except InputFileError as exc:
            problems.append(PageProblem(shown, None, exc.problem.message, "file"))
            continue
        except PageError as exc:
            problems.append(PageProblem(shown, None, str(exc), "file"))
            continue
        files.append(ScanFile(path, shown, kind, pages))
    return files, problems


def check_page_cap(files: Sequence[ScanFile], cap: int | None = None) -> None:
    """Refuse a run of more than ``cap`` (MAX_PAGES) page images, naming the files."""
    cap = MAX_PAGES if cap is None else cap
    total = sum(f.pages for f in files)
    if total <= cap:
        return
    biggest = sorted(files, key=lambda f: -f.pages)[:5]
    raise ScanError(
        f"{total:,} page images to read; one run reads at most {cap:,} (a class of 24 "
        "is about 200): score the class in smaller batches, each sheet's pages together",
        [Problem(f.shown, None, "", f"{f.pages:,} pages") for f in biggest])


def sniff(head: bytes) -> FileKind | None:
    """What a file is, from its first bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(PNG_SIGNATURE):
        return "png"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    return None


def open_scan(path: Path, max_bytes: int) -> BinaryIO:
    """``path`` opened for reading, when it is a regular file of at most ``max_bytes``;
    raise InputFileError. Opened without blocking, checked before a byte is read."""
    shown = display_path(path)

    def refuse(message: str) -> InputFileError:
        return InputFileError(Problem(shown, None, "", message))

    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise refuse("is a folder, expected a scan" if stat.S_ISDIR(mode) else
                         f"is not a regular file ({kind_of(mode)}); give scans as files")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
                     | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise refuse("file not found") from None
    except PermissionError:
        raise refuse("cannot read: permission denied") from None
    except OSError as exc:
        raise refuse(f"cannot read: {exc.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
        os.close(fd)
        raise refuse(f"is not a regular file ({kind_of(info.st_mode)})"
                     if not stat.S_ISREG(info.st_mode) else
                     f"file is {info.st_size / 1e6:,.0f} MB; a scan may be at most "
                     f"{max_bytes / 1e6:,.0f} MB: split it")
    return os.fdopen(fd, "rb")


def _identity(stream: BinaryIO) -> tuple[int, int]:
    info = os.fstat(stream.fileno())
    return info.st_dev, info.st_ino


# ---------------------------------------------------------------------------------------
# PDFs


def count_pdf_pages(stream: BinaryIO) -> int:
    stream.seek(0)
    document = _open_pdf(stream)
    try:
        return len(document)
    finally:
        document.close()


def _open_pdf(stream: BinaryIO) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(stream)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise PageError("is protected by a password; scan it again without one") from None
        raise PageError(f"cannot be read as a PDF ({exc}); is it whole?") from None


class PdfPages:
    """An open scanned PDF, its pages made into images one at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stream = open_scan(path, MAX_PDF_BYTES)
        try:
            self.document = _open_pdf(self.stream)
        except PageError:
            self.stream.close()
            raise

    def close(self) -> None:
        self.document.close()
        self.stream.close()

    def raster(self, index: int, reduce: bool = True) -> Raster:
        """Page ``index`` (1-based): its scanned image, taken out as it is when it is a
        plain JPEG (the usual copier scan, and the fastest), else rendered at the
        page's own resolution (or VECTOR_DPI)."""
        page = self.document[index - 1]
        try:
            image, dpi = _page_image(page)
            if image is not None and reduce:
                raster = _jpeg_raster(image, dpi)
                if raster is not None:
                    return raster
            return _render(page, dpi, reduce)
        finally:
            page.close()


def _page_image(page: Any) -> tuple[Any | None, float]:
    """The one scanned image covering ``page`` and its resolution, or (None, the
    resolution to render at)."""
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()
    images = list(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=1))
    best, dpi = None, float(VECTOR_DPI)
    for image in images:
        left, bottom, right, top = image.get_bounds()
        px_w, px_h = image.get_px_size()
        if (right - left) * (top - bottom) < 0.5 * width * height or right <= left:
            continue
        long_px, long_pt = max(px_w, px_h), max(right - left, top - bottom)
        dpi = long_px / (long_pt / 72)
        best = image if len(images) == 1 else None
    return best, dpi


def _jpeg_raster(image: Any, dpi: float) -> Raster | None:
    """The image's own JPEG, decoded (coarser when it is much finer than WORK_DPI);
    None when it is anything else, or placed mirrored."""
    matrix = image.get_matrix()
    if image.get_filters() != ["DCTDecode"] or matrix.a * matrix.d - matrix.b * matrix.c <= 0:
        return None
    px_w, px_h = image.get_px_size()
    if px_w * px_h > MAX_PIXELS:
        return None
    factor = _reduction(dpi / WORK_DPI)
    data = np.frombuffer(bytes(image.get_data(decode_simple=False)), np.uint8)
    gray = cv2.imdecode(data, REDUCED_FLAGS[factor])
    if gray is None or abs(gray.shape[1] * factor - px_w) > factor:
        return None
    return Raster(gray, reduced=factor > 1)


def _render(page: Any, dpi: float, reduce: bool) -> Raster:
    width, height = page.get_size()
    target = min(max(dpi, MIN_DPI), MAX_DPI)
    if reduce:
        target = min(target, max(WORK_DPI, dpi / _reduction(dpi / WORK_DPI)))
    cap = (MAX_PIXELS / max(width * height, 1.0)) ** 0.5 * 72
    target = min(target, cap)
    bitmap = page.render(scale=target / 72, grayscale=True)
    gray = np.array(bitmap.to_numpy())
    bitmap.close()
    if gray.ndim == 3:
        gray = np.ascontiguousarray(gray[:, :, 0])
    return Raster(gray, reduced=target < min(max(dpi, MIN_DPI), MAX_DPI) - 1)


REDUCED_FLAGS = {1: cv2.IMREAD_GRAYSCALE, 2: cv2.IMREAD_REDUCED_GRAYSCALE_2,
                 4: cv2.IMREAD_REDUCED_GRAYSCALE_4, 8: cv2.IMREAD_REDUCED_GRAYSCALE_8}


def _reduction(ratio: float) -> int:
    """The largest of 1, 2, 4, 8 at most ``ratio`` (within 5 %: 299.9 dpi is 300)."""
    return max((f for f in REDUCED_FLAGS if f <= ratio * 1.05), default=1)


# ---------------------------------------------------------------------------------------
# Photos


def photo_raster(path: Path, reduce: bool = True) -> Raster:
    """A JPEG or PNG file in grey, its long side reduced towards WORK_SIDE pixels."""
    try:
        with open_scan(path, MAX_PHOTO_BYTES) as stream:
            data = stream.read(MAX_PHOTO_BYTES + 1)
    except InputFileError as exc:
        raise PageError(exc.problem.message) from None
    width, height = _photo_size(data)
    if width * height > MAX_PIXELS:
        raise PageError(f"the image is {width} × {height} pixels ({width * height / 1e6:.0f} "
                        f"megapixels); a photo may have at most {MAX_PIXELS // 1_000_000} "
                        "megapixels: take it at a lower resolution")
    factor = _reduction(max(width, height) / WORK_SIDE) if reduce else 1
    gray = cv2.imdecode(np.frombuffer(data, np.uint8), REDUCED_FLAGS[factor])
    if gray is None:
        raise PageError("cannot be decoded as an image; is it whole?")
    return Raster(gray, reduced=factor > 1)


def _photo_size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(io.BytesIO(data)) as image:  # reads the header only
                return image.size
        except Image.DecompressionBombError:
            raise PageError(f"the image has far more than {MAX_PIXELS // 1_000_000} "
                            "megapixels: take it at a lower resolution") from None
        except (OSError, ValueError, SyntaxError):  # Pillow's ways of saying "broken"
            raise PageError("cannot be decoded as an image; is it whole?") from None
