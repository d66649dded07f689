"""Read scanned quiz sheets (docs/design/scoring.md, section 3).

``load_maps(folder)`` gives the layout maps by sheet hash; ``read_scans(paths, maps)``
reads every page image of scanned PDFs and phone photos into ``PageReading``s (each
box's ink share and state: empty, marked, or doubtful and why), with every page it could
not read as a located ``PageProblem``. Pure functions: nothing is written.
"""

from __future__ import annotations

from osteo_print.scan.align import Payload, parse_payload
from osteo_print.scan.maps import MapBox, MapPage, Rect, SheetMap, load_map, load_maps
from osteo_print.scan.marks import two_marks
from osteo_print.scan.model import (
    READ_DPI,
    BoxReading,
    Calibration,
    PageImage,
    PageProblem,
    PageReading,
    ScanError,
    ScanResult,
)
from osteo_print.scan.read import crop, read_page, read_scans
from osteo_print.scan.source import MAX_PAGES

__all__ = [
    "MAX_PAGES", "READ_DPI", "BoxReading", "Calibration", "MapBox", "MapPage", "PageImage",
    "PageProblem", "PageReading", "Payload", "Rect", "ScanError", "ScanResult", "SheetMap",
    "crop", "load_map", "load_maps", "parse_payload", "read_page", "read_scans", "two_marks",
]
