"""The command line: build, list, --version, --help, python -m, errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import DOCUMENTS, run_module
from osteo_print import __version__
from osteo_print.cli import cli


def test_version(run) -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_on_every_command(run) -> None:
    for args in ([], ["build"], ["list"], ["quiz"]):
        result = run(*args, "--help")
        assert result.exit_code == 0
        assert "Usage: osteo-print" in result.output


def test_list_shows_every_handout_with_its_title(run) -> None:
    result = run("list")
    assert result.exit_code == 0
    for document in DOCUMENTS:
        assert document in result.output
    assert "Your osteoporosis medicines" in result.output


def test_build_one_named_document(run, tiny_config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("build", "exercises", "--config", str(tiny_config), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".osteo-print-cache.json", "exercises_general_en_letter.pdf", "manifest.json"]
    pages = len(PdfReader(out / "exercises_general_en_letter.pdf").pages)
    assert "1 PDFs" not in result.output
    sheets = (pages + 1) // 2
    assert (f"1 PDF ({pages} page{'s' if pages > 1 else ''}, {sheets} "
            f"sheet{'s' if sheets > 1 else ''} printed on both sides) in") in result.output
    assert "1 rendered" in result.output


def test_unknown_document_is_a_clear_error(run, tmp_path: Path) -> None:
    result = run("build", "medicine", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "Unknown document 'medicine'" in result.stderr
    assert "Known documents: " + ", ".join(DOCUMENTS) + ", quiz" in result.stderr
    assert not (tmp_path / "out").exists()


def test_out_is_a_file_gives_a_located_error(run, tiny_config: Path, tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("not a folder")
    result = run("build", "stages", "--config", str(tiny_config), "--out", str(target))
    assert result.exit_code == 2
    assert "taken" in result.stderr and "Traceback" not in result.output


def test_manifest_is_merged_across_runs(run, tiny_config: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    assert run("build", "stages", "--config", str(tiny_config), "--out", out).exit_code == 0
    assert run("build", "falls", "--config", str(tiny_config), "--out", out).exit_code == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text("utf-8"))
    assert [f["document"] for f in manifest["files"]] == ["falls", "stages"]


def test_a_build_from_any_folder_writes_to_dot_output(tiny_content: Path, tmp_path: Path,
                                                     run, monkeypatch: pytest.MonkeyPatch
                                                     ) -> None:
    """A folder without a project file; the tiny content (conftest), named by --content.
    (``python -m osteo_print`` runs in the two tests below.)"""
    folder = tmp_path / "anywhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    result = run("build", "exercises", "--content", str(tiny_content))
    assert result.exit_code == 0, result.output
    assert (folder / "output" / "exercises_general_en_letter.pdf").is_file()
    assert (folder / "output" / "manifest.json").is_file()


@pytest.mark.process
def test_python_dash_m_version_without_traceback() -> None:
    result = run_module("--version")
    assert result.returncode == 0 and f"osteo-print, version {__version__}" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.process
def test_bad_content_through_the_real_process_has_no_traceback(content_copy: Path,
                                                               tmp_path: Path) -> None:
    (content_copy / "en/handouts/stages.yaml").write_text("title: [broken\n", "utf-8")
    result = run_module("build", "--content", str(content_copy), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "stages.yaml:" in result.stderr and "broken YAML" in result.stderr
    assert not (tmp_path / "output").exists()


@pytest.mark.parametrize(("env", "args", "workers"), [
    ({"OSTEO_PRINT_JOBS": "3"}, [], 3),
    ({"OSTEO_PRINT_JOBS": "3"}, ["--jobs", "2"], 2),  # the option wins
])
def test_osteo_print_jobs_sets_the_default_number_of_workers(
        monkeypatch: pytest.MonkeyPatch, tiny_config: Path, tmp_path: Path,
        env: dict[str, str], args: list[str], workers: int) -> None:
    import osteo_print.build as build_module

    seen: list[int] = []
    real = build_module.run_plan

    def spy(*a, workers: int = 1, **k):
        seen.append(workers)
        return real(*a, workers=1, **k)  # render in-process all the same

    monkeypatch.setattr(build_module, "run_plan", spy)
    result = CliRunner(env=env).invoke(cli, ["build", "stages", *args, "--config",
                                             str(tiny_config), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert seen == [workers]


def test_a_bad_osteo_print_jobs_is_a_usage_error() -> None:
    result = CliRunner(env={"OSTEO_PRINT_JOBS": "0"}).invoke(cli, ["build", "stages"])
    assert result.exit_code == 2
    assert "--jobs" in result.output and "Traceback" not in result.output
    assert "OSTEO_PRINT_JOBS" in CliRunner().invoke(cli, ["build", "--help"]).output
