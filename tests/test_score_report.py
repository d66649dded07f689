"""The class report (report.pdf): its numbers and headings, tagging and plots with alt
text, Spanish, privacy (names only in scores.csv; none with --anonymous), and the
results folder: byte-identical on a second run, untouched when a run fails. Each
report takes seconds to render: the tests share a few (the class's, a class of one),
and a test that reads no PDF renders none in the fast suite (``pdfs``)."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from test_score import build_keys, key_of, right_answers, wrong_answers
from test_score_support import PDFS, stub_pdfs, typed_header, write_csv

from conftest import pdf_text
from osteo_print import writer
from osteo_print.cli import cli
from osteo_print.i18n import translations
from osteo_print.score import ScoreRequest, load_keys, mark_sheets, read_typed, score
from osteo_print.score.report import report_view
from osteo_print.score.words import Words

NAMES = ["Zelda Quist", "Oswin Marbury", "Tamsin Vroom", "Ulric Penhale", "Brisa Ochoa",
         "Kenji Ward", "Ilse Frampton"]
PRE_RIGHT = [3, 6, 9, 6, 12, 15, 5]  # out of 15; the last person took only the pre-test
POST_RIGHT = [9, 12, 12, 6, 15, 15]


def class_rows(keys: Path, lang: str = "en") -> list[list[str]]:
    """A class of 7: six took both tests (class IDs 01-06), one the pre-test only (08)."""
    rows = [typed_header(15)]
    for quiz, counts in (("quiz-pre", PRE_RIGHT), ("quiz-post", POST_RIGHT)):
        for person, right in enumerate(counts):
            letter = "AB"[person % 2]
            key = key_of(keys, quiz, letter, lang)
            answers = right_answers(key)[:right] + wrong_answers(key)[right:]
            class_id = "08" if person == 6 else f"0{person + 1}"
            rows.append([NAMES[person], class_id, quiz, letter, key["code"], *answers])
    return rows


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_keys(tmp_path_factory.mktemp("keys"), quizzes=("quiz-pre", "quiz-post"))


@pytest.fixture(scope="module")
def typed(keys: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(tmp_path_factory.mktemp("typed") / "typed.csv", class_rows(keys))


@pytest.fixture(scope="module")
def results(keys: Path, typed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("class") / "results"
    score(ScoreRequest(out, answers=(typed,), keys_dir=keys))
    return out


@pytest.fixture(scope="module")
def solo(keys: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path, Path]:
    """A class of one who took the pre-test only, scored by the command (``--quiet``):
    its result, its typed answers and its results folder."""
    folder = tmp_path_factory.mktemp("solo")
    key = key_of(keys, "quiz-pre")
    typed = write_csv(folder / "one.csv", [
        typed_header(15), ["Solo", "", "pre", "A", key["code"], *right_answers(key)]])
    out = folder / "results"
    result = CliRunner().invoke(cli, ["score", "--answers", str(typed), "--keys", str(keys),
                                      "--out", str(out), "--quiet"])
    return result, typed, out


@pytest.fixture(params=PDFS)
def pdfs(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The PDFs unrendered (and the plots undrawn) in the fast suite, rendered under
    -m slow (PDFS), for a test that reads no PDF."""
    if request.param == "stubbed":
        stub_pdfs(monkeypatch)
    return request.param


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def structure(reader: PdfReader) -> Iterator[dict[str, Any]]:
    """Every element of the PDF's tag tree."""
    def walk(node: Any) -> Iterator[dict[str, Any]]:
        node = node.get_object()
        if not isinstance(node, dict):
            return
        yield node
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            yield from walk(kid)
    yield from walk(reader.trailer["/Root"]["/StructTreeRoot"])


# --- What the report says ---------------------------------------------------------------


def test_the_report_gives_the_classes_numbers_under_its_headings(results: Path) -> None:
    text = pdf_text(results / "report.pdf")
    # paired means: pre 51 / 6 = 8.5 of 15 = 56.7%, post 69 / 6 = 11.5 of 15 = 76.7%;
    # gain 20 points; g = 20 / (100 - 56.67) = 0.46; 4 higher, 2 the same, 0 lower.
    # all pre-tests: 56 / 7 = 8 of 15 = 53.3%.
    for phrase in ("Class results", "At a glance", "Pre-test 7 sheets, mean score 53%",
                   "Post-test 6 sheets, mean score 77%", "Same person before and after 6 people",
                   "57% → 77%", "+20 percentage points", "Normalized gain (Hake's g) 0.46",
                   "4 of 6", "Marks to check by eye None", "Scores",
                   "Before and after the class", "Their mean score went from 57% to 77%",
                   "4 scored higher after the class, 2 the same and 0 lower",
                   "worked out from the class's mean scores of the matched sheets",
                   "Pre-test only: class ID 08.", "Learning objectives",
                   "What to teach differently next time", "Questions",
                   "How the scores were worked out", "Matching: one point for each line"):
        assert phrase in text, phrase
    assert "nan" not in text.lower().split()
    # each pair's g: (post - pre) / (100 - pre), none at 100% before
    assert "04 40% 40% 0 0.00 05 80% 100% +20 1.00 06 100% 100% 0 —" in text


def test_the_report_is_tagged_and_its_plots_are_vector_figures_with_alt_text(
        results: Path) -> None:
    reader = PdfReader(results / "report.pdf")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en" and "/StructTreeRoot" in root
    figures = [e for e in structure(reader) if e.get("/S") == "/Figure"]
    alts = [str(f.get("/Alt", "")) for f in figures]
    assert len(figures) == 4, alts  # two score charts, before/after, objectives
    assert alts[0] == ("Bar chart of 7 scores (pre-test), in bands of 10 percentage points: "
                       "1 at 20–29%; 1 at 30–39%; 2 at 40–49%; 1 at 60–69%; 1 at 80–89%; "
                       "1 at 90–100%. Mean 53%, lowest 20%, highest 100%.")
    assert alts[2].startswith("Line chart of the scores of 6 people before and after the "
                              "class. Class mean 57% before and 77% after. 01: 20% before, "
                              "60% after;")
    assert alts[3].startswith("Dot chart of the share of points earned on ")
    assert all(not page.images for page in reader.pages)  # drawn, not pictures
    drawing = reader.pages[0].get_contents().get_data()
    assert len(re.findall(rb" l\n", drawing)) > 50  # the bar chart's lines and bars
    text = pdf_text(results / "report.pdf")
    assert "Score (percent of points)" in text  # a plot's label, as text in the PDF


def test_the_items_csv_and_the_report_agree(results: Path) -> None:
    rows = (results / "items.csv").read_text().splitlines()
    assert len(rows) == 1 + 15 + 15
    first = rows[1].split(",")
    assert first[:2] == ["quiz-pre", "pre"] and first[6] == "7"
    text = pdf_text(results / "report.pdf")
    assert f"{float(first[8]):.2f}" in text


# --- Names, and --anonymous --------------------------------------------------------------


def names_in(folder: Path) -> dict[str, list[str]]:
    """Which names are in which file (PDFs: their bytes and their text)."""
    found = {}
    for path in sorted(folder.iterdir()):
        data = path.read_bytes().decode("latin-1")
        if path.suffix == ".pdf":
            data += pdf_text(path)
        hits = [name for name in NAMES if any(part in data for part in name.split())]
        if hits:
            found[path.name] = hits
    return found


def test_names_are_in_scores_csv_only(results: Path) -> None:
    assert names_in(results) == {"scores.csv": NAMES}


# --- The results folder: same input, same bytes; a failure changes nothing ------------------


@pytest.mark.parametrize(("scored", "where"), [
    ("a class of one", "in place"),
    pytest.param("a class of one", "a new folder", marks=pytest.mark.slow),
    pytest.param("the class", "in place", marks=pytest.mark.slow),
    pytest.param("the class", "a new folder", marks=pytest.mark.slow),
])
def test_a_second_run_gives_the_same_bytes(keys: Path, tmp_path: Path, scored: str,
                                           where: str, request: pytest.FixtureRequest
                                           ) -> None:
    if scored == "the class":
        typed, results = request.getfixturevalue("typed"), request.getfixturevalue("results")
    else:
        _, typed, results = request.getfixturevalue("solo")
    before = files_of(results)
    out = results if where == "in place" else tmp_path / "again"
    score(ScoreRequest(out, answers=(typed,), keys_dir=keys))
    assert changed(files_of(out), before) == []


def changed(after: dict[str, bytes], before: dict[str, bytes]) -> list[str]:
    return sorted(name for name in {*after, *before} if after.get(name) != before.get(name))


def test_a_failure_midway_leaves_the_earlier_results_whole(
        keys: Path, typed: Path, results: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, pdfs: str) -> None:
    out = tmp_path / "results"
    out.mkdir()
    for name, data in files_of(results).items():
        (out / name).write_bytes(data)
    before = files_of(out)
    fewer = write_csv(tmp_path / "fewer.csv", class_rows(keys)[:4])

    class Failing(writer._FileOps):
        calls = 0

        def replace(self, src: Any, dst: Any) -> None:  # type: ignore[override]
            Failing.calls += 1
            if Failing.calls == 3:
                raise OSError(28, "No space left on device")
            writer._FileOps.replace(src, dst)

    monkeypatch.setattr(writer, "_ops", Failing())
    result = CliRunner().invoke(cli, ["score", "--answers", str(fewer), "--keys", str(keys),
                                      "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "the earlier output is unchanged" in result.stderr
    assert files_of(out) == before

    monkeypatch.setattr(writer, "_ops", writer._FileOps())

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the renderer fell over")

    from osteo_print.score import printing

    monkeypatch.setattr(printing.Printer, "print", broken)
    result = CliRunner().invoke(cli, ["score", "--answers", str(fewer), "--keys", str(keys),
                                      "--out", str(out)])
    assert result.exit_code == 1
    assert "The output folder holds either the earlier files" in result.stderr
    assert files_of(out) == before


# --- Spanish (and anonymous), and classes at the edges ---------------------------------


@pytest.fixture(scope="module")
def spanish_class(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The class of seven in Spanish: its keys' folder and its typed answers."""
    folder = tmp_path_factory.mktemp("spanish")
    keys = build_keys(folder / "keys", lang="es", quizzes=("quiz-pre", "quiz-post"))
    return keys, write_csv(folder / "typed.csv", class_rows(keys, "es"))


@pytest.mark.slow  # another language; what it shows is checked fast below
def test_a_spanish_class_gets_a_spanish_report_and_anonymous_drops_every_name(
        spanish_class: tuple[Path, Path], tmp_path: Path) -> None:
    keys, typed = spanish_class
    out = tmp_path / "results"
    score(ScoreRequest(out, answers=(typed,), keys_dir=keys, anonymous=True))
    assert names_in(out) == {}
    rows = list(csv.reader(io.StringIO((out / "scores.csv").read_text())))
    assert all(row[2] == "" for row in rows[1:])
    assert rows[1][1] == "answers 1, row 2"  # no file name either
    reader = PdfReader(out / "report.pdf")
    assert reader.trailer["/Root"]["/Lang"] == "es"
    text = pdf_text(out / "report.pdf")
    for phrase in ("Resultados de la clase", "De un vistazo", "Prueba inicial",
                   "Ganancia normalizada (g de Hake) 0,46", "57 % → 77 %",
                   "Objetivos de aprendizaje", "Cómo se calcularon las puntuaciones"):
        assert phrase in text, phrase
    for english in ("At a glance", "Before and after the class", "Learning objectives",
                    "Score (percent of points)", "Class mean"):
        assert english not in text, english
    alts = [str(e.get("/Alt")) for e in structure(reader) if e.get("/S") == "/Figure"]
    assert alts[0].startswith("Gráfico de barras de 7 puntuaciones (prueba inicial)")


def test_a_spanish_class_gets_spanish_numbers_and_descriptions(
        spanish_class: tuple[Path, Path]) -> None:
    """What the report shows, in Spanish, without printing it (its PDF: the slow test
    above): decimal commas, spaced percent signs, the plots' descriptions."""
    keys, typed = spanish_class
    scored = mark_sheets(read_typed([typed], load_keys(keys)))
    view = report_view(scored, [], Words("es", translations("es")), 6.5)
    text = view_text(view)
    assert view.prepost is not None and view.prepost.gain.g == "0,46"
    for phrase in ("57\xa0%", "77\xa0%", "Gráfico de barras de 7 puntuaciones (prueba inicial)"):
        assert phrase in text, phrase
    discrimination = [r.discrimination for part in view.parts for r in part.items]
    assert any("," in d for d in discrimination)
    assert not any("." in d for d in discrimination), discrimination


def edge_class(keys: Path, tmp_path: Path, rows: list[list[str]]):  # type: ignore[no-untyped-def]
    typed = write_csv(tmp_path / f"edge{len(list(tmp_path.iterdir()))}.csv",
                      [typed_header(15), *rows])
    return mark_sheets(read_typed([typed], load_keys(keys)))


def view_text(view: Any) -> str:
    """Every string a report view holds, joined."""
    def strings(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                if f.name not in ("fmt", "url"):
                    yield from strings(getattr(value, f.name))
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list | tuple):
            for item in value:
                yield from strings(item)
    return " ".join(strings(view))


@pytest.mark.parametrize("case", ["all right", "all wrong", "one person", "same scores"])
def test_classes_at_the_edges_give_numbers_or_dashes_never_nan(
        keys: Path, tmp_path: Path, case: str, pdfs: str) -> None:
    pre, post = key_of(keys, "quiz-pre"), key_of(keys, "quiz-post")

    def row(name: str, class_id: str, key: dict, answers: list[str]) -> list[str]:
        return [name, class_id, key["quiz"], "A", key["code"], *answers]

    right = {"all right": (15, 15), "all wrong": (0, 0), "one person": (15, 15),
             "same scores": (7, 7)}[case]
    people = 1 if case == "one person" else 5
    rows = [row(f"P{i}", f"{i}", key, right_answers(key)[:n] + wrong_answers(key)[n:])
            for i in range(people) for key, n in ((pre, right[0]), (post, right[1]))]
    view = report_view(edge_class(keys, tmp_path, rows), [], Words("en", translations("en")),
                       6.5)
    text = view_text(view)
    assert not re.search(r"\bnan\b|\binf\b", text, re.IGNORECASE), text
    assert view.prepost is not None
    expected_g = {"all right": "—", "all wrong": "0.00", "one person": "—",
                  "same scores": "0.00"}[case]
    assert view.prepost.gain.g == expected_g
    assert all(r.discrimination == "—" for p in view.parts for r in p.items)


def test_a_class_with_only_a_pre_test_of_one_person(solo: tuple[Any, Path, Path]) -> None:
    result, _, out = solo
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    text = pdf_text(out / "report.pdf")
    assert "Pre-test 1 sheet, mean score 100%" in text
    assert "Only one of the two tests was scored" in text
    assert "nan" not in text.lower().split()
    assert "15 questions to review." in text  # every one too easy


def test_every_word_the_scorer_prints_has_a_spanish_translation() -> None:
    """Templates are checked by test_i18n; these are the plots' and views' own words."""
    import ast

    from osteo_print.score import report

    found: set[str] = {*report.FLAG_WORDS.values(), *report.REASONS.values(),
                       *report.BOXES.values(), *(w for _, a, b in report.SERIES for w in (a, b))}
    for path in sorted((Path(report.__file__).parent).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and (
                    (isinstance(node.func, ast.Name) and node.func.id == "words")
                    or (isinstance(node.func, ast.Attribute) and node.func.attr == "plural"
                        and isinstance(node.func.value, ast.Name)
                        and node.func.value.id == "words")):
                found |= {a.value for a in node.args[:1] if isinstance(a, ast.Constant)}
    spanish = translations("es")
    missing = sorted(m for m in found if spanish.gettext(m) == m)
    assert not missing, missing
    assert len(found) > 30
