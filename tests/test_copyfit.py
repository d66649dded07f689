"""Pages that fit: copyfitting, the Layout check, and sheet counts (issue 11)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import pdf_chars
from osteo_print.check import CHECKS, layout
from osteo_print.cli import cli
from osteo_print.config import CheckSettings
from osteo_print.context import PAPERS
from osteo_print.fit import LEVELS, STEPS, Fit, Measure, choose, search
from osteo_print.layout import describe, page_use
from osteo_print.plan import Job

LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60" viewBox="0 0 200 60">'
        '<title>Riverside</title><rect width="60" height="60" rx="10" fill="#0b5394"/></svg>')
CLINIC = """[clinic]
name = "Riverside Bone Health Clinic"
phone = "(555) 010-4477"
address = "12 River Road, Springfield"
website = "riverside.example"
logo = "images/logo.svg"
{extra}
[defaults]
audiences = ["general"]
languages = ["en"]
papers = ["letter"]
"""


def _project(folder: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True)
    (folder / "images").mkdir()
    (folder / "images" / "logo.svg").write_text(LOGO)
    config = folder / "osteo-print.toml"
    config.write_text(CLINIC.format(extra=extra))
    return config


def _build(config: Path, out: Path, *args: str):
    result = CliRunner().invoke(cli, ["build", "--config", str(config), "-o", str(out),
                                      *args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _project(tmp_path_factory.mktemp("copyfit") / "fitted")


# The handouts the clinic builds: the lifestyle handout alone in the fast suite; under
# -m slow the lifestyle and nutrients handouts, built together.
ONE = ("lifestyle",)
BOTH = ("lifestyle", "nutrients")


@pytest.fixture(scope="module")
def branded(project: Path):
    """``branded(documents)``: those handouts for a clinic, with and without copyfitting,
    built on first use (for this module): the two output folders and the fitted build's
    summary."""
    made: dict[tuple[str, ...], tuple[Path, Path, str]] = {}

    def get(documents: tuple[str, ...]) -> tuple[Path, Path, str]:
        if documents not in made:
            base = project.parent.parent / "-".join(documents)
            plain = _project(base / "plain", "[layout]\ncopyfit = false\n")
            result = _build(project, base / "out-fitted", *documents)
            _build(plain, base / "out-plain", *documents)
            made[documents] = base / "out-fitted", base / "out-plain", result.stdout
        return made[documents]

    return get


@pytest.mark.parametrize("document, documents", [  # measuring a PDF's pages takes seconds
    pytest.param("lifestyle", ONE, id="lifestyle"),
    pytest.param("nutrients", BOTH, id="nutrients", marks=pytest.mark.slow)])
def test_a_branded_handout_no_longer_ends_on_a_nearly_empty_page(branded, document,
                                                                 documents) -> None:
    fitted, plain, _ = branded(documents)
    name = f"{document}_general_en_letter.pdf"
    before = page_use((plain / name).read_bytes(), PAPERS["letter"])
    assert before.pages == 3 and before.fill < 0.25  # the fault the issue saw
    after = page_use((fitted / name).read_bytes(), Fit(len(STEPS)).paper(PAPERS["letter"]))
    assert after.pages == 2 and after.fill >= 0.25 and not after.outside


def test_copyfitting_keeps_the_type_sizes_and_the_smallest_margin(branded) -> None:
    fitted, plain, _ = branded(ONE)
    name = "lifestyle_general_en_letter.pdf"
    for folder in (fitted, plain):
        pages = pdf_chars(folder / name)
        body = [round(c["size"], 1) for c in pages[0].chars if c["text"].strip()]
        assert max(set(body), key=body.count) == 12.0  # the general body size
        for page in pages:
            for char in page.chars:
                assert char["x0"] >= 0.6 * 72 - 1 and char["x1"] <= page.width - 0.6 * 72 + 1
                assert char["bottom"] <= page.height


@pytest.mark.slow  # two copyfitted builds; the search's own determinism is tested fast below
def test_copyfitting_is_deterministic(branded, project: Path, tmp_path: Path) -> None:
    """The lifestyle handout built again, alone and in this process: the same bytes."""
    fitted, _, _ = branded(BOTH)
    _build(project, tmp_path / "out", "lifestyle", "--jobs", "1")
    for name in ("lifestyle_general_en_letter.pdf",):
        assert (hashlib.sha256((tmp_path / "out" / name).read_bytes()).hexdigest()
                == hashlib.sha256((fitted / name).read_bytes()).hexdigest())


@pytest.mark.parametrize("documents, summary", [
    pytest.param(ONE, "1 PDF (2 pages, 1 sheet printed on both sides)", id="lifestyle"),
    pytest.param(BOTH, "2 PDFs (4 pages, 2 sheets printed on both sides)",
                 id="lifestyle-nutrients", marks=pytest.mark.slow)])
def test_the_summary_and_the_manifest_count_sheets(branded, documents, summary) -> None:
    fitted, _, stdout = branded(documents)
    assert summary in stdout
    manifest = json.loads((fitted / "manifest.json").read_text())
    pdfs = [f for f in manifest["files"] if f["format"] == "pdf"]
    assert {(f["pages"], f["sheets"]) for f in pdfs} == {(2, 1)}


def test_an_odd_page_count_takes_a_whole_sheet(tmp_path: Path) -> None:
    from osteo_print.writer import FileInfo, sheets

    assert [sheets(n) for n in (1, 2, 3, 4, 5)] == [1, 1, 2, 2, 3]
    info = FileInfo("handout", "pdf", "x", "general", "en", "letter", pages=3)
    assert info.sheets == 2


def test_the_steps_tighten_in_the_fixed_order_and_never_touch_type() -> None:
    assert [s.name for s in STEPS] == [
        "end matter kept with the boxes", "less space between sections", "smaller margins",
        "smallest margins", "smaller figures and tables"]
    assert LEVELS[0].css() == "" and LEVELS[0].paper(PAPERS["a4"]) is PAPERS["a4"]
    for fit in LEVELS[1:]:
        css = fit.css()
        assert "font-size" not in css and "line-height" not in css and "font:" not in css
    assert Fit(3).paper(PAPERS["letter"]).margin_side == "0.68in"
    assert Fit(5).paper(PAPERS["a4"]).margin_bottom == "0.6in"  # never below 0.6 in


def test_the_kept_layout_has_the_fewest_pages_and_nothing_off_the_paper() -> None:
    wasteful = Measure(3, 0.1, False)
    two = Measure(2, 0.9, False)
    off = Measure(1, 0.9, False, overflow=True)
    assert choose([(LEVELS[0], wasteful), (LEVELS[1], wasteful), (LEVELS[2], two)]) == 2
    assert choose([(LEVELS[0], wasteful), (LEVELS[1], off)]) == 0  # footer off the paper
    assert choose([(LEVELS[0], two), (LEVELS[1], two)]) == 0  # least tight of equals


def test_check_has_a_layout_column_that_fails_a_nearly_empty_last_page(branded) -> None:
    _, plain, _ = branded(ONE)
    assert "layout" in CHECKS
    job = Job("handout", "lifestyle", "general", "en", "letter")
    from osteo_print.audiences import audience_dirs, load_audience

    audience = load_audience("general", audience_dirs())
    notes: list[str] = []
    cell = layout((plain / "lifestyle_general_en_letter.pdf").read_bytes(), job, audience,
                  CheckSettings(), PAPERS["letter"], notes)
    assert not cell.ok and cell.figure.startswith("3 p, last ")
    assert any("the last page is" in n and "full (at least 25%)" in n for n in notes)


def _html_pdf(body: str) -> bytes:
    import weasyprint

    css = "@page { size: letter; margin: 0.75in 0.75in 0.8in; }"
    return weasyprint.HTML(string=f"<html lang=en><style>{css}</style><body>{body}</body>"
                           "</html>").write_pdf()


def test_the_layout_check_names_text_in_the_margin() -> None:
    pdf = _html_pdf('<p>Fine text.</p><p style="margin-right: -0.5in; text-align: right">'
                    'A marking grid that runs over</p>')
    use = page_use(pdf, PAPERS["letter"])
    assert len(use.outside) == 1
    message = describe(use.outside[0])
    assert message.startswith("'A marking grid that runs over' on page 1 runs 0.")
    assert message.endswith(" in into the right margin")
    assert 0.3 <= use.outside[0].by_pt / 72 <= 0.5


def test_a_one_page_document_has_no_last_page_to_fill() -> None:
    use = page_use(_html_pdf("<p>One line.</p>"), PAPERS["letter"])
    assert use.pages == 1 and not use.outside


@pytest.mark.slow  # 128 documents checked: about 4 minutes on 2 cores
def test_a_branded_matrix_ends_no_document_on_a_nearly_empty_page(matrix_check) -> None:
    """Every handout, quiz and key, every audience, en and es, Letter and A4."""
    lines = matrix_check.stdout.splitlines()
    head = re.split(r"\s{2,}", lines[0])
    rows = [dict(zip(head, re.split(r"\s{2,}", line), strict=True)) for line in lines[2:]
            if line and not line.startswith(" ") and not line.endswith("every check.")]
    assert len(rows) == 4 * 2 * 2 * 8, matrix_check.stdout[-2000:]
    failed = [f"{r['Document']} {r['Audience']} {r['Lang']} {r['Paper']}: {r['Layout']}"
              for r in rows if r["Layout"].startswith("FAIL")]
    assert not failed, failed
    for row in rows:
        pages, _, rest = row["Layout"].removeprefix("pass ").removeprefix("warn ").partition(" p")
        if int(pages) > 1:
            fill = int(re.search(r"last (\d+)%", rest).group(1))
            assert fill >= 25, row
        assert "outside" not in rest, row


def _fake(pages_by_level: dict[int, tuple[int, float]], alone: bool = False):
    """An attempt function with known results per level; records the order of calls."""
    calls: list[int] = []

    def attempt(fit: Fit) -> Measure:
        calls.append(fit.level)
        pages, fill = pages_by_level[fit.level]
        return Measure(pages, fill, alone and fit.level == 0)

    return attempt, calls


def test_the_search_lays_out_again_only_when_a_page_is_wasted() -> None:
    attempt, calls = _fake({0: (2, 0.6)})
    assert search(attempt) == [(LEVELS[0], Measure(2, 0.6, False))] and calls == [0]


def test_the_search_stops_when_even_the_tightest_layout_saves_nothing() -> None:
    attempt, calls = _fake({0: (3, 0.1), 5: (3, 0.05), 1: (3, 0.1)})
    tried = search(attempt)
    assert calls == [0, 5, 1] and tried[choose(tried)][0] == LEVELS[0]


def test_the_search_keeps_the_least_tightening_that_saves_the_page() -> None:
    results = {0: (3, 0.1), 1: (3, 0.12), 2: (3, 0.08), 3: (2, 0.97), 4: (2, 0.93),
               5: (2, 0.9)}
    attempt, calls = _fake(results)
    tried = search(attempt)
    assert calls == [0, 5, 1, 2, 3]  # the tightest first, then in order up to a saving
    assert tried[choose(tried)][0] == LEVELS[3]
    attempt, again = _fake(results)
    assert search(attempt) == tried and again == calls  # deterministic


def test_a_handout_one_page_over_its_target_gets_a_chance_to_save_the_sheet() -> None:
    attempt, calls = _fake({0: (3, 0.4), 5: (2, 0.99), 1: (3, 0.45), 2: (2, 1.0)})
    tried = search(attempt, target=2)
    assert calls == [0, 5, 1, 2] and tried[choose(tried)][0] == LEVELS[2]
    attempt, calls = _fake({0: (3, 0.6)})
    search(attempt, target=2)
    assert calls == [0]  # a well-filled third page: not worth trying


def test_lone_end_matter_is_kept_with_the_boxes_when_no_page_can_be_saved() -> None:
    attempt, calls = _fake({0: (3, 0.5), 5: (3, 0.4), 1: (3, 0.6)}, alone=True)
    tried = search(attempt)
    assert calls == [0, 5, 1] and tried[choose(tried)][0] == LEVELS[1]


def test_when_the_tightest_layout_runs_off_the_paper_the_steps_are_tried_in_order() -> None:
    """Large print: 0.6 in margins push the two-line footer off the paper."""
    pages = {0: (6, 0.12), 1: (6, 0.12), 2: (5, 0.99), 3: (5, 0.9), 4: (5, 0.1),
             5: (5, 0.1)}
    calls: list[int] = []

    def attempt(fit: Fit) -> Measure:
        calls.append(fit.level)
        count, fill = pages[fit.level]
        return Measure(count, fill, False, overflow=fit.level >= 4)

    tried = search(attempt)
    assert calls == [0, 5, 1, 2] and tried[choose(tried)][0] == LEVELS[2]
