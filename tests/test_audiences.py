"""Audiences: large print sizes from the PDF, easy-read and caregiver content, clinic
audiences, and names that must not reach outside a folder."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest

from conftest import DOCUMENTS, pdf_chars, pdf_shapes, pdf_text, write_tiny_project
from osteo_print.bodytext import body_units
from osteo_print.content import load_content
from osteo_print.paths import BUILTIN_CONTENT
from osteo_print.readability import stats

INCH = 72


def each(names: list[str], *fast: str) -> list:
    """Parameters: those starting with a ``fast`` prefix in the fast suite (the stages
    handout, the quiz), every other one marked slow."""
    return [name if name.startswith(fast) else pytest.param(name, marks=pytest.mark.slow)
            for name in names]


@functools.cache
def _chars(path: Path, mtime: float) -> tuple[tuple[dict, float, float], ...]:
    return tuple((c, p.width, p.height) for p in pdf_chars(path) for c in p.chars)


def chars(path: Path) -> list[tuple[dict, float, float]]:
    """Every character with its page's size (each PDF read once; tests only read them)."""
    return list(_chars(path, path.stat().st_mtime))


LARGE = [f"{d}_large-print_en_letter.pdf" for d in DOCUMENTS] + [
    "quiz_large-print_en_letter_A.pdf", "quiz-key_large-print_en_letter_A.pdf"]


@pytest.mark.parametrize("name", each(LARGE, "stages_", "quiz"))
def test_large_print_every_character_is_18pt_and_furniture_14pt(matrix: Path,
                                                                name: str) -> None:
    top, bottom = 0.75 * INCH, 0.8 * INCH  # Letter margins: furniture lives in them
    small = []
    for c, _, height in chars(matrix / name):
        in_margin = c["top"] < top or c["bottom"] > height - bottom
        limit = 14 if in_margin else 18
        if c["size"] < limit - 0.01 and c["text"].strip():
            small.append((c["text"], round(c["size"], 1), round(c["top"])))
    assert not small, small[:10]


@pytest.mark.parametrize("name", each(LARGE, "stages_", "quiz"))
def test_large_print_has_no_italics_and_nothing_cut_off(matrix: Path, name: str) -> None:
    for c, width, height in chars(matrix / name):
        assert "Italic" not in c["fontname"]
        assert 0.5 * INCH <= c["x0"] and c["x1"] <= width - 0.5 * INCH, c["text"]
        assert 0 <= c["top"] and c["bottom"] <= height


def test_large_print_css_line_spacing_headings_and_one_column(matrix: Path) -> None:
    html = (matrix / "stages_large-print_en_letter.html").read_text("utf-8")
    assert "line-height: 1.5;" in html
    assert re.search(r"h2 \{\s*font-size: 24(\.0)?pt", html)
    assert "columns: 1;" in html
    assert "<table" not in html  # tables become stacked blocks
    assert '<div class="stacked" id="stage-table">' in html
    assert re.search(r'<table class="data[^"]*" id="stage-table">',
                     (matrix / "stages_general_en_letter.html").read_text("utf-8"))
    rules = re.sub(r"@font-face \{.*?\}", "", html, flags=re.S)
    assert "text-transform: uppercase" not in rules and "font-style: italic" not in rules
    assert not re.search(r"<(em|i)>", html)


@pytest.mark.parametrize("document", each(DOCUMENTS, "stages"))
def test_large_print_reflows_onto_more_pages(matrix: Path, document: str) -> None:
    manifest = json.loads((matrix / "manifest.json").read_text("utf-8"))
    pages = {(f["document"], f["audience"]): f["pages"] for f in manifest["files"]
             if f["format"] == "pdf" and f["kind"] == "handout" and f["lang"] == "en"}
    assert pages[(document, "large-print")] > pages[(document, "general")]


@pytest.mark.parametrize("document", each(DOCUMENTS, "stages"))
def test_easy_read_is_shorter_and_grade_5_or_below(matrix: Path, document: str) -> None:
    def body(audience: str):
        html = (matrix / f"{document}_{audience}_en_letter.html").read_text("utf-8")
        return stats(body_units(html))

    easy, general = body("easy-read"), body("general")
    assert easy.words < general.words
    assert easy.fkgl <= 5.0, f"{document}: grade {easy.fkgl:.1f}"
    assert easy.words / easy.sentences < general.words / general.sentences


@pytest.mark.parametrize("document", each(DOCUMENTS, "stages"))
def test_caregiver_is_addressed_to_the_helper(matrix: Path, document: str) -> None:
    text = pdf_text(matrix / f"{document}_caregiver_en_letter.pdf")
    assert "for caregivers" in text
    assert re.search(r"\b(their|they|them)\b", text)
    general = pdf_text(matrix / f"{document}_general_en_letter.pdf")
    assert text != general


def test_every_audience_changes_the_output(matrix: Path) -> None:
    texts = {a: pdf_text(matrix / f"stages_{a}_en_letter.pdf")
             for a in ("general", "easy-read", "caregiver")}
    assert len(set(texts.values())) == 3
    sizes = {a: max(c["size"] for c, _, _ in chars(matrix / f"stages_{a}_en_letter.pdf"))
             for a in ("general", "large-print")}
    assert sizes["large-print"] > sizes["general"]


@pytest.mark.slow  # the easy-read and caregiver quizzes: the full matrix only
def test_audiences_share_the_quiz_key_unless_they_have_their_own_bank(matrix: Path) -> None:
    def key(audience: str) -> list[tuple[str, list[str]]]:
        data = json.loads((matrix / f"quiz-key_{audience}_en_letter_A.json").read_text("utf-8"))
        return [(q["id"], q["correct"]) for q in data["questions"]]

    content = load_content(BUILTIN_CONTENT)
    general = key("general")
    assert sorted(i for i, _ in general) == sorted(content.quiz("en").bank.forms["all"].items)
    # large print prints the same quiz bigger: one answer key marks both
    assert key("large-print") == general
    # easy-read and caregiver have their own banks (content/en/quiz/<audience>.yaml)
    for audience in ("easy-read", "caregiver"):
        assert ("en", audience) in content.quizzes
        own = key(audience)
        form = content.quiz("en", audience).bank.forms["all"].items
        assert sorted(i for i, _ in own) == sorted(form), audience


def test_a_clinic_adds_its_own_audience(tmp_path: Path, run) -> None:
    folder = tmp_path / "audiences" / "extra-large"
    folder.mkdir(parents=True)
    (folder / "audience.toml").write_text(
        'extends = "large-print"\nlabel = "Extra large"\nbody_pt = 22\n', "utf-8")
    # The tiny content, copyfitting (not what this tests) off: the page is laid out once.
    write_tiny_project(tmp_path)
    result = run("build", "stages", "--config", str(tmp_path / "osteo-print.toml"),
                 "--audience", "extra-large", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    sizes = [round(c["size"]) for c, _, height in chars(tmp_path / "out" /
                                                        "stages_extra-large_en_letter.pdf")
             if 0.75 * INCH < c["top"] < height - 0.8 * INCH]
    assert max(set(sizes), key=sizes.count) == 22  # the body text
    assert min(sizes) >= 18  # the rest as large print, which it extends


def test_clinic_audience_with_a_bad_setting_is_located(tmp_path: Path, run) -> None:
    folder = tmp_path / "audiences" / "tiny"
    folder.mkdir(parents=True)
    (folder / "audience.toml").write_text('label = "Tiny"\nbody_pt = 4\n', "utf-8")
    (tmp_path / "osteo-print.toml").write_text("", "utf-8")
    result = run("build", "--config", str(tmp_path / "osteo-print.toml"),
                 "--audience", "tiny", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "audience.toml:2: body_pt" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["../etc", "a/b", "..", "unknown-one"])
def test_audience_names_cannot_leave_the_folder(tmp_path: Path, run, name: str) -> None:
    result = run("build", "--audience", name, "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["../en", "e/s", "english"])
def test_language_names_cannot_leave_the_folder(tmp_path: Path, run, name: str) -> None:
    result = run("build", "--lang", name, "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.slow  # pdfplumber, which pdf_chars stands in for, takes seconds a document
@pytest.mark.parametrize("name", ["stages_large-print_en_letter.pdf",
                                  "quiz-key_large-print_es_letter_A.pdf"])
def test_pdf_chars_reads_what_pdfplumber_reads(full_matrix: Path, name: str) -> None:
    """conftest's pdf_chars (PDFium) gives pdfplumber's characters, sizes and places,
    but x1 where a glyph's ink runs past its advance (up to a few points, never less)."""
    import pdfplumber

    ours = pdf_chars(full_matrix / name)
    with pdfplumber.open(full_matrix / name) as pdf:
        theirs = [[c for c in page.chars if c["text"].strip()] for page in pdf.pages]
    assert len(ours) == len(theirs)
    for page, expected in zip(ours, theirs, strict=True):
        found = [c for c in page.chars if c["text"].strip()]
        assert [c["text"] for c in found] == [c["text"] for c in expected]
        for a, b in zip(found, expected, strict=True):
            for key in ("size", "x0", "top", "bottom"):
                assert a[key] == pytest.approx(float(b[key]), abs=0.01), (key, a, b)
            assert a["fontname"] == b["fontname"]
            assert -0.01 <= a["x1"] - float(b["x1"]) <= 2.5, (a, b)


@pytest.mark.slow  # pdfplumber, which pdf_shapes stands in for, takes seconds a document
@pytest.mark.parametrize("name", ["quiz_general_es_letter_A.pdf",  # tick boxes, forms
                                  "quiz-key_large-print_es_letter_A.pdf",  # the grid
                                  "medicines_general_en_letter.pdf"])  # tables, cards
def test_pdf_shapes_reads_what_pdfplumber_reads(full_matrix: Path, name: str) -> None:
    """conftest's pdf_shapes (PDFium) gives pdfplumber's rectangles and lines: the same
    places (within 0.02 pt: PDFium reads numbers as 32-bit floats), fill and stroke, and
    the fill colour within its 8 bits."""
    import pdfplumber

    def order(shape: dict) -> tuple[float, ...]:
        return tuple(round(float(shape[k]), 1) for k in ("top", "x0", "bottom", "x1"))

    ours = pdf_shapes(full_matrix / name)
    with pdfplumber.open(full_matrix / name) as pdf:
        assert len(ours) == len(pdf.pages)
        for page, theirs in zip(ours, pdf.pages, strict=True):
            assert (page.width, page.height) == (pytest.approx(float(theirs.width)),
                                                 pytest.approx(float(theirs.height)))
            for kind in ("rects", "lines"):
                found = sorted(getattr(page, kind), key=order)
                expected = sorted(getattr(theirs, kind), key=order)
                assert len(found) == len(expected), kind
                for a, b in zip(found, expected, strict=True):
                    for key in ("x0", "x1", "top", "bottom"):
                        assert a[key] == pytest.approx(float(b[key]), abs=0.02), (key, a, b)
                    assert (a["fill"], a["stroke"]) == (bool(b["fill"]), bool(b["stroke"]))
                    color = tuple(b["non_stroking_color"] or ())
                    color = color * 3 if len(color) == 1 else color  # grey
                    if a["fill"] and len(color) == 3:  # (CMYK: none in our PDFs)
                        assert a["non_stroking_color"] == pytest.approx(
                            color, abs=0.5 / 255 + 1e-9), (a, b)
