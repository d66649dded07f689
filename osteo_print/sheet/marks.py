"""The marks printed on every quiz page, and the hash that names a sheet.

Four ArUco markers (OpenCV's ``DICT_4X4_50``, ids 0 to 3) sit at the corners of the
text block, in the top and bottom page margins; a QR code in the top margin says which
quiz, form, version, seed and page this is, and which sheet (by its hash). Building a
sheet needs neither OpenCV nor any image library: the markers are drawn from the bit
patterns below and the QR code by segno, both as vector SVG.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Any

PAYLOAD_PREFIX = "OP1"  # the QR payload's format: bump when its fields change
MARKER_MM = 8.0  # a marker's side: its black ring and the 4 x 4 code, 6 cells
MARKER_GAP_PT = 4.0  # between a marker and the text block
MARKER_ROOM_PT = 5.0  # between a marker and the running header or footer beside it
QR_MM = 11.5  # the QR symbol's side, without its quiet zone: 0.4 mm a module
QR_GAP_PT = 3.5  # under the QR code, above the text block (most of its quiet zone)
# The top margin of a quiz sheet is never narrower, whatever copyfitting does: the QR
# code is printed there, and it must stay clear of the paper's edge, where copiers and
# printers do not print (about 4 mm): 0.68 in - 3.5 pt - 11.5 mm leaves 4.5 mm.
MIN_MARGIN_TOP = "0.68in"
MAX_SHEET_PAGES = 12  # pages that get their own QR code (an @page :nth(N) rule each)
MAX_CLASS_ID_DIGITS = 4  # [quiz] class_id_digits: 0 to this
MM = 72 / 25.4  # points in a millimetre

# The 4 x 4 code inside each marker's black ring, row by row from the top, "1" black.
# Copied once from OpenCV: cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
# (tests/test_sheet.py checks them against it).
MARKER_BITS: dict[int, tuple[str, str, str, str]] = {
    0: ("0100", "1010", "1100", "1101"),  # top-left
    1: ("1111", "0000", "0110", "0101"),  # top-right
    2: ("1100", "1100", "1101", "0010"),  # bottom-right
    3: ("0110", "0110", "1011", "1001"),  # bottom-left
}
# Where each marker goes: the page margin box whose background draws it.
MARKER_BOXES = {0: "@top-left", 1: "@top-right", 2: "@bottom-right", 3: "@bottom-left"}


def marker_svg(marker_id: int) -> str:
    """Marker ``marker_id`` as an SVG square of MARKER_MM, 6 x 6 cells.

    Each black cell overlaps its neighbours a little, so no hairline of white shows
    between them when the page is printed or rasterised.
    """
    bits = MARKER_BITS[marker_id]
    cells = []
    for row in range(6):
        for col in range(6):
            ring = row in (0, 5) or col in (0, 5)
            if ring or bits[row - 1][col - 1] == "1":
                cells.append(f"M{col} {row}h1.04v1.04h-1.04z")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{MARKER_MM}mm" '
            f'height="{MARKER_MM}mm" viewBox="0 0 6 6"><path d="{"".join(cells)}" '
            'fill="#000"/></svg>')


def qr_svg(payload: str) -> str:
    """A QR code (error correction M) of ``payload``: an SVG of QR_MM, no quiet zone."""
    import io

    import segno

    code = segno.make(payload, error="m", boost_error=False, micro=False)
    modules = code.symbol_size(border=0)[0]
    out = io.BytesIO()
    code.save(out, kind="svg", border=0, xmldecl=False, svgns=True, unit="mm",
              scale=QR_MM / modules, svgclass=None, lineclass=None, dark="#000")
    return out.getvalue().decode("ascii")


def data_url(svg: str) -> str:
    """An SVG as a data: URL (base64: safe inside a CSS string)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@lru_cache(maxsize=512)
def qr_url(payload: str) -> str:
    """``qr_svg`` as a data: URL. Kept by payload, its only input: copyfitting lays a
    quiz out up to six times, a session of ``osteo-print serve`` builds it again on each
    edit, and choosing a code's mask is most of its cost."""
    return data_url(qr_svg(payload))


@cache
def marker_url(marker_id: int) -> str:
    return data_url(marker_svg(marker_id))


def qr_payload(quiz: str, form: str | None, letter: str, seed: int, page: int,
               digest: str) -> str:
    """What a page's QR code says, e.g. ``OP1|quiz-pre|pre|A|1|2|3f9a0c1e``."""
    return "|".join([PAYLOAD_PREFIX, quiz, form or "-", letter, str(seed), str(page), digest])


KEY_FIELDS = ("number", "id", "type", "stem", "options", "correct", "correct_text",
              "points", "objective", "handout", "section", "prompts")


def sheet_hash(quiz: str, letter: str, seed: int, audience: str, lang: str, paper: str,
               questions: Sequence[Mapping[str, Any]]) -> str:
    """The first 8 hex digits of sha256 over the canonical JSON of
    ``[quiz, letter, seed, audience, lang, paper, questions]``.

    ``questions`` are the rows of ``quiz.versions.key_data`` (an answer key's
    "questions"; fields it adds, such as "see", are left out), so the hash changes when
    any printed question, option or order changes. Canonical JSON: keys sorted, no
    spaces, UTF-8.
    """
    rows = [{k: row[k] for k in KEY_FIELDS if k in row} for row in questions]
    text = json.dumps([quiz, letter, seed, audience, lang, paper, rows], sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class Sheet:
    """The scan marks of one quiz version, as its template draws them (``doc.sheet``).

    form             "all", "pre" or "post"; None for a quiz on one handout
    class_id_digits  digit rows of the class ID grid on page 1 (0: no grid)
    """

    quiz: str
    form: str | None
    letter: str
    seed: int
    code: str
    hash: str
    audience: str
    lang: str
    paper: str
    class_id_digits: int

    def payload(self, page: int) -> str:
        return qr_payload(self.quiz, self.form, self.letter, self.seed, page, self.hash)

    @cached_property
    def qr_urls(self) -> list[str]:
        """The QR code of pages 1 to MAX_SHEET_PAGES, as data: URLs."""
        return [qr_url(self.payload(n)) for n in range(1, MAX_SHEET_PAGES + 1)]

    @property
    def marker_urls(self) -> list[str]:
        """Markers 0 to 3, as data: URLs."""
        return [marker_url(i) for i in range(4)]

    @property
    def marker_mm(self) -> float:
        return MARKER_MM

    @property
    def marker_inset_pt(self) -> float:
        """How far the running header or footer beside a marker moves in."""
        return round(MARKER_MM * MM + MARKER_ROOM_PT, 3)

    @property
    def marker_gap_pt(self) -> float:
        return MARKER_GAP_PT

    @property
    def qr_gap_pt(self) -> float:
        return QR_GAP_PT


def sheet_margin_top(margin_top: str) -> str:
    """A quiz sheet's top margin, given the one its paper and copyfitting ask for: at
    least MIN_MARGIN_TOP (CSS lengths)."""
    from osteo_print.context import points

    return margin_top if points(margin_top) >= points(MIN_MARGIN_TOP) else MIN_MARGIN_TOP
