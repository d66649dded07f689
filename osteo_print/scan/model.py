"""What the scan reader gives back: page readings, located problems, and its errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from osteo_print.errors import OsteoPrintError

if TYPE_CHECKING:
    from osteo_print.scan.maps import MapBox

READ_DPI = 100  # pixels per inch of map points: boxes are read in map space at this scale

State = Literal["empty", "marked", "doubtful"]
Reason = Literal["faint", "filled", "two-marks"]
ProblemKind = Literal["file", "no-marks", "no-qr", "unknown-sheet", "bad-qr", "duplicate"]


class ScanError(OsteoPrintError):
    """Scans or layout maps cannot be read as asked (too many pages, a broken map)."""


@dataclass(frozen=True, order=True)
class PageImage:
    """One page image of an input file: a PDF's page, or the one image of a JPEG or PNG."""

    file: str  # as shown to the user (relative to the working folder when inside it)
    index: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}, page {self.index}"


@dataclass(frozen=True)
class PageProblem:
    """A page (or, with ``index`` None, a whole file) that could not be read."""

    file: str
    index: int | None
    message: str
    kind: ProblemKind = "no-marks"

    def __str__(self) -> str:
        where = self.file if self.index is None else f"{self.file}, page {self.index}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class BoxReading:
    """One box as read: its ink share, its state and, when doubtful, why.

    ``share`` is the mean darkness of the box's inside (border left out), 0 for paper
    and 1 for the page's own black ink.
    """

    box: MapBox
    share: float
    state: State
    reason: Reason | None = None


@dataclass(frozen=True)
class Calibration:
    """A page's thresholds, in ink (the share, scaled to a box of 20 points: a tick does
    not grow with its box): at most ``empty_below`` is empty; a mark needs
    ``marked_from`` ink and strokes of ``tone_from`` darkness (relative to the page's
    printed borders, whose darkness as scanned is ``border_tone``), or it is faint.
    ``empty_level`` is the page's empty boxes' usual ink."""

    empty_level: float
    empty_below: float
    marked_from: float
    tone_from: float
    border_tone: float = 0.5


@dataclass(frozen=True)
class PageReading:
    """One page read: which sheet (``hash``) and page it is, and every box on it.

    The page, warped into map space at ``READ_DPI`` and kept as a JPEG (about 150 kB,
    so a class's pages fit in memory), is ``image``, decoded on each use; ``crop`` cuts
    boxes out of it for review. ``image_hash`` identifies the scanned image it was read
    from (the same image twice is one page seen twice).
    """

    file: str
    index: int
    hash: str
    page: int
    boxes: tuple[BoxReading, ...]
    image_data: bytes = field(repr=False, compare=False)
    calibration: Calibration | None = None
    image_hash: str = ""

    @property
    def where(self) -> PageImage:
        return PageImage(self.file, self.index)

    @property
    def image(self) -> np.ndarray:
        """The warped grey page (uint8, READ_DPI pixels per inch of map points)."""
        import cv2

        image = cv2.imdecode(np.frombuffer(self.image_data, np.uint8), cv2.IMREAD_GRAYSCALE)
        return np.zeros((0, 0), np.uint8) if image is None else image

    def __str__(self) -> str:
        return f"{self.where}: sheet {self.hash}, page {self.page}"


@dataclass(frozen=True)
class ScanResult:
    """Everything read from a run's files, in input order."""

    readings: tuple[PageReading, ...] = ()
    problems: tuple[PageProblem, ...] = ()
    blank: tuple[PageImage, ...] = ()

    @property
    def pages(self) -> int:
        """How many page images were looked at (read, blank or with a problem)."""
        return len(self.readings) + len(self.blank) + sum(
            p.index is not None for p in self.problems)
