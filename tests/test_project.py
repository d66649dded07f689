"""Clinic projects: osteo-print.toml branding and defaults, template overrides, init,
and paper sizes."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import DOCUMENTS, page_texts, pdf_chars, write_tiny_content
from osteo_print.cli import cli
from osteo_print.config import LayoutSettings, contrast_with_white
from osteo_print.plan import Job
from osteo_print.project import open_project
from osteo_print.runner import ProjectSpec, run_plan

SPEC = ProjectSpec(None, None, (), ())

def png_logo() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), "#0b5394").save(buffer, "PNG")
    return buffer.getvalue()


PNG = png_logo()
CLINIC = '''\
[clinic]
name = "Riverside Bone Health Clinic"
phone = "(555) 010-4477"
address = "12 River Road, Springfield"
website = "riverside.example"
logo = "logo.png"
accent_color = "#0b5394"
'''


@pytest.fixture
def clinic_dir(tmp_path: Path) -> Path:
    (tmp_path / "logo.png").write_bytes(PNG)
    (tmp_path / "osteo-print.toml").write_text(CLINIC, "utf-8")
    return tmp_path


@pytest.fixture
def in_folder(monkeypatch: pytest.MonkeyPatch):
    """Run the CLI in-process from a working folder (as a user would from a shell there);
    return the Click result, stdout and stderr apart."""

    def invoke(cwd: Path, *args: str):
        monkeypatch.chdir(cwd)
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture(scope="module", params=[
    pytest.param((("stages", "quiz"), "tiny"), id="tiny-handout-and-quiz"),
    pytest.param((("stages", "quiz"), "builtin"), id="handout-and-quiz",
                 marks=pytest.mark.slow),
    pytest.param(((), "builtin"), id="every-document", marks=pytest.mark.slow)])
def branded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clinic's build, two audiences from its config: a handout and the quiz of
    conftest's tiny content in the fast suite (the large-print handout and answer key run
    to two pages), of the built-in content and every built-in document under -m slow
    (copyfitting, not tested here, off but for every document)."""
    documents, content = request.param
    folder = tmp_path_factory.mktemp("clinic")
    (folder / "logo.png").write_bytes(PNG)
    defaults = '\n[defaults]\naudiences = ["general", "large-print"]\n'
    if content == "tiny":
        write_tiny_content(folder / "content")
        defaults += 'content = "content"\n'
    layout = "\n[layout]\ncopyfit = false\n" if documents else ""
    (folder / "osteo-print.toml").write_text(CLINIC + defaults + layout, "utf-8")
    result = CliRunner().invoke(cli, ["build", *documents, "--config",
                                      str(folder / "osteo-print.toml")])
    assert result.exit_code == 0, result.output
    handouts = [d for d in documents if d != "quiz"] or DOCUMENTS
    (folder / "output" / "expected-pdfs").write_text(str(2 * (len(handouts) + 2)), "utf-8")
    return folder / "output"


def test_clinic_name_and_phone_on_every_page_of_every_pdf(branded: Path) -> None:
    pdfs = sorted(branded.glob("*.pdf"))
    # two audiences, handouts + quiz + key
    assert len(pdfs) == int((branded / "expected-pdfs").read_text("utf-8"))
    for pdf in pdfs:
        for number, text in enumerate(page_texts(pdf), 1):
            assert "Riverside Bone Health Clinic" in text, (pdf.name, number)
            assert "(555) 010-4477" in text, (pdf.name, number)


def test_clinic_is_in_the_questions_box_and_the_logo_on_page_one(branded: Path) -> None:
    text = " ".join(page_texts(branded / "stages_general_en_letter.pdf"))
    assert "Questions? Talk to your care team Riverside Bone Health Clinic: call (555)" in text
    assert "12 River Road, Springfield" in text
    with pdfplumber.open(branded / "stages_general_en_letter.pdf") as pdf:
        assert pdf.pages[0].images, "logo missing"


def test_defaults_come_from_the_config(branded: Path) -> None:
    manifest = json.loads((branded / "manifest.json").read_text("utf-8"))
    assert {f["audience"] for f in manifest["files"]} == {"general", "large-print"}


def test_author_metadata_is_the_clinic(branded: Path) -> None:
    assert PdfReader(branded / "stages_general_en_letter.pdf").metadata.author == \
        "Riverside Bone Health Clinic"


def test_without_a_config_the_layout_is_unbranded(built: Path) -> None:
    text = " ".join(page_texts(built / "stages_general_en_letter.pdf"))
    assert "Call:" in text  # a line to write the clinic's number on
    assert "Clinic" not in text


TOML = "osteo-print.toml"


@pytest.mark.parametrize("change, where", [
    (('logo = "logo.png"', 'logo = "notes.txt"'), f"{TOML}:6: clinic.logo"),
    (('logo = "logo.png"', 'logo = "missing.png"'), f"{TOML}:6: clinic.logo"),
    (('accent_color = "#0b5394"', 'accent_color = "blue"'), f"{TOML}:7: clinic.accent_color"),
    (('accent_color = "#0b5394"', 'accent_color = "#ffee88"'), "too light to read"),
    (('phone = "(555) 010-4477"', 'phone = "(555) 010-4477"\nfax = "1"'), f"{TOML}:4: clinic.fax"),
    (('name = "Riverside Bone Health Clinic"', 'name = "Riverside'), f"{TOML}:2: broken TOML"),
    (('[clinic]', '[clinic]\nname = "x"'), "broken TOML"),
])
def test_config_mistakes_are_located(clinic_dir: Path, in_folder, change, where: str) -> None:
    (clinic_dir / "notes.txt").write_text("not an image", "utf-8")
    config = clinic_dir / "osteo-print.toml"
    config.write_text(config.read_text("utf-8").replace(*change), "utf-8")
    result = in_folder(clinic_dir, "build", "stages")
    assert result.exit_code == 2
    assert where in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (clinic_dir / "output").exists()


# The content a test of a project's own files builds from: conftest's tiny content (one
# page a handout) in the fast suite, the built-in content under -m slow.
CONTENTS = ["tiny", pytest.param("builtin", marks=pytest.mark.slow)]


def content_args(content: str, folder: Path) -> list[str]:
    """The build's --content option for ``content``: the tiny content, written into
    ``folder``; none for the built-in content."""
    return ["--content", str(write_tiny_content(folder))] if content == "tiny" else []


@pytest.mark.parametrize("content", CONTENTS)
def test_explicit_config_path_writes_into_that_project(clinic_dir: Path, in_folder,
                                                      tmp_path_factory, content: str) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    result = in_folder(elsewhere, "build", "stages", "--config",
                       str(clinic_dir / "osteo-print.toml"),
                       *content_args(content, tmp_path_factory.mktemp("tiny")))
    assert result.exit_code == 0, result.stderr
    assert not (elsewhere / "output").exists()
    text = " ".join(page_texts(clinic_dir / "output" / "stages_general_en_letter.pdf"))
    assert "Riverside Bone Health Clinic" in text


def test_missing_explicit_config_is_an_error(tmp_path: Path, in_folder) -> None:
    result = in_folder(tmp_path, "build", "--config", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2 and "nope.toml: file not found" in result.stderr


def test_contrast_ratio() -> None:
    assert contrast_with_white("#000000") == pytest.approx(21)
    assert contrast_with_white("#ffffff") == pytest.approx(1)
    assert contrast_with_white("#0b5394") > 4.5


def open_unfitted():
    """The built-in project with copyfitting off: these tests read the HTML, as the
    templates make it."""
    project = open_project()
    project.config = project.config.model_copy(update={"layout": LayoutSettings(copyfit=False)})
    return project


class HtmlOnly:
    """A renderer that lays nothing out: a build's own page for a job, without the PDF
    (which these tests do not read, and which takes most of a build's time)."""

    def __init__(self, roots) -> None:
        pass

    def render(self, html, base_url: str, **options):
        from osteo_print.fit import LEVELS
        from osteo_print.pdf import Rendered

        return Rendered(b"", 0, html=html(LEVELS[0]) if callable(html) else html)


def render_html(project, document: str = "medicines") -> str:
    """The page's HTML as the templates made it (without any copyfitting style sheet,
    which depends on how the page happened to lay out), by the build's own steps."""
    from osteo_print import pdf

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf, "Renderer", HtmlOnly)
        [result] = list(run_plan(project, SPEC, [Job("handout", document, "general", "en",
                                                      "letter")]))
    return re.sub(r"<style>\n/\* osteo-print copyfitting: .*?</style>\n", "", result.html,
                  flags=re.S)


def test_the_readme_override_example_adds_its_line_after_the_boxes(tmp_path: Path) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    example = re.search(r"```jinja\n(.*?)```", readme, re.S).group(1)
    assert "{% block after_boxes %}" in example  # the block the README says it fills
    (tmp_path / "handout.html").write_text(example, "utf-8")
    project = open_unfitted()
    project.override_dir = tmp_path
    html = render_html(project)
    line = "<p>Classes meet every Tuesday at 10 am in Room 4.</p>"
    assert html.count(line) == 1
    main = re.search(r"<main>.*?</main>", html, re.S).group(0)
    # inside the body, full width after the last box (the "Questions?" box)
    assert line in main
    assert main.index(line) > main.rindex('<aside class="box questions"')
    assert re.search(re.escape(line) + r"\s*</main>", html)


@pytest.fixture(scope="module")
def plain() -> str:
    """The medicines handout's HTML without any override, rendered once for this module."""
    return render_html(open_unfitted())


def changed_lines(plain: str, changed: str) -> tuple[str, str]:
    """The removed and the added lines between two renderings."""
    diff = [line for line in difflib.unified_diff(plain.splitlines(), changed.splitlines(),
                                                  lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    return ("\n".join(line[1:] for line in diff if line.startswith("-")),
            "\n".join(line[1:] for line in diff if line.startswith("+")))


def test_overriding_one_block_changes_only_that_block(plain: str, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "handout.html").write_text(
        '{% extends "builtin/handout.html" %}\n'
        '{% block end_matter %}<footer class="end-matter"><p>Call Ana at the front desk.</p>'
        '</footer>{% endblock %}\n', "utf-8")
    project = open_unfitted()
    project.override_dir = templates
    changed = render_html(project)
    assert "Call Ana at the front desk." in changed
    assert "This sheet does not replace advice" not in changed
    footer = '<footer class="end-matter">'
    assert changed.split(footer)[0].rstrip() == plain.split(footer)[0].rstrip()
    before = plain[plain.index(footer):]  # the footer, then only the closing tags
    removed, added = changed_lines(plain, changed)
    assert removed and all(part.strip() in before for part in removed.splitlines())
    assert "Call Ana" in added and "Key points" not in added and "<main>" not in added


def test_a_block_template_can_be_replaced(plain: str, tmp_path: Path) -> None:
    (tmp_path / "blocks").mkdir()
    (tmp_path / "blocks" / "comparison-table.html").write_text(
        '<p class="ours">Our own table: {{ block.rows | length }} medicines.</p>\n', "utf-8")
    project = open_unfitted()
    project.override_dir = tmp_path
    html = render_html(project)
    assert 'class="data comparison' in plain and 'id="medicine-table"' in plain
    rows = len(re.search(r'<table class="data comparison.*?</table>', plain, re.S)
               .group(0).split('<th scope="row">')) - 1
    assert f"Our own table: {rows} medicines." in html  # the block's keys reach it
    assert 'class="data comparison' not in html and 'id="medicine-table"' not in html
    assert '<aside class="box questions"' in html  # other block types are untouched


def test_a_block_template_can_build_on_the_builtin_one(plain: str, tmp_path: Path) -> None:
    (tmp_path / "blocks").mkdir()
    (tmp_path / "blocks" / "ask.html").write_text(
        '<div class="ours">{% include "builtin/blocks/ask.html" %}'
        '<p>Ask for Ana at the front desk.</p></div>\n', "utf-8")
    project = open_unfitted()
    project.override_dir = tmp_path
    html = render_html(project)
    box = re.search(r'<div class="ours">\s*(<aside class="box questions".*?</aside>)\s*'
                    r'<p>Ask for Ana at the front desk.</p></div>', html, re.S)
    assert box, "the override did not wrap the built-in box"
    assert box.group(1) == re.search(r'<aside class="box questions".*?</aside>', plain,
                                     re.S).group(0)
    removed, added = changed_lines(plain, html)
    assert "Ask for Ana" in added
    assert all(part.strip() in box.group(0) for part in added.splitlines())
    assert all(part.strip() in box.group(1) for part in removed.splitlines())


@pytest.mark.parametrize("content", CONTENTS)
def test_init_then_build(tmp_path: Path, in_folder, content: str) -> None:
    project = tmp_path / "riverside"
    result = in_folder(tmp_path, "init", str(project))
    assert result.exit_code == 0, result.stderr
    assert (project / "osteo-print.toml").is_file()
    assert (project / "templates" / "handout.html").is_file()
    assert (project / "images").is_dir()
    content_option = content_args(content, tmp_path / "tiny")
    result = in_folder(project, "build", "stages", *content_option)
    assert result.exit_code == 0, result.stderr
    text = " ".join(page_texts(project / "output" / "stages_general_en_letter.pdf"))
    assert "Riverside" not in text and "Call:" in text  # neutral until the clinic fills in
    config = project / "osteo-print.toml"
    config.write_text(config.read_text("utf-8").replace("# [clinic]", "[clinic]").replace(
        '# name = "Riverside', 'name = "Riverside').replace('# phone', 'phone'), "utf-8")
    assert in_folder(project, "build", "stages", *content_option).exit_code == 0
    text = " ".join(page_texts(project / "output" / "stages_general_en_letter.pdf"))
    assert "Riverside Bone Health Clinic" in text and "(555) 010-4477" in text


def test_init_with_content_builds_from_the_copy(tmp_path: Path, in_folder) -> None:
    project = tmp_path / "p"
    assert in_folder(tmp_path, "init", str(project), "--with-content").exit_code == 0
    stages = project / "content" / "en" / "handouts" / "stages.yaml"
    stages.write_text(stages.read_text("utf-8").replace(
        "title: The stages of bone loss", "title: How bone loss grows"), "utf-8")
    result = in_folder(project, "build", "stages")
    assert result.exit_code == 0, result.stderr
    assert "How bone loss grows" in page_texts(
        project / "output" / "stages_general_en_letter.pdf")[0]


def test_init_never_overwrites(tmp_path: Path, in_folder) -> None:
    (tmp_path / "osteo-print.toml").write_text("# mine\n", "utf-8")
    result = in_folder(tmp_path, "init", str(tmp_path))
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert (tmp_path / "osteo-print.toml").read_text("utf-8") == "# mine\n"


@pytest.fixture(scope="module")
def papers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stages handout on Letter and on A4, built together into one folder."""
    out = tmp_path_factory.mktemp("papers")
    result = CliRunner().invoke(cli, ["build", "stages", "--paper", "letter", "--paper", "a4",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def a4_every_document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("a4")
    result = CliRunner().invoke(cli, ["build", "--paper", "a4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def a4(request: pytest.FixtureRequest) -> Path:
    """The A4 build a test reads: stages alone in the fast suite, every handout if slow."""
    slow = request.node.get_closest_marker("slow") is not None
    return request.getfixturevalue("a4_every_document" if slow else "papers")


# Pages a handout may take on A4: the budget it has on Letter (MAX_PAGES in
# test_handouts.py, where the decisions are recorded). Two unless decided otherwise.
# A4 is narrower than Letter; copyfitting keeps the exercises sheet on one sheet of paper.
A4_MAX_PAGES = {"medicines": 3, "stages": 3, "falls": 3}


@pytest.mark.parametrize("document", [d if d == "stages" else pytest.param(
    d, marks=pytest.mark.slow) for d in DOCUMENTS])
def test_a4_layout_holds(a4: Path, document: str) -> None:
    path = a4 / f"{document}_general_en_a4.pdf"
    pages = pdf_chars(path)
    assert 1 <= len(pages) <= A4_MAX_PAGES.get(document, 2), len(pages)
    for page in pages:
        assert (round(page.width), round(page.height)) == (595, 842)
        for c in page.chars:
            assert 36 <= c["x0"] and c["x1"] <= page.width - 36, c["text"]


def test_paper_sizes_never_collide(papers: Path) -> None:
    """Letter and A4 built into one folder: two files with their own names, both listed."""
    letter, a4 = papers / "stages_general_en_letter.pdf", papers / "stages_general_en_a4.pdf"
    assert letter.is_file() and a4.is_file()
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
             for path in (letter, a4) for p in PdfReader(path).pages[:1]}
    assert sizes == {(612, 792), (595, 842)}  # really one of each, not one file twice
    manifest = json.loads((papers / "manifest.json").read_text("utf-8"))
    listed = {(f["path"], f["paper"]) for f in manifest["files"]}
    assert listed == {("stages_general_en_letter.pdf", "letter"),
                      ("stages_general_en_a4.pdf", "a4")}
