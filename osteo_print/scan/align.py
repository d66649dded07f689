"""Find a page in an image: its corner markers, its QR code, and the homography that
takes the image into map space."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from osteo_print.scan.maps import MapPage, Marker, Square
from osteo_print.scan.model import READ_DPI

PAYLOAD_RE = re.compile(
    r"^OP1\|(?P<quiz>[^|]+)\|(?P<form>[^|]+)\|(?P<version>[^|]+)\|(?P<seed>-?\d+)"
    r"\|(?P<page>\d{1,3})\|(?P<hash>[0-9a-f]{8})$")
MAX_FIT_MM = 1.0  # the markers' corners may miss their mapped places by this much


@dataclass(frozen=True)
class Payload:
    """What a sheet page's QR code says (docs/design/scoring.md, section 1)."""

    quiz: str
    form: str | None
    version: str
    seed: int
    page: int
    hash: str


def parse_payload(text: str) -> Payload | None:
    """The fields of ``OP1|quiz|form|letter|seed|page|hash``, or None for other text."""
    match = PAYLOAD_RE.match(text.strip())
    if match is None:
        return None
    form = match["form"]
    return Payload(match["quiz"], None if form == "-" else form, match["version"],
                   int(match["seed"]), int(match["page"]), match["hash"])


@cache
def _detector() -> cv2.aruco.ArucoDetector:
    params = cv2.aruco.DetectorParameters()
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    return cv2.aruco.ArucoDetector(dictionary, params)


def find_markers(gray: np.ndarray) -> dict[int, np.ndarray]:
    """The corner markers (ids 0 to 3) found in ``gray``: each its four corners (4 x 2,
    the marker's own top-left, top-right, bottom-right, bottom-left). Looked for in the
    image's corners first (a scan: five times faster), then everywhere (a photo, whose
    page may not fill it)."""
    h, w = gray.shape[:2]
    ch, cw = round(h * CORNER_SHARE), round(w * CORNER_SHARE)
    found: dict[int, np.ndarray] = {}
    for y, x in ((0, 0), (0, w - cw), (h - ch, w - cw), (h - ch, 0)):
        _detect(gray, (x, y, x + cw, y + ch), found)
    if len(found) < 4:
        _detect(gray, (0, 0, w, h), found)
    return found


CORNER_SHARE = 0.22  # the share of an image's width and height its corners are
CUT_PX = 3  # a marker this close to the edge of the part looked at may be cut off by it


def _detect(gray: np.ndarray, part: tuple[int, int, int, int],
            found: dict[int, np.ndarray]) -> None:
    """Add the markers found in ``part`` (x0, y0, x1, y1) of ``gray`` to ``found``; one
    that touches the part's edge is left out (cut off, its corners would be wrong);
    where an id is found twice, the larger is kept."""
    x0, y0, x1, y1 = part
    pad = max(8, max(x1 - x0, y1 - y0) // 50)  # a marker needs white around it
    framed = cv2.copyMakeBorder(gray[y0:y1, x0:x1], pad, pad, pad, pad,
                                cv2.BORDER_CONSTANT, value=255)
    corners, ids, _ = _detector().detectMarkers(framed)
    if ids is None:
        return
    shift = np.array((x0, y0), np.float64) - pad
    for quad, marker_id in zip(corners, ids.ravel(), strict=True):
        points = quad.reshape(4, 2).astype(np.float64) + shift
        key = int(marker_id)
        if key > 3 or _cut(points, part):
            continue
        if key not in found or _perimeter(points) > _perimeter(found[key]) * 1.01:
            found[key] = points


def _cut(points: np.ndarray, part: tuple[int, int, int, int]) -> bool:
    """Whether ``points`` reach a side of ``part`` (where the image, or the part of it
    looked at, may have cut the marker off)."""
    x0, y0, x1, y1 = part
    low, high = points.min(axis=0), points.max(axis=0)
    return bool(low[0] < x0 + CUT_PX or low[1] < y0 + CUT_PX or high[0] > x1 - CUT_PX
                or high[1] > y1 - CUT_PX)


def _perimeter(points: np.ndarray) -> float:
    return float(np.linalg.norm(points - np.roll(points, 1, axis=0), axis=1).sum())


def read_qr(gray: np.ndarray) -> list[str]:
    """The texts of the QR codes in ``gray`` (zxing-cpp)."""
    import zxingcpp

    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    found = zxingcpp.read_barcodes(gray, formats=formats)
    return list(dict.fromkeys(r.text for r in found if r.valid and r.text))


QR_MODULE_PX = 6  # a QR code cut out for a second look is enlarged to this per module
QR_QUIET = 0.25  # ... with this much of its side around it


def read_qr_where(gray: np.ndarray, found: dict[int, np.ndarray],
                  layouts: Iterable[tuple[Sequence[Marker], Square]], thorough: bool = False
                  ) -> list[str]:
    """The QR code read where a page layout puts it: for each layout (its markers and
    QR square, in points), the square cut out through the markers found, upright and
    enlarged, then read by zxing-cpp; ``thorough``, also sharpened (a blurred scan),
    and sharpened and binarized, and then by OpenCV's reader."""
    for markers, square in layouts:
        crop = _qr_crop(gray, found, markers, square)
        if crop is None:
            continue
        if not thorough:
            texts = read_qr(crop)
            if texts:
                return texts
            continue
        for image in _qr_variants(crop):
            texts = read_qr(image)
            if texts:
                return texts
        text, _, _ = cv2.QRCodeDetector().detectAndDecode(crop)
        if text:
            return [text]
    return []


def _qr_variants(crop: np.ndarray) -> Iterator[np.ndarray]:
    """A blurred, noisy QR crop made crisper in ways that each rescue some codes:
    sharpened (twice as hard at a finer scale too), binarized globally and locally."""
    soft = crop.astype(np.float32)
    m = QR_MODULE_PX
    sharp = _sharpen(soft, m, 1.5)
    yield sharp
    yield cv2.threshold(sharp, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
    yield _sharpen(soft, 0.6 * m, 2.0)
    smooth = cv2.GaussianBlur(crop, (0, 0), 1.0)
    yield cv2.adaptiveThreshold(smooth, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
                                cv2.THRESH_BINARY, 4 * m + 1, 0)


def _sharpen(soft: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    blurred = cv2.GaussianBlur(soft, (0, 0), sigma)
    return np.clip((1 + amount) * soft - amount * blurred, 0, 255).astype(np.uint8)


def _qr_crop(gray: np.ndarray, found: dict[int, np.ndarray], markers: Sequence[Marker],
             square: Square) -> np.ndarray | None:
    side = QR_MODULE_PX * 37  # a version 4 code has 33 modules
    scale = side / square.size
    margin = QR_QUIET * square.size
    pairs = [(found[m.id], map_corners(m, scale)) for m in markers if m.id in found]
    if len(pairs) < 3:
        return None
    src = np.concatenate([p[0] for p in pairs])
    dst = np.concatenate([p[1] for p in pairs])
    dst -= np.array([(square.x - margin) * scale, (square.y - margin) * scale])
    matrix, _ = cv2.findHomography(src, dst, 0)
    if matrix is None:
        return None
    size = round((square.size + 2 * margin) * scale)
    return cv2.warpPerspective(gray, matrix, (size, size), flags=cv2.INTER_CUBIC,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def map_corners(marker: Square, scale: float) -> np.ndarray:
    """A marker's corners in map space, in the order ArUco gives them."""
    x, y, s = marker.x * scale, marker.y * scale, marker.size * scale
    return np.array([[x, y], [x + s, y], [x + s, y + s], [x, y + s]], np.float64)


def homography(found: dict[int, np.ndarray], page: MapPage, dpi: float = READ_DPI
               ) -> tuple[np.ndarray, float] | None:
    """The homography from image to map space (``dpi`` pixels per inch of points), fitted
    on the corners of the markers found, and its worst miss in millimetres; None
    when fewer than three of the page's markers are found. When the four markers do
    not fit one page well, and three of them do, the odd one out is left out (a marker
    misread, or on a corner folded over)."""
    scale = dpi / 72
    pairs = [(found[m.id], map_corners(m, scale)) for m in page.markers if m.id in found]
    if len(pairs) < 3:
        return None
    best = _fit(pairs, dpi)
    if len(pairs) == 4 and (best is None or best[1] > GOOD_FIT_MM):
        threes = [_fit(pairs[:i] + pairs[i + 1:], dpi) for i in range(4)]
        fits = [fit for fit in threes if fit is not None and fit[1] <= GOOD_FIT_MM]
        if fits:
            best = min(fits, key=lambda fit: fit[1])
    return best


GOOD_FIT_MM = 0.25  # scans and photos of a flat page: under 0.1 mm


def _fit(pairs: list[tuple[np.ndarray, np.ndarray]], dpi: float
         ) -> tuple[np.ndarray, float] | None:
    src = np.concatenate([p[0] for p in pairs])
    dst = np.concatenate([p[1] for p in pairs])
    matrix, _ = cv2.findHomography(src, dst, 0)
    if matrix is None:
        return None
    projected = cv2.perspectiveTransform(src.reshape(-1, 1, 2), matrix).reshape(-1, 2)
    return matrix, float(np.linalg.norm(projected - dst, axis=1).max()) / dpi * 25.4


def warp(gray: np.ndarray, matrix: np.ndarray, page: MapPage, dpi: float = READ_DPI
         ) -> np.ndarray:
    """The page in map space at ``dpi``: ``gray`` seen through ``matrix`` (from
    ``homography``), areas averaged down first when the image is much finer."""
    size = (round(page.width * dpi / 72), round(page.height * dpi / 72))
    shrink = _linear_scale(matrix, gray.shape)
    if shrink < 0.6:  # average pixels down, so thin strokes are not skipped over
        gray = cv2.resize(gray, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
        matrix = matrix @ np.diag([1 / shrink, 1 / shrink, 1.0])
    return cv2.warpPerspective(gray, matrix, size, flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def _linear_scale(matrix: np.ndarray, shape: tuple[int, ...]) -> float:
    """How much ``matrix`` shrinks lengths around the image's centre."""
    h, w = shape[:2]
    centre = np.array([[[w / 2, h / 2], [w / 2 + 10, h / 2], [w / 2, h / 2 + 10]]])
    a, b, c = cv2.perspectiveTransform(centre, matrix)[0]
    (ux, uy), (vx, vy) = b - a, c - a
    return float(np.sqrt(abs(ux * vy - uy * vx)) / 10)
