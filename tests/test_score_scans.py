"""osteo-print score on scanned sheets: page readings (as the scan reader gives them,
built here) grouped into sheets, each question decided, the class ID read, the marks to
check cropped into review.pdf and decided through review.csv. A test that reads neither
PDF renders neither in the fast suite (``pdfs``), nor a PDF of a run that its test does
not read (``unrendered``)."""

from __future__ import annotations

import base64
import contextlib
import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from test_score_support import PDFS, demo_key, demo_map, demo_pages, stub_pdfs, write_key

from conftest import pdf_text
from osteo_print.score import (
    ScoreRequest,
    load_keys,
    mark_sheets,
    score,
    sheets_from_pages,
)
from osteo_print.score.model import Answer, KeyItem
from osteo_print.score.scans import CLASS_ID_CROP, NAME_CROP, decide, read_class_id

HASH = "0badc0de"
RIGHT = {1: "B", 2: "AC", 3: "A", 4: "C", 5: "BDA"}


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture(params=PDFS)
def pdfs(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """report.pdf and review.pdf unrendered in the fast suite, rendered under -m slow
    (PDFS), for a test that reads neither."""
    if request.param == "stubbed":
        stub_pdfs(monkeypatch)
    return request.param


@pytest.fixture(params=PDFS)
def unrendered(request: pytest.FixtureRequest
               ) -> Callable[..., AbstractContextManager[None]]:
    """``with unrendered("report"):`` a score run whose report.pdf the test does not
    read: unrendered in the fast suite, rendered under -m slow (PDFS)."""
    @contextlib.contextmanager
    def context(*documents: str) -> Iterator[None]:
        with pytest.MonkeyPatch.context() as patch:
            if request.param == "stubbed":
                stub_pdfs(patch, documents)
            yield
    return context


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("keys")
    write_key(folder, demo_key(sheet_hash=HASH))
    return folder


@pytest.fixture(scope="module")
def sheet_map():  # type: ignore[no-untyped-def]
    return demo_map(HASH)


def read(keys_dir: Path, sheet_map, pages):  # type: ignore[no-untyped-def]
    return sheets_from_pages(pages, load_keys(keys_dir), {HASH: sheet_map})


# --- Pages into sheets ---------------------------------------------------------------------


def test_consecutive_pages_make_sheets_and_each_sheet_starts_at_page_1(
        keys_dir: Path, sheet_map) -> None:  # type: ignore[no-untyped-def]
    pages = (demo_pages(sheet_map, RIGHT, class_id="07", first_index=1)
             + demo_pages(sheet_map, {1: "A"}, class_id="08", first_index=3))
    sheets, notices = read(keys_dir, sheet_map, pages)
    assert notices == []
    assert [(s.source, s.class_id) for s in sheets] == [("scans/class.pdf:1", "07"),
                                                        ("scans/class.pdf:3", "08")]
    assert [s.total for s in mark_sheets(sheets)] == [8, 0]


def test_a_page_seen_twice_counts_once_and_a_missing_page_is_flagged(
        keys_dir: Path, sheet_map) -> None:  # type: ignore[no-untyped-def]
    first = demo_pages(sheet_map, RIGHT, class_id="07")
    again = demo_pages(sheet_map, {4: "A"}, first_index=3, pages=[2])  # page 2 again
    lone = demo_pages(sheet_map, RIGHT, class_id="09", first_index=4, pages=[1])
    sheets, notices = read(keys_dir, sheet_map, first + again + lone)
    assert len(sheets) == 2
    assert notices == [
        "scans/class.pdf, page 3: page 2 of the sheet that starts at scans/class.pdf, "
        "page 1 again; counted once",
        "scans/class.pdf, page 4: the sheet that starts here has no page 2; its questions "
        "there count as not answered"]
    assert sheets[0].answers[4].rows == ("C",)  # the first page 2 read, not the second
    scored = mark_sheets(sheets)
    assert scored[1].flags() == ["page 2 missing"]
    assert scored[1].total == 1 + 2 + 1  # questions 1-3 only


def test_pages_in_reverse_order_and_unknown_sheets(keys_dir: Path, sheet_map) -> None:  # type: ignore[no-untyped-def]
    pages = demo_pages(sheet_map, RIGHT, class_id="07")[::-1]
    stranger = demo_pages(demo_map("deadbeef"), RIGHT, first_index=9, pages=[1])
    sheets, notices = read(keys_dir, sheet_map, pages + stranger)
    assert len(sheets) == 1 and sheets[0].source == "scans/class.pdf:1"
    assert mark_sheets(sheets)[0].total == 8
    assert len(notices) == 1 and notices[0].startswith(
        "scans/class.pdf, page 9: no answer key in ") and "(code deadbeef)" in notices[0]


# --- Deciding a question from its boxes ---------------------------------------------------


def item(kind: str, options: int = 3, prompts: int = 0) -> KeyItem:
    return KeyItem(1, "x", kind, options, ("B",) * max(prompts, 1), max(prompts, 1), "o",
                   "h", "s", prompts)


def test_one_mark_is_the_answer_two_are_doubtful_none_is_no_answer(
        keys_dir: Path, sheet_map) -> None:  # type: ignore[no-untyped-def]
    pages = demo_pages(sheet_map, {1: "AB", 2: "ABC", 3: "", 5: "B" + "D" + "A"},
                       doubtful={(4, 0, "C"): "faint", (5, 1, "C"): "filled"})
    [sheet], _ = read(keys_dir, sheet_map, pages)
    answers = sheet.answers
    assert answers[1] == Answer(("AB",), "two-marks")
    assert answers[2] == Answer(("ABC",), "")  # multiple select: the set, however many
    assert answers[3] == Answer(("",), "")
    assert answers[4] == Answer(("C",), "faint")
    assert answers[5] == Answer(("B", "CD", "A"), "filled")
    [scored] = mark_sheets([sheet])
    assert [m.points for m in scored.marks] == [0, 0, 0, 0, 0]  # doubtful scores 0
    assert scored.flags() == ["q1: two-marks", "q4: faint", "q5: filled"]
    assert [m.answer.text() for m in scored.marks] == ["?", "ABC", "", "?", "?"]


def test_matching_is_decided_line_by_line() -> None:
    class Box:
        def __init__(self, row: int, option: str, state: str) -> None:
            self.box = {"kind": "answer", "question": 1, "option": option, "row": row}
            self.state, self.reason = state, None

    grid = [Box(0, "B", "marked"), Box(1, "A", "marked"), Box(1, "C", "marked"),
            Box(2, "D", "empty")]
    assert decide(item("matching", 4, 3), grid) == Answer(("B", "AC", ""), "two-marks")
    assert decide(item("matching", 4, 3), grid[:2]) == Answer(("B", "A", ""), "")


def test_the_class_id_is_read_from_its_grid(keys_dir: Path, sheet_map) -> None:  # type: ignore[no-untyped-def]
    def class_id(digits: str, doubt: dict | None = None) -> tuple[str, str]:
        [page] = demo_pages(sheet_map, {}, class_id=digits, pages=[1])
        boxes = [b for b in page.boxes if b.box.kind == "class-id"]
        if doubt:
            boxes = [type(b)(b.box, 0.3, "doubtful", "faint")
                     if (b.box.digit, b.box.value) in doubt else b for b in boxes]
        return read_class_id(boxes)

    assert class_id("07") == ("07", "")
    assert class_id("") == ("", "")
    assert class_id("7") == ("7?", "empty-digit")
    assert class_id("07", {(1, 3): True}) == ("0?", "faint")


# --- Results with marks to check: review.pdf, review.csv, --resolve ------------------------


@pytest.fixture(scope="module")
def scanned_class(keys_dir: Path, sheet_map):  # type: ignore[no-untyped-def]
    """A class of three scanned sheets: one clean, one with marks to check (and a doubtful
    class ID), one missing its page 2."""
    return (demo_pages(sheet_map, RIGHT, class_id="07")
            + demo_pages(sheet_map, {1: "AB", 2: "AC", 3: "A", 4: "C", 5: "BDA"},
                         class_id="1", first_index=3, doubtful={(2, 0, "C"): "faint"})
            + demo_pages(sheet_map, {1: "C"}, class_id="12", first_index=5, pages=[1]))


def run_scanned(monkeypatch: pytest.MonkeyPatch, keys_dir: Path, sheet_map, pages,  # type: ignore[no-untyped-def]
                out: Path, **options) -> None:
    """Score the pages as if the scan reader had read them from scans/class.pdf."""
    from osteo_print.score import run

    monkeypatch.setattr(run, "read_scanned", lambda paths, keys: sheets_from_pages(
        pages, keys, {HASH: sheet_map}))
    score(ScoreRequest(out, scans=(Path("scans/class.pdf"),), keys_dir=keys_dir, **options))


def test_review_pdf_crops_each_mark_to_check_and_resolve_applies_decisions(
        monkeypatch: pytest.MonkeyPatch, keys_dir: Path, sheet_map, scanned_class,  # type: ignore[no-untyped-def]
        tmp_path: Path, unrendered) -> None:
    out = tmp_path / "results"
    with unrendered("report"):
        run_scanned(monkeypatch, keys_dir, sheet_map, scanned_class, out)
    assert sorted(p.name for p in out.iterdir()) == [
        "items.csv", "manifest.json", "report.pdf", "review.csv", "review.pdf", "scores.csv"]
    review = (out / "review.csv").read_text()
    assert review.splitlines() == [
        "sheet,question,read,reason,decision",
        "scans/class.pdf:3,class_id,1?,empty-digit,",
        "scans/class.pdf:3,1,AB,two-marks,",
        "scans/class.pdf:3,2,AC,faint,"]
    text = pdf_text(out / "review.pdf")
    for phrase in ("Marks to check", "3 marks to check.", "Sheet 2", "Question 1",
                   "Two marks.", "Read: AB", "Question 2", "A faint mark.", "Class ID",
                   "A digit left empty.", "Page 2 of this sheet was not found",
                   "Answers read on this sheet: 1: ? 2: ? 3: A 4: C 5: BDA"):
        assert phrase in text, phrase
    reader = PdfReader(out / "review.pdf")
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 4  # 2 questions, the class ID (with the name), a name box
    assert all(Image.open(io.BytesIO(image.data)).width > 100 for image in images)
    scores = (out / "scores.csv").read_text().splitlines()
    assert scores[2].endswith(",?,0,?,0,A,1,C,1,BDA,3,5,8,62.5,"
                              "class_id: empty-digit; q1: two-marks; q2: faint")

    # A person decides: the review file is filled in place and applied
    (out / "review.csv").write_text(review.replace("1?,empty-digit,", "1?,empty-digit,14")
                                    .replace("two-marks,", "two-marks,B")
                                    .replace("faint,", "faint,AC"))
    edited = (out / "review.csv").read_bytes()
    with pytest.raises(Exception, match="Decisions were written into the review file"):
        run_scanned(monkeypatch, keys_dir, sheet_map, scanned_class, out)  # not applied
    assert (out / "review.csv").read_bytes() == edited
    run_scanned(monkeypatch, keys_dir, sheet_map, scanned_class, out,
                resolve=out / "review.csv")
    scores = (out / "scores.csv").read_text().splitlines()
    assert scores[2].startswith("2,scans/class.pdf:3,,14,")
    assert scores[2].endswith(",B,1,AC,2,A,1,C,1,BDA,3,8,8,100.0,")
    assert (out / "review.csv").read_text().splitlines()[1:] == [  # the decisions are kept
        "scans/class.pdf:3,class_id,1?,empty-digit,14",
        "scans/class.pdf:3,1,AB,two-marks,B",
        "scans/class.pdf:3,2,AC,faint,AC"]
    assert "Page 2 of this sheet" in pdf_text(out / "review.pdf")  # still to look at
    assert "3 marks were decided by a person." in pdf_text(out / "report.pdf")


def test_an_anonymous_review_shows_no_name_box(
        monkeypatch: pytest.MonkeyPatch, keys_dir: Path, sheet_map, scanned_class,  # type: ignore[no-untyped-def]
        tmp_path: Path) -> None:
    [_, doubtful, _], _ = read(keys_dir, sheet_map, scanned_class)
    assert set(doubtful.crops) == {1, 2, NAME_CROP, CLASS_ID_CROP}
    from osteo_print.i18n import translations
    from osteo_print.score.report import review_view
    from osteo_print.score.words import Words

    scored = mark_sheets([doubtful])
    words = Words("en", translations("en"))
    named = review_view(scored, words, False, "review.csv")
    anonymous = review_view(scored, words, True, "review.csv")
    assert named is not None and anonymous is not None
    def url(key: int) -> str:
        return "data:image/png;base64," + base64.b64encode(doubtful.crops[key].png).decode()

    assert named.sheets[0].items[0].crop == url(NAME_CROP)  # the name box beside the grid
    assert anonymous.sheets[0].items[0].crop == url(CLASS_ID_CROP)  # the grid alone
    assert anonymous.sheets[0].name_crop is None
    assert all(i.crop != url(NAME_CROP) for i in anonymous.sheets[0].items)


# --- Through the real scan reader ---------------------------------------------------------


def fill_in(quiz_pdf: Path, sheet_map: dict, answers: dict[int, str], class_id: str,
            dpi: int = 150) -> list[Image.Image]:
    """The pages of a printed quiz with boxes ticked by a pen: a cross in each box (and a
    speck of dust, so that no two scanned pages are the very same image)."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    pages = []
    scale = dpi / 72
    for page, page_map in zip(pdfium.PdfDocument(quiz_pdf), sheet_map["pages"], strict=True):
        image = page.render(scale=scale).to_pil().convert("L")
        pen = ImageDraw.Draw(image)
        for box in page_map["boxes"]:
            if box["kind"] == "class-id":
                tick = box["digit"] < len(class_id) and class_id[box["digit"]] == str(
                    box["value"])
            else:
                given = answers.get(box["question"], "")
                row = box.get("row")
                tick = box["option"] in (given if row is None else given[row:row + 1])
            if tick:
                x0, y0 = box["x"] * scale + 4, box["y"] * scale + 4
                x1, y1 = (box["x"] + box["w"]) * scale - 4, (box["y"] + box["h"]) * scale - 4
                pen.line((x0, y0, x1, y1), fill=20, width=4)
                pen.line((x0, y1, x1, y0), fill=20, width=4)
        speck = 40 + int(class_id or "0") * 3
        pen.ellipse((speck, 600, speck + 2, 602), fill=120)
        pages.append(Image.fromarray(np.asarray(image)))
    return pages


@pytest.mark.slow
def test_scanned_sheets_read_by_the_scan_reader_are_scored(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from osteo_print.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["quiz", "--form", "pre", "--out", "keys", "--quiet"])
    assert result.exit_code == 0, result.output
    stem = "quiz-pre_general_en_letter_A"
    sheet_map = json.loads((tmp_path / "keys" / f"{stem}.map.json").read_text())
    key = json.loads((tmp_path / "keys" / "quiz-pre-key_general_en_letter_A.json").read_text())
    right = {q["number"]: "".join(q["correct"]) for q in key["questions"]}
    two = {**right, 2: "AB" if right[2] != "AB" else "BC"}
    pages = (fill_in(tmp_path / "keys" / f"{stem}.pdf", sheet_map, right, "07")
             + fill_in(tmp_path / "keys" / f"{stem}.pdf", sheet_map, two, "12"))
    (tmp_path / "scans").mkdir()
    pages[0].save(tmp_path / "scans" / "class.pdf", save_all=True, append_images=pages[1:],
                  resolution=150)
    result = runner.invoke(cli, ["score", "scans/class.pdf", "--keys", "keys", "--out",
                                 "results"])
    assert result.exit_code == 0, result.output
    rows = (tmp_path / "results" / "scores.csv").read_text().splitlines()
    total = key["total_points"]
    first, second = rows[1].split(","), rows[2].split(",")
    assert first[1:4] == ["scans/class.pdf:1", "", "07"]
    assert first[-4:] == [str(total), str(total), "100.0", ""]
    assert second[3] == "12" and second[-1] == "q2: two-marks"
    assert second[-4] == str(total - 1)
    assert "Question 2" in pdf_text(tmp_path / "results" / "review.pdf")


# --- Review findings: privacy, decisions kept, exit codes, hand changes ---------------------

NAMED = "Maria Lopez DOB 1948.pdf"


def cli_scanned(monkeypatch: pytest.MonkeyPatch, keys_dir: Path, sheet_map, pages,  # type: ignore[no-untyped-def]
                args: list[str], notices: tuple[str, ...] = (), scans: tuple[str, ...] = (
                    "scans/class.pdf",)):
    """Run ``osteo-print score`` on scans read as ``pages`` (and ``notices``)."""
    from click.testing import CliRunner

    from osteo_print.cli import cli
    from osteo_print.score import run

    def fake(paths, keys):  # type: ignore[no-untyped-def]
        sheets, found = sheets_from_pages(pages, keys, {HASH: sheet_map})
        return sheets, [*notices, *found]

    monkeypatch.setattr(run, "read_scanned", fake)
    return CliRunner().invoke(cli, ["score", *scans, "--keys", str(keys_dir), "--out",
                                    "results", *args])


def test_no_file_name_in_the_report_and_none_anywhere_when_anonymous(
        monkeypatch: pytest.MonkeyPatch, keys_dir: Path, sheet_map, unrendered) -> None:  # type: ignore[no-untyped-def]
    from osteo_print.score.scans import Unread

    pages = (demo_pages(sheet_map, RIGHT, file=NAMED, class_id="07")
             + demo_pages(sheet_map, {1: "AB"}, file=NAMED, first_index=3, class_id="08"))
    unread = (Unread(f"{NAMED}, page 9: no markers found"),)
    with unrendered("review"):
        result = cli_scanned(monkeypatch, keys_dir, sheet_map, pages, [], unread,
                             ("other.pdf", NAMED))
    out = Path("results")
    assert "Maria" not in pdf_text(out / "report.pdf")
    assert "scan 2, page 9: no markers found" in pdf_text(out / "report.pdf")
    assert "shows no file names" in pdf_text(out / "report.pdf")
    assert NAMED in (out / "scores.csv").read_text()  # the facilitator finds the paper
    assert NAMED in result.stderr

    result = cli_scanned(monkeypatch, keys_dir, sheet_map, pages, ["--anonymous"], unread,
                         ("other.pdf", NAMED))
    assert "Maria" not in result.output
    for name in ("scores.csv", "review.csv"):
        assert "Maria" not in (out / name).read_text(), name
    for name in ("report.pdf", "review.pdf"):
        assert "Maria" not in pdf_text(out / name), name
    assert "scan 2, page 3" in (out / "review.csv").read_text()
    assert "scan 2, page 9: no markers found" in result.stderr


def test_unread_pages_exit_3_and_doubtful_marks_alone_exit_0(
        monkeypatch: pytest.MonkeyPatch, keys_dir: Path, sheet_map, scanned_class,  # type: ignore[no-untyped-def]
        pdfs: str) -> None:
    from osteo_print.score.scans import Unread

    result = cli_scanned(monkeypatch, keys_dir, sheet_map, scanned_class, [])
    assert result.exit_code == 0, result.output  # marks to check alone
    result = cli_scanned(monkeypatch, keys_dir, sheet_map, scanned_class, [],
                         (Unread("scans/class.pdf, page 7: no markers found"),))
    assert result.exit_code == 3
    assert "some pages were not read: see above" in result.stderr
    assert (Path("results") / "scores.csv").is_file()  # the readable sheets are scored
    from osteo_print.cli import score as score_command

    assert "3 scored, but some pages were not read" in (score_command.help or "")


def test_a_plain_run_after_resolve_keeps_the_decisions(
        monkeypatch: pytest.MonkeyPatch, keys_dir: Path, sheet_map, scanned_class,  # type: ignore[no-untyped-def]
        pdfs: str) -> None:
    out = Path("results")
    cli_scanned(monkeypatch, keys_dir, sheet_map, scanned_class, [])
    review = (out / "review.csv").read_text()
    (out / "review.csv").write_text(review.replace("1?,empty-digit,", "1?,empty-digit,14")
                                    .replace("two-marks,", "two-marks,B")
                                    .replace("faint,", "faint,AC"))
    result = cli_scanned(monkeypatch, keys_dir, sheet_map, scanned_class,
                         ["--resolve", "results/review.csv"])
    assert result.exit_code == 0, result.output
    decided = (out / "scores.csv").read_text()
    result = cli_scanned(monkeypatch, keys_dir, sheet_map, scanned_class, [])
    assert result.exit_code == 0, result.output
    assert "3 earlier decisions applied" in result.stdout
    assert (out / "scores.csv").read_text() == decided
    # a mark that now reads differently is open again
    changed = [*scanned_class[:2], *demo_pages(sheet_map, {1: "AC", 2: "AC"}, class_id="1",
                                               first_index=3, doubtful={(2, 0, "C"): "faint"}),
               *scanned_class[4:]]
    result = cli_scanned(monkeypatch, keys_dir, sheet_map, changed, [])
    assert "2 earlier decisions applied" in result.stdout
    assert "scans/class.pdf:3,1,AC,two-marks," in (out / "review.csv").read_text()


def test_resolve_may_change_a_clear_mark_but_it_is_flagged_and_warned(
        monkeypatch: pytest.MonkeyPatch, keys_dir: Path, sheet_map, scanned_class,  # type: ignore[no-untyped-def]
        pdfs: str) -> None:
    Path("changes.csv").write_text("sheet,question,read,reason,decision\n"
                                   "scans/class.pdf:1,3,A,,B\n"
                                   "scans/class.pdf:1,class_id,07,,09\n"
                                   "scans/class.pdf:1,4,C,,C\n")  # the same: no change
    result = cli_scanned(monkeypatch, keys_dir, sheet_map, scanned_class,
                         ["--resolve", "changes.csv"])
    assert result.exit_code == 0, result.output
    row = (Path("results") / "scores.csv").read_text().splitlines()[1]
    assert row.startswith("1,scans/class.pdf:1,,09,")
    assert row.endswith("class_id: changed by hand; q3: changed by hand")
    assert "question 3 was read clearly as A, and a decision changed it to B" in result.stderr
    assert "the class ID was read clearly as 07" in result.stderr


def test_file_names_that_look_like_formulas_are_escaped_and_resolve_still_finds_them(
        monkeypatch: pytest.MonkeyPatch, keys_dir: Path, sheet_map,  # type: ignore[no-untyped-def]
        pdfs: str) -> None:
    pages = demo_pages(sheet_map, {1: "AB", **{q: RIGHT[q] for q in (2, 3, 4, 5)}},
                       file="=HYPERLINK(1).pdf", class_id="07")
    result = cli_scanned(monkeypatch, keys_dir, sheet_map, pages, [],
                         scans=("=HYPERLINK(1).pdf",))
    assert result.exit_code == 0, result.output
    out = Path("results")
    for name in ("scores.csv", "review.csv"):
        assert "\n=" not in (out / name).read_text() and ",=" not in (out / name).read_text()
    review = (out / "review.csv").read_text()
    assert "'=HYPERLINK(1).pdf:1,1,AB,two-marks," in review
    (out / "review.csv").write_text(review.replace("two-marks,", "two-marks,-"))
    result = cli_scanned(monkeypatch, keys_dir, sheet_map, pages,
                         ["--resolve", "results/review.csv"], scans=("=HYPERLINK(1).pdf",))
    assert result.exit_code == 0, result.output
    assert (out / "review.csv").read_text().splitlines()[1] == \
        "'=HYPERLINK(1).pdf:1,1,AB,two-marks,-"


def test_when_no_page_is_read_every_reason_is_shown(keys_dir: Path, sheet_map,  # type: ignore[no-untyped-def]
                                                     tmp_path: Path) -> None:
    from click.testing import CliRunner

    from osteo_print.cli import cli

    keys = tmp_path / "with-map"
    write_key(keys, demo_key(sheet_hash=HASH))
    (keys / "quiz-demo_general_en_letter_A.map.json").write_text(
        sheet_map.model_dump_json(), "utf-8")
    Path("notpdf.pdf").write_text("hello")
    Path("empty.pdf").write_bytes(b"")
    result = CliRunner().invoke(cli, ["score", "notpdf.pdf", "empty.pdf", "--keys",
                                      str(keys), "--out", "results"])
    assert result.exit_code == 2
    assert "no sheet in it" not in result.stderr
    lines = [line.strip() for line in result.stderr.splitlines()[1:]]
    assert [line.split(":")[0] for line in lines] == ["empty.pdf", "notpdf.pdf"], lines


def test_a_review_of_missing_pages_only_asks_for_the_pages_and_crops_the_whole_line(
        monkeypatch: pytest.MonkeyPatch, keys_dir: Path, sheet_map, unrendered) -> None:  # type: ignore[no-untyped-def]
    pages = demo_pages(sheet_map, RIGHT, class_id="07", pages=[1])
    with unrendered("report"):
        result = cli_scanned(monkeypatch, keys_dir, sheet_map, pages, [])
    assert result.exit_code == 0, result.output
    text = pdf_text(Path("results") / "review.pdf")
    assert "0 marks" not in text and "write it in the decision column" not in text
    assert "No marks to check. Some sheets miss pages" in text

    doubtful = demo_pages(sheet_map, {1: "AB"}, class_id="07")
    [sheet], _ = read(keys_dir, sheet_map, doubtful)
    crop = Image.open(io.BytesIO(sheet.crops[1].png))
    left = 80 - 30  # the boxes' left edge, less the room beside them
    assert crop.width >= round((612 - 2 * left) * 100 / 72) - 2  # to the right margin
