"""The layout maps of quiz sheets (``<quiz job stem>.map.json``, docs/design/scoring.md,
section 2): their shape, checked, and found by sheet hash."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from osteo_print.errors import Problem, display_path
from osteo_print.models import friendly_message
from osteo_print.safefile import InputFileError, read_input
from osteo_print.scan.model import ScanError
from osteo_print.yamlfile import format_loc

MAP_FORMAT = "osteo-print-sheet-map"
MAP_SUFFIX = ".map.json"
MAX_MAP_BYTES = 5_000_000  # a 12-page sheet's map is a few tens of kB
MAX_SHEET_PAGES = 12  # the sheet gives a page its own QR code up to this page

Points = Annotated[float, Field(ge=0, le=10_000, allow_inf_nan=False)]
Size = Annotated[float, Field(gt=0, le=10_000, allow_inf_nan=False)]


class MapModel(BaseModel):
    """Base of the map's parts: immutable; keys added by later sheets are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Rect(MapModel):
    """A rectangle in PDF points: top-left corner (y down), width and height."""

    x: Points
    y: Points
    w: Size
    h: Size


class Square(MapModel):
    """A square in PDF points: top-left corner (y down) and side."""

    x: Points
    y: Points
    size: Size


class Marker(Square):
    """A corner marker: ArUco DICT_4X4_50 id, outer top-left corner of its black square."""

    id: Annotated[int, Field(ge=0, le=3)]


class MapBox(Rect):
    """A tick box: its border box (the outer edge of the printed square) and meaning."""

    kind: Literal["answer", "class-id"]
    question: Annotated[int, Field(ge=1)] | None = None
    option: Annotated[str, Field(min_length=1, max_length=4)] | None = None
    row: Annotated[int, Field(ge=0)] | None = None
    digit: Annotated[int, Field(ge=0)] | None = None
    value: Annotated[int, Field(ge=0, le=9)] | None = None

    @model_validator(mode="after")
    def _meaning(self) -> MapBox:
        if self.kind == "answer" and (self.question is None or self.option is None):
            raise ValueError("an answer box needs its question and option")
        if self.kind == "class-id" and (self.digit is None or self.value is None):
            raise ValueError("a class-id box needs its digit and value")
        return self

    @property
    def key(self) -> tuple[Any, ...]:
        """What the box stands for, unique on its sheet."""
        return (self.kind, self.question, self.option, self.row, self.digit, self.value)


class MapPage(MapModel):
    """One page of a sheet: its size, marks and boxes."""

    number: Annotated[int, Field(ge=1)]
    width: Size
    height: Size
    markers: list[Marker]
    qr: Square | None = None  # none past MAX_SHEET_PAGES: such a page cannot be scanned
    name: Rect | None = None
    boxes: list[MapBox]

    @model_validator(mode="after")
    def _fits(self) -> MapPage:
        ids = [m.id for m in self.markers]
        if len(set(ids)) != len(ids):
            raise ValueError(f"has a corner marker twice: ids {sorted(ids)}")
        for i, box in enumerate(self.boxes):
            if box.x + box.w > self.width or box.y + box.h > self.height:
                raise ValueError(f"boxes[{i}] reaches past the page's edge")
        return self


class SheetMap(MapModel):
    """The layout map of one version of a quiz sheet."""

    format: Literal["osteo-print-sheet-map"]
    map_version: Literal[1]
    quiz: Annotated[str, Field(min_length=1)]
    form: str | None = None
    version: Annotated[str, Field(min_length=1)]
    seed: int
    code: str | None = None
    hash: Annotated[str, Field(pattern=r"^[0-9a-f]{8}$")]
    audience: str
    lang: str
    paper: str
    class_id_digits: Annotated[int, Field(ge=0, le=4)] = 0
    pages: Annotated[list[MapPage], Field(min_length=1, max_length=100)]

    @model_validator(mode="after")
    def _pages(self) -> SheetMap:
        numbers = [p.number for p in self.pages]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"pages must be numbered 1, 2, 3... in order; found {numbers}")
        keys = [box.key for page in self.pages for box in page.boxes]
        if len(set(keys)) != len(keys):
            raise ValueError("two boxes stand for the same answer")
        return self

    def page(self, number: int) -> MapPage | None:
        """Page ``number`` (1-based), or None when the sheet has no such page."""
        return self.pages[number - 1] if 1 <= number <= len(self.pages) else None


def parse_map(data: Any, shown: str) -> tuple[SheetMap | None, list[Problem]]:
    """Check one map's data (parsed JSON); ``shown`` names its file in problems."""
    try:
        return SheetMap.model_validate(data), []
    except ValidationError as exc:
        return None, [Problem(shown, None, format_loc(tuple(err["loc"])), friendly_message(err))
                      for err in exc.errors()]


def load_map(path: Path) -> SheetMap:
    """Read and check one map file; raise ScanError naming what is wrong where."""
    sheet, problems = _load(path)
    if sheet is None:
        raise ScanError("a layout map is broken", problems)
    return sheet


def load_maps(folder: Path) -> dict[str, SheetMap]:
    """Every layout map (``*.map.json``) in ``folder`` and its sub-folders, by sheet hash.

    Raises ScanError, with every broken map located, when one is broken, none is found,
    or two different maps claim one hash.
    """
    if not folder.is_dir():
        raise ScanError(f"{display_path(folder)}: no such folder; give the folder the quiz "
                        "was built in (its layout maps, *.map.json, lie beside the keys)")
    maps: dict[str, SheetMap] = {}
    problems: list[Problem] = []
    origin: dict[str, str] = {}
    for path in map_files(folder):
        sheet, found = _load(path)
        problems += found
        if sheet is None:
            continue
        shown = display_path(path)
        if sheet.hash in maps and maps[sheet.hash] != sheet:
            problems.append(Problem(shown, None, "hash", (
                f"{sheet.hash} is also the hash of {origin[sheet.hash]}, a different "
                "sheet; build the quiz again")))
        maps.setdefault(sheet.hash, sheet)
        origin.setdefault(sheet.hash, shown)
    if problems:
        raise ScanError("some layout maps are broken", problems)
    if not maps:
        raise ScanError(f"{display_path(folder)}: no layout maps (*.map.json) found; build "
                        "the quiz first: `osteo-print quiz` writes one beside each answer key")
    return maps


def map_files(folder: Path) -> Iterable[Path]:
    """The map files in ``folder`` and its sub-folders (hidden ones skipped), sorted."""
    return sorted(p for p in folder.rglob(f"*{MAP_SUFFIX}")
                  if not any(part.startswith(".") for part in p.relative_to(folder).parts))


def _load(path: Path) -> tuple[SheetMap | None, list[Problem]]:
    shown = display_path(path)
    try:
        text = read_input(path, MAX_MAP_BYTES).decode("utf-8")
        data = json.loads(text)
    except InputFileError as exc:
        return None, [exc.problem]
    except UnicodeDecodeError:
        return None, [Problem(shown, None, "", "is not UTF-8 text")]
    except json.JSONDecodeError as exc:
        return None, [Problem(shown, exc.lineno, "", f"is not JSON: {exc.msg}")]
    return parse_map(data, shown)
