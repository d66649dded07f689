"""The built-in handouts: facts in the PDF text, page count and size, metadata, tagging."""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import DOCUMENTS, page_count, page_texts, pdf_chars, small_text
from conftest import pdf_text as read_pdf_text

pdf_text = functools.cache(read_pdf_text)  # the shared build's files never change

LETTER = (612, 792)  # points

KEY_FACTS = {
    "stages": [
        "A simple way to picture bone loss", "Doctors use your T-score, not stages",
        "Stage 1", "Stage 2", "Stage 3: Osteoporosis", "Stage 4",
        "feel nothing until a bone breaks", "DXA scan", "T-score", "−1 or higher",
        "Normal bone", "Between −1 and −2.5", "Low bone mass", "−2.5 or lower",
        "Experts advise a bone density scan for:", "Sudden back pain",
    ],
    "medicines": [
        "Bisphosphonates", "Raloxifene", "Evista", "Teriparatide", "Forteo",
        "Hormone therapy", "Denosumab", "Prolia", "Romosozumab", "Evenity", "RANKL",
        "sclerostin", "Wnt", "Xgeva contains the same medicine at another dose",
        "Slows bone breakdown", "Builds new bone", "How to take it:", "Warnings:",
        "Never stop it without a plan for your next medicine",
        "What side effects should I watch for?",
    ],
    "exercises": [
        "Walking", "Climbing stairs", "Jogging", "Tai chi", "Lifting weights", "Dancing",
        "Weight-bearing", "Resistance", "Talk to your provider before you start",
        "Standing on one foot", "To protect your bones", "Do not bend forward from the waist",
        "Mon", "Sun", "Week of:",
    ],
    "nutrients": [
        "Calcium", "Vitamin D", "Phosphorus", "Protein", "Potassium", "Magnesium",
        "Vitamin K", "Vitamin C", "Helps your body take in calcium", "supplement",
        "How much a day", "1,000 mg for most adults", "warfarin",
        "Check the box next to each one you want to ask about.",
        "Calcium: Helps build new, healthy bone.",
    ],
    "lifestyle": [
        "Smoking harms your bones", "free radicals", "Alcohol and your bones",
        "Can vitamin D reverse osteoporosis?", "What is the best way to make my bones stronger?",
        "How long can I live with osteoporosis?", "a broken hip is serious",
        "treatment plan",
    ],
    "falls": [
        "Preventing falls at home", "Make your home safer, room by room",
        "Walk through each room. Check each box when it is done.",
        "Bathroom: Grab bars are by the toilet", "non-slip mat",
        "Some medicines can make you dizzy or sleepy", "tai chi", "Fall risk", "What helps",
        "Weak legs Strength and balance exercise", "Roll onto your side",
        "When to call for help", "call 911", "I will fix:",
        "Could my medicines make me dizzy?",
    ],
}

# Letter pages a handout may take. Two, except where a decision says otherwise.
# The safety content of issue 10 (a warning box per medicine, the DXA list, the fall
# checklist) takes a third page on these, more than half full, so even the tightest
# copyfitting cannot save the sheet; 'check' warns that they pass the target of 2.
MAX_PAGES = {"medicines": 3, "stages": 3, "falls": 3}

EVERY_HANDOUT = [
    "Key points", "What you can do", "Questions? Talk to your care team",
    "Last reviewed: November 1, 2026",
    "This sheet does not replace advice from your health care provider.", "Sources",
]


def pdf_path(built: Path, document: str) -> Path:
    return built / f"{document}_general_en_letter.pdf"


@pytest.fixture(scope="module")
def content():
    from osteo_print.content import load_content
    from osteo_print.paths import BUILTIN_CONTENT

    return load_content(BUILTIN_CONTENT)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_key_facts_are_in_the_pdf(built: Path, document: str) -> None:
    text = pdf_text(pdf_path(built, document))
    missing = [f for f in KEY_FACTS[document] + EVERY_HANDOUT if f not in text]
    assert not missing, f"{document}: missing {missing}"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_one_or_two_letter_pages_numbered_x_of_y(built: Path, document: str) -> None:
    reader = PdfReader(pdf_path(built, document))
    assert 1 <= len(reader.pages) <= MAX_PAGES.get(document, 2), len(reader.pages)
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == LETTER
    texts = page_texts(pdf_path(built, document))
    for number, text in enumerate(texts, 1):
        assert f"Page {number} of {len(texts)}" in text


@pytest.mark.parametrize("document", DOCUMENTS)
def test_pdf_is_tagged_with_title_lang_and_metadata(built: Path, content,
                                                    document: str) -> None:
    handout = content.handout("en", document)
    reader = PdfReader(pdf_path(built, document))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    meta = reader.metadata
    assert meta.title == handout.title
    assert pdf_text(pdf_path(built, document)).startswith(f"{handout.title} ")
    assert meta.author
    assert meta.subject == " ".join(handout.purpose.split())  # the sheet's purpose


@pytest.mark.parametrize("document", DOCUMENTS)
def test_only_the_bundled_font_is_used_and_it_is_embedded(built: Path, document: str) -> None:
    reader = PdfReader(pdf_path(built, document))
    seen = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            seen.add(str(font["/BaseFont"]).split("+")[-1])
            descendant = font["/DescendantFonts"][0].get_object() \
                if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert seen and all(name.startswith("Atkinson-Hyperlegible") for name in seen), seen


def test_stage_diagram_is_a_figure_with_alt_text(built: Path) -> None:
    reader = PdfReader(pdf_path(built, "stages"))
    alts = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                alts.append(str(node.get("/Alt", "")))
            kids = node.get("/K")
            if kids is not None:
                for kid in kids if isinstance(kids, list) else [kids]:
                    walk(kid)
        elif isinstance(node, list):
            for kid in node:
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    assert alts and all("circles" in alt for alt in alts), alts


def test_every_cited_source_is_listed_by_its_number(built: Path) -> None:
    for document in DOCUMENTS:
        html = (built / f"{document}_general_en_letter.html").read_text("utf-8")
        main, end = html.split('<footer class="end-matter">')
        cited = set(re.findall(r"<span class=\"cite\">\s*\[(\d+)\]</span>", main))
        listed = set(re.findall(r'<span class="num">\[(\d+)\]</span>', end))
        assert cited and cited == listed, document


def test_medicine_table_marks_match_each_medicines_action(built: Path, content) -> None:
    found = content.handout("en", "medicines").find("medicine-table")
    assert found is not None
    table = found[0]
    assert table.type == "comparison-table"
    medicines = table.rows
    actions = {m.id: m.get("action") for m in medicines}
    assert actions["teriparatide"] == "builds" and actions["romosozumab"] == "both"
    assert actions["denosumab"] == "slows"
    html = (built / "medicines_general_en_letter.html").read_text("utf-8")
    grid = html.split('id="medicine-table"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<th scope="col"[^>]*>(.*?)</th>', grid) == [
        "Medicine", "Slows bone breakdown", "Builds new bone"]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", grid, re.S)
    assert len(rows) == len(medicines) >= 6
    for medicine, row in zip(medicines, rows, strict=True):
        assert medicine.get("name") in row  # like "Denosumab (Prolia)"
        slows, builds = re.findall(r'<td class="mark-col">(.*?)</td>', row, re.S)
        action = medicine.get("action")
        assert ("Yes" in slows) == (action in ("slows", "both")), medicine.id
        assert ("Yes" in builds) == (action in ("builds", "both")), medicine.id


def test_manifest_lists_every_file_with_its_hash(built: Path, manifest: dict) -> None:
    files = manifest["files"]  # the shared build: the defaults and a few more (conftest)
    defaults = [f for f in files if (f["audience"], f["lang"], f["paper"]) == (
        "general", "en", "letter")]
    pdfs = [f for f in defaults if f["format"] == "pdf" and f["kind"] == "handout"]
    assert sorted(f["document"] for f in pdfs) == sorted(DOCUMENTS)
    assert {f["kind"] for f in defaults} == {"handout", "quiz", "answer-key",
                                             "answer-key-data", "quiz-data"}
    for entry in files:
        path = built / entry["path"]
        assert path.is_file()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        assert entry["kind"] in ("handout", "quiz", "answer-key", "answer-key-data",
                                 "quiz-data")
    for entry in (f for f in files if f["format"] == "pdf"):
        assert entry["pages"] == page_count(built / entry["path"])
    assert len({f["path"] for f in files}) == len(files)


def test_html_preview_is_written_next_to_each_pdf(built: Path) -> None:
    for document in DOCUMENTS:
        html = built / f"{document}_general_en_letter.html"
        assert html.read_text("utf-8").startswith("<!DOCTYPE html>")


def test_output_folder_holds_only_what_the_manifest_lists(built: Path, manifest: dict) -> None:
    on_disk = {p.name for p in built.iterdir()} - {"manifest.json", ".osteo-print-cache.json"}
    assert on_disk == {f["path"] for f in manifest["files"]}


@pytest.mark.parametrize("document", DOCUMENTS)
def test_type_sizes_body_at_least_12pt_and_nothing_under_9pt(built: Path, content,
                                                             document: str) -> None:
    handout = content.handout("en", document)
    allowed_small = " ".join([
        handout.title, "Last reviewed: November 1, 2026", "Page of", "·", "Sources",
        *([f"by {handout.reviewed_by}"] if handout.reviewed_by else []),
        *(s.citation for s in content.cited_sources(handout)),
    ])
    allowed_words = set(re.findall(r"[^\W\d_]+", allowed_small))
    pages = pdf_chars(pdf_path(built, document))
    assert min(c["size"] for page in pages for c in page.chars) >= 9
    # Under 12 pt: only citation markers, the footer and the sources list.
    small = " ".join(small_text(page, 11.9) for page in pages)
    stray = {w for w in re.findall(r"[^\W\d_]+", small) if w not in allowed_words}
    assert not stray, stray


def test_two_builds_give_identical_pdfs(built: Path, tmp_path: Path, run) -> None:
    """A build of one handout alone, in this process, gives the bytes the shared build
    (more documents, with HTML, one after the other) gave."""
    assert run("build", "stages", "--jobs", "1", "--out", str(tmp_path)).exit_code == 0
    one = (tmp_path / "stages_general_en_letter.pdf").read_bytes()
    assert one == (built / "stages_general_en_letter.pdf").read_bytes()
