"""Class packets: one PDF with a cover, contents, the handouts, a guide and a sign-in sheet."""

from __future__ import annotations

import functools
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import (
    DOCUMENTS,
    page_texts,
    write_tiny_content,
    write_tiny_project,
    yaml_dump,
    yaml_load,
)
from osteo_print.cli import cli
from osteo_print.packet import estimate_minutes, parse_date
from osteo_print.paths import BUILTIN_CONTENT

TITLES = ["The stages of bone loss", "Your osteoporosis medicines",
          "Exercise for stronger bones", "Nutrients for strong bones",
          "Living well with osteoporosis", "Preventing falls at home"]
BLANK = {"en": "This page is left blank on purpose",
         "es": "Esta página se dejó en blanco a propósito"}
FOOTER = {"en": r"Page \d+ of \d+", "es": r"Página \d+ de \d+"}


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# What each content's packets say that the tests look for: a section of the first
# handout, that handout's Spanish title, a teach-back prompt, and how many sections the
# easy-read packet has at least.
EXPECT = {
    "tiny": {"section": "What to know", "spanish": "Sobre stages",
             "prompt": "Tell me what you will do this week.", "sections": 1},
    "builtin": {"section": "How your bones are checked",
                "spanish": "Las etapas de la pérdida", "prompt": "Tell me in your own words",
                "sections": 6},
}
OBJECTIVES = {"en": "Say why a short walk each day is good for bones.",
              "es": "Decir por qué un paseo corto cada día es bueno para los huesos."}


def write_tiny_packet_project(folder: Path) -> Path:
    """conftest's tiny project (one-page handouts, copyfit off), each handout with a
    learning objective, as the built-in ones have; returns its config."""
    config = write_tiny_project(folder)
    for path in sorted((folder / "content").glob("*/handouts/*.yaml")):
        handout = yaml_load(path.read_text("utf-8"))
        handout["objectives"] = [OBJECTIVES[path.parent.parent.name]]
        path.write_text(yaml_dump(handout), "utf-8")
    return config


@pytest.fixture(scope="session", params=[
    pytest.param(("tiny", ("stages", "falls")), id="tiny-two-handouts"),
    pytest.param(("builtin", ("stages", "falls")), id="two-handouts",
                 marks=pytest.mark.slow),
    pytest.param(("builtin", ()), id="every-handout", marks=pytest.mark.slow)])
def packet_build(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], dict]:
    """Packets for two audiences in two languages, printed on both sides (four jobs,
    rendered in this process): of two handouts of conftest's tiny content in
    the fast suite, of two built-in handouts and of every one under -m slow. The output
    folder, the handouts' titles, in order, and what the content's packets say
    (EXPECT)."""
    content, documents = request.param
    folder = tmp_path_factory.mktemp("packets")
    out = folder / "output"
    config = ["--config", str(write_tiny_packet_project(folder / "tiny"))
              ] if content == "tiny" else []
    result = invoke("packet", *documents, *config, "--out", str(out), "--html",
                    "-a", "general", "-a", "easy-read", "-l", "en", "-l", "es",
                    "--date", "2026-12-03")
    assert result.exit_code == 0, result.output
    if content == "tiny":
        titles = [f"About {d}" for d in documents]
    else:
        titles = [t for d, t in zip(DOCUMENTS, TITLES, strict=True)
                  if d in documents or not documents]
    return out, titles, EXPECT[content]


@pytest.fixture(scope="session")
def packets(packet_build) -> Path:
    return packet_build[0]


@pytest.fixture(scope="session")
def titles(packet_build) -> list[str]:
    """The titles of the handouts in the packets, in order."""
    return packet_build[1]


@pytest.fixture(scope="session")
def expect(packet_build) -> dict:
    """What the packets' content says that the tests look for (EXPECT)."""
    return packet_build[2]


@pytest.fixture(scope="session", params=[
    pytest.param(("tiny", "stages"), id="tiny"),
    pytest.param(("builtin", "lifestyle"), id="builtin", marks=pytest.mark.slow)])
def single_sided_build(request: pytest.FixtureRequest,
                       tmp_path_factory: pytest.TempPathFactory):
    """A single-sided packet of one handout (cover, contents, the handout, guide, sign-in
    sheet: every kind of part), of conftest's tiny content (fast) or the built-in content
    (-m slow); the Click result and the output folder."""
    content, document = request.param
    folder = tmp_path_factory.mktemp("single")
    out = folder / "output"
    config = ["--config", str(write_tiny_packet_project(folder / "tiny"))
              ] if content == "tiny" else []
    result = invoke("packet", document, *config, "--out", str(out), "--single-sided",
                    "--title", "Strong bones")
    assert result.exit_code == 0, result.output
    return result, out


@pytest.fixture(scope="session")
def single_sided(single_sided_build) -> Path:
    return single_sided_build[1] / "packet_general_en_letter.pdf"


@functools.cache
def _texts(path: Path, mtime: float) -> tuple[str, ...]:
    return tuple(page_texts(path))


def texts(path: Path) -> list[str]:
    """The pages' text (each PDF read once: the packets are read by many tests)."""
    return list(_texts(path, path.stat().st_mtime))


@functools.cache
def _outline(path: Path, mtime: float) -> tuple[tuple[str, int], ...]:
    reader = PdfReader(path)
    return tuple((item.title, reader.get_destination_page_number(item) + 1)
                 for item in reader.outline if not isinstance(item, list))


def outline(path: Path) -> list[tuple[str, int]]:
    """The top-level bookmarks: (title, 1-based page number)."""
    return list(_outline(path, path.stat().st_mtime))


def bare(text: str, lang: str) -> str:
    """A page's text without its running footer."""
    return re.sub(FOOTER[lang], "", text).strip()


def test_parts_come_in_order_with_a_bookmark_each(packets: Path, titles: list[str]) -> None:
    marks = outline(packets / "packet_general_en_letter.pdf")
    assert [title for title, _ in marks] == [
        "Bone health class", "Contents", *titles, "Facilitator guide", "Sign-in sheet"]
    pages = [page for _, page in marks]
    assert pages == sorted(pages) and len(set(pages)) == len(pages)


def test_handout_sections_are_bookmarked_under_their_part(packets: Path, titles: list[str],
                                                         expect: dict) -> None:
    reader = PdfReader(packets / "packet_general_en_letter.pdf")
    nested = [item for item in reader.outline if isinstance(item, list)]
    assert len(nested) == len(titles)  # one list of sections under each handout
    assert expect["section"] in [item.title for item in nested[0]]


def test_contents_page_numbers_are_the_pages_the_parts_start_on(packets: Path) -> None:
    pdf = packets / "packet_general_en_letter.pdf"
    pages = texts(pdf)
    contents = pages[2]
    assert contents.startswith("Contents")
    for title, start in outline(pdf)[2:]:
        found = re.search(re.escape(title) + r"[\s.…]*?(\d+)", contents)
        assert found, title
        assert int(found.group(1)) == start, title
        assert bare(pages[start - 1], "en").startswith(title)


def test_every_part_starts_on_a_right_hand_page(packets: Path) -> None:
    for pdf in packets.glob("packet_*.pdf"):
        assert all(page % 2 == 1 for _, page in outline(pdf)), pdf.name


@pytest.mark.parametrize("name, lang", [("packet_general_en_letter.pdf", "en"),
                                        ("packet_easy-read_es_letter.pdf", "es")])
def test_blank_pages_say_so_and_the_page_count_is_even(packets: Path, name: str,
                                                       lang: str) -> None:
    pages = texts(packets / name)
    assert len(pages) % 2 == 0
    blanks = [i + 1 for i, text in enumerate(pages) if BLANK[lang] in text]
    assert blanks and blanks[-1] == len(pages)
    for number, text in enumerate(pages, 1):
        rest = bare(text, lang)
        if number in blanks:
            assert rest == BLANK[lang], number  # nothing else on a blank page
        else:
            assert rest, f"page {number} is empty but does not say so"
    starts = {page for _, page in outline(packets / name)}
    assert all(page + 1 in starts or page == len(pages) for page in blanks)


def test_single_sided_has_no_blank_pages(single_sided: Path) -> None:
    pages = texts(single_sided)
    assert not any(BLANK["en"] in text for text in pages)
    assert all(bare(text, "en") for text in pages)
    marks = outline(single_sided)
    assert marks[0][0] == "Strong bones"
    assert [page for _, page in marks][:3] == [1, 2, 3]  # cover, contents, first handout


def test_the_packet_is_tagged_with_its_language(packets: Path) -> None:
    for lang in ("en", "es"):
        root = PdfReader(packets / f"packet_general_{lang}_letter.pdf").trailer["/Root"]
        assert "/StructTreeRoot" in root
        assert root["/Lang"] == lang
        assert root["/MarkInfo"]["/Marked"]


def test_manifest_lists_each_packet_with_kind_packet(packets: Path) -> None:
    manifest = json.loads((packets / "manifest.json").read_text("utf-8"))
    pdfs = {f["path"]: f for f in manifest["files"] if f["format"] == "pdf"}
    assert sorted(pdfs) == sorted(f"packet_{a}_{lang}_letter.pdf" for a in
                                  ("general", "easy-read") for lang in ("en", "es"))
    for path, entry in pdfs.items():
        assert entry["kind"] == "packet" and entry["document"] == "packet"
        assert entry["pages"] == len(PdfReader(packets / path).pages)


def test_spanish_packet_is_in_spanish(packets: Path, expect: dict) -> None:
    pdf = packets / "packet_general_es_letter.pdf"
    text = " ".join(texts(pdf))
    for words in ("Clase sobre la salud de los huesos", "3 de diciembre de 2026", "Contenido",
                  "Guía para quien dirige la clase", "Hoja de asistencia", "Tiempo sugerido",
                  "Después de esta parte, las personas pueden", expect["spanish"]):
        assert words in text, words
    for english in ("Contents", "Sign-in sheet", "Suggested timing", "left blank",
                    "Bone health class", "Facilitator guide"):
        assert english not in text, english


def test_cover_has_class_title_date_and_a_place_for_the_name(packets: Path) -> None:
    cover = texts(packets / "packet_general_en_letter.pdf")[0]
    assert "Bone health class" in cover and "December 3, 2026" in cover
    assert "This packet belongs to:" in cover


def test_each_handout_keeps_its_own_sources_and_disclaimer(packets: Path,
                                                           titles: list[str]) -> None:
    html = (packets / "packet_general_en_letter.html").read_text("utf-8")
    parts = re.findall(r'<article class="packet-part handout-part.*?</article>', html, re.S)
    assert len(parts) == len(titles)
    for part in parts:
        assert part.count('class="end-matter"') == 1
        assert "does not replace advice" in part
        cited = set(re.findall(r'class="cite">(?:&nbsp;|\xa0)\[(\d+)\]', part))
        listed = set(re.findall(r'<span class="num">\[(\d+)\]</span>', part))
        assert cited == listed
    assert len(set(re.findall(r'\sid="([^"]+)"', html))) == len(re.findall(r'\sid="', html))


def test_easy_read_cites_each_source_once_per_section_in_each_part(packets: Path,
                                                                   expect: dict) -> None:
    html = (packets / "packet_easy-read_en_letter.html").read_text("utf-8")
    sections = re.findall(r"<section\b.*?</section>", html, re.S)
    assert len(sections) > expect["sections"]
    for section in sections:
        numbers = re.findall(r'class="cite">(?:&nbsp;|\xa0)\[(\d+)\]', section)
        assert len(numbers) == len(set(numbers))


def test_guide_has_objectives_teach_back_and_a_timing_that_adds_up(
        packets: Path, titles: list[str], expect: dict) -> None:
    html = (packets / "packet_general_en_letter.html").read_text("utf-8")
    guide = re.search(r'<article class="packet-part guide".*?</article>', html, re.S).group(0)
    assert guide.count("After this part, people can:") == len(titles)
    assert "No learning objectives" not in guide
    assert expect["prompt"] in guide
    minutes = [int(m) for m in re.findall(r'<td class="minutes">(\d+)\*?</td>', guide)]
    assert len(minutes) == len(titles) + 3  # pre-test, handouts, post-test, total
    assert sum(minutes[:-1]) == minutes[-1]


def test_sign_in_sheet_fills_one_page_with_numbered_rows(packets: Path) -> None:
    pdf = packets / "packet_general_en_letter.pdf"
    pages = texts(pdf)
    start = dict(outline(pdf))["Sign-in sheet"]
    sheet = pages[start - 1]
    for label in ("Name", "Phone or ID", "Pre-test", "Post-test"):
        assert label in sheet
    assert BLANK["en"] in pages[start]  # the sheet is one page; then the closing blank
    assert re.search(r"\b15\b", sheet)


def test_a_bad_date_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for bad in ("2026-02-30", "03/12/2026", "next week"):
        result = CliRunner().invoke(cli, ["packet", "--out", str(out), "--date", bad])
        assert result.exit_code in (1, 2), result.output
        assert "--date" in result.output and "YYYY-MM-DD" in result.output or \
            "not a real date" in result.output
        assert "Traceback" not in result.output
        assert not out.exists()


def test_unknown_documents_get_the_same_error_as_build(tmp_path: Path) -> None:
    """The same error, less the quiz, which a packet does not hold."""
    build = CliRunner().invoke(cli, ["build", "nope", "--out", str(tmp_path)])
    packet = CliRunner().invoke(cli, ["packet", "nope", "--out", str(tmp_path)])
    assert packet.exit_code == build.exit_code != 0
    assert packet.output == build.output.replace(", quiz (see", " (see")


def test_dates_and_timing_rules() -> None:
    assert parse_date("2026-12-03") == "2026-12-03"
    assert estimate_minutes(0) == 5 and estimate_minutes(301) == 10


WALK_GROUP = """\
title: Our walking group
purpose: The clinic's walking group meets every week; come and walk with us.
last_reviewed: 2026-10-01
reviewed_by: Clinic nurse educator
order: 5
sourced: false
blocks:
  - type: key-points
    items:
      - text: The group walks for 30 minutes at an easy pace.
  - type: section
    id: when
    heading: When and where
    blocks:
      - type: paragraph
        text: We meet on Tuesdays at 10 in the morning, by the front door.
"""
OVERRIDE = """\
{% extends "builtin/handout.html" %}
{% block after_boxes %}<p>Bring water and good shoes.</p>{% endblock %}
"""


@pytest.mark.parametrize("content, falls", [
    ("tiny", "About falls"),
    pytest.param("builtin", "Preventing falls at home", marks=pytest.mark.slow)])
def test_a_projects_own_handout_and_its_template_are_in_the_packet(
        tmp_path: Path, content: str, falls: str) -> None:
    """With the falls handout of conftest's tiny content (fast) or the built-in one."""
    if content == "tiny":
        write_tiny_content(tmp_path / "content")
    else:
        shutil.copytree(BUILTIN_CONTENT, tmp_path / "content")
    (tmp_path / "content/en/handouts/walk-group.yaml").write_text(WALK_GROUP, "utf-8")
    (tmp_path / "templates/handouts").mkdir(parents=True)
    (tmp_path / "templates/handouts/walk-group.html").write_text(OVERRIDE, "utf-8")
    config = tmp_path / "osteo-print.toml"
    config.write_text('[clinic]\nname = "Riverside Clinic"\nphone = "(555) 010-4477"\n\n'
                      '[defaults]\ncontent = "content"\n', "utf-8")
    result = invoke("packet", "walk-group", "falls", "--config", str(config), "--html",
                    "--single-sided", "-q")
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "output/packet_general_en_letter.pdf"
    marks = [title for title, _ in outline(pdf)]
    assert marks[2:4] == ["Our walking group", falls]  # as named
    text = " ".join(texts(pdf))
    assert "Bring water and good shoes." in text
    assert "Riverside Clinic" in text
    assert "No learning objectives are written for this handout yet." in text
    assert "no teach-back prompts for this handout" in text


def test_objectives_are_validated_like_other_keys(content_copy: Path, tmp_path: Path) -> None:
    path = content_copy / "en/handouts/stages.yaml"
    text = path.read_text("utf-8").replace("objectives:\n", "objectives: 12\nold_objectives:\n", 1)
    path.write_text(text, "utf-8")
    result = CliRunner().invoke(cli, ["packet", "--content", str(content_copy),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "stages.yaml" in result.output and "objectives" in result.output
    assert "Traceback" not in result.output


def test_a_single_sided_packet_counts_a_sheet_a_page(single_sided_build) -> None:
    result, out = single_sided_build
    entry = next(f for f in json.loads((out / "manifest.json").read_text())["files"]
                 if f["kind"] == "packet")
    assert entry["sheets"] == entry["pages"]
    assert f"({entry['pages']} pages, {entry['pages']} sheets of paper)" in result.stdout


def test_a_packet_does_not_offer_the_quiz_it_refuses(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["packet", "quiz", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "Unknown document 'quiz'" in result.stderr
    assert "falls (see 'osteo-print list')" in result.stderr and ", quiz" not in result.stderr
    assert not (tmp_path / "out").exists()
