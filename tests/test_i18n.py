"""Languages: Spanish PDFs, a complete catalog, and a third language from files only."""

from __future__ import annotations

import functools
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import DOCUMENTS, write_tiny_content, write_tiny_project
from conftest import pdf_text as read_pdf_text
from osteo_print.cli import cli
from osteo_print.i18n import LOCALES, template_messages
from osteo_print.pages import key_json, page_for, quiz_version
from osteo_print.paths import BUILTIN_CONTENT
from osteo_print.plan import Job
from osteo_print.project import open_project
from osteo_print.runner import job_env
from osteo_print.templating import render

# The Spanish PDFs a folder holds: the shared build's (the stages and medicines handouts,
# general audience), the tiny content's quiz and key, or, under -m slow, every audience's
# handouts, quiz and key of the built-in content.
SPANISH = {"built": 2, "tiny_spanish_quiz": 2, "full_matrix": 4 * (len(DOCUMENTS) + 2)}


@pytest.fixture(scope="module")
def tiny_spanish_quiz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny content's quiz and key in Spanish: the quiz templates, in few layouts."""
    folder = tmp_path_factory.mktemp("tiny-es")
    config = write_tiny_project(folder / "project")
    result = CliRunner().invoke(cli, ["build", "quiz", "--lang", "es", "--config",
                                      str(config), "--out", str(folder / "out")])
    assert result.exit_code == 0, result.output
    return folder / "out"


@pytest.fixture(params=[pytest.param("built", id="shared-build"),
                        pytest.param("tiny_spanish_quiz", id="quiz"),
                        pytest.param("full_matrix", id="every-audience",
                                     marks=pytest.mark.slow)])
def spanish(request: pytest.FixtureRequest) -> tuple[Path, int]:
    """A build folder with Spanish PDFs, and how many it holds."""
    return request.getfixturevalue(request.param), SPANISH[request.param]


@functools.cache
def _pdf_text(path: Path, mtime: float) -> str:
    return read_pdf_text(path)


def pdf_text(path: Path) -> str:
    """conftest.pdf_text, each PDF read once (two tests read every Spanish PDF)."""
    return _pdf_text(path, path.stat().st_mtime)


def build_in(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str):
    """``osteo-print build ...`` run in-process from ``folder``, which holds the project."""
    monkeypatch.chdir(folder)
    return CliRunner().invoke(cli, ["build", *args], catch_exceptions=False)


def catalog() -> dict[str, str]:
    with (LOCALES / "es.po").open("rb") as handle:
        po = read_po(handle)
    return {(m.id[0] if isinstance(m.id, tuple) else m.id): m.string for m in po if m.id}


def english_interface_phrases() -> list[str]:
    """The literal English parts of every template message that Spanish changes."""
    phrases = []
    for english, spanish in catalog().items():
        spanish = spanish[0] if isinstance(spanish, tuple) else spanish
        if english == spanish:
            continue
        for part in re.split(r"%\(\w+\)s|\{\w+\}", english):
            part = part.strip(" :.")
            if len(part) >= 6:
                phrases.append(part)
    return phrases


def spanish_pdfs(out: Path) -> list[Path]:
    return sorted(out.glob("*_es_letter*.pdf"))


def test_catalog_translates_every_template_message() -> None:
    translated = catalog()
    missing = [m.id for m in template_messages() if m.id and not translated.get(
        m.id[0] if isinstance(m.id, tuple) else m.id)]
    assert not missing, missing


def test_spanish_pdfs_have_lang_es_and_spanish_words(spanish: tuple[Path, int]) -> None:
    folder, count = spanish
    pdfs = spanish_pdfs(folder)
    assert len(pdfs) == count
    # The built-in content's review date, or the tiny content's, in Spanish.
    reviewed = "1 de noviembre de 2026" if folder.name == "output" else \
        "1 de octubre de 2026"
    for pdf in pdfs:
        assert PdfReader(pdf).trailer["/Root"]["/Lang"] == "es", pdf.name
        text = pdf_text(pdf)
        assert "Página 1 de" in text and f"Última revisión: {reviewed}" in text, pdf.name


def english_left(text: str, phrases: list[str]) -> list[str]:
    """The English interface strings (``english_interface_phrases`` and a few words of
    the quiz and key) that ``text`` still holds."""
    found = [p for p in phrases if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text)]
    return found + [english for english in ("This sheet", "Key points", "Version A",
                                            "Answer key", "Check all") if english in text]


def test_spanish_pdfs_hold_no_english_interface_strings(spanish: tuple[Path, int]) -> None:
    phrases = english_interface_phrases()
    assert "Questions? Talk to your care team" in phrases
    folder, count = spanish
    assert len(spanish_pdfs(folder)) == count
    for pdf in spanish_pdfs(folder):
        assert not english_left(pdf_text(pdf), phrases), pdf.name


class _Text(HTMLParser):
    """The text of an HTML page, without its style sheets and scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.skip += tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


@pytest.mark.parametrize("kind", ["quiz", "answer-key"])
def test_the_builtin_spanish_quiz_and_key_pages_hold_no_english(kind: str) -> None:
    """The built-in Spanish quiz and key as the build fills in their templates (the HTML
    before layout; the PDFs only -m slow prints): every kind of question the bank has,
    every message of the quiz templates, in Spanish."""
    project = open_project(None, None, audiences=["general"], langs=["es"])
    job = Job(kind, "quiz", "general", "es", "letter", "A")
    page = page_for(project, job)
    html = render(job_env(project, job, {}), page.templates, page.context.as_dict())
    assert '<html lang="es"' in html
    questions = json.loads(key_json(quiz_version(project, job), job))["questions"]
    assert {q["type"] for q in questions} == {"true-false", "single", "matching"}
    parser = _Text()
    parser.feed(html)
    text = re.sub(r"\s+", " ", " ".join(parser.parts))
    assert "Cuestionario sobre la salud de los huesos" in text
    assert not english_left(text, english_interface_phrases()), kind


def test_spanish_handouts_keep_the_facts(built: Path) -> None:
    text = pdf_text(built / "medicines_general_es_letter.pdf")
    for name in ("Prolia", "Xgeva", "RANKL", "Evenity", "Forteo", "Evista"):
        assert name in text
    stages = pdf_text(built / "stages_general_es_letter.pdf")
    assert "−2.5" in stages and "Etapa 3" in stages


def test_spanish_and_english_quiz_keys_match_letter_for_letter(built: Path) -> None:
    """The shared build's English key, and the Spanish one made as the build makes it
    (``pages.key_json``, without the PDFs) for the same version and seed."""
    english = json.loads((built / "quiz-key_general_en_letter_A.json").read_text("utf-8"))
    job = Job("answer-key", "quiz", "general", "es", "letter", "A")  # the build's seed
    project = open_project(None, None, audiences=["general"], langs=["es"])
    spanish = json.loads(key_json(quiz_version(project, job), job))
    assert spanish["lang"] == "es" and spanish["title"] != english["title"]
    assert (spanish["seed"], spanish["code"]) == (english["seed"], english["code"])

    def key(data: dict) -> list:
        return [(q["id"], q["correct"]) for q in data["questions"]]

    assert key(spanish) == key(english)


def test_a_third_language_is_added_with_files_only(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """On the tiny content (conftest): what is tested is the mechanism, not the text."""
    content = write_tiny_content(tmp_path / "content")
    shutil.copytree(content / "en", content / "fr")  # placeholder text, real mechanism
    (tmp_path / "templates" / "locales").mkdir(parents=True)
    po = (LOCALES / "es.po").read_text("utf-8").replace("Página {page} de {pages}",
                                                        "Page {page} sur {pages}")
    (tmp_path / "templates" / "locales" / "fr.po").write_text(po, "utf-8")
    (tmp_path / "osteo-print.toml").write_text(
        '[defaults]\ncontent = "content"\nlanguages = ["fr"]\n', "utf-8")
    result = build_in(tmp_path, monkeypatch, "stages")
    assert result.exit_code == 0, result.stderr
    pdf = tmp_path / "output" / "stages_general_fr_letter.pdf"
    assert PdfReader(pdf).trailer["/Root"]["/Lang"] == "fr"
    pages = len(PdfReader(pdf).pages)
    assert f"Page 1 sur {pages}" in pdf_text(pdf)  # the project's catalog, not es.po


def test_a_language_without_a_catalog_is_a_clear_error(tmp_path: Path, run) -> None:
    content = tmp_path / "content"
    shutil.copytree(BUILTIN_CONTENT, content)
    shutil.copytree(content / "en", content / "de")
    out = tmp_path / "output"
    result = run("build", "stages", "--content", str(content), "--lang", "de", "--out",
                 str(out))
    assert result.exit_code == 2
    assert "no message catalog for language 'de'" in result.stderr
    assert "templates/locales/de.po" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "output").exists()


def test_english_needs_no_catalog_and_a_project_catalog_may_hold_one_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Catalogs chain: a project's es.po with one message, then the built-in es.po. On
    the tiny content (conftest), which prints the same template messages."""
    assert not (LOCALES / "en.po").exists()  # English, the source language, has none
    write_tiny_content(tmp_path / "content")
    (tmp_path / "templates" / "locales").mkdir(parents=True)
    (tmp_path / "templates" / "locales" / "es.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Questions? Talk to your care team"\n'
        'msgstr "¿Preguntas? Llame a la clínica"\n', "utf-8")
    (tmp_path / "osteo-print.toml").write_text(
        '[defaults]\ncontent = "content"\nlanguages = ["es", "en"]\n', "utf-8")
    result = build_in(tmp_path, monkeypatch, "stages")
    assert result.exit_code == 0, result.stderr
    spanish = pdf_text(tmp_path / "output" / "stages_general_es_letter.pdf")
    assert "¿Preguntas? Llame a la clínica" in spanish  # the project's message
    assert "Hable con su equipo de salud" not in spanish
    assert "Página 1 de" in spanish and "Puntos clave" in spanish  # the built-in ones
    english = pdf_text(tmp_path / "output" / "stages_general_en_letter.pdf")
    assert "Questions? Talk to your care team" in english and "Page 1 of" in english


def test_a_language_without_content_is_a_clear_error(tmp_path: Path, run) -> None:
    result = run("build", "--lang", "fr", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "language 'fr' needs its handouts here" in result.stderr
