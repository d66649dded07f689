"""Quiz and answer-key PDFs agree with the JSON keys; versions, forms and errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import pdf_text
from osteo_print.cli import cli
from osteo_print.quiz.versions import LETTERS

MM = 72 / 25.4


@pytest.fixture(scope="module")
def quiz_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("quiz")
    result = CliRunner().invoke(cli, ["quiz", "--versions", "3", "--seed", "2026",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def key(out: Path, letter: str, quiz: str = "quiz") -> dict:
    return json.loads((out / f"{quiz}-key_general_en_letter_{letter}.json").read_text("utf-8"))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def layout_text(path: Path) -> str:
    """The PDF's text in reading order, line by line (pdfplumber), whitespace collapsed."""
    with pdfplumber.open(path) as pdf:
        return squash(" ".join(page.extract_text() for page in pdf.pages))


@pytest.mark.parametrize("letter", ["A", "B", "C"])
def test_quiz_pdf_prints_the_questions_and_options_in_key_order(quiz_out: Path,
                                                                letter: str) -> None:
    text = layout_text(quiz_out / f"quiz_general_en_letter_{letter}.pdf")
    assert f"Version {letter}" in text and "Name:" in text and "Date:" in text
    position = 0
    for row in key(quiz_out, letter)["questions"]:
        stem = squash(row["stem"]).split("___")[0].strip()
        position = text.index(f"{row['number']}. {stem}", position)
        for i, option in enumerate(row["options"]):
            # Matching options share their lines with the prompts: compare the start.
            words = squash(option).split()
            start = " ".join(words[:3] if row["type"] == "matching" else words)
            position = text.index(f"{LETTERS[i]} {start}", position)


@pytest.mark.parametrize("letter", ["A", "B", "C"])
def test_answer_key_pdf_agrees_with_the_json(quiz_out: Path, letter: str) -> None:
    data = key(quiz_out, letter)
    text = pdf_text(quiz_out / f"quiz-key_general_en_letter_{letter}.pdf")
    assert f"Total points: {data['total_points']}" in text
    assert data["total_points"] == sum(q["points"] for q in data["questions"])
    position = text.index("Answers explained")
    for row in data["questions"]:
        position = text.index(f"{row['number']}. {squash(row['stem'])}", position)
        if row["type"] == "matching":
            for prompt, letter_ in zip(row["prompts"], row["correct"], strict=True):
                position = text.index(f"{prompt}: {letter_}", position)
        else:
            answer = f"Answer: {', '.join(row['correct'])} ({squash(row['correct_text'])})"
            position = text.index(answer, position)
        position = text.index("See:", position)


def test_json_key_letters_point_at_the_right_options(quiz_out: Path) -> None:
    from osteo_print.content import load_content
    from osteo_print.paths import BUILTIN_CONTENT

    pool = load_content(BUILTIN_CONTENT).quiz("en").pool
    for letter in "ABC":
        data = key(quiz_out, letter)
        assert [q["number"] for q in data["questions"]] == list(
            range(1, len(data["questions"]) + 1))
        for row in data["questions"]:
            q = pool[row["id"]]
            assert set(row) >= {"number", "id", "type", "stem", "options", "correct",
                                "correct_text", "points"}
            assert sorted(row["options"]) == sorted(q.options)
            if row["type"] == "matching":
                for prompt, letter_ in zip(row["prompts"], row["correct"], strict=True):
                    k = q.prompts.index(prompt)
                    assert row["options"][LETTERS.index(letter_)] == q.options[q.pairs[k]]
            else:
                chosen = {row["options"][LETTERS.index(c)] for c in row["correct"]}
                assert chosen == {q.options[i] for i in q.correct}


def test_versions_differ_and_answers_are_spread(quiz_out: Path) -> None:
    orders = [[q["id"] for q in key(quiz_out, letter)["questions"]] for letter in "ABC"]
    assert orders[0] != orders[1] != orders[2]
    for letter in "ABC":
        singles = [q["correct"][0] for q in key(quiz_out, letter)["questions"]
                   if q["type"] in ("single", "fill-blank") and len(q["options"]) == 3]
        counts = [singles.count(c) for c in "ABC"]
        assert max(counts) - min(counts) <= 1, counts


def test_manifest_records_kinds_and_versions(quiz_out: Path) -> None:
    files = json.loads((quiz_out / "manifest.json").read_text("utf-8"))["files"]
    kinds = {(f["kind"], f.get("version")) for f in files}
    for letter in "ABC":
        assert {("quiz", letter), ("answer-key", letter), ("answer-key-data", letter),
                ("quiz-data", letter)} <= kinds
    assert all(f["document"] == "quiz" for f in files)
    formats = {(f["kind"], f["format"]) for f in files}
    assert formats == {("quiz", "pdf"), ("answer-key", "pdf"), ("answer-key-data", "json"),
                       ("answer-key-data", "csv"), ("quiz-data", "json")}


def test_tick_boxes_are_at_least_5_mm_and_one_per_option(quiz_out: Path) -> None:
    """A box per option; a matching item, a box per prompt and answer letter (issue 13:
    every answer is ticked). Each tick box's white background is its border box."""
    data = key(quiz_out, "A")["questions"]
    expected = sum(len(q["options"]) for q in data if q["type"] != "matching") + sum(
        len(q["prompts"]) * len(q["options"]) for q in data if q["type"] == "matching")
    with pdfplumber.open(quiz_out / "quiz_general_en_letter_A.pdf") as pdf:
        boxes = [r for page in pdf.pages for r in page.rects
                 if abs(r["width"] - r["height"]) < 1 and 5 * MM <= r["width"] < 15 * MM
                 and tuple(r.get("non_stroking_color") or ()) == (1, 1, 1)]
    assert len(boxes) == expected
    layout = json.loads((quiz_out / "quiz_general_en_letter_A.map.json").read_text("utf-8"))
    assert sum(len(page["boxes"]) for page in layout["pages"]) == expected


def test_no_question_is_split_across_pages(quiz_out: Path) -> None:
    data = key(quiz_out, "A")["questions"]
    with pdfplumber.open(quiz_out / "quiz_general_en_letter_A.pdf") as pdf:
        pages = [squash(page.extract_text()) for page in pdf.pages]
    for row in data:
        stem = squash(row["stem"]).split("___")[0].strip()
        [page] = [p for p in pages if f"{row['number']}. {stem}" in p]
        for option in row["options"]:
            assert " ".join(squash(option).split()[:3]) in page, (row["number"], option)


def test_same_seed_gives_byte_identical_pdfs(quiz_out: Path, tmp_path: Path) -> None:
    """Version A alone, rendered in this process, is the A of the three-version build."""
    result = CliRunner().invoke(cli, ["quiz", "--versions", "1", "--seed", "2026",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("quiz_general_en_letter_A.pdf", "quiz-key_general_en_letter_A.pdf",
                 "quiz-key_general_en_letter_A.json", "quiz_general_en_letter_A.map.json",
                 "quiz-answers_general_en_letter_A.csv"):
        assert (tmp_path / name).read_bytes() == (quiz_out / name).read_bytes()


def test_pre_and_post_forms(tmp_path: Path, run) -> None:
    assert run("quiz", "--form", "pre", "--form", "post", "--out", str(tmp_path)).exit_code == 0
    pre, post = (key(tmp_path, "A", f"quiz-{form}") for form in ("pre", "post"))
    assert not {q["id"] for q in pre["questions"]} & {q["id"] for q in post["questions"]}
    assert "before the class" in pdf_text(tmp_path / "quiz-pre_general_en_letter_A.pdf")
    assert "after the class" in pdf_text(tmp_path / "quiz-post_general_en_letter_A.pdf")


def test_quiz_on_one_handout(tmp_path: Path, run) -> None:
    assert run("quiz", "--handout", "medicines", "--out", str(tmp_path)).exit_code == 0
    data = key(tmp_path, "A", "quiz-medicines")
    assert data["title"] == "Your osteoporosis medicines"
    text = pdf_text(tmp_path / "quiz-medicines-key_general_en_letter_A.pdf")
    assert "See: Your osteoporosis medicines" in text
    assert "Tell me in your own words" in text


def test_key_has_teach_back_prompts_for_each_handout_covered(quiz_out: Path) -> None:
    text = pdf_text(quiz_out / "quiz-key_general_en_letter_A.pdf")
    assert "Facilitator notes: teach-back" in text
    for title in ("The stages of bone loss", "Your osteoporosis medicines",
                  "Exercise for stronger bones", "Nutrients for strong bones",
                  "Living well with osteoporosis", "Preventing falls at home"):
        assert title in text.split("Facilitator notes")[1]
    assert "Do you understand" not in text


def test_marking_grid_fits_the_first_page(quiz_out: Path) -> None:
    reader = PdfReader(quiz_out / "quiz-key_general_en_letter_A.pdf")
    first = squash(reader.pages[0].extract_text())
    assert "Marking grid" in first and "Total points" in first
    # The answers explained follow on the same page: no forced page break (issue 11).


@pytest.mark.parametrize("args, message", [
    (["--versions", "27"], "ask for 1 to 26, not 27"),
    (["--versions", "0"], "ask for 1 to 26, not 0"),
    (["--form", "pre", "--handout", "medicines"], "either --form or --handout"),
    (["--handout", "bones"], "Unknown handout 'bones'"),
])
def test_impossible_requests_are_clear_errors(tmp_path: Path, run, args, message) -> None:
    out = tmp_path / "out"
    result = run("quiz", *args, "--out", str(out))
    assert result.exit_code == 2
    assert message in result.stderr
    assert not out.exists()


def test_build_makes_handouts_and_the_default_quiz(built: Path, manifest: dict) -> None:
    kinds = {(f["kind"], f["document"]) for f in manifest["files"]}
    assert ("quiz", "quiz") in kinds and ("answer-key", "quiz") in kinds
    assert (built / "quiz_general_en_letter_A.pdf").is_file()
    assert (built / "quiz-key_general_en_letter_A.json").is_file()
