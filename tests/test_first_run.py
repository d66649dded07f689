"""A clean first run (issue 11): without HarfBuzz's subsetter, into a closed pipe, and
with a clinic's logo that holds text.

The no-subsetter tests run WeasyPrint as on a fresh machine: tests/no_subsetter/ on
PYTHONPATH makes every process (build workers too) find no libharfbuzz-subset, so
WeasyPrint takes its fontTools fallback. ``PYTHONPATH=$PWD/tests/no_subsetter pytest``
runs the whole suite that way.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest

from conftest import write_tiny_project
from osteo_print.audiences import Audience
from osteo_print.build import BuildOptions, build
from osteo_print.check import _masthead, print_sizes
from osteo_print.config import CheckSettings
from osteo_print.options import QuizRequest

NO_SUBSETTER = Path(__file__).parent / "no_subsetter"
TIP = ("Tip: install the HarfBuzz subsetter to make builds about twice as fast "
       "(Debian/Ubuntu: sudo apt-get install libharfbuzz-subset0). This tip is shown once.")
RAW = "Using fontTools instead of HarfBuzz"


def environment(tmp_path: Path, subsetter: bool = True, told: bool = False) -> dict[str, str]:
    """The environment of a fresh machine: a new cache folder, maybe no subsetter."""
    cache = tmp_path / "cache"
    if told:  # the tip was shown before
        (cache / "osteo-print").mkdir(parents=True, exist_ok=True)
        (cache / "osteo-print" / "told-harfbuzz-subset").touch()
    env = {k: v for k, v in os.environ.items() if k != "OSTEO_PRINT_DEBUG"}
    env["XDG_CACHE_HOME"] = str(cache)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
             if p and Path(p).resolve() != NO_SUBSETTER.resolve()]
    env["PYTHONPATH"] = os.pathsep.join(paths if subsetter else [str(NO_SUBSETTER), *paths])
    return env


def osteo_print(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "osteo_print", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


# --- Without libharfbuzz-subset0 -------------------------------------------------------

# Runs osteo-print with a spy on WeasyPrint's log in every process, worker processes
# too: each message is appended to SPYFILE as it comes.
SPY = """\
import json, logging, os, sys
class Spy(logging.Handler):
    def emit(self, record):
        with open(SPYFILE, "a", encoding="utf-8") as f:
            f.write(json.dumps([os.getpid(), record.getMessage()]) + "\\n")
logging.getLogger("weasyprint").addHandler(Spy())
from osteo_print import pdf
from osteo_print.cli import main
print("HAS_SUBSETTER", pdf.HAS_HARFBUZZ_SUBSET, file=open(SPYFILE + ".has", "w"))
sys.argv = ["osteo-print", *sys.argv[1:]]
main()
"""


@pytest.mark.process
def test_without_the_subsetter_weasyprint_falls_back_and_workers_stay_quiet(
        tiny_config: Path, tmp_path: Path) -> None:
    """Four jobs (two quiz versions and their keys) on two worker processes, on a machine
    without libharfbuzz-subset0: the fallback runs, and the user sees the tip once."""
    spy_file = tmp_path / "spy.jsonl"
    code = SPY.replace("SPYFILE", repr(str(spy_file)))
    env = environment(tmp_path, subsetter=False)
    result = subprocess.run([sys.executable, "-c", code, "quiz", "--versions", "2", "--jobs",
                             "2", "--config", str(tiny_config), "--out",
                             str(tmp_path / "out")], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert Path(f"{spy_file}.has").read_text("utf-8") == "HAS_SUBSETTER False\n"
    seen = [json.loads(line) for line in spy_file.read_text("utf-8").splitlines()]
    # WeasyPrint really took its fontTools path in the workers and said so...
    fell_back = {pid for pid, message in seen if RAW in message}
    assert fell_back and len([1 for _, m in seen if RAW in m]) >= 2, seen
    # ...and the user sees the tip once, and nothing else.
    assert result.stderr == TIP + "\n"
    assert result.stdout.startswith("4 PDFs (") and ": 4 rendered, 0 up to date" in result.stdout
    assert RAW not in result.stdout
    with pdfplumber.open(tmp_path / "out" / "quiz_general_en_letter_B.pdf") as doc:
        assert "Version B" in doc.pages[0].extract_text()


def test_the_output_is_the_same_with_and_without_the_subsetter_but_the_tip(
        tiny_config: Path, tmp_path: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the suite's output-comparing tests see: the same summary, and the tip once;
    with the subsetter (as this machine may be) no tip, and no note that it was given."""
    import weasyprint.pdf.fonts

    from osteo_print import pdf

    had_subsetter = pdf.HAS_HARFBUZZ_SUBSET
    told = tmp_path / "cache" / "osteo-print" / "told-harfbuzz-subset"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)  # no content folder here to remark on
    args = ("build", "stages", "--config", str(tiny_config), "--out", str(tmp_path / "out"),
            "--jobs", "1", "--force")
    as_is = run(*args)  # as this machine is
    assert told.exists() != had_subsetter
    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    monkeypatch.setattr(pdf, "HAS_HARFBUZZ_SUBSET", False)
    seen: list[str] = []
    spy = logging.Handler()
    spy.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("weasyprint").addHandler(spy)
    try:
        without = run(*args)
        again = run(*args)
    finally:
        logging.getLogger("weasyprint").removeHandler(spy)
    assert any(RAW in m for m in seen)  # the fallback really ran
    assert as_is.exit_code == without.exit_code == again.exit_code == 0, as_is.output
    assert "1 rendered" in as_is.stdout and "stages_general_en_letter.pdf" in as_is.stdout
    assert as_is.stdout == without.stdout == again.stdout
    if had_subsetter:
        assert (as_is.stderr, without.stderr) == ("", TIP + "\n")
    else:
        assert (as_is.stderr, without.stderr) == (TIP + "\n", "")
    assert again.stderr == ""


@pytest.mark.process
def test_font_subsetting_messages_never_reach_stderr_raw() -> None:
    """fontTools' loggers have no handler: outside a render their warnings print raw."""
    code = """\
import logging
from osteo_print.pdf import _captured_warnings
with _captured_warnings() as said:
    logging.getLogger("fontTools.subset").warning("glyf NOT subset; dropped")
    logging.getLogger("weasyprint").warning('Using fontTools instead of HarfBuzz-Subset '
                                            'for font "X"')
    logging.getLogger("weasyprint").warning("Failed to load image at 'logo.png'")
    logging.getLogger("weasyprint").warning("Failed to load image at 'logo.png'")
print(said)
logging.getLogger("fontTools.subset").warning("outside a render")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == """["Failed to load image at 'logo.png'"]"""
    assert result.stderr == "outside a render\n"  # the path this closes, shown open


# --- A closed pipe ---------------------------------------------------------------------

def piped(args: list[str], keep: int, cwd: Path, env: dict[str, str]) -> tuple[int, bytes, str]:
    """Run the command into a pipe whose reader takes ``keep`` bytes, then goes away."""
    process = subprocess.Popen([sys.executable, "-m", "osteo_print", *args], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    head = process.stdout.read(keep) if keep else b""
    process.stdout.close()
    stderr = process.stderr.read().decode("utf-8", "replace")
    return process.wait(timeout=300), head, stderr


# "list" and "facts" load the content first (a second each in a fresh process):
# `-m process` closes the pipe on the commands that answer at once here, on "facts" in the
# middle of its output (below) and on "list" after a line (test_model_attacks.py);
# `pytest -m slow` on every command here.
LOADS_CONTENT = pytest.mark.slow


@pytest.mark.parametrize("args", [pytest.param(["list"], marks=LOADS_CONTENT),
                                  pytest.param(["facts"], marks=LOADS_CONTENT),
                                  ["--help"], ["--version"], ["build", "--help"]])
# keep=1: a short output goes whole into the pipe before its reader leaves, so the
# closed pipe is the next test's (long output); `-m process` closes it at once.
@pytest.mark.process
@pytest.mark.parametrize("keep", [0, pytest.param(1, marks=pytest.mark.slow)])
def test_a_closed_pipe_ends_a_command_quietly(args: list[str], keep: int,
                                              tmp_path: Path) -> None:
    """On the tiny content (./osteo-print.toml)."""
    write_tiny_project(tmp_path)
    code, head, stderr = piped(args, keep, tmp_path, environment(tmp_path, told=True))
    assert (code, stderr) == (0, "")
    assert len(head) == keep


@pytest.mark.process
def test_a_pipe_closed_in_the_middle_of_long_output(tmp_path: Path, run) -> None:
    env = environment(tmp_path, told=True)
    whole = run("facts").stdout.encode("utf-8")
    assert len(whole) > 2 * 65536  # more than a pipe holds: the reader leaves mid-way
    code, head, stderr = piped(["facts"], 70_000, tmp_path, env)
    assert (code, stderr) == (0, "")
    assert head == whole[:70_000]


# The summary of a build that rendered (a fresh process that imports WeasyPrint and
# renders: seconds), and of one that found everything up to date (a fresh process that
# loads nothing), each into a closed pipe. `-m process` builds the up-to-date one's
# output in this process first.
@pytest.mark.process
@pytest.mark.parametrize("earlier", [pytest.param(False, id="rendered",
                                                  marks=pytest.mark.slow),
                                     pytest.param(True, id="up-to-date")])
def test_build_summaries_into_a_closed_pipe(tiny_config: Path, tmp_path: Path, run,
                                            earlier: bool) -> None:
    env = environment(tmp_path, told=True)
    out = str(tmp_path / "out")
    args = ["build", "stages", "--jobs", "1", "--config", str(tiny_config), "--out", out]
    if earlier:
        assert run(*args).exit_code == 0
    assert piped(args, 0, tmp_path, env) == (0, b"", ""), args
    assert (tmp_path / "out" / "stages_general_en_letter.pdf").is_file()


@pytest.mark.slow  # a fresh process that loads the pronouncing dictionary: seconds
def test_the_check_summary_into_a_closed_pipe(tiny_config: Path, tmp_path: Path) -> None:
    env = environment(tmp_path, told=True)
    args = ["check", "stages", "--jobs", "1", "--config", str(tiny_config)]
    assert piped(args, 0, tmp_path, env) == (0, b"", ""), args


# --- A logo with text in the masthead --------------------------------------------------

WIDE_LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="60" '
             'viewBox="0 0 400 60"><title>Riverside</title>'
             '<rect width="60" height="60" rx="10" fill="#0b5394"/>'
             '<text x="70" y="38" font-size="24.5" font-family="sans-serif" '
             'fill="#0b5394">Riverside</text></svg>')


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    """A clinic project on the tiny content whose SVG logo holds text that prints at
    8.7 pt."""
    project = tmp_path / "clinic"
    write_tiny_project(project, (
        '\n[clinic]\nname = "Riverside Bone Health Clinic"\nphone = "(555) 010-4477"\n'
        'address = "12 River Road, Springfield"\nwebsite = "riverside.example"\n'
        'logo = "images/logo.svg"\n'))
    (project / "images").mkdir(parents=True)
    (project / "images" / "logo.svg").write_text(WIDE_LOGO, "utf-8")
    return project


# The handout in the fast suite; the quiz and its key (the same masthead) under -m slow.
@pytest.mark.parametrize("handouts, quizzes, kinds", [
    pytest.param(True, (), ["handout"], id="handout"),
    pytest.param(False, (QuizRequest(),), ["quiz", "answer-key"], id="quiz-and-key",
                 marks=pytest.mark.slow)])
def test_text_in_a_logo_does_not_fail_the_type_checks(clinic: Path, tmp_path: Path,
                                                      handouts: bool,
                                                      quizzes: tuple[QuizRequest, ...],
                                                      kinds: list[str]) -> None:
    """Large print (every character 18 pt) and the 9 pt floor; handout, quiz and key."""
    result = build(BuildOptions(config_path=clinic / "osteo-print.toml",
                                out_dir=tmp_path / "out", documents=("stages",),
                                audiences=("large-print",), handouts=handouts,
                                quizzes=quizzes, strict=True, jobs=1))
    assert [row.job.kind for row in result.rows] == kinds
    for row in result.rows:
        assert row.cells["print"].ok, row.notes
        assert not [n for n in row.notes if n.startswith("print")], row.notes
        pdf = tmp_path / "out" / f"{row.job.stem}.pdf"
        with pdfplumber.open(pdf) as doc:
            box = _masthead(doc)
            assert box is not None and box.page == 0
            inside = [c for c in doc.pages[0].chars if box.holds(0, c) and c["text"].strip()]
        logo = [c for c in inside if c.get("tag") == "Figure"]
        address = [c for c in inside if c.get("tag") != "Figure"]
        # The logo's text is in the PDF, under both minimums: the check left it out.
        assert "".join(c["text"] for c in logo) == "Riverside"
        assert {round(c["size"], 1) for c in logo} == {8.7}
        # The address is furniture: the running header's size, 14 pt in large print.
        assert "".join(c["text"] for c in address) == "12RiverRoad,Springfieldriverside.example"
        assert {round(c["size"], 1) for c in address} == {14.0}


def render(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")


PAGE = """<html lang="en"><head><title>T</title><style>
@page {{ size: letter; margin: 0.75in 0.75in 0.8in; }}
html {{ font-family: sans-serif; font-size: 12pt; }}
img {{ width: 50mm; }}
.masthead {{ float: right; width: 50mm; text-align: right; font-size: {address}pt; }}
.masthead::after {{ content: ""; display: block; -weasy-anchor: "osteo-masthead-end"; }}
</style></head><body>
<header>{masthead}<h1>A title</h1></header>
<p>Body text at twelve points, as every handout has. {body}</p>
<p>More body text at twelve points, to make twelve the most common size here.</p>
</body></html>"""
MASTHEAD = ('<div class="masthead" id="osteo-masthead">'
            '<img src="data:image/svg+xml,{svg}" alt="Riverside"><p>12 River Road</p></div>')


def masthead(svg: str = WIDE_LOGO) -> str:
    from urllib.parse import quote

    return MASTHEAD.format(svg=quote(svg))


def test_a_failing_size_is_named_with_its_text_page_and_place() -> None:
    pdf = render(PAGE.format(masthead=masthead(), address=10,
                             body='<span style="font-size: 8pt">Tiny words in a note</span>'))
    notes: list[str] = []
    cell = print_sizes(pdf, Audience(), CheckSettings(), notes)
    assert not cell.ok
    assert notes[0].startswith("print: body text 12.0 pt, smallest 8.0 pt")
    assert len(notes) == 2, notes  # the logo's 8.7 pt is not named: it is a picture
    assert notes[1].startswith("print: 8 pt text 'Tiny words in a note' on page 1, ")
    assert notes[1].endswith(" in from the top (in a paragraph)")


def test_small_text_in_the_masthead_is_named_as_the_masthead() -> None:
    pdf = render(PAGE.format(masthead=masthead(), address=8, body=""))
    notes: list[str] = []
    assert not print_sizes(pdf, Audience(), CheckSettings(), notes).ok
    assert notes[1].startswith("print: 8 pt text '12 River Road' on page 1, ")
    assert notes[1].endswith(" in from the top (in the masthead)")
    # Large print: the masthead is furniture, held to 9 pt only, not to the body's 18 pt.
    large = Audience(body_pt=18)
    pdf = render(PAGE.format(masthead=masthead(), address=10, body="").replace(
        "font-size: 12pt", "font-size: 18pt"))
    notes = []
    assert print_sizes(pdf, large, CheckSettings(), notes).ok, notes


def test_a_logo_outside_the_masthead_is_named_as_a_picture() -> None:
    """Without the masthead's anchors (a clinic's own markup) the logo text counts."""
    html = PAGE.format(masthead=masthead(), address=10, body="").replace(
        'class="masthead"', 'class="letterhead"')
    notes: list[str] = []
    assert not print_sizes(render(html), Audience(), CheckSettings(), notes).ok
    assert notes[1].startswith("print: 8.7 pt text 'Riverside' on page 1, ")
    assert notes[1].endswith(" in from the top (in a picture, 'Riverside')")


def test_a4_places_are_in_centimetres() -> None:
    from osteo_print.context import PAPERS

    pdf = render(PAGE.format(masthead="", address=10,
                             body='<span style="font-size: 8pt">Tiny</span>'))
    notes: list[str] = []
    print_sizes(pdf, Audience(), CheckSettings(), notes, PAPERS["a4"])
    assert notes[1].startswith("print: 8 pt text 'Tiny' on page 1, ")
    assert " cm from the top (in a paragraph)" in notes[1]


def test_the_masthead_box_is_read_from_the_pdf() -> None:
    pdf = render(PAGE.format(masthead=masthead(), address=10, body=""))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        box = _masthead(doc)
        words = {w["text"]: w for w in doc.pages[0].extract_words()}
    assert box is not None and box.page == 0
    assert box.holds(0, words["River"]) and not box.holds(0, words["title"])
    with pdfplumber.open(io.BytesIO(render(PAGE.format(masthead="", address=10, body="")))
                         ) as doc:
        assert _masthead(doc) is None
