"""Quiz sheets a machine can read (issue 13): scan marks, the layout map, the sheet hash
and the typed-answers template, checked against the PDFs themselves.

The fast suite reads two sheets: the general English Letter quiz of the shared build
(conftest's ``built``: several pages, matching items) and the tiny content's pre-test (one
page, with a class ID grid). Under -m slow every test repeats on quiz runs of the built-in
content, each rendered once per module when a test first asks for one of its sheets: the
general English Letter pre-test, large-print Spanish A4 (the full quiz and the pre-test)
and easy-read English A4 (the full quiz). The tiny content for the rest.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
import zxingcpp
from click.testing import CliRunner

from conftest import pdf_chars, pdf_shapes, write_tiny_project
from osteo_print.cli import cli
from osteo_print.quiz.versions import LETTERS, Version
from osteo_print.sheet.layout import FORMAT, expected_boxes
from osteo_print.sheet.marks import (
    MARKER_BITS,
    MARKER_GAP_PT,
    MAX_SHEET_PAGES,
    MM,
    QR_MM,
    marker_svg,
    qr_payload,
    sheet_hash,
)

DPI = 150
PX = DPI / 72  # pixels per point at DPI
NEAR_PT = 0.5  # a map box and the PDF's drawn box agree this closely


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@dataclass(frozen=True)
class Sheet:
    """One rendered quiz version: its PDF, its map and its key; the seed asked for and
    the class ID digits configured."""

    pdf: Path
    map: dict
    key: dict
    seed: int
    class_id_digits: int

    @property
    def name(self) -> str:
        return self.pdf.stem


SheetId = tuple[str, str, str, str]  # (quiz id, audience, lang, paper)
Case = tuple[str, SheetId]  # (the folder it is in, the sheet)
SEED = 3  # of the quiz runs
# (quiz command arguments, the sheets it makes), each run into a folder of its own.
RUNS: dict[str, tuple[list[str], list[SheetId]]] = {
    "general": (["--form", "pre", "--audience", "general", "--lang", "en", "--paper", "letter"],
                [("quiz-pre", "general", "en", "letter")]),
    "large-print": (["--form", "all", "--form", "pre", "--audience", "large-print",
                     "--lang", "es", "--paper", "a4"],
                    [("quiz", "large-print", "es", "a4"), ("quiz-pre", "large-print", "es", "a4")]),
    "easy-read": (["--form", "all", "--audience", "easy-read", "--lang", "en", "--paper", "a4"],
                  [("quiz", "easy-read", "en", "a4")]),
}
# The other folders: the shared build (conftest's ``built``, seed 1: the general English
# Letter quiz, its matching items and its pages) and this module's ``tiny`` (seed 1: the
# pre-test of the tiny content, a one-page sheet with a three-digit class ID grid).
SEEDS = {"built": 1, "tiny": 1} | dict.fromkeys(RUNS, SEED)
READS_SHARED_BUILD = True  # through getfixturevalue: for conftest's unit_order
CLASS_ID_DIGITS = {"tiny": 3}  # as its config says; the others have the default, 2
BUILT_QUIZ: Case = ("built", ("quiz", "general", "en", "letter"))
# The fast cases, then (slow) each sheet of RUNS.
CASES = [pytest.param(case, id="-".join((case[0], *case[1][:2])))
         for case in (BUILT_QUIZ, ("tiny", ("quiz-pre", "general", "en", "letter")))] + [
    pytest.param((name, sheet), id="-".join(sheet), marks=pytest.mark.slow)
    for name, (_, sheets) in RUNS.items() for sheet in sheets]


class Runs:
    """The quiz runs of RUNS (no project: the built-in content), each rendered when a test
    first asks for one of its sheets."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, name: str) -> Path:
        folder = self.root / name
        if not folder.is_dir():
            invoke("quiz", *RUNS[name][0], "--seed", str(SEED), "--out", str(folder))
        return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return Runs(tmp_path_factory.mktemp("sheets"))


def folder(request: pytest.FixtureRequest, name: str) -> Path:
    """The folder of the shared build, of ``tiny`` or of a run of RUNS."""
    if name in ("built", "tiny"):
        return request.getfixturevalue(name)
    return request.getfixturevalue("runs").folder(name)


def load(request: pytest.FixtureRequest, case: Case) -> Sheet:
    name, (quiz, audience, lang, paper) = case
    out = folder(request, name)
    tail = f"{audience}_{lang}_{paper}_A"
    return Sheet(out / f"{quiz}_{tail}.pdf",
                 json.loads((out / f"{quiz}_{tail}.map.json").read_text("utf-8")),
                 json.loads((out / f"{quiz}-key_{tail}.json").read_text("utf-8")),
                 SEEDS[name], CLASS_ID_DIGITS.get(name, 2))


@pytest.fixture(params=CASES)
def sheet(request: pytest.FixtureRequest) -> Sheet:
    return load(request, request.param)


@functools.cache
def page_images(pdf: Path) -> tuple[np.ndarray, ...]:
    """Every page at DPI, grey, as a scanner would see it."""
    document = pdfium.PdfDocument(pdf)
    try:
        return tuple(page.render(scale=PX, grayscale=True).to_numpy().copy()
                     for page in document)
    finally:
        document.close()


def qr_codes(image: np.ndarray) -> list:
    return [b for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]


def markers(image: np.ndarray) -> dict[int, np.ndarray]:
    """The ArUco markers OpenCV finds: id -> its four corners, clockwise from its own
    top-left, in pixels."""
    detector = cv2.aruco.ArucoDetector(
        cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50))
    corners, ids, _ = detector.detectMarkers(image)
    return {} if ids is None else {int(i): c[0] for i, c in zip(ids.flatten(), corners,
                                                                  strict=True)}


def drawn_boxes(pdf: Path) -> list[list[dict]]:
    """Per page, the white squares (a tick box's background is its border box) of the
    rectangles drawn (pdfplumber's, read with PDFium: conftest's pdf_shapes)."""
    return [[r for r in page.rects if r["non_stroking_color"] == (1, 1, 1)
             and abs(r["width"] - r["height"]) < 0.5 and 10 < r["width"] < 60]
            for page in pdf_shapes(pdf)]


def near(box: dict, rect: dict) -> bool:
    return (abs(rect["x0"] - box["x"]) < NEAR_PT and abs(rect["top"] - box["y"]) < NEAR_PT
            and abs(rect["width"] - box["w"]) < NEAR_PT
            and abs(rect["height"] - box["h"]) < NEAR_PT)


# ------------------------------------------------------------------------ the map
def test_map_header_agrees_with_the_key(sheet: Sheet) -> None:
    data, key = sheet.map, sheet.key
    assert data["format"] == FORMAT and data["map_version"] == 1
    for field in ("quiz", "version", "seed", "code", "hash", "audience", "lang", "paper"):
        assert data[field] == key[field], field
    assert data["hash"] == sheet_hash(key["quiz"], key["version"], key["seed"],
                                      key["audience"], key["lang"], key["paper"],
                                      key["questions"])
    form = {"quiz": "all", "quiz-pre": "pre"}[key["quiz"]]
    assert data["form"] == form
    assert data["class_id_digits"] == (sheet.class_id_digits if form == "pre" else 0)
    document = pdfium.PdfDocument(sheet.pdf)
    try:
        sizes = [page.get_size() for page in document]
    finally:
        document.close()
    assert len(data["pages"]) == len(sizes)
    for page, (width, height) in zip(data["pages"], sizes, strict=True):
        assert (page["width"], page["height"]) == (pytest.approx(width), pytest.approx(height))


def test_map_boxes_are_the_tick_boxes_the_pdf_draws(sheet: Sheet) -> None:
    """Each box of the map is a box drawn in the PDF (within half a point), and each
    tick box drawn is in the map."""
    for page, rects in zip(sheet.map["pages"], drawn_boxes(sheet.pdf), strict=True):
        for box in page["boxes"]:
            assert any(near(box, r) for r in rects), (sheet.name, page["number"], box)
        unmapped = [r for r in rects if not any(near(b, r) for b in page["boxes"])]
        assert not unmapped, (sheet.name, page["number"], unmapped[:3])


def test_every_option_has_exactly_one_box(sheet: Sheet) -> None:
    found = [(b["kind"], b["question"], b["option"], b["row"]) if b["kind"] == "answer"
             else (b["kind"], b["digit"], b["value"], None)
             for page in sheet.map["pages"] for b in page["boxes"]]
    wanted = []
    for digit in range(sheet.map["class_id_digits"]):
        wanted += [("class-id", digit, value, None) for value in range(10)]
    for row in sheet.key["questions"]:
        letters = LETTERS[:len(row["options"])]
        rows = range(len(row["prompts"])) if row["type"] == "matching" else [None]
        wanted += [("answer", row["number"], letter, r) for r in rows for letter in letters]
    assert sorted(found, key=str) == sorted(wanted, key=str)
    assert len(set(found)) == len(found)


def test_a_matching_item_is_a_grid_of_rows_by_letters(sheet: Sheet) -> None:
    matching = [row for row in sheet.key["questions"] if row["type"] == "matching"]
    if sheet.key["quiz"] == "quiz" and sheet.key["audience"] != "easy-read":
        assert matching, "the full quiz has matching items (the easy-read one has none)"
    for row in matching:
        boxes = [b for page in sheet.map["pages"] for b in page["boxes"]
                 if b.get("question") == row["number"]]
        assert len(boxes) == len(row["prompts"]) * len(row["options"])
        # one row of boxes per prompt, one column per letter, all on one page
        assert len({b["y"] for b in boxes if b["row"] == 0}) == 1
        assert len({b["x"] for b in boxes if b["option"] == "A"}) == 1
        ys = [min(b["y"] for b in boxes if b["row"] == r) for r in range(len(row["prompts"]))]
        assert ys == sorted(ys) and len(set(ys)) == len(ys)


def test_tick_boxes_are_large_and_do_not_touch(sheet: Sheet) -> None:
    for page in sheet.map["pages"]:
        boxes = page["boxes"]
        for box in boxes:
            assert box["w"] >= 5.5 * MM and box["h"] >= 5.5 * MM, box
        for a in boxes:
            for b in boxes:
                if a is not b:
                    apart = (b["x"] >= a["x"] + a["w"] + 2 or a["x"] >= b["x"] + b["w"] + 2
                             or b["y"] >= a["y"] + a["h"] + 2 or a["y"] >= b["y"] + b["h"] + 2)
                    assert apart, (a, b)


def test_name_area_is_on_page_1_only(sheet: Sheet) -> None:
    first, *rest = sheet.map["pages"]
    name = first["name"]
    assert name is not None and name["w"] > 100 and name["h"] > 10
    chars = [c for c in pdf_chars(sheet.pdf)[0].chars if c["text"].strip()]
    label = {"en": "Name:", "es": "Nombre:"}[sheet.key["lang"]]
    at = "".join(c["text"] for c in chars).index(label)  # the PDF holds few spaces
    word = chars[at:at + len(label)]
    assert name["x"] - 1 <= word[0]["x0"] and max(c["bottom"] for c in word) <= \
        name["y"] + name["h"] + 1
    assert all(page["name"] is None for page in rest)


# ---------------------------------------------------------------- marks on the page
def test_qr_code_decodes_to_the_payload_on_every_page(sheet: Sheet) -> None:
    data = sheet.map
    for number, (page, image) in enumerate(zip(data["pages"], page_images(sheet.pdf),
                                               strict=True), 1):
        [code] = qr_codes(image)
        assert code.text == qr_payload(data["quiz"], data["form"], data["version"],
                                       data["seed"], number, data["hash"])
        assert code.text == (f"OP1|{data['quiz']}|{data['form']}|A|{sheet.seed}|{number}|"
                             f"{data['hash']}")
        qr = page["qr"]
        assert qr["size"] == pytest.approx(QR_MM * MM, abs=0.1)
        found = code.position.top_left
        assert abs(found.x / PX - qr["x"]) < 1.5 and abs(found.y / PX - qr["y"]) < 1.5
        assert qr["y"] >= 4.4 * MM  # clear of the paper's edge, which copiers leave white


def test_four_markers_are_found_where_the_map_says(sheet: Sheet) -> None:
    for page, image in zip(sheet.map["pages"], page_images(sheet.pdf), strict=True):
        found = markers(image)
        assert sorted(found) == [0, 1, 2, 3], (sheet.name, page["number"])
        for marker in page["markers"]:
            corner = found[marker["id"]][0]  # the marker's own top-left corner
            assert abs(corner[0] / PX - marker["x"]) < 1.5, marker
            assert abs(corner[1] / PX - marker["y"]) < 1.5, marker
            assert marker["size"] == pytest.approx(8 * MM, abs=0.01)


def test_marks_sit_in_the_top_and_bottom_margins_within_the_text_width(sheet: Sheet) -> None:
    """Nothing in the side margins (osteo-print check would fail it), nothing over the
    text: the markers frame the text block from outside."""
    for page in sheet.map["pages"]:
        tl, tr, br, bl = page["markers"]
        boxes = page["boxes"]
        left, right = tl["x"], tr["x"] + tr["size"]
        assert bl["x"] == left and br["x"] + br["size"] == pytest.approx(right)
        assert left >= 15 * MM - 0.01 and page["width"] - right >= 15 * MM - 0.01
        top, bottom = tl["y"] + tl["size"], bl["y"]
        assert all(top < b["y"] and b["y"] + b["h"] < bottom for b in boxes)
        text_top = top + MARKER_GAP_PT  # the markers stand this far off the text block
        assert page["qr"]["y"] + page["qr"]["size"] <= text_top - 3
        assert page["height"] - (bl["y"] + bl["size"]) >= 5 * MM  # clear of the edge


def test_marks_are_not_in_the_tag_tree(sheet: Sheet) -> None:
    from pypdf import PdfReader

    root = PdfReader(sheet.pdf).trailer["/Root"]
    kinds = set()

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, dict) or hasattr(node, "get"):
            if "/S" in node:
                kinds.add(str(node["/S"]))
            kids = node.get("/K")
            if kids is not None:
                for kid in (kids if isinstance(kids, list) else [kids]):
                    if hasattr(kid, "get_object") or isinstance(kid, dict):
                        walk(kid)

    walk(root["/StructTreeRoot"])
    assert {"/H1", "/P", "/LI"} <= kinds  # the walk reached the content
    assert "/Figure" not in kinds  # the markers and QR codes are drawn as artifacts


# -------------------------------------------------------------------- the key
@pytest.mark.parametrize("cases", [
    pytest.param((BUILT_QUIZ, ("built", ("quiz", "large-print", "en", "letter"))),
                 id="another-audience"),
    pytest.param((("general", ("quiz-pre", "general", "en", "letter")),
                  ("large-print", ("quiz-pre", "large-print", "es", "a4"))),
                 id="another-audience-lang-paper", marks=pytest.mark.slow)])
def test_key_json_carries_the_sheet_hash(request: pytest.FixtureRequest,
                                         cases: tuple[Case, Case]) -> None:
    key, other = (load(request, case).key for case in cases)
    for data in (key, other):
        assert data["hash"] == sheet_hash(data["quiz"], data["version"], data["seed"],
                                          data["audience"], data["lang"], data["paper"],
                                          data["questions"])
    assert other["hash"] != key["hash"]


def test_sheet_hash_changes_with_anything_printed() -> None:
    rows = [{"number": 1, "id": "q1", "type": "single", "stem": "Which?", "options": ["a", "b"],
             "correct": ["A"], "points": 1}]
    base = sheet_hash("quiz", "A", 1, "general", "en", "letter", rows)
    assert len(base) == 8 and int(base, 16) >= 0
    assert base == sheet_hash("quiz", "A", 1, "general", "en", "letter",
                              [dict(rows[0], see={"handout_title": "x"})])
    changed = [dict(rows[0], options=["b", "a"]), dict(rows[0], stem="Which one?")]
    for row in changed:
        assert sheet_hash("quiz", "A", 1, "general", "en", "letter", [row]) != base
    for args in (("quiz", "B", 1, "general", "en", "letter"),
                 ("quiz", "A", 2, "general", "en", "letter"),
                 ("quiz", "A", 1, "large-print", "en", "letter"),
                 ("quiz", "A", 1, "general", "en", "a4")):
        assert sheet_hash(*args, rows) != base


def test_marker_bits_are_opencvs() -> None:
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    for marker_id, rows in MARKER_BITS.items():
        image = cv2.aruco.generateImageMarker(dictionary, marker_id, 6)  # 1 px a cell
        code = ["".join("1" if image[r][c] < 128 else "0" for c in range(1, 5))
                for r in range(1, 5)]
        assert tuple(code) == rows, marker_id
        assert "viewBox=\"0 0 6 6\"" in marker_svg(marker_id)


# ------------------------------------------------------------------ typed answers
@pytest.mark.parametrize(("name", "sheets"), [
    ("tiny", 2), pytest.param("general", len(RUNS["general"][1]), marks=pytest.mark.slow)])
def test_typed_answers_template_per_version(request: pytest.FixtureRequest, name: str,
                                            sheets: int) -> None:
    """The pre-test's template, of the tiny content or (slow) the built-in one; the
    folder's sheets, each with its map (quiz-data) in the manifest."""
    out = folder(request, name)
    path = out / "quiz-pre-answers_general_en_letter_A.csv"
    key = load(request, (name, ("quiz-pre", "general", "en", "letter"))).key
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8"))))
    count = len(key["questions"])
    assert rows[0] == ["person", "class_id", "quiz", "version", "code"] + [
        str(n) for n in range(1, count + 1)]
    assert rows[1:] == [["", "", "quiz-pre", "A", key["code"]] + [""] * count]
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    entry = next(f for f in manifest["files"] if f["path"] == path.name)
    assert (entry["kind"], entry["format"], entry["version"]) == ("answer-key-data", "csv", "A")
    maps = [f for f in manifest["files"] if f["path"].endswith(".map.json")]
    assert {f["kind"] for f in maps} == {"quiz-data"} and len(maps) == sheets
    assert sorted(f["path"] for f in maps) == sorted(p.name for p in out.glob("*.map.json"))


# ------------------------------------------------------ the class ID, configured
@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny content with a three-digit class ID: a handout, the full quiz and the
    pre-test, each with its key, and a class set of the pre-test."""
    root = tmp_path_factory.mktemp("tiny")
    config = write_tiny_project(root / "project", "\n[quiz]\nclass_id_digits = 3\n")
    out = root / "out"
    invoke("build", "stages", "quiz", "--config", str(config), "--out", str(out))
    invoke("quiz", "--config", str(config), "--form", "pre", "--class-size", "3",
           "--out", str(out))
    return out


def test_class_id_grid_follows_the_config_on_form_quizzes_only(tiny: Path) -> None:
    pre = json.loads((tiny / "quiz-pre_general_en_letter_A.map.json").read_text("utf-8"))
    full = json.loads((tiny / "quiz_general_en_letter_A.map.json").read_text("utf-8"))
    assert pre["class_id_digits"] == 3
    ids = [b for b in pre["pages"][0]["boxes"] if b["kind"] == "class-id"]
    assert sorted((b["digit"], b["value"]) for b in ids) == [
        (d, v) for d in range(3) for v in range(10)]
    assert len({b["y"] for b in ids}) == 3  # a row of boxes 0-9 per digit
    assert [b["value"] for b in ids if b["digit"] == 0] == list(range(10))
    assert full["class_id_digits"] == 0 and full["form"] == "all"
    assert not [b for p in full["pages"] for b in p["boxes"] if b["kind"] == "class-id"]
    rects = drawn_boxes(tiny / "quiz-pre_general_en_letter_A.pdf")[0]
    assert all(any(near(b, r) for r in rects) for b in ids)


def test_no_class_id_grid_when_the_config_says_0(tmp_path: Path) -> None:
    config = write_tiny_project(tmp_path / "project", "\n[quiz]\nclass_id_digits = 0\n")
    invoke("quiz", "--config", str(config), "--form", "pre", "--out", str(tmp_path / "out"))
    data = json.loads((tmp_path / "out/quiz-pre_general_en_letter_A.map.json").read_text())
    assert data["class_id_digits"] == 0
    assert {b["kind"] for p in data["pages"] for b in p["boxes"]} == {"answer"}
    text = (tmp_path / "out/quiz-pre_general_en_letter_A.pdf").read_bytes()
    assert text  # and the sheet still reads: see the other tests


@pytest.mark.parametrize("value", ["5", "-1", '"two"'])
def test_a_bad_class_id_setting_is_a_located_error(tmp_path: Path, value: str) -> None:
    config = write_tiny_project(tmp_path / "project", f"\n[quiz]\nclass_id_digits = {value}\n")
    result = CliRunner().invoke(cli, ["quiz", "--config", str(config), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code != 0
    assert "class_id_digits" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_keys_and_handouts_have_no_marks_and_no_map(tiny: Path) -> None:
    names = {p.name for p in tiny.iterdir()}
    maps = sorted(n for n in names if n.endswith(".map.json"))
    assert maps == ["quiz-pre_general_en_letter_A.map.json",
                    "quiz_general_en_letter_A.map.json"]
    for pdf in [tiny / "stages_general_en_letter.pdf", tiny / "quiz-key_general_en_letter_A.pdf",
                tiny / "quiz-pre-key_general_en_letter_A.pdf"]:
        for image in page_images(pdf):
            assert not qr_codes(image), pdf.name
            assert not markers(image), pdf.name


def test_tiny_sheets_read_whole(tiny: Path) -> None:
    """A one-page sheet of true-or-false items: its QR code and markers read, every
    box mapped (the tiny content has no copyfitting)."""
    for stem in ("quiz-pre_general_en_letter_A", "quiz_general_en_letter_A"):
        data = json.loads((tiny / f"{stem}.map.json").read_text("utf-8"))
        [image] = page_images(tiny / f"{stem}.pdf")
        [code] = qr_codes(image)
        assert code.text.endswith(f"|1|{data['hash']}")
        assert sorted(markers(image)) == [0, 1, 2, 3]
        version = Version(data["quiz"], "A", data["seed"], ())
        assert data["code"] == version.code


def test_class_set_copies_keep_their_marks_and_the_blank_pages_have_none(tiny: Path) -> None:
    """Each one-page copy is followed by a blank page: the copies read as their version
    (page 1 of the sheet), the blank pages carry neither QR code nor marker."""
    data = json.loads((tiny / "quiz-pre_general_en_letter_A.map.json").read_text("utf-8"))
    images = page_images(tiny / "quiz-pre-class_general_en_letter.pdf")
    assert len(images) == 6
    for index, image in enumerate(images):
        if index % 2:
            assert not qr_codes(image) and not markers(image), index
            continue
        [code] = qr_codes(image)
        assert code.text == f"OP1|quiz-pre|pre|A|1|1|{data['hash']}"
        found = markers(image)
        assert sorted(found) == [0, 1, 2, 3]
        for marker in data["pages"][0]["markers"]:
            corner = found[marker["id"]][0]
            assert abs(corner[0] / PX - marker["x"]) < 1.5
    rows = list(csv.reader(io.StringIO(
        (tiny / "quiz-pre-class-answers_general_en_letter.csv").read_text("utf-8"))))
    assert rows[0][:6] == ["person", "class_id", "quiz", "version", "code", "1"]
    assert [r[2:5] for r in rows[1:]] == [["quiz-pre", "A", data["code"]]] * 3


def test_more_pages_than_qr_codes_is_a_warning_not_a_guess() -> None:
    from osteo_print.sheet.layout import map_problems

    version = Version("quiz", "A", 1, ())
    page = {"number": 1, "markers": [{"id": i} for i in range(4)], "qr": {}, "name": {},
            "boxes": []}
    data = {"class_id_digits": 0, "pages": [dict(page, number=n)
                                            for n in range(1, MAX_SHEET_PAGES + 2)]}
    [problem] = map_problems(data, version)
    assert f"only the first {MAX_SHEET_PAGES} carry a QR code" in problem
    data = {"class_id_digits": 1, "pages": [dict(page, qr=None, markers=[])]}
    problems = map_problems(data, version)
    assert any("lacks corner marker(s) 0, 1, 2, 3" in p for p in problems)
    assert any("no QR code" in p for p in problems)
    assert any("10 tick box(es) are not on the sheet" in p for p in problems)
    assert len(list(expected_boxes(version, 2))) == 20
