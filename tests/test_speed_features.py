"""Fast builds: a light --help, parallel and executor-agnostic rendering, the cache,
progress and verbosity. (Timings live in benchmarks/bench.py, not here.)"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import Executor, Future
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import SHARED_BUILDS, write_tiny_project
from osteo_print.build import BuildOptions, build
from osteo_print.options import QuizRequest
from osteo_print.uptodate import CACHE_NAME


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.suffix in (".pdf", ".json")}


# A fresh interpreter each: `-m process` asks the command group and one command;
# `pytest -m slow` every command's help.
@pytest.mark.process
@pytest.mark.parametrize("args", [["--help"], ["--version"], ["build", "--help"],
                                  pytest.param(["quiz", "--help"], marks=pytest.mark.slow),
                                  pytest.param(["check", "--help"], marks=pytest.mark.slow)])
def test_help_and_version_import_neither_weasyprint_nor_pydantic(args: list[str]) -> None:
    code = ("import sys\nfrom osteo_print.cli import cli\n"
            f"try:\n    cli({args!r}, prog_name='osteo-print')\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted(m for m in ('weasyprint', 'pydantic', 'jinja2') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert "LOADED []" in result.stdout, result.stdout + result.stderr


# Run in a fresh interpreter: the processes it starts before it prints, and whether
# WeasyPrint found HarfBuzz's subsetter (the same answer either way).
COUNT_STARTS = """\
import json, subprocess
started = []
start = subprocess.Popen._execute_child
def execute_child(self, args, *rest, **kwargs):
    started.append(args if isinstance(args, str) else [str(a) for a in args])
    return start(self, args, *rest, **kwargs)
subprocess.Popen._execute_child = execute_child
{before}
import osteo_print.pdf
print(json.dumps([started, osteo_print.pdf.HAS_HARFBUZZ_SUBSET]))
"""
# The import without the search fails (here: pangoft2 does not open while the search
# answers "not found", after the check of the Linux names passed): WeasyPrint prints its
# advice to install the libraries and raises; osteo_print.weasy drops what it printed and
# imports it again, with the search.
ONLY_WITH_SEARCH = """\
import ctypes.util, cffi
search = ctypes.util.find_library
dlopen = cffi.FFI.dlopen
def only_with_search(self, name, *args, **kwargs):
    if ctypes.util.find_library is not search and "pangoft2" in str(name):
        raise OSError(f"cannot load library {name!r}")
    return dlopen(self, name, *args, **kwargs)
cffi.FFI.dlopen = only_with_search
"""


@pytest.mark.process
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fast import is Linux's")
def test_weasyprint_is_imported_without_searching_for_its_libraries() -> None:
    """WeasyPrint's libraries open by their Linux names, so importing it for a build
    runs no ldconfig, gcc or ld (some fifty processes, 0.4 s, before osteo_print.weasy);
    where that fails, it is imported with the search, and finds the same."""
    def run(before: str = "") -> tuple[list, bool]:
        result = subprocess.run([sys.executable, "-c", COUNT_STARTS.format(before=before)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        [line] = result.stdout.splitlines()  # nothing else printed
        started, subsetter = json.loads(line)
        return started, subsetter

    fast, subsetter = run()
    assert fast == []
    searched, subsetter_found = run(ONLY_WITH_SEARCH)
    assert any("ldconfig" in " ".join(command) for command in searched), searched
    assert subsetter_found == subsetter
    # Started without a stdout (fd 1 closed): the import works all the same.
    closed = subprocess.run([sys.executable, "-c", "import osteo_print.pdf"],
                            preexec_fn=lambda: os.close(1), stderr=subprocess.PIPE,
                            text=True, timeout=60)
    assert closed.returncode == 0, closed.stderr


# The engine tests build two handouts, the quiz and its key (general, en, Letter) of a
# project on the tiny content (copyfit off). Four jobs: enough to spread over two
# workers, and more than the three a build renders in its own process. The quiz asks
# about both handouts, so an edit to one rebuilds it, the quiz and the key only.
CACHED = ("stages", "exercises")
DEFAULT_PDFS = len(CACHED) + 2


def options(config: Path, out: Path, **extra) -> BuildOptions:
    return BuildOptions(config_path=config, out_dir=out, **{"jobs": 1, "documents": CACHED,
                                                            **extra})


@pytest.fixture(scope="module")
def cached(tmp_path_factory: pytest.TempPathFactory):
    """A tiny project (read only) and a first build of it, rendered in this process
    (--jobs 1): (its config, its output, the build's result). It is also the sequential
    build the parallel ones are compared with. Tests that change the output work on a
    copy (``first``)."""
    config = write_tiny_project(tmp_path_factory.mktemp("cached"))
    out = config.parent / "first"
    return config, out, build(options(config, out))


@pytest.fixture
def first(cached, tmp_path: Path) -> tuple[Path, Path]:
    """(the config, a copy of the first build's output folder for this test alone)."""
    config, out, _ = cached
    shutil.copytree(out, tmp_path / "out")
    return config, tmp_path / "out"


@pytest.mark.process
def test_parallel_output_is_identical_to_sequential(cached, tmp_path: Path) -> None:
    config, sequential, one = cached
    assert len(one.rendered) == DEFAULT_PDFS
    two = build(options(config, tmp_path / "two", jobs=2))
    assert [j.stem for j in two.rendered] == [j.stem for j in one.rendered]
    assert digests(tmp_path / "two") == digests(sequential)


class InlineExecutor(Executor):
    """The smallest Executor there is: proof that any one can run the plan."""

    def __init__(self) -> None:
        self.calls = 0

    def submit(self, fn, /, *args, **kwargs) -> Future:
        self.calls += 1
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_any_executor_can_run_the_plan(cached, tmp_path: Path) -> None:
    """A plain Executor (a real cluster's is tests/test_cluster.py's)."""
    config, sequential, one = cached
    inline = InlineExecutor()
    result = build(options(config, tmp_path / "inline", jobs=None), executor=inline)
    assert inline.calls >= 2
    assert [j.stem for j in result.rendered] == [j.stem for j in one.rendered]
    assert digests(tmp_path / "inline") == digests(sequential)


def test_a_no_op_rebuild_renders_nothing(cached, first: tuple[Path, Path]) -> None:
    config, out = first
    earlier = cached[2]
    assert len(earlier.rendered) == DEFAULT_PDFS
    second = build(options(config, out))
    assert second.rendered == [] and len(second.up_to_date) == DEFAULT_PDFS
    assert sorted(e.path for e in second.entries) == sorted(e.path for e in earlier.entries)


def test_a_changed_file_rebuilds_only_the_documents_that_use_it(tiny_config: Path,
                                                               tmp_path: Path) -> None:
    config, out = tiny_config, tmp_path / "out"
    build(options(config, out))
    before = digests(out)
    path = config.parent / "content/en/handouts/exercises.yaml"
    text = path.read_text("utf-8")
    changed = re.sub(r"^title: .*$", "title: Exercise for strong bones, week 2", text,
                     count=1, flags=re.M)
    assert changed != text
    path.write_text(changed, "utf-8")
    again = build(options(config, out))
    assert sorted(j.stem for j in again.rendered) == [
        "exercises_general_en_letter", "quiz-key_general_en_letter_A",
        "quiz_general_en_letter_A"]
    after = digests(out)
    assert after["stages_general_en_letter.pdf"] == before["stages_general_en_letter.pdf"]
    assert after["exercises_general_en_letter.pdf"] != before["exercises_general_en_letter.pdf"]


def test_force_renders_everything(first: tuple[Path, Path]) -> None:
    config, out = first
    assert len(build(options(config, out, force=True)).rendered) == DEFAULT_PDFS


def test_a_corrupt_cache_is_ignored(first: tuple[Path, Path]) -> None:
    config, out = first
    expected = digests(out)
    (out / CACHE_NAME).write_text('{"format": 1, "jobs": {"stages_general_en_letter": 7}',
                                  "utf-8")
    assert len(build(options(config, out)).rendered) == DEFAULT_PDFS
    assert digests(out) == expected


def test_a_changed_output_file_is_not_trusted(first: tuple[Path, Path]) -> None:
    config, out = first
    expected = digests(out)
    (out / "exercises_general_en_letter.pdf").write_bytes(b"%PDF-1.7 edited by hand")
    again = build(options(config, out))
    assert [j.stem for j in again.rendered] == ["exercises_general_en_letter"]
    assert digests(out) == expected


def test_a_cache_from_other_options_is_not_reused(first: tuple[Path, Path]) -> None:
    config, out = first
    other = build(options(config, out, quizzes=(QuizRequest(seed=99),)))
    assert [j.kind for j in other.rendered] == ["quiz", "answer-key"]


@pytest.mark.process
def test_no_op_build_answers_without_loading_content(built: Path, tmp_path: Path) -> None:
    """A fresh process asked for the shared build's last build (conftest), into a copy of
    its output folder, answers at once: nothing to do, nothing heavy imported."""
    shutil.copytree(built, tmp_path / "output")
    args = [*SHARED_BUILDS[-1], "--html"]
    code = ("import sys\nfrom osteo_print.cli import main\n"
            f"sys.argv = ['osteo-print', 'build', *{args!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted(m for m in ('weasyprint', 'pydantic', 'jinja2') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert "all up to date (content: built-in)." in result.stdout, result.stdout + result.stderr
    assert "LOADED []" in result.stdout


def test_quiet_prints_nothing_and_verbose_lists_up_to_date_documents(tiny_config: Path,
                                                                      tmp_path: Path,
                                                                      run) -> None:
    out = str(tmp_path / "out")
    args = ("build", "stages", "exercises", "--config", str(tiny_config), "--out", out,
            "--jobs", "1")
    quiet = run(*args, "--quiet")
    assert quiet.exit_code == 0 and quiet.output == ""
    (tmp_path / "out" / "stages_general_en_letter.pdf").unlink()
    verbose = run(*args, "--verbose")
    summary = verbose.stdout.splitlines()[0]
    assert "1 rendered, 1 up to date, in" in summary
    assert summary.endswith(f" s (content: {tiny_config.parent / 'content'})."), summary
    pages = len(PdfReader(tmp_path / "out" / "exercises_general_en_letter.pdf").pages)
    assert f"exercises_general_en_letter.pdf  ({pages} p.)  (up to date)" in verbose.output


def test_no_progress_bar_when_output_is_not_a_terminal(tiny_config: Path, tmp_path: Path,
                                                       run) -> None:
    result = run("build", "stages", "--config", str(tiny_config), "--out",
                 str(tmp_path / "out"), "--jobs", "1")
    assert result.exit_code == 0 and "1 rendered" in result.stdout
    assert "Rendering" not in result.stderr


def test_progress_bar_counts_on_a_terminal(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from osteo_print.cli import Progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    progress = Progress(verbosity=1)
    progress.planned(4)
    progress.advance(2)
    progress.advance(2)
    progress.close()
    err = capsys.readouterr().err
    assert "Rendering" in err and "4/4" in err


def test_manifest_after_a_partial_rebuild_lists_every_file(first: tuple[Path, Path]
                                                           ) -> None:
    config, out = first
    (out / "stages_general_en_letter.pdf").unlink()
    build(options(config, out))
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert len([f for f in manifest["files"] if f["format"] == "pdf"]) == DEFAULT_PDFS
