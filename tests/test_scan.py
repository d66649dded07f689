"""Reading scanned quiz sheets (osteo_print.scan; docs/design/scoring.md, section 3).

Quiz sheets are ticked with pen-like marks (tests/scanlib.py), scanned or photographed
in many ways and read back: every clear mark must read "marked", every ambiguous one
"doubtful", and nothing else may be flagged. The ``sheet`` of a test is, in the fast
suite, a four-page sheet drawn from a fabricated map (``scanlib.draw_sheet``: markers,
QR code, boxes and bars of words, as the reader sees a page), and for one test the
one-page pre-test of the tiny content as `quiz` prints it; under -m slow, the real
pre-test as `quiz` prints it too (each built once for this module). A fabricated sheet
stands in where it is the better test: a matching grid, A4, a page from another quiz, a
QR code that says something else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from pypdf import PdfWriter
from scanlib import (
    AMBIGUOUS_MARKS,
    EXPECTED,
    Question,
    Tally,
    default_questions,
    distort,
    draw_sheet,
    fake_map,
    fill,
    photo,
    plan_marks,
    render_page,
    tally,
    to_pdf,
    write_photo,
)

from conftest import write_tiny_project
from osteo_print.cli import cli
from osteo_print.scan import (
    READ_DPI,
    PageImage,
    PageReading,
    ScanError,
    ScanResult,
    SheetMap,
    crop,
    load_maps,
    parse_payload,
    read_page,
    read_scans,
    two_marks,
)
from osteo_print.scan import read as scan_read
from osteo_print.scan import source as scan_source
from osteo_print.scan.align import find_markers, homography

# ---------------------------------------------------------------------------------------
# Fixtures: the sheets, each page drawn or rendered once per resolution


@dataclass
class Sheet:
    """A quiz sheet to scan: its layout map, and its pages in map space, drawn from the
    map (``scanlib.draw_sheet``) or, given ``pdf``, rendered from the printed sheet."""

    data: dict[str, Any]
    maps: dict[str, SheetMap]
    pdf: Path | None = None
    renders: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)

    def page(self, number: int, dpi: int = 150) -> np.ndarray:
        """Page ``number`` drawn or rendered at ``dpi`` (once), a fresh copy."""
        if (number, dpi) not in self.renders:
            self.renders[number, dpi] = (render_page(self.pdf, number, dpi) if self.pdf
                                         else draw_sheet(self.data, number, dpi))
        return self.renders[number, dpi].copy()

    def spec(self, number: int) -> dict[str, Any]:
        return self.data["pages"][number - 1]


def printed_sheet(out: Path, *args: str) -> Sheet:
    """The sheet `quiz` prints with ``args`` into ``out`` (one version)."""
    result = CliRunner().invoke(cli, ["quiz", *args, "--jobs", "1", "--quiet", "--out",
                                      str(out)])
    assert result.exit_code == 0, result.output
    (map_path,) = out.glob("*.map.json")
    pdf = map_path.with_name(map_path.name.removesuffix(".map.json") + ".pdf")
    return Sheet(json.loads(map_path.read_text("utf-8")), load_maps(out), pdf)


@pytest.fixture(scope="module")
def drawn() -> Sheet:
    """Four Letter pages of every kind of question (a matching grid on page 2), the class
    ID grid on page 1, drawn: no quiz to build, no PDF to render."""
    data = fake_map([*default_questions(), Question(9, 4), Question(10, 3), Question(11, 4),
                     Question(12, 3)])
    assert len(data["pages"]) == 4
    sheet = SheetMap.model_validate(data)
    return Sheet(data, {sheet.hash: sheet})


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Sheet:
    """The pre-test's sheet (general, en, Letter, version A), built by `quiz`."""
    return printed_sheet(tmp_path_factory.mktemp("quiz"), "--form", "pre")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Sheet:
    """The pre-test of the tiny content (tests/conftest.py), built by `quiz`: one page,
    the class ID grid and one question; the printed sheet the fast suite reads."""
    folder = tmp_path_factory.mktemp("tiny")
    config = write_tiny_project(folder)
    return printed_sheet(folder / "output", "--config", str(config), "--form", "pre")


@pytest.fixture(params=["drawn", pytest.param("printed", marks=pytest.mark.slow)])
def sheet(request: pytest.FixtureRequest) -> Sheet:
    """The sheet a test scans: drawn in the fast suite, printed under -m slow (each made
    once for the module, when a test first asks; a test may name ``tiny`` too)."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def fake() -> tuple[dict[str, Any], dict[str, SheetMap]]:
    """A fabricated sheet with a matching grid, on A4."""
    data = fake_map([Question(1, 4), Question(2, 3), Question(3, 4, rows=3), Question(4, 3)],
                    paper="a4")
    sheet = SheetMap.model_validate(data)
    return data, {sheet.hash: sheet}


def assert_read_right(reading: Any, marks: Mapping[int, str], label: str = "") -> Tally:
    """Every clear mark marked, every ambiguous one doubtful, every other box empty."""
    assert isinstance(reading, PageReading), reading
    result = tally([(b.state, b.share) for b in reading.boxes], marks, label)
    assert not result.errors, "\n".join(result.errors)
    return result


def marked_page(sheet: Sheet, number: int, dpi: int, rng: np.random.Generator,
                ambiguous: int = 2) -> tuple[np.ndarray, dict[int, str]]:
    marks = plan_marks(sheet.spec(number), rng, ambiguous=ambiguous)
    return fill(sheet.page(number, dpi), sheet.spec(number), marks, dpi, rng), marks


# ---------------------------------------------------------------------------------------
# Scans and photos of quiz sheets


@pytest.mark.parametrize(("sheet", "dpi", "numbers"), [
    ("drawn", 150, [1, 2, 3, 4]),
    ("tiny", 150, [1]),  # a printed sheet, in the fast suite
    pytest.param("drawn", 300, [1, 3], marks=pytest.mark.slow),
    pytest.param("printed", 150, [1, 2, 3, 4], marks=pytest.mark.slow),
    pytest.param("printed", 300, [1, 3], marks=pytest.mark.slow),
], indirect=["sheet"])
def test_a_copier_pdf_reads_every_mark(sheet: Sheet, tmp_path: Path, dpi: int,
                                       numbers: list[int]) -> None:
    rng = np.random.default_rng(dpi)
    pages, plans = [], []
    for number in numbers:
        image, marks = marked_page(sheet, number, dpi, rng)
        pages.append(distort(image, rng, rotate=rng.uniform(-5, 5), scale=0.97,
                             blur=0.6 * dpi / 150, noise=5, jpeg=60))
        plans.append(marks)
    pdf = tmp_path / "class.pdf"
    to_pdf(pages, dpi, pdf, quality=60)
    result = read_scans([pdf], sheet.maps)
    assert result.problems == () and result.blank == ()
    assert [(r.index, r.page, r.hash) for r in result.readings] == [
        (i, n, sheet.data["hash"]) for i, n in enumerate(numbers, 1)]
    for reading, marks in zip(result.readings, plans, strict=True):
        assert_read_right(reading, marks, str(reading))


def test_phone_photos_read_every_mark(sheet: Sheet, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    paths, plans = [], []
    for number, name, dpi in [(1, "one.jpg", 200), (2, "two.png", 150)]:
        image, marks = marked_page(sheet, number, dpi, rng)
        shot = photo(image, rng, quality=60, perspective=0.05, shade=0.4)
        paths.append(write_photo(tmp_path / name, shot, quality=60))
        plans.append(marks)
    result = read_scans(paths, sheet.maps)
    assert result.problems == ()
    for reading, marks in zip(result.readings, plans, strict=True):
        assert_read_right(reading, marks, str(reading))


@pytest.mark.parametrize("turn", [90, 180, pytest.param(270, marks=pytest.mark.slow)])
def test_turned_and_upside_down_pages_align_through_the_marker_ids(
        sheet: Sheet, turn: int) -> None:
    rng = np.random.default_rng(turn)
    image, marks = marked_page(sheet, 1, 150, rng)
    scanned = distort(image, rng, turn=turn, rotate=rng.uniform(-5, 5), scale=1.02,
                      blur=0.7, noise=4, jpeg=70)
    reading = read_page(scanned, PageImage("turned.pdf", 1), sheet.maps)
    assert_read_right(reading, marks)


@pytest.mark.parametrize("pages", ["the first", pytest.param("every", marks=pytest.mark.slow)])
def test_a_clean_sheet_is_never_flagged(sheet: Sheet, pages: str) -> None:
    rng = np.random.default_rng(3)
    last = 1 if pages == "the first" else len(sheet.data["pages"])
    for number in range(1, last + 1):
        for marks in ({}, plan_marks(sheet.spec(number), rng, kinds=("tick", "cross"))):
            image = fill(sheet.page(number), sheet.spec(number), marks, 150, rng)
            scanned = distort(image, rng, rotate=2, blur=0.8, noise=6, jpeg=60)
            reading = read_page(scanned, PageImage("clean.pdf", number), sheet.maps)
            assert_read_right(reading, marks)
            assert all(b.state != "doubtful" for b in reading.boxes)


def test_faint_pencil_throughout_reads_as_marks_but_one_faint_mark_is_flagged(
        sheet: Sheet) -> None:
    """Self-calibration: a page ticked throughout in faint pencil is read, where fixed
    thresholds miss most of it; the same faint tick among pen ticks is doubtful."""
    rng = np.random.default_rng(11)
    spec = sheet.spec(2)
    answers = plan_marks(spec, rng, kinds=("faint",))
    image = fill(sheet.page(2), spec, answers, 150, rng)
    reading = read_page(distort(image, rng, rotate=-3, blur=0.8, noise=4, jpeg=70),
                        PageImage("pencil.pdf", 1), sheet.maps)
    assert_read_right(reading, {i: "tick" for i in answers})

    mixed = plan_marks(spec, rng, kinds=("tick",))
    faint = next(i for i in range(len(spec["boxes"])) if i not in mixed)
    image = fill(sheet.page(2), spec, {**mixed, faint: "faint"}, 150, rng)
    reading = read_page(distort(image, rng, rotate=3, blur=0.8, noise=4, jpeg=70),
                        PageImage("pen.pdf", 1), sheet.maps)
    assert_read_right(reading, {**mixed, faint: "faint"})
    assert isinstance(reading, PageReading)
    assert (reading.boxes[faint].state, reading.boxes[faint].reason) == ("doubtful", "faint")


def test_ambiguous_marks_are_doubtful_and_say_why(sheet: Sheet) -> None:
    rng = np.random.default_rng(5)
    spec = sheet.spec(3)
    answers = plan_marks(spec, rng, kinds=("tick",))
    empty = [i for i in range(len(spec["boxes"])) if i not in answers]
    odd = dict(zip(empty, AMBIGUOUS_MARKS, strict=False))
    image = fill(sheet.page(3), spec, {**answers, **odd}, 150, rng)
    reading = read_page(distort(image, rng, rotate=1, blur=0.6, noise=4, jpeg=70),
                        PageImage("odd.pdf", 1), sheet.maps)
    assert_read_right(reading, {**answers, **odd})
    assert isinstance(reading, PageReading)
    reasons = {kind: reading.boxes[i].reason for i, kind in odd.items()}
    assert reasons == {"faint": "faint", "partial": "faint", "half-fill": "filled",
                       "fill": "filled", "crossed-out": "filled"}


# ---------------------------------------------------------------------------------------
# A fabricated sheet: a matching grid on A4, and question-level doubts


def test_a_matching_grid_on_a4_and_two_marks_on_one_answer(fake: Any) -> None:
    data, maps = fake
    page = data["pages"][0]
    rng = np.random.default_rng(2)
    marks = plan_marks(page, rng, kinds=("tick", "cross"))
    boxes = page["boxes"]
    row0 = [i for i, b in enumerate(boxes) if b.get("question") == 3 and b.get("row") == 0]
    q1 = [i for i, b in enumerate(boxes) if b.get("question") == 1]
    marks.update({row0[0]: "tick", row0[1]: "cross", q1[0]: "tick", q1[1]: "tick"})
    image = fill(draw_sheet(data, 1, 150), page, marks, 150, rng)
    reading = read_page(distort(image, rng, rotate=-2, blur=0.7, noise=4, jpeg=70),
                        PageImage("a4.pdf", 1), maps)
    assert_read_right(reading, marks)
    assert isinstance(reading, PageReading)
    doubts = two_marks(reading.boxes, single={1, 2, 4})
    assert ("answer", 1, None) in doubts and ("answer", 3, 0) in doubts
    assert all(key[0] == "answer" for key in doubts)


# ---------------------------------------------------------------------------------------
# Pages that are not read, each located


def blank_page(dpi: int = 150) -> np.ndarray:
    image = np.full((round(11 * dpi), round(8.5 * dpi)), 255, np.uint8)
    cv2.putText(image, "This page is left blank on purpose", (round(2.3 * dpi), 5 * dpi),
                cv2.FONT_HERSHEY_SIMPLEX, dpi / 200, 40, max(1, dpi // 100), cv2.LINE_AA)
    return image


def test_blank_pages_are_listed_and_skipped(sheet: Sheet, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    page, marks = marked_page(sheet, 1, 150, rng)
    back = distort(blank_page(), rng, noise=3, jpeg=80)  # the back of a duplex scan
    pdf = to_pdf([page, back], 150, tmp_path / "duplex.pdf")
    assert pdf
    result = read_scans([tmp_path / "duplex.pdf"], sheet.maps)
    assert [str(b) for b in result.blank] == [f"{tmp_path / 'duplex.pdf'}, page 2"]
    assert result.problems == () and len(result.readings) == 1
    assert_read_right(result.readings[0], marks)


def test_a_page_from_another_quiz_is_named_not_guessed(
        sheet: Sheet, fake: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, _ = fake
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scans").mkdir()
    rng = np.random.default_rng(4)
    ours, _marks = marked_page(sheet, 1, 150, rng)
    theirs = draw_sheet(data, 1, 150)
    to_pdf([ours, theirs], 150, Path("scans/a.pdf"))
    result = read_scans([Path("scans/a.pdf")], sheet.maps)
    assert len(result.readings) == 1
    (problem,) = result.problems
    assert problem.kind == "unknown-sheet"
    assert str(problem).startswith("scans/a.pdf, page 2: is a page of another quiz")
    assert data["hash"] in problem.message


def test_qr_codes_that_name_no_sheet_page(fake: Any) -> None:
    data, maps = fake
    cases = {"not a sheet": ("hello", "bad-qr", "does not hold a quiz sheet's code"),
             "page 9": (f"OP1|quiz-pre|pre|A|1|9|{data['hash']}", "bad-qr", "page 9")}
    for text, kind, words in cases.values():
        image = draw_sheet(data, 1, 150, qr_text=text)
        outcome = read_page(image, PageImage("x.pdf", 1), maps)
        assert outcome.kind == kind and words in outcome.message, outcome  # type: ignore


def test_missing_corners_and_an_unreadable_qr(sheet: Sheet) -> None:
    s = 150 / 72
    spec = sheet.spec(2)

    def without(*parts: dict[str, float]) -> np.ndarray:
        image = sheet.page(2)
        for part in parts:
            size = part.get("size", 0)
            x0, y0 = round(part["x"] * s) - 4, round(part["y"] * s) - 4
            image[y0:y0 + round(size * s) + 8, x0:x0 + round(size * s) + 8] = 255
        return image

    markers, qr = spec["markers"], spec["qr"]
    one_gone = read_page(without(markers[2]), PageImage("a.pdf", 1), sheet.maps)
    assert isinstance(one_gone, PageReading)  # three markers are enough
    two_gone = read_page(without(markers[0], markers[2]), PageImage("a.pdf", 2), sheet.maps)
    assert two_gone.kind == "no-marks"  # type: ignore[union-attr]
    assert "found 2 of the 4 corner markers (missing: top left, bottom right)" in str(two_gone)
    no_qr = read_page(without(qr), PageImage("a.pdf", 3), sheet.maps)
    assert no_qr.kind == "no-qr"  # type: ignore[union-attr]
    assert str(no_qr).startswith("a.pdf, page 3: found the corner markers but could not read")
    nothing = read_page(np.full((600, 500), 255, np.uint8) - np.eye(600, 500, dtype=np.uint8)
                        * 255, PageImage("b.jpg", 1), sheet.maps)
    assert isinstance(nothing, PageImage)  # a line is not a page: blank
    text = sheet.page(2)
    text[:, :round(130 * s)] = 255  # the left markers and the boxes gone...
    text[:round(120 * s)] = 255  # ... and the top ones with the QR code
    outcome = read_page(text, PageImage("c.pdf", 1), sheet.maps)
    assert outcome.kind == "no-marks" and "no scan marks found" in outcome.message  # type: ignore


def test_a_misread_marker_is_left_out_of_the_fit(sheet: Sheet) -> None:
    """A marker whose corners are off (cut by the image's edge, or misread) would skew
    the page by a box's border at its far end; three good ones are enough."""
    page = sheet.maps[sheet.data["hash"]].pages[0]
    found = find_markers(sheet.page(1))
    good = homography(found, page)
    assert good is not None and good[1] < 0.1
    skewed = {**found, 1: found[1] + np.array([[6.0, 0], [0, 0], [0, 0], [6.0, 0]])}
    fit = homography(skewed, page)
    assert fit is not None and fit[1] < 0.1
    inv = np.linalg.inv(good[0])  # the boxes' places in the image, then in map space
    boxes = np.array([[[b.x + b.w / 2, b.y + b.h / 2] for b in page.boxes]]) * READ_DPI / 72
    seen = cv2.perspectiveTransform(boxes, inv)
    moved = cv2.perspectiveTransform(seen, fit[0]) - boxes
    assert np.abs(moved).max() < 1.0  # pixels (a quarter of a millimetre): every box in place


def test_files_that_are_no_scans_are_located(sheet: Sheet, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("Class notes\n", "utf-8")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj garbage\n")
    good = write_photo(tmp_path / "ok.jpg", sheet.page(1), 90)
    (tmp_path / "cut.jpg").write_bytes(good.read_bytes()[:2000])  # a truncated photo
    (tmp_path / "folder.pdf").mkdir()
    names = ["notes.txt", "broken.pdf", "cut.jpg", "folder.pdf", "missing.pdf", "ok.jpg"]
    result = read_scans([tmp_path / n for n in names], sheet.maps)
    said = {Path(p.file).name: (p.index, p.kind, p.message) for p in result.problems}
    assert said["notes.txt"] == (None, "file", "is not a PDF, JPEG or PNG file; scan to PDF, "
                                 "or photograph to JPEG or PNG")
    assert said["broken.pdf"][:2] == (None, "file") and "as a PDF" in said["broken.pdf"][2]
    assert said["cut.jpg"][:2] == (1, "file")
    assert said["folder.pdf"] == (None, "file", "is a folder, expected a scan")
    assert said["missing.pdf"] == (None, "file", "file not found")
    assert [Path(r.file).name for r in result.readings] == ["ok.jpg"]


def test_a_page_seen_twice_is_read_once(sheet: Sheet, tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    page, marks = marked_page(sheet, 1, 150, rng)
    other, _ = marked_page(sheet, 2, 150, rng)
    pdf = tmp_path / "a.pdf"
    to_pdf([page, other, page], 150, pdf)
    result = read_scans([pdf, pdf], sheet.maps)
    assert [r.index for r in result.readings] == [1, 2]
    assert [str(p) for p in result.problems] == [
        f"{pdf}: is the same file as {pdf}: read once",
        f"{pdf}, page 3: is the same image as {pdf}, page 1: read once"]
    assert result.readings[0].image_hash and result.pages == 3


def test_too_many_pages_are_refused_before_any_is_read(
        sheet: Sheet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = PdfWriter()
    for _ in range(2001):
        writer.add_blank_page(72, 72)
    big = tmp_path / "big.pdf"
    with big.open("wb") as stream:
        writer.write(stream)
    with pytest.raises(ScanError) as caught:
        read_scans([big], sheet.maps)
    assert "2,001 page images to read; one run reads at most 1,000" in caught.value.message
    assert [str(p) for p in caught.value.problems] == [f"{big}: 2,001 pages"]

    monkeypatch.setattr(scan_source, "MAX_PAGES", 2)
    photos = [write_photo(tmp_path / f"{n}.jpg", sheet.page(1), 80) for n in range(3)]
    with pytest.raises(ScanError, match="3 page images to read; one run reads at most 2"):
        read_scans(photos, sheet.maps)


def test_a_photo_with_too_many_pixels_is_refused(
        sheet: Sheet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_source, "MAX_PIXELS", 1_000_000)
    shot = write_photo(tmp_path / "huge.jpg", sheet.page(1, 150), 80)
    (problem,) = read_scans([shot], sheet.maps).problems
    assert problem.index == 1 and "a photo may have at most 1 megapixels" in problem.message


@pytest.mark.process
def test_worker_processes_read_the_same(sheet: Sheet, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two pages, a worker process for each (a pool starts from PAGES_PER_WORKER)."""
    rng = np.random.default_rng(12)
    pages = [marked_page(sheet, n, 150, rng)[0] for n in (1, 2)]
    pdf = to_pdf(pages, 150, tmp_path / "a.pdf")
    assert pdf
    alone = read_scans([tmp_path / "a.pdf"], sheet.maps)
    monkeypatch.setattr(scan_read, "PAGES_PER_WORKER", 1)
    started = []
    pool = scan_read._in_pool
    monkeypatch.setattr(scan_read, "_in_pool", lambda *args: started.append(args[-1])
                        or pool(*args))
    pooled = read_scans([tmp_path / "a.pdf"], sheet.maps, jobs=2)
    assert started == [2]  # two workers
    assert states(pooled) == states(alone) and len(pooled.readings) == 2


def states(result: ScanResult) -> list[list[tuple[str, str | None]]]:
    return [[(b.state, b.reason) for b in r.boxes] for r in result.readings]


# ---------------------------------------------------------------------------------------
# The page image, for review crops


def test_the_page_image_and_crops_are_in_map_space(sheet: Sheet) -> None:
    rng = np.random.default_rng(9)
    spec = sheet.spec(1)
    box = next(i for i, b in enumerate(spec["boxes"]) if b["kind"] == "answer")
    image = fill(sheet.page(1), spec, {box: "fill"}, 150, rng)
    reading = read_page(distort(image, rng, rotate=4, noise=3), PageImage("a.pdf", 1),
                        sheet.maps)
    assert isinstance(reading, PageReading)
    s = READ_DPI / 72
    assert reading.image.shape == (round(792 * s), round(612 * s))
    filled = reading.boxes[box]
    assert (filled.state, filled.reason) == ("doubtful", "filled")
    cut = crop(reading, filled.box, pad=0)
    assert cut.shape == (round(filled.box.h * s), round(filled.box.w * s))
    assert cut.mean() < 110  # dark: the fill is where the map says
    wide = crop(reading, (filled.box.x, filled.box.y, 300, 20), pad=4)
    assert abs(wide.shape[0] - 28 * s) <= 1 and abs(wide.shape[1] - 308 * s) <= 1
    assert reading.calibration is not None and reading.calibration.empty_below > 0


# ---------------------------------------------------------------------------------------
# Layout maps and QR payloads


def test_payloads_are_parsed_and_anything_else_refused() -> None:
    payload = parse_payload("OP1|quiz-pre|pre|A|1|2|3f9a0c1e")
    assert payload is not None
    assert (payload.quiz, payload.form, payload.version, payload.seed, payload.page,
            payload.hash) == ("quiz-pre", "pre", "A", 1, 2, "3f9a0c1e")
    assert parse_payload("OP1|quiz|-|B|7|1|00000000").form is None  # type: ignore[union-attr]
    for text in ["OP2|quiz-pre|pre|A|1|2|3f9a0c1e", "OP1|quiz-pre|pre|A|1|2|3F9A0C1E",
                 "OP1|quiz-pre|pre|A|1|2", "https://example.org", ""]:
        assert parse_payload(text) is None


def test_broken_maps_are_located(fake: Any, tmp_path: Path) -> None:
    data, _ = fake
    good = tmp_path / "good.map.json"
    good.write_text(json.dumps(data), "utf-8")
    assert set(load_maps(tmp_path)) == {data["hash"]}

    bad = json.loads(json.dumps(data))
    bad["pages"][0]["boxes"][2]["w"] = -3
    del bad["pages"][0]["markers"][0]["x"]
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.map.json").write_text(json.dumps(bad), "utf-8")
    (tmp_path / "sub" / "cut.map.json").write_text('{"format": ', "utf-8")
    with pytest.raises(ScanError) as caught:
        load_maps(tmp_path)
    lines = [str(p) for p in caught.value.problems]
    assert any("bad.map.json: pages[0].boxes[2].w: input should be greater than 0" in line
               for line in lines), lines
    assert any("bad.map.json: pages[0].markers[0].x: missing required key" in line
               for line in lines), lines
    assert any("cut.map.json:1: is not JSON" in line for line in lines), lines


def test_no_maps_and_two_maps_for_one_hash(fake: Any, tmp_path: Path) -> None:
    with pytest.raises(ScanError, match="no such folder"):
        load_maps(tmp_path / "nowhere")
    with pytest.raises(ScanError, match=r"no layout maps \(\*\.map\.json\) found"):
        load_maps(tmp_path)
    data, _ = fake
    (tmp_path / "a.map.json").write_text(json.dumps(data), "utf-8")
    other = {**data, "seed": 2}
    (tmp_path / "b.map.json").write_text(json.dumps(other), "utf-8")
    with pytest.raises(ScanError) as caught:
        load_maps(tmp_path)
    assert "is also the hash of" in str(caught.value.problems[0])


# ---------------------------------------------------------------------------------------
# The sweep behind the accuracy figures (slow): many seeds, every condition


CONDITIONS: dict[str, dict[str, Any]] = {
    "copier 150 dpi": {"dpi": 150, "rotate": 5, "blur": 0.8, "noise": 6, "jpeg": 60},
    "copier 300 dpi": {"dpi": 300, "rotate": 5, "blur": 1.6, "noise": 6, "jpeg": 60},
    "upside down 200 dpi": {"dpi": 200, "rotate": 3, "turn": 180, "blur": 1.0, "jpeg": 70},
    "photo": {"dpi": 200, "photo": True},
}
MODES = ["mixed", "mixed", "pencil", "faint-throughout", "clean"]


def sweep_page(spec: dict[str, Any], image: np.ndarray, maps: Mapping[str, SheetMap],
               condition: dict[str, Any], seed: int, label: str) -> Tally:
    rng = np.random.default_rng(seed)
    mode = MODES[seed % len(MODES)]
    kinds = {"pencil": ("pencil",), "faint-throughout": ("faint",), "clean": ("tick",)}
    marks = plan_marks(spec, rng, kinds=kinds.get(mode, tuple(k for k, v in EXPECTED.items()
                                                              if v == "marked")),
                       ambiguous=0 if mode in ("clean", "faint-throughout") else 3)
    dpi = condition["dpi"]
    image = fill(image, spec, marks, dpi, rng)
    if condition.get("photo"):
        image = photo(image, rng, quality=60, perspective=0.05, shade=0.4)
    else:
        image = distort(image, rng, rotate=rng.uniform(-1, 1) * condition["rotate"],
                        turn=condition.get("turn", 0), scale=rng.uniform(0.95, 1.03),
                        blur=condition["blur"] * rng.uniform(0.5, 1.0),
                        noise=condition.get("noise", 4), jpeg=condition["jpeg"])
    if mode == "faint-throughout":  # read as marks where the page has enough to learn from
        marks = {i: "tick" if len(marks) >= 3 else "faint" for i in marks}
    reading = read_page(image, PageImage(label, seed), maps)
    assert isinstance(reading, PageReading), reading
    return tally([(b.state, b.share) for b in reading.boxes], marks, f"{label} {mode}")


@pytest.mark.slow
def test_accuracy_sweep(printed: Sheet, fake: Any) -> None:
    total = Tally()
    data, fake_maps = fake
    for name, condition in CONDITIONS.items():
        for seed in range(12):
            number = seed % len(printed.data["pages"]) + 1
            total.add(sweep_page(printed.spec(number), printed.page(number, condition["dpi"]),
                                 printed.maps, condition, seed, f"real {name} p{number}"))
            spec = data["pages"][seed % len(data["pages"])]
            image = draw_sheet(data, spec["number"], condition["dpi"])
            total.add(sweep_page(spec, image, fake_maps, condition, seed, f"fake {name}"))
    print(total)
    assert not total.errors, "\n".join(total.errors)


@pytest.fixture(scope="module")
def other_sheets(tmp_path_factory: pytest.TempPathFactory) -> list[Sheet]:
    """The quiz with every item type (matching grids), and the post-test in large print,
    Spanish, on A4."""
    return [printed_sheet(tmp_path_factory.mktemp("quiz"), *args) for args in (
        ["--form", "all"], ["--form", "post", "--audience", "large-print", "--lang", "es",
                            "--paper", "a4"])]


@pytest.mark.slow
def test_every_item_type_large_print_spanish_and_a4(other_sheets: list[Sheet]) -> None:
    total = Tally()
    for sheet in other_sheets:
        assert any(b.get("row") is not None for p in sheet.data["pages"] for b in p["boxes"]) \
            or sheet.data["paper"] == "a4"
        for seed, (name, condition) in enumerate(CONDITIONS.items()):
            for number in range(1, len(sheet.data["pages"]) + 1):
                total.add(sweep_page(sheet.spec(number), sheet.page(number, condition["dpi"]),
                                     sheet.maps, condition, seed * 10 + number,
                                     f"{sheet.pdf.name} {name} p{number}"))
    print(total)
    assert not total.errors, "\n".join(total.errors)
