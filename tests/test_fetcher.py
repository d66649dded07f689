"""Pages may read only the project's own files; nothing from the network."""

from __future__ import annotations

from pathlib import Path

import pytest

from osteo_print.errors import FetchRefused
from osteo_print.paths import BUILTIN_TEMPLATES
from osteo_print.plan import Job
from osteo_print.project import open_project
from osteo_print.runner import ProjectSpec, run_plan

SPEC = ProjectSpec(None, None, (), ())

pdf = pytest.importorskip("osteo_print.pdf")


@pytest.fixture
def fetcher(tmp_path: Path):
    return pdf.ProjectFetcher([BUILTIN_TEMPLATES, tmp_path / "project"])


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://127.0.0.1:9/x.png",
    "https://example.org/logo.png",
    "ftp://example.org/a",
])
def test_fetcher_refuses_outside_files_and_network(fetcher, url: str) -> None:
    with pytest.raises(pdf.RefusedURL):
        fetcher.fetch(url)


def test_fetcher_refuses_dot_dot_out_of_an_allowed_folder(fetcher) -> None:
    url = (BUILTIN_TEMPLATES / ".." / ".." / ".." / "etc" / "passwd").as_uri()
    with pytest.raises(pdf.RefusedURL, match="outside"):
        fetcher.fetch(url)


def test_fetcher_refuses_a_symlink_that_leaves_the_project(fetcher, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "logo.png").symlink_to("/etc/passwd")
    with pytest.raises(pdf.RefusedURL, match="outside"):
        fetcher.fetch((project / "logo.png").as_uri())


def test_fetcher_serves_project_files(fetcher) -> None:
    response = fetcher.fetch((BUILTIN_TEMPLATES / "base.html").as_uri())
    assert b"<!DOCTYPE html>" in response.read()


def render_with_override(tmp_path: Path, snippet: str) -> None:
    """Render the lifestyle handout with its questions-and-answers block type overridden."""
    overrides = tmp_path / "overrides" / "blocks"
    overrides.mkdir(parents=True)
    (overrides / "qa.html").write_text(snippet, "utf-8")
    project = open_project()
    project.override_dir = tmp_path / "overrides"
    list(run_plan(project, SPEC, [Job("handout", "lifestyle", "general", "en", "letter")]))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://127.0.0.1:9/pixel.png",
                                 "../../../../../../etc/hostname"])
def test_a_template_that_refers_outside_stops_the_build_and_is_named(
        tmp_path: Path, url: str) -> None:
    snippet = f'<p>Hello</p>\n<img src="{url}" alt="x">\n'
    with pytest.raises(FetchRefused) as info:
        render_with_override(tmp_path, snippet)
    message = "\n".join(info.value.lines())
    assert "will not read" in message
    assert "qa.html:2" in message


def test_a_stylesheet_link_to_the_network_stops_the_build(tmp_path: Path) -> None:
    snippet = '<link rel="stylesheet" href="https://fonts.example.org/font.css">\n'
    with pytest.raises(FetchRefused, match="fonts.example.org"):
        render_with_override(tmp_path, snippet)


def test_the_same_page_gives_the_same_pdf_wherever_its_files_are(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The font package (or a project) in another folder: same bytes, file identifier too.
    (SOURCE_DATE_EPOCH as a build sets it: without HarfBuzz's subsetter, fontTools would
    stamp each font with the time.)"""
    import shutil

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1793491200")

    from osteo_print.fonts import FACES, FONT_DIR
    from osteo_print.pdf import Renderer

    pdfs = []
    for where in ("venv-one/fonts", "elsewhere/venv-two/site-packages/fonts"):
        folder = tmp_path / where
        folder.mkdir(parents=True)
        font = shutil.copy(FONT_DIR / FACES[(400, "normal")], folder / "Face.ttf")
        page = (f'<html><head><style>@font-face {{ font-family: F; src: url("'
                f'{Path(font).as_uri()}"); }} body {{ font-family: F; }}</style></head>'
                "<body><p>Walk every day.</p></body></html>")
        pdfs.append(Renderer([tmp_path]).render(page, tmp_path.as_uri() + "/",
                                                copyfit=False).pdf)
    assert pdfs[0] == pdfs[1]
