"""[clinic] digital_url: a handout's first page says where to read it online, as a QR
code and in words; quizzes, answer keys and class packets do not, and a handout never
gains a page for it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest
import zxingcpp
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import (
    DOCUMENTS,
    page_texts,
    pdf_chars,
    pdf_text,
    write_branded_project,
    write_tiny_project,
)
from osteo_print.cli import cli
from osteo_print.config import MAX_LINK_CHARS, link_problem
from osteo_print.context import Clinic, fill_link

LINK = "https://riverside.example/{audience}/{document}-{lang}.html"
CLINIC = """
[clinic]
name = "Riverside Bone Health Clinic"
phone = "(555) 010-4477"
address = "12 River Road, Springfield"
"""
LABELS = {"en": "Read this online:", "es": "Lea esta hoja en internet:"}
ALT = {"en": "QR code: ", "es": "Código QR: "}
DPI = 200
MM = 25.4


def build(config: Path, out: Path, *args: str, jobs: int = 1):
    result = CliRunner().invoke(cli, ["build", *args, "--config", str(config),
                                      "--out", str(out), "--jobs", str(jobs)])
    assert result.exit_code == 0, result.output
    return result


def project(folder: Path, link: str | None, content: str = "builtin") -> Path:
    """A clinic's project, with digital_url set to ``link`` (or not set): on the built-in
    content, or on conftest's tiny content (three one-page handouts, copyfit off)."""
    setting = f'digital_url = "{link}"\n' if link else ""
    if content == "tiny":
        return write_tiny_project(folder, CLINIC + setting)
    folder.mkdir(parents=True)
    config = folder / "osteo-print.toml"
    config.write_text(CLINIC + setting, "utf-8")
    return config


# The stages handout the tests read: general in English and Spanish, large print in
# English (Letter), with the link and without, of the built-in content or the tiny one.
SAMPLE_PDFS = ["stages_general_en_letter.pdf", "stages_general_es_letter.pdf",
               "stages_large-print_en_letter.pdf"]
CONTENTS = ["tiny", pytest.param("builtin", marks=pytest.mark.slow)]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    """``sample(content, linked, pdf)``: one of the sample PDFs, built on first use (for
    this module): the same clinic, with digital_url (LINK) or without. The fast suite
    builds the built-in English handout (linked and plain) and the tiny handouts; the
    built-in Spanish and large-print ones only the slow tests ask for."""
    made: dict[tuple[str, bool, str], Path] = {}

    def get(content: str, linked: bool, pdf: str) -> Path:
        key = (content, linked, pdf)
        if key not in made:
            folder = tmp_path_factory.mktemp(f"{content}-{'linked' if linked else 'plain'}")
            config = project(folder / "p", LINK if linked else None, content)
            _, audience, lang, _ = pdf.removesuffix(".pdf").split("_")
            build(config, folder / "out", "stages", "--audience", audience, "--lang", lang)
            made[key] = folder / "out" / pdf
            assert made[key].is_file(), pdf
        return made[key]

    return get


def page_one(pdf: Path) -> tuple[str, list[zxingcpp.Barcode]]:
    """Page 1's text (pypdf: line by line) and the QR codes read from it rendered at DPI
    (zxing)."""
    text = PdfReader(pdf).pages[0].extract_text()
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=DPI / 72).to_pil()
    finally:
        document.close()
    return text, zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


def printed_url(text: str, lang: str) -> str | None:
    """The URL printed on the lines after the label (pypdf's text), or None. It may wrap
    after a slash or a hyphen, never at a space: the lines after the label that hold no
    space, joined."""
    lines = [line.strip() for line in text.splitlines()]
    if LABELS[lang] not in lines:
        return None
    after = lines[lines.index(LABELS[lang]) + 1:]
    parts = []
    for line in after:
        if not line or re.search(r"\s", line):
            break
        parts.append(line)
    return "".join(parts)


def figure_alts(pdf: Path) -> list[str]:
    """The alternative text of every Figure in the PDF's structure tree."""
    found: list[str] = []

    def walk(node, depth: int = 0) -> None:
        node = node.get_object()
        if depth > 100:
            return
        if isinstance(node, dict):
            if node.get("/S") == "/Figure" and "/Alt" in node:
                found.append(str(node["/Alt"]))
            if "/K" in node:
                walk(node["/K"], depth + 1)
        elif isinstance(node, list):
            for child in node:
                walk(child, depth + 1)

    walk(PdfReader(pdf).root_object["/StructTreeRoot"])
    return found


def test_the_qr_code_says_exactly_the_url_printed_beside_it(sample) -> None:
    # the built-in handout: more than one page (the code is on page 1 only)
    pdf = sample("builtin", True, "stages_general_en_letter.pdf")
    text, codes = page_one(pdf)
    url = "https://riverside.example/general/stages-en.html"
    assert [c.text for c in codes] == [url]
    assert printed_url(text, "en") == url  # the words, as printed
    # 18 mm square, at the left edge of the text block (not in the side margin), under
    # the title; on page 1 only
    corners = codes[0].position
    left, right = (corners.top_left.x / DPI * 72, corners.top_right.x / DPI * 72)  # pt
    width = (right - left) / 72 * MM
    height = (corners.bottom_left.y - corners.top_left.y) / DPI * MM
    assert 17.5 <= width <= 18.5 and 17.5 <= height <= 18.5, (width, height)
    title = [c for c in pdf_chars(pdf)[0].chars if c["size"] >= 20]
    text_left = min(c["x0"] for c in title)
    assert abs(left - text_left) < 1.5, (left, text_left)
    assert corners.top_left.y / DPI * 72 > max(c["bottom"] for c in title)
    assert all(LABELS["en"] not in page for page in page_texts(pdf)[1:])


@pytest.mark.parametrize("content", CONTENTS)
def test_the_qr_code_has_alt_text_in_the_page_language(sample, content: str) -> None:
    for lang in ("en", "es"):
        pdf = sample(content, True, f"stages_general_{lang}_letter.pdf")
        url = f"https://riverside.example/general/stages-{lang}.html"
        assert ALT[lang] + url in figure_alts(pdf)


@pytest.mark.parametrize("content", CONTENTS)
@pytest.mark.parametrize("pdf", SAMPLE_PDFS)
def test_each_handout_gets_its_own_document_language_and_audience(
        sample, pdf: str, content: str) -> None:
    _, audience, lang, _ = pdf.removesuffix(".pdf").split("_")
    text, codes = page_one(sample(content, True, pdf))
    url = f"https://riverside.example/{audience}/stages-{lang}.html"
    assert [c.text for c in codes] == [url]
    assert printed_url(text, lang) == url
    assert ("Read this online" in text) == (lang == "en")


# The built-in handouts (pages that fill up); English general in the fast suite.
BUILTIN_PDFS = [pdf if "general_en" in pdf else pytest.param(pdf, marks=pytest.mark.slow)
                for pdf in SAMPLE_PDFS]


@pytest.mark.parametrize("pdf", BUILTIN_PDFS)
def test_no_handout_gains_a_page(sample, pdf: str) -> None:
    linked, plain = sample("builtin", True, pdf), sample("builtin", False, pdf)
    assert len(PdfReader(linked).pages) == len(PdfReader(plain).pages), pdf


@pytest.mark.parametrize("pdf", BUILTIN_PDFS)
def test_without_the_setting_nothing_is_printed(sample, pdf: str) -> None:
    text, codes = page_one(sample("builtin", False, pdf))
    assert not codes, pdf
    assert "Read this online" not in text and "internet:" not in text, pdf


def test_the_same_input_gives_the_same_pdf(tmp_path: Path) -> None:
    config = write_tiny_project(tmp_path / "p", CLINIC + f'digital_url = "{LINK}"\n')
    first = build(config, tmp_path / "a", "stages")
    build(config, tmp_path / "b", "stages")
    assert "no room" not in first.output
    name = "stages_general_en_letter.pdf"
    assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert page_one(tmp_path / "a" / name)[1][0].text == \
        "https://riverside.example/general/stages-en.html"


def test_quizzes_keys_and_packets_do_not_get_it(tmp_path: Path) -> None:
    config = write_tiny_project(tmp_path / "p", CLINIC + f'digital_url = "{LINK}"\n')
    out = tmp_path / "out"
    build(config, out, "quiz")
    result = CliRunner().invoke(cli, ["packet", "stages", "--config", str(config),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    pdfs = [p for p in sorted(out.glob("*.pdf")) if not p.name.startswith("stages")]
    assert {p.name.split("_")[0] for p in pdfs} == {"quiz", "quiz-key", "packet"}
    for pdf in pdfs:
        text = pdf_text(pdf)
        assert "Read this online" not in text and "riverside.example/" not in text, pdf.name
        assert not any(c.text.startswith("http") for c in page_one(pdf)[1]), pdf.name


def test_it_is_left_out_where_it_would_cost_a_page(tmp_path: Path) -> None:
    """A project's style that makes the block a page tall: the handout is printed
    without it, on as many pages as without the setting, and the build says so."""
    config = write_tiny_project(tmp_path / "p", CLINIC + f'digital_url = "{LINK}"\n')
    (tmp_path / "p" / "templates").mkdir()
    (tmp_path / "p" / "templates" / "handout.html").write_text(
        '{% extends "builtin/handout.html" %}\n'
        "{% block extra_style %}.online { min-height: 250mm; }{% endblock %}\n", "utf-8")
    result = build(config, tmp_path / "out", "stages")
    assert "stages_general_en_letter: no room on page 1 for the online link" in result.output
    pdf = tmp_path / "out" / "stages_general_en_letter.pdf"
    text, codes = page_one(pdf)
    assert not codes and "Read this online" not in text
    assert len(PdfReader(pdf).pages) == 1


# --- The setting ----------------------------------------------------------------------


def test_placeholders_are_filled_in() -> None:
    clinic = Clinic("Riverside", digital_url=LINK)
    online = clinic.online("falls", "es", "easy-read")
    assert online is not None
    assert online.url == "https://riverside.example/easy-read/falls-es.html"
    assert online.qr_url.startswith("data:image/svg+xml;base64,")
    assert Clinic("Riverside").online("falls", "es", "general") is None
    assert fill_link("https://x.example/{lang}/{lang}", lang="en") == "https://x.example/en/en"


@pytest.mark.parametrize("value, problem", [
    ("https://x.example/{document}-{lang}.html", None),
    ("HTTP://x.example:8080/{audience}/{document}", None),
    ("https://x.example/{doc}.html", "unknown placeholder {doc}"),
    ("https://x.example/{}.html", "unknown placeholder {}"),
    ("https://x.example/{document", "not part of a placeholder"),
    ("https://x.example/document}", "not part of a placeholder"),
    ("ftp://x.example/{document}", "not ftp://"),
    ("x.example/{document}", "must start with https://"),
    ("javascript:alert(1)", "must start with https://"),
    ("https:///{document}", "the host name is missing"),
    ("https://me:secret@x.example/", "user name or password"),
    ("https://x.example/a b", "no spaces"),
    ("https://x.example/" + "a" * MAX_LINK_CHARS, "characters long"),
])
def test_the_setting_is_checked(value: str, problem: str | None) -> None:
    found = link_problem(value)
    assert (found is None) if problem is None else (problem in (found or "")), found


@pytest.mark.parametrize("line, message", [
    ('digital_url = "https://x.example/{doc}.html"', "unknown placeholder {doc} (allowed: "
                                                      "{audience}, {document}, {lang})"),
    ('digital_url = "ftp://x.example/{document}.html"', "must start with https:// (or "
                                                         "http://), not ftp://"),
    ("digital_url = 42", "expected text in quotes"),
    ('digital_url = ["https://x.example/"]', "expected text in quotes"),
    ('digital_url = "https://x.example/{document.html"', "not part of a placeholder"),
    (f'digital_url = "https://x.example/{"a" * MAX_LINK_CHARS}"', "characters long"),
])
def test_a_bad_setting_is_a_located_config_error(tmp_path: Path, line: str,
                                                  message: str) -> None:
    config = write_tiny_project(tmp_path / "p", CLINIC + line + "\n")
    number = config.read_text("utf-8").splitlines().index(line) + 1
    result = CliRunner().invoke(cli, ["build", "stages", "--config", str(config),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert f"osteo-print.toml:{number}: clinic.digital_url: " in result.stderr, result.stderr
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


# --- Every handout, audience and language, on Letter (slow) -------------------------------


@pytest.mark.slow
def test_no_handout_of_the_whole_matrix_gains_a_page(tmp_path: Path) -> None:
    # Letter only: A4 is laid out by the same code and the same fallback, and the whole
    # matrix on both papers took 4.5 minutes.
    every = [*DOCUMENTS, "--audience", "all", "--lang", "en", "--lang", "es",
             "--paper", "letter"]
    outputs = {}
    for name, link in (("plain", None), ("linked", LINK)):
        config = write_branded_project(tmp_path / name)  # logo, address, website: the
        if link:                                         # tallest masthead
            config.write_text(config.read_text("utf-8").replace(
                "[defaults]", f'digital_url = "{link}"\n\n[defaults]'), "utf-8")
        result = build(config, tmp_path / f"{name}-out", *every, jobs=2)
        outputs[name] = (tmp_path / f"{name}-out", result.output)
    pages = {}
    for name, (out, _) in outputs.items():
        manifest = json.loads((out / "manifest.json").read_text("utf-8"))
        pages[name] = {f["path"]: f["pages"] for f in manifest["files"]}
    assert len(pages["plain"]) == len(DOCUMENTS) * 4 * 2
    assert pages["linked"] == pages["plain"]
    out, said = outputs["linked"]
    left_out = set(re.findall(r"(\S+): no room on page 1 for the online link", said))
    for pdf in sorted(out.glob("*.pdf")):
        lang = pdf.stem.split("_")[2]
        text, codes = page_one(pdf)
        if pdf.stem in left_out:
            assert not codes and printed_url(text, lang) is None, pdf.name
        else:
            assert [c.text for c in codes] == [printed_url(text, lang)], pdf.name
    assert len(left_out) <= len(pages["plain"]) // 4  # most have room (36 of 48 here)


@pytest.mark.parametrize("content", CONTENTS)
def test_a_long_address_wraps_only_after_a_slash_and_stays_beside_the_code(
        tmp_path: Path, content: str) -> None:
    """Large type: the address takes two lines; the break is after a "/", never at the
    hyphen of "large-print" (a reader could not tell it from the address), and both
    lines start right of the code."""
    link = "https://riverside.example/handouts/education/{document}_{audience}_{lang}.html"
    config = project(tmp_path / "p", link, content)
    build(config, tmp_path / "out", "stages", "--audience", "large-print")
    pdf = tmp_path / "out" / "stages_large-print_en_letter.pdf"
    text, codes = page_one(pdf)
    url = "https://riverside.example/handouts/education/stages_large-print_en.html"
    assert [c.text for c in codes] == [url]
    lines = [line.strip() for line in text.splitlines()]
    assert "stages_large-print_en.html" in lines  # a line of its own, whole
    assert printed_url(text, "en") == url
    with pdfplumber.open(pdf) as doc:
        words = [w for w in doc.pages[0].extract_words()
                 if w["text"].startswith(("https:", "stages_"))]
    qr_right = 0.75 * 72 + 18 * 72 / 25.4  # the Letter margin, then the 18 mm code
    assert len(words) == 2 and all(w["x0"] > qr_right for w in words)
    assert abs(words[0]["x0"] - words[1]["x0"]) < 0.5  # the second line under the first
