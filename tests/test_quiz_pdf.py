"""Quiz and answer-key PDFs agree with the JSON keys; versions, forms and errors.

The fast suite reads version A of the shared build (``built``, seed 1), JSON keys written
as ``osteo-print quiz`` writes them (``pages.key_json``, no PDF rendered) and quizzes of
the tiny content; under -m slow the same tests read a three-version build of the built-in
quiz (seed 2026) and quizzes of the built-in content.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import pdf_shapes, pdf_text, write_tiny_project, yaml_dump, yaml_load
from osteo_print.build import plan
from osteo_print.cli import cli
from osteo_print.options import BuildOptions, QuizRequest
from osteo_print.pages import key_json, quiz_version
from osteo_print.project import open_project
from osteo_print.quiz.versions import LETTERS

MM = 72 / 25.4
SEED = "2026"
slow = pytest.mark.slow


def three_versions(out: Path, *project: str) -> Path:
    result = CliRunner().invoke(cli, ["quiz", *project, "--versions", "3", "--seed", SEED,
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def quiz_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Versions A, B and C of the built-in quiz (slow tests only)."""
    return three_versions(tmp_path_factory.mktemp("quiz"))


@pytest.fixture(scope="module")
def tiny_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny content's project (its config)."""
    return write_tiny_project(tmp_path_factory.mktemp("tiny-project"))


@pytest.fixture(scope="module")
def tiny_out(tmp_path_factory: pytest.TempPathFactory, tiny_project: Path) -> Path:
    """Versions A, B and C of the tiny content's quiz, as quiz_out is of the built-in (in
    this process: a pool of workers costs more than the tiny quiz)."""
    return three_versions(tmp_path_factory.mktemp("tiny-quiz"), *tiny_args(tiny_project))


@pytest.fixture(scope="module")
def keys_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The JSON keys quiz_out holds, written as ``osteo-print quiz`` writes them
    (``pages.key_json``) without rendering a PDF; test_the_keys_are_those_quiz_writes
    (slow) checks that they are the same bytes."""
    out = tmp_path_factory.mktemp("keys")
    project = open_project()
    options = BuildOptions(handouts=False, quizzes=(QuizRequest(versions=3, seed=int(SEED)),))
    for job in plan(project, options):
        if job.kind == "answer-key":
            (out / f"{job.stem}.json").write_bytes(key_json(quiz_version(project, job), job))
    return out


def tiny_args(config: Path) -> list[str]:
    """The options of a command on the tiny project: its config, and one process (the
    worker pool is tested elsewhere; here it would cost more than the tiny quiz)."""
    return ["--config", str(config), "--jobs", "1"]


def project_args(request: pytest.FixtureRequest, source: str) -> list[str]:
    """The options that choose the content of ``source``, a fixture of quizzes."""
    return tiny_args(request.getfixturevalue("tiny_project")) if source == (
        "tiny_out") else []


def key(out: Path, letter: str, quiz: str = "quiz") -> dict:
    return json.loads((out / f"{quiz}-key_general_en_letter_{letter}.json").read_text("utf-8"))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@functools.cache
def page_texts(path: Path) -> tuple[str, ...]:
    """Each page's text in reading order, line by line (pdfplumber); each PDF read once
    (the PDFs are module or session fixtures', never written again)."""
    with pdfplumber.open(path) as pdf:
        return tuple(page.extract_text() for page in pdf.pages)


def layout_text(path: Path) -> str:
    """The PDF's text in reading order, line by line (pdfplumber), whitespace collapsed."""
    return squash(" ".join(page_texts(path)))


# Version A of the shared build; under -m slow, each version of quiz_out.
VERSION_CASES = [pytest.param("built", "A", id="built-A")] + [
    pytest.param("quiz_out", letter, id=letter, marks=slow) for letter in "ABC"]
# Where the JSON keys of versions A-C (seed 2026) are: written without PDFs, or (slow)
# by the quiz command, PDFs and all.
KEY_SOURCES = ["keys_out", pytest.param("quiz_out", marks=slow)]
# Three versions of a quiz, whole: of the tiny content, or (slow) the built-in one.
BUILD_SOURCES = ["tiny_out", pytest.param("quiz_out", marks=slow)]


@pytest.mark.parametrize(("source", "letter"), VERSION_CASES)
def test_quiz_pdf_prints_the_questions_and_options_in_key_order(
        request: pytest.FixtureRequest, source: str, letter: str) -> None:
    quiz_out = request.getfixturevalue(source)
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


@pytest.mark.parametrize(("source", "letter"), VERSION_CASES)
def test_answer_key_pdf_agrees_with_the_json(request: pytest.FixtureRequest, source: str,
                                             letter: str) -> None:
    quiz_out = request.getfixturevalue(source)
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


@pytest.mark.parametrize("source", KEY_SOURCES)
def test_json_key_letters_point_at_the_right_options(request: pytest.FixtureRequest,
                                                     source: str) -> None:
    from osteo_print.content import load_content
    from osteo_print.paths import BUILTIN_CONTENT

    quiz_out = request.getfixturevalue(source)

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


@pytest.mark.parametrize("source", KEY_SOURCES)
def test_versions_differ_and_answers_are_spread(request: pytest.FixtureRequest,
                                                source: str) -> None:
    quiz_out = request.getfixturevalue(source)
    orders = [[q["id"] for q in key(quiz_out, letter)["questions"]] for letter in "ABC"]
    assert orders[0] != orders[1] != orders[2]
    for letter in "ABC":
        singles = [q["correct"][0] for q in key(quiz_out, letter)["questions"]
                   if q["type"] in ("single", "fill-blank") and len(q["options"]) == 3]
        counts = [singles.count(c) for c in "ABC"]
        assert max(counts) - min(counts) <= 1, counts


@slow
def test_the_keys_are_those_quiz_writes(keys_out: Path, quiz_out: Path) -> None:
    """The keys the fast tests read (keys_out) are byte for byte those of the command."""
    written = sorted(p.name for p in keys_out.iterdir())
    assert written == [f"quiz-key_general_en_letter_{letter}.json" for letter in "ABC"]
    for name in written:
        assert (keys_out / name).read_bytes() == (quiz_out / name).read_bytes(), name


@pytest.mark.parametrize("source", BUILD_SOURCES)
def test_manifest_records_kinds_and_versions(request: pytest.FixtureRequest,
                                             source: str) -> None:
    quiz_out = request.getfixturevalue(source)
    files = json.loads((quiz_out / "manifest.json").read_text("utf-8"))["files"]
    kinds = {(f["kind"], f.get("version")) for f in files}
    for letter in "ABC":
        assert {("quiz", letter), ("answer-key", letter), ("answer-key-data", letter),
                ("quiz-data", letter)} <= kinds
    assert all(f["document"] == "quiz" for f in files)
    formats = {(f["kind"], f["format"]) for f in files}
    assert formats == {("quiz", "pdf"), ("answer-key", "pdf"), ("answer-key-data", "json"),
                       ("answer-key-data", "csv"), ("quiz-data", "json")}


def test_tick_boxes_are_at_least_5_mm_and_one_per_option(built: Path) -> None:
    quiz_out = built  # version A of the shared build
    """A box per option; a matching item, a box per prompt and answer letter (issue 13:
    every answer is ticked). Each tick box's white background is its border box."""
    data = key(quiz_out, "A")["questions"]
    expected = sum(len(q["options"]) for q in data if q["type"] != "matching") + sum(
        len(q["prompts"]) * len(q["options"]) for q in data if q["type"] == "matching")
    boxes = [r for page in pdf_shapes(quiz_out / "quiz_general_en_letter_A.pdf")
             for r in page.rects
             if abs(r["width"] - r["height"]) < 1 and 5 * MM <= r["width"] < 15 * MM
             and r["non_stroking_color"] == (1, 1, 1)]
    assert len(boxes) == expected
    layout = json.loads((quiz_out / "quiz_general_en_letter_A.map.json").read_text("utf-8"))
    assert sum(len(page["boxes"]) for page in layout["pages"]) == expected


def test_no_question_is_split_across_pages(built: Path) -> None:
    quiz_out = built  # version A of the shared build
    data = key(quiz_out, "A")["questions"]
    pages = [squash(text) for text in page_texts(quiz_out / "quiz_general_en_letter_A.pdf")]
    for row in data:
        stem = squash(row["stem"]).split("___")[0].strip()
        [page] = [p for p in pages if f"{row['number']}. {stem}" in p]
        for option in row["options"]:
            assert " ".join(squash(option).split()[:3]) in page, (row["number"], option)


@pytest.mark.parametrize("source", BUILD_SOURCES)
def test_same_seed_gives_byte_identical_pdfs(request: pytest.FixtureRequest, source: str,
                                             tmp_path: Path) -> None:
    """Version A alone, rendered in this process, is the A of the three-version build."""
    quiz_out = request.getfixturevalue(source)
    result = CliRunner().invoke(cli, ["quiz", *project_args(request, source),
                                      "--versions", "1", "--seed", SEED,
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("quiz_general_en_letter_A.pdf", "quiz-key_general_en_letter_A.pdf",
                 "quiz-key_general_en_letter_A.json", "quiz_general_en_letter_A.map.json",
                 "quiz-answers_general_en_letter_A.csv"):
        assert (tmp_path / name).read_bytes() == (quiz_out / name).read_bytes()


def tiny_forms(folder: Path) -> list[str]:
    """The tiny project, its pre- and post-test titled as the built-in ones say when
    they are for; the options that choose it."""
    config = write_tiny_project(folder)
    for lang in ("en", "es"):
        bank = config.parent / "content" / lang / "quiz.yaml"
        data = yaml_load(bank.read_text("utf-8"))
        for form, when in (("pre", "before"), ("post", "after")):
            data["forms"][form]["title"] += f" {when} the class"
        bank.write_text(yaml_dump(data), "utf-8")
    return tiny_args(config)


@pytest.mark.parametrize("content", ["tiny", pytest.param("built-in", marks=slow)])
def test_pre_and_post_forms(tmp_path: Path, run, content: str) -> None:
    project = tiny_forms(tmp_path / "tiny") if content == "tiny" else []
    assert run("quiz", *project, "--form", "pre", "--form", "post",
               "--out", str(tmp_path)).exit_code == 0
    pre, post = (key(tmp_path, "A", f"quiz-{form}") for form in ("pre", "post"))
    assert not {q["id"] for q in pre["questions"]} & {q["id"] for q in post["questions"]}
    assert "before the class" in pdf_text(tmp_path / "quiz-pre_general_en_letter_A.pdf")
    assert "after the class" in pdf_text(tmp_path / "quiz-post_general_en_letter_A.pdf")


@pytest.mark.parametrize(("content", "handout", "title", "prompt"), [
    ("tiny", "stages", "About stages", "Tell me what you will do this week."),
    pytest.param("built-in", "medicines", "Your osteoporosis medicines",
                 "Tell me in your own words", marks=slow)])
def test_quiz_on_one_handout(tmp_path: Path, run, content: str, handout: str, title: str,
                             prompt: str) -> None:
    project = tiny_args(write_tiny_project(tmp_path / "tiny")) if content == "tiny" else []
    out = tmp_path / "out"
    assert run("quiz", *project, "--handout", handout, "--out", str(out)).exit_code == 0
    data = key(out, "A", f"quiz-{handout}")
    assert data["title"] == title
    text = pdf_text(out / f"quiz-{handout}-key_general_en_letter_A.pdf")
    assert f"See: {title}" in text
    assert prompt in text


def test_key_has_teach_back_prompts_for_each_handout_covered(built: Path) -> None:
    quiz_out = built  # version A of the shared build
    text = pdf_text(quiz_out / "quiz-key_general_en_letter_A.pdf")
    assert "Facilitator notes: teach-back" in text
    for title in ("The stages of bone loss", "Your osteoporosis medicines",
                  "Exercise for stronger bones", "Nutrients for strong bones",
                  "Living well with osteoporosis", "Preventing falls at home"):
        assert title in text.split("Facilitator notes")[1]
    assert "Do you understand" not in text


def test_marking_grid_fits_the_first_page(built: Path) -> None:
    quiz_out = built  # version A of the shared build
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
