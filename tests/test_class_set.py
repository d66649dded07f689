"""Class sets: quiz --versions N --class-size M composes one PDF of M sheets and a keys
booklet from the rendered versions (issue 11).

Each test runs on the tiny content (tests/conftest.py: one-page sheets, so every copy is
followed by a blank page) and, under -m slow, on the built-in content (several pages a
version, odd and even: SEED).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import page_texts as pdf_page_texts
from conftest import write_tiny_project
from osteo_print.build import build
from osteo_print.cli import cli
from osteo_print.options import BuildOptions, QuizRequest
from osteo_print.quiz.versions import Version

SUFFIX = "general_en_letter"
SEED = 1  # with it, version A of the built-in quiz has had an odd number of pages
# The content of the class sets: the tiny project, and (slow) the built-in content.
CONTENTS = ["tiny", pytest.param("built-in", marks=pytest.mark.slow)]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@functools.cache
def _page_texts(path: Path, mtime: float) -> tuple[str, ...]:
    return tuple(pdf_page_texts(path))


def page_texts(path: Path) -> list[str]:
    """The pages' text, each PDF read once (several tests read the class set)."""
    return list(_page_texts(path, path.stat().st_mtime))


def mark(letter: str, seed: int, quiz: str = "quiz") -> str:
    return f"Version {letter} · {Version(quiz, letter, seed, ()).code}"


@dataclass
class Built:
    out: Path
    output: str
    config: Path | None  # the project's config, None for the built-in content

    @property
    def project(self) -> list[str]:
        """The command's options that choose the content."""
        return [] if self.config is None else ["--config", str(self.config)]

    def pdf(self, name: str) -> Path:
        return self.out / f"{name}_{SUFFIX}.pdf"

    def version_pages(self, letter: str, quiz: str = "quiz", key: bool = False) -> int:
        name = f"{quiz}-key" if key else quiz
        return len(PdfReader(self.out / f"{name}_{SUFFIX}_{letter}.pdf").pages)


@pytest.fixture(scope="session", params=CONTENTS)
def config(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The tiny project's config, or None: the built-in content."""
    if request.param == "built-in":
        return None
    return write_tiny_project(tmp_path_factory.mktemp("tiny"))


def quiz(tmp_path_factory: pytest.TempPathFactory, name: str, config: Path | None,
         *args: str) -> Built:
    out = tmp_path_factory.mktemp(name) / "out"
    # The tiny project's sheets in this process: a pool of workers would cost more.
    project = [] if config is None else ["--config", str(config), "--jobs", "1"]
    result = invoke("quiz", *project, *args, "--out", str(out))
    assert result.exit_code == 0, result.output
    return Built(out, result.output, config)


@pytest.fixture(scope="session")
def class_set(tmp_path_factory: pytest.TempPathFactory, config: Path | None) -> Built:
    return quiz(tmp_path_factory, "class-set", config, "--versions", "3", "--class-size",
                "5", "--seed", str(SEED))


@pytest.fixture(scope="session")
def pre_post(tmp_path_factory: pytest.TempPathFactory, config: Path | None) -> Built:
    return quiz(tmp_path_factory, "pre-post", config, "--form", "pre", "--form", "post",
                "--class-size", "2", "--seed", "8")


def starts(built: Built, letters: list[str]) -> list[int]:
    """The 0-based first page of each copy, from the versions' page counts."""
    found, page = [], 0
    for letter in letters:
        found.append(page)
        count = built.version_pages(letter)
        page += count + count % 2
    return found + [page]


def test_sheets_cycle_the_versions_and_start_on_odd_pages(class_set: Built) -> None:
    letters = ["A", "B", "C", "A", "B"]
    texts = page_texts(class_set.pdf("quiz-class"))
    bounds = starts(class_set, letters)
    assert len(texts) == bounds[-1]  # every copy padded to an even number of pages
    assert len(texts) % 2 == 0
    for number, (letter, first, end) in enumerate(zip(letters, bounds, bounds[1:],
                                                      strict=False), 1):
        assert first % 2 == 0  # page first + 1 is odd: the front of a sheet of paper
        pages = range(first, first + class_set.version_pages(letter))
        for index in pages:
            assert mark(letter, SEED) in texts[index], (number, index)
            assert f"Sheet {number} of 5" in texts[index], (number, index)
        for index in range(pages.stop, end):  # the blank back of an odd-length copy
            assert texts[index].strip() == "This page is left blank on purpose"


def test_sheet_two_of_five_is_on_the_second_copy_only(class_set: Built) -> None:
    texts = page_texts(class_set.pdf("quiz-class"))
    bounds = starts(class_set, ["A", "B", "C", "A", "B"])
    with_it = [i for i, text in enumerate(texts) if "Sheet 2 of 5" in text]
    assert with_it == list(range(bounds[1], bounds[1] + class_set.version_pages("B")))


def test_the_stamp_sits_under_the_version_mark(class_set: Built) -> None:
    with pdfplumber.open(class_set.pdf("quiz-class")) as pdf:
        words = pdf.pages[0].extract_words()
    code = Version("quiz", "A", SEED, ()).code
    mark_word = next(w for w in words if w["text"] == code)
    sheet_word = next(w for w in words if w["text"] == "Sheet")
    last = [w for w in words if w["top"] == sheet_word["top"]][-1]
    assert abs(last["x1"] - mark_word["x1"]) < 0.5  # right-aligned together
    assert 8 < sheet_word["top"] - mark_word["top"] < 16  # the next line down
    body = min(w["top"] for w in words if w["text"] == "Bone")
    assert sheet_word["bottom"] < body  # in the page margin, above the title


def test_keys_booklet_holds_each_key_once(class_set: Built) -> None:
    texts = page_texts(class_set.pdf("quiz-class-key"))
    page = 0
    for letter in "ABC":
        count = class_set.version_pages(letter, key=True)
        assert page % 2 == 0
        assert all(mark(letter, SEED) in texts[i] for i in range(page, page + count))
        page += count + count % 2
    assert page == len(texts)


def test_manifest_kinds_and_pages(class_set: Built) -> None:
    manifest = json.loads((class_set.out / "manifest.json").read_text("utf-8"))
    files = {f["path"]: f for f in manifest["files"]}
    sheet_set = files[f"quiz-class_{SUFFIX}.pdf"]
    booklet = files[f"quiz-class-key_{SUFFIX}.pdf"]
    assert sheet_set["kind"] == "class-set" and booklet["kind"] == "class-set-key"
    assert sheet_set["pages"] == len(PdfReader(class_set.pdf("quiz-class")).pages)
    assert booklet["pages"] == len(PdfReader(class_set.pdf("quiz-class-key")).pages)
    assert f"quiz_{SUFFIX}_C.pdf" in files  # the versions are written too


def test_typed_answers_template_has_a_row_per_sheet(class_set: Built) -> None:
    """For typing a class's answers in (issue 13): a row per sheet, in the set's order,
    with its version and code; the manifest calls it the set's data."""
    import csv
    import io

    path = class_set.out / f"quiz-class-answers_{SUFFIX}.csv"
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8"))))
    count = len(json.loads((class_set.out / f"quiz-key_{SUFFIX}_A.json").read_text(
        "utf-8"))["questions"])
    assert rows[0] == ["person", "class_id", "quiz", "version", "code"] + [
        str(n) for n in range(1, count + 1)]
    assert [row[:5] for row in rows[1:]] == [
        ["", "", "quiz", letter, Version("quiz", letter, SEED, ()).code]
        for letter in "ABCAB"]
    assert all(row[5:] == [""] * count for row in rows[1:])
    manifest = json.loads((class_set.out / "manifest.json").read_text("utf-8"))
    entry = next(f for f in manifest["files"] if f["path"] == path.name)
    assert (entry["kind"], entry["format"]) == ("class-set-data", "csv")


def test_copies_carry_their_versions_scan_marks(class_set: Built) -> None:
    """A copy's page N draws what its version's page N draws, QR code and markers
    included (issue 13): the QR code of sheet 4 (version A) says page 1 of version A."""
    import pypdfium2 as pdfium
    import zxingcpp

    layout = json.loads((class_set.out / f"quiz_{SUFFIX}_A.map.json").read_text("utf-8"))
    start = starts(class_set, ["A", "B", "C", "A", "B"])[3]
    document = pdfium.PdfDocument(class_set.pdf("quiz-class"))
    try:
        image = document[start].render(scale=150 / 72, grayscale=True).to_numpy()
    finally:
        document.close()
    [code] = zxingcpp.read_barcodes(image)
    assert code.text == f"OP1|quiz|all|A|{SEED}|1|{layout['hash']}"


def test_set_keeps_title_and_language(class_set: Built) -> None:
    reader = PdfReader(class_set.pdf("quiz-class"))
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "Class set: 5 quiz sheets" in reader.metadata.title
    assert [item.title for item in reader.outline][:2] == ["Sheet 1 of 5 · A",
                                                           "Sheet 2 of 5 · B"]


def test_key_json_carries_the_code(class_set: Built) -> None:
    data = json.loads((class_set.out / f"quiz-key_{SUFFIX}_B.json").read_text("utf-8"))
    assert data["code"] == Version("quiz", "B", SEED, ()).code


def test_rerun_is_up_to_date(class_set: Built) -> None:
    again = invoke("quiz", *class_set.project, "--versions", "3", "--class-size", "5",
                   "--seed", str(SEED), "--out", str(class_set.out))
    assert again.exit_code == 0 and "all up to date" in again.output
    result = build(BuildOptions(config_path=class_set.config, out_dir=class_set.out,
                                handouts=False,
                                quizzes=(QuizRequest(versions=3, seed=SEED, class_size=5),)))
    assert result.rendered == []
    assert {e.info.kind for e in result.entries} >= {"class-set", "class-set-key"}


def test_pre_and_post_are_both_built(pre_post: Built) -> None:
    for quiz in ("quiz-pre", "quiz-post"):
        texts = page_texts(pre_post.pdf(f"{quiz}-class"))
        assert mark("A", 8, quiz) in texts[0]  # one version: every sheet is A
        assert "Sheet 2 of 2" in " ".join(texts)
        assert pre_post.pdf(f"{quiz}-class-key").is_file()


def test_a_changed_seed_changes_the_code(class_set: Built, pre_post: Built) -> None:
    seven, eight = Version("quiz-pre", "A", 7, ()).code, Version("quiz-pre", "A", 8, ()).code
    assert seven != eight
    text = " ".join(page_texts(pre_post.pdf("quiz-pre-class")))
    assert eight in text and seven not in text


@pytest.mark.parametrize("size", ["0", "501", "-2", "many"])
def test_bad_class_sizes_are_refused(size: str, tmp_path: Path) -> None:
    result = invoke("quiz", "--class-size", size, "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "--class-size" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_form_with_handout_is_still_an_error(tmp_path: Path) -> None:
    result = invoke("quiz", "--form", "pre", "--handout", "medicines", "--out",
                    str(tmp_path / "out"))
    assert result.exit_code != 0
    assert "--form or --handout" in result.output
