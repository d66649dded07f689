"""Quiz and answer-key layout on a branded build (issue 11), read from the PDFs.

One branded project (clinic name, phone, address, website, SVG logo), built once per
session: the large-print Spanish pre-test on Letter (its key's header is the tallest) in
the fast suite; under -m slow also the full quiz of every audience in English and Spanish
on Letter, and large-print Spanish on A4.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner

from conftest import page_texts as read_page_texts
from conftest import pdf_chars, pdf_shapes
from osteo_print.audiences import BUILTIN_AUDIENCES
from osteo_print.cli import cli
from osteo_print.i18n import locale_dirs, translations
from osteo_print.quiz.versions import Version

AUDIENCES = ["general", "large-print", "easy-read", "caregiver"]
LANGS = ["en", "es"]
LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60" '
        'viewBox="0 0 200 60"><rect x="2" y="2" width="56" height="56" rx="10" '
        'fill="#0b5394"/><path d="M15 30h30M30 15v30" stroke="#fff" stroke-width="8"/>'
        '</svg>\n')
PROJECT = """\
[clinic]
name = "Riverside Bone Health Clinic"
phone = "(555) 010-4477"
address = "12 River Road, Springfield, IL 62701"
website = "riverside-bone-health.example.org"
logo = "images/logo.svg"
accent_color = "#0b5394"
"""
SLACK = 1.5  # pt: half a border may stand out of the content box


@dataclass(frozen=True)
class Built:
    quiz: Path
    key: Path
    data: dict
    lang: str

    audience: str

    def _(self, message: str) -> str:
        """The message as this audience's catalog prints it (caregiver: "their")."""
        folders = locale_dirs((BUILTIN_AUDIENCES / self.audience,))
        return translations(self.lang, folders).gettext(message)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# Each build: the quiz command's arguments, and the cases (form, audience, lang, paper)
# it makes. The first, in the fast suite, is the large-print Spanish pre-test on Letter
# (its key's header is the tallest); the others, for slow cases only.
RUNS = [
    (["--form", "pre", "--audience", "large-print", "--lang", "es", "--paper", "letter"],
     [("pre", "large-print", "es", "letter")]),
    (["--form", "all", "--audience", "large-print", "--lang", "es", "--paper", "letter"],
     [("all", "large-print", "es", "letter")]),
    (["--audience", "all", "--lang", "en", "--lang", "es", "--paper", "letter"],
     [("all", a, lang, "letter") for a in AUDIENCES for lang in LANGS]),
    (["--audience", "large-print", "--lang", "es", "--paper", "a4"],
     [("all", "large-print", "es", "a4")]),
]
FORMS = {"quiz": "all", "quiz-pre": "pre", "quiz-post": "post"}


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory):
    """(form, audience, lang, paper) -> the quiz, its key and the key's JSON; each of
    RUNS is built the first time a test asks for one of its cases."""
    root = tmp_path_factory.mktemp("branded")
    (root / "images").mkdir()
    (root / "images" / "logo.svg").write_text(LOGO, "utf-8")
    (root / "osteo-print.toml").write_text(PROJECT, "utf-8")
    found: dict[tuple[str, str, str, str], Built] = {}

    def build(number: int) -> None:
        out = root / f"out{number}"
        result = CliRunner().invoke(cli, ["quiz", "--config", str(root / "osteo-print.toml"),
                                          "--seed", "7", "--out", str(out), *RUNS[number][0]])
        assert result.exit_code == 0, result.output
        for data_path in out.glob("*-key_*.json"):
            data = json.loads(data_path.read_text("utf-8"))
            stem = data["quiz"]
            tail = f"{data['audience']}_{data['lang']}_{data['paper']}_{data['version']}"
            found.setdefault((FORMS[stem], data["audience"], data["lang"], data["paper"]), Built(
                out / f"{stem}_{tail}.pdf", out / f"{stem}-key_{tail}.pdf", data, data["lang"],
                data["audience"]))

    def get(case: tuple[str, str, str, str]) -> Built:
        if case not in found:
            build(next(n for n, (_, cases) in enumerate(RUNS) if case in cases))
        return found[case]

    return get


FAST = RUNS[0][1]
CASES = [("all", a, lang, "letter") for a in AUDIENCES for lang in LANGS] + [
    ("all", "large-print", "es", "a4"), ("pre", "large-print", "es", "letter")]


@pytest.fixture(params=[case if case in FAST else pytest.param(case, marks=pytest.mark.slow)
                        for case in CASES], ids=["-".join(case) for case in CASES])
def built(request, builds) -> Built:
    return builds(request.param)


@functools.cache
def _page_texts(path: Path, mtime: float) -> tuple[str, ...]:
    return tuple(read_page_texts(path))


def page_texts(path: Path) -> list[str]:
    """The pages' text, each PDF read once (several tests read each one)."""
    return list(_page_texts(path, path.stat().st_mtime))


def stem_start(row: dict) -> str:
    """The question's number and the first words of its stem, as printed."""
    words = squash(row["stem"]).split("___")[0].split()[:4]
    return f"{row['number']}. {' '.join(words)}"


def test_instructions_are_on_page_1(built: Built) -> None:
    first = page_texts(built.quiz)[0]
    assert built._("How to fill in this quiz") in first
    assert built._("Check the box next to your answer.") in first


def test_score_box_is_on_page_1(built: Built) -> None:
    first = page_texts(built.quiz)[0]
    total = built.data["total_points"]
    assert re.search(rf"{re.escape(built._('Score:'))}\s*/ {total}\b", first), first[:300]
    assert built._("Name:") in first


def test_no_question_splits_across_pages(built: Built) -> None:
    pages = page_texts(built.quiz)
    for row in built.data["questions"]:
        start = stem_start(row)
        holding = [n for n, text in enumerate(pages) if start in text]
        assert len(holding) == 1, (start, holding)
        page = pages[holding[0]]
        # A matching table's cells share lines: compare only the first word there.
        ends = [row["options"][-1]] + ([row["prompts"][-1]] if row.get("prompts") else [])
        for end in ends:
            words = squash(end).split()[:1 if row.get("prompts") else 3]
            assert " ".join(words) in page, (row["number"], end)


def test_closing_line_shares_the_last_page_with_a_question(built: Built) -> None:
    pages = page_texts(built.quiz)
    thanks = squash(built._("Thank you. Please give this sheet back to your class leader."))
    assert thanks in pages[-1]
    assert all(thanks not in page for page in pages[:-1])
    last = built.data["questions"][-1]
    assert stem_start(last) in pages[-1]


def test_version_and_seed_code_on_every_page(built: Built) -> None:
    data = built.data
    code = Version(data["quiz"], data["version"], data["seed"], ()).code
    assert re.fullmatch(r"[0-9A-F]{4}", code)
    mark = f"{built._('Version %(letter)s') % {'letter': data['version']}} · {code}"
    for path in (built.quiz, built.key):
        for number, text in enumerate(page_texts(path), 1):
            assert mark in text, (path.name, number)


def test_key_grid_fits_the_content_width(built: Built) -> None:
    drawn = pdf_shapes(built.key)  # pdfplumber's rectangles, lines and characters,
    written = pdf_chars(built.key)  # read with PDFium
    for number, (page, text) in enumerate(zip(drawn, written, strict=True), 1):
        # The html box's white background is the content area (as copyfitted).
        content = max((r for r in page.rects if r["non_stroking_color"] == (1, 1, 1)
                       and r["width"] > page.width / 2),
                      key=lambda r: r["width"] * r["height"])
        left, right = content["x0"] - SLACK, content["x1"] + SLACK
        shapes = [s for s in [*page.rects, *page.lines] if s is not content]
        chars = [c for c in text.chars if c["text"].strip()]
        outside = [(round(s["x0"]), round(s["x1"]), s.get("text", "a shape"))
                   for s in [*shapes, *chars] if s["x1"] > right or s["x0"] < left]
        assert not outside, (built.key.name, number, outside[:5])


def test_key_grid_total_and_heading_are_on_page_1(built: Built) -> None:
    first = page_texts(built.key)[0]
    assert built._("Marking grid") in first
    assert built._("Total points: %(points)s") % {"points": built.data["total_points"]} in first
    header = [built._("No."), built._("Answer"), built._("Points")]
    assert " ".join(header) in first


@pytest.mark.slow  # the longest quiz of all to lay out, on each paper
@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_large_print_spanish_key_stays_short(builds, paper: str) -> None:
    """Issue 11: this key ran to 9 to 12 pages when the grid and the teach-back notes
    each forced a page break."""
    with pdfplumber.open(builds(("all", "large-print", "es", paper)).key) as pdf:
        assert len(pdf.pages) <= 10, paper


def test_version_code_is_short_stable_and_tells_seeds_apart() -> None:
    a1 = Version("quiz", "A", 1, ())
    assert a1.code == Version("quiz", "A", 1, ()).code
    assert re.fullmatch(r"[0-9A-F]{4}", a1.code)
    others = {Version("quiz", "A", seed, ()).code for seed in range(2, 40)}
    assert a1.code not in others
    assert Version("quiz", "B", 1, ()).code != a1.code
    assert Version("quiz-pre", "A", 1, ()).code != a1.code
