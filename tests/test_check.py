"""osteo-print check: the built-in content passes everywhere; bad material is caught."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from conftest import DOCUMENTS, write_tiny_project, yaml_dump, yaml_load
from osteo_print.check import Cell, Row, table
from osteo_print.plan import Job

HARD = ("Osteoclastic resorption, physiologically counterbalanced by osteoblastic "
        "mineralization throughout adulthood, progressively deteriorates, consequently "
        "precipitating osteoporotic microarchitectural degeneration. ") * 5


HEADER = ["Document", "Audience", "Lang", "Paper", "Readability", "Pemat", "Print", "Layout",
          "Tagged", "Sources", "Safety", "Voice", "Translated"]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def change_blocks(path: Path, change) -> None:
    """Load a handout file, let ``change`` alter its top-level blocks, write it back."""
    data = yaml_load(path.read_text("utf-8"))
    change(data["blocks"])
    path.write_text(yaml_dump(data), "utf-8")


def make_stages_hard(content: Path) -> None:
    """Replace the first paragraph of the stages handout with HARD."""

    def change(blocks: list) -> None:
        paragraph = next(b for s in blocks if s["type"] == "section" for b in s["blocks"]
                         if b["type"] == "paragraph")
        paragraph["text"] = HARD

    change_blocks(content / "en/handouts/stages.yaml", change)


@pytest.mark.slow  # 128 documents checked: about 4 minutes on 2 cores
def test_builtin_content_passes_every_check_for_every_audience_and_language(
        matrix_check) -> None:
    """The whole matrix, branded: every audience, en and es, Letter and A4."""
    result = matrix_check
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()  # a "Note:" about a local content/ goes to stderr
    assert lines[0].split() == HEADER
    assert "FAIL" not in result.output
    # audiences x languages x papers x (handouts, quiz, key)
    total = 4 * 2 * 2 * (len(DOCUMENTS) + 2)
    rows = [re.split(r"\s{2,}", line) for line in lines[2:]
            if line and not line.startswith((" ", f"{total} of"))]
    assert len(rows) == total
    assert f"{total} of {total} documents pass every check." in result.output
    for row in rows:
        cells = dict(zip(HEADER, row, strict=True))
        # Voice applies to the audiences that set a voice (caregiver); the rest show "-".
        if cells["Audience"] == "caregiver":
            assert re.fullmatch(r"pass 0 of \d+ words", cells["Voice"]), row
        else:
            assert cells["Voice"] == "-", row
        assert cells["Translated"] == "pass yes", row  # every version exists in en and es


# Which content a test reads: the tiny content (conftest) in the fast suite, the
# built-in content (copyfitted, a few layouts per document) under -m slow.
CONTENTS = [pytest.param("tiny", id="tiny"),
            pytest.param("builtin", id="builtin", marks=pytest.mark.slow)]


def content_args(which: str, request: pytest.FixtureRequest) -> tuple[Path, list[str]]:
    """The content folder, and the options that choose it."""
    from osteo_print.paths import BUILTIN_CONTENT

    if which == "builtin":
        return BUILTIN_CONTENT, []
    tiny = request.getfixturevalue("tiny_content")
    return tiny, ["--content", str(tiny)]


@pytest.mark.parametrize("which", CONTENTS)
def test_check_names_each_figure(run, which: str, request: pytest.FixtureRequest) -> None:
    from osteo_print.content import load_content

    folder, args = content_args(which, request)
    content = load_content(folder)
    cited = len(content.cited_sources(content.handout("en", "stages")))
    result = run("check", "stages", *args)  # one document: its row is what is read
    assert result.exit_code == 0
    stages = next(line for line in result.output.splitlines() if line.startswith("stages"))
    assert "pass FK" in stages and "SMOG" in stages and "pass 8/8" in stages
    assert "pass 12/9.5 pt" in stages and "pass 5/5" in stages
    assert f" {cited} listed" in stages


# The tests of bad material below edit the tiny content (conftest), whose stages handout
# passes every check as it is, like the built-in ones: a tenth of the layout work.


def test_hard_text_fails_readability_and_exits_1(tiny_content: Path, tmp_path: Path,
                                                 run) -> None:
    make_stages_hard(tiny_content)
    result = run("check", "stages", "--content", str(tiny_content))
    assert result.exit_code == 1
    assert "FAIL FK" in result.output
    assert "stages_general_en_letter: readability: grade" in result.output


def test_one_key_point_fails_the_pemat_summary(tiny_content: Path, run) -> None:
    path = tiny_content / "en/handouts/stages.yaml"

    def one_key_point(blocks: list) -> None:  # a summary needs at least two
        [box] = [b for b in blocks if b["type"] == "key-points"]
        assert len(box["items"]) >= 2
        del box["items"][1:]

    change_blocks(path, one_key_point)
    result = run("check", "stages", "--content", str(tiny_content))
    assert result.exit_code == 1
    assert "FAIL 7/8" in result.output and "PEMAT: missing a summary" in result.output


def test_an_old_review_date_warns_but_passes(tiny_content: Path, run) -> None:
    edit(tiny_content / "en/handouts/stages.yaml", "last_reviewed: '2026-10-01'",
         "last_reviewed: '2020-01-15'")
    result = run("check", "stages", "--content", str(tiny_content))
    assert result.exit_code == 0, result.output
    assert re.search(r"warn \d+ listed, last reviewed \d+ days ago", result.output)


# The tiny stages handout reads at grade 0.3 (Flesch-Kincaid), the built-in one above 1.
@pytest.mark.parametrize("which, grade", [pytest.param("tiny", "0.1", id="tiny"),
                                          pytest.param("builtin", "1.0", id="builtin",
                                                       marks=pytest.mark.slow)])
def test_thresholds_come_from_the_config(tmp_path: Path, run, which: str, grade: str) -> None:
    if which == "tiny":
        config = write_tiny_project(tmp_path / "tiny", f"\n[check]\nmax_grade = {grade}\n")
    else:
        config = tmp_path / "osteo-print.toml"
        config.write_text(f"[check]\nmax_grade = {grade}\n", "utf-8")
    result = run("check", "stages", "--config", str(config))
    assert result.exit_code == 1
    assert f"(at most {grade})" in result.output


def test_small_type_fails_the_print_check(tiny_config: Path, run) -> None:
    folder = tiny_config.parent / "audiences" / "small"
    folder.mkdir(parents=True)
    (folder / "audience.toml").write_text('label = "Small"\nbody_pt = 10\n', "utf-8")
    result = run("check", "stages", "--config", str(tiny_config), "--audience", "small")
    assert result.exit_code == 1
    assert "FAIL 10/9.5 pt" in result.output


def test_strict_build_writes_only_what_passes(tiny_content: Path, tmp_path: Path,
                                              run) -> None:
    out = tmp_path / "out"
    assert run("build", "stages", "--content", str(tiny_content), "--out",
               str(out)).exit_code == 0  # an earlier build
    make_stages_hard(tiny_content)
    result = run("build", "stages", "exercises", "--strict", "--content", str(tiny_content),
                 "--out", str(out))
    assert result.exit_code == 1
    assert "1 document(s) failed the checks; they were not written" in result.stderr
    assert (out / "exercises_general_en_letter.pdf").is_file()
    assert not (out / "stages_general_en_letter.pdf").exists()  # the earlier copy is gone
    manifest = (out / "manifest.json").read_text("utf-8")
    assert "stages_general_en_letter.pdf" not in manifest


def test_table_lines_up_columns() -> None:
    job = Job("handout", "stages", "general", "en", "letter")
    row = Row(job, {name: Cell(True, "x") for name in
                    ("readability", "pemat", "print", "tagged", "sources", "safety", "voice",
                     "translated")})
    row.cells["print"] = Cell(False, "10/9 pt")
    row.cells["voice"] = Cell(True, "-")
    lines = table([row])
    assert len(lines) == 3 and set(lines[1]) <= {"-", " "}
    assert lines[0].split() == HEADER
    assert "FAIL 10/9 pt" in lines[2]
    # every cell starts where its heading does
    for heading, cell in (("Print", "FAIL 10/9 pt"), ("Voice", "-"), ("Translated", "pass x")):
        assert lines[2].index(cell, lines[0].index(heading)) == lines[0].index(heading)
    assert not row.ok


def test_review_age_uses_the_date_given() -> None:
    from osteo_print.check import _Structure, sources
    from osteo_print.config import CheckSettings

    html = ('<meta name="dcterms.modified" content="2024-01-01"><main>'
            '<span class="cite">&nbsp;[1]</span></main><p class="sources">'
            '<span class="num">[1]</span></p>')
    page = _Structure.parse('<meta name="reviewed-by" content="Nurse educator">' + html)
    notes: list[str] = []
    cell = sources(page, CheckSettings(), dt.date(2026, 6, 1), notes)
    assert cell.ok and cell.warning == "last reviewed 882 days ago"
    assert sources(page, CheckSettings(), dt.date(2024, 6, 1), []).warning == ""
    # Without a reviewer the cell still passes, with a warning that says so.
    unsigned = sources(_Structure.parse(html), CheckSettings(), dt.date(2024, 6, 1), [])
    assert unsigned.ok and unsigned.warning == "no reviewed_by"
