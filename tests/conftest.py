"""Shared fixtures: one build of the built-in content, CLI runners, editable content copies."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from osteo_print.cli import cli
from osteo_print.paths import BUILTIN_CONTENT

DOCUMENTS = ["stages", "medicines", "exercises", "nutrients", "lifestyle", "falls"]


# One session-scoped build that the fast suite reads: every handout and the quiz (general,
# English, Letter), the stages handout and the quiz for every audience, and the handouts
# the Spanish tests read. With HTML. Tests read it; none writes into it.
SHARED_BUILDS = [
    [],  # the defaults: every handout, the quiz and its key; general, en, Letter
    ["stages", "quiz", "--audience", "all"],
    ["stages", "medicines", "quiz", "--lang", "es"],
]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared build (SHARED_BUILDS), in one output folder."""
    out = tmp_path_factory.mktemp("built") / "output"
    for args in SHARED_BUILDS:
        result = CliRunner().invoke(cli, ["build", *args, "--html", "--out", str(out)])
        assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def full_matrix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every handout and the quiz for every built-in audience, en and es, Letter, with
    HTML: 64 documents, for the slow tests that go through all of them."""
    out = tmp_path_factory.mktemp("full-matrix") / "output"
    result = CliRunner().invoke(cli, ["build", "--audience", "all", "--lang", "en", "--lang",
                                      "es", "--html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def matrix(request: pytest.FixtureRequest) -> Path:
    """The folder a test of many documents reads: the shared build in the fast suite,
    the full matrix for a test (or a parameter) marked slow."""
    slow = request.node.get_closest_marker("slow") is not None
    return request.getfixturevalue("full_matrix" if slow else "built")


@pytest.fixture(scope="session")
def manifest(built: Path) -> dict:
    return json.loads((built / "manifest.json").read_text("utf-8"))


def pdf_text(path: Path) -> str:
    """Return the text of a PDF with whitespace collapsed, for phrase searches."""
    reader = PdfReader(path)
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text)


BRANDED_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60" viewBox="0 0 200 60">'
    '<title>Riverside</title><rect width="60" height="60" rx="10" fill="#0b5394"/>'
    '<text x="70" y="38" font-size="20" font-family="sans-serif" fill="#0b5394">Riverside</text>'
    '</svg>')
BRANDED_CONFIG = """[clinic]
name = "Riverside Bone Health Clinic"
phone = "(555) 010-4477"
address = "12 River Road, Springfield"
website = "riverside.example"
logo = "images/logo.svg"
accent_color = "#0b5394"

[defaults]
audiences = ["all"]
languages = ["en", "es"]
papers = ["letter", "a4"]
"""


@pytest.fixture(scope="session")
def branded_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clinic project with every branding field (an SVG logo with text in it), set to
    the whole matrix: every audience, en and es, Letter and A4. Returns its config."""
    folder = tmp_path_factory.mktemp("branded") / "riverside"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "logo.svg").write_text(BRANDED_LOGO, "utf-8")
    config = folder / "osteo-print.toml"
    config.write_text(BRANDED_CONFIG, "utf-8")
    return config


@pytest.fixture(scope="session")
def matrix_check(branded_project: Path):
    """'osteo-print check' of the branded project's whole matrix (run once)."""
    return CliRunner().invoke(cli, ["check", "--config", str(branded_project)])


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the built-in content folder."""
    dest = tmp_path / "content"
    shutil.copytree(BUILTIN_CONTENT, dest)
    return dest


@pytest.fixture
def run():
    """Run the CLI in-process; return the Click result (stdout and stderr apart)."""

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def run_module(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m osteo_print`` in a subprocess."""
    return subprocess.run([sys.executable, "-m", "osteo_print", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)
