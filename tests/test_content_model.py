"""The open content model: a handout, a block type, a generator and a language from files alone."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from conftest import pdf_text, write_tiny_content, yaml_dump, yaml_load
from osteo_print.pages import key_json, quiz_version
from osteo_print.plan import Job
from osteo_print.project import open_project

SOURCES = """\
sources:
  - number: 1
    citation: National Institute on Aging. Falls and fractures in older adults.
  - number: 2
    citation: CDC. STEADI. Check for safety.
"""


def _handout(lang: str) -> dict:
    """A handout that uses every built-in block type, a clinic's own one and a generator."""
    es = lang == "es"
    fact = {"text": "Caminar con amigos es bueno." if es else "Walking with friends is good.",
            "source": 1}
    table = {"type": "table", "id": "places", "caption": "Lugares" if es else "Places",
             "columns": [{"key": "name", "label": "Lugar" if es else "Place"},
                         {"key": "day", "label": "Día" if es else "Day"}],
             "rows": [{"id": "park", "name": "Parque" if es else "Park",
                       "day": "Lunes" if es else "Monday", "source": 1},
                      {"id": "mall", "name": "Centro" if es else "Mall",
                       "day": "Martes" if es else "Tuesday", "source": 1},
                      {"id": "track", "name": "Pista" if es else "Track",
                       "day": "Jueves" if es else "Thursday", "source": 1}]}
    return {
        "title": "Grupo de caminata" if es else "Walking group",
        "purpose": ("Esta hoja dice cuándo y dónde camina el grupo." if es
                    else "This sheet says when and where the group walks."),
        "last_reviewed": "2026-10-01", "order": 5,
        "blocks": [
            {"type": "key-points", "items": [fact, {
                "text": "Trae agua." if es else "Bring water.", "source": 2}]},
            {"type": "section", "id": "when", "heading": "Cuándo" if es else "When we walk",
             "blocks": [
                 {"type": "paragraph", **fact},
                 {"type": "bullets", "items": [fact, fact]},
                 {"type": "callout", "heading": "Nota" if es else "Note", "items": [fact]},
                 {"type": "warning", "items": [fact]},
                 table,
                 {"type": "comparison-table", "id": "gear",
                  "columns": [{"key": "name", "label": "Cosa" if es else "Item"},
                              {"key": "need", "label": "Traer" if es else "Bring",
                               "marks": ["yes"]}],
                  "rows": [{"name": "Agua" if es else "Water", "need": "yes", "source": 1},
                           {"name": "Bastón" if es else "Cane", "need": "no", "source": 1}]},
             ]},
            {"type": "section", "id": "more", "heading": "Más" if es else "More to know",
             "blocks": [
                 {"type": "checklist", "intro": "Marque." if es else "Tick each one.",
                  "items": [{"label": "Zapatos" if es else "Shoes", **fact}]},
                 {"type": "tracker", "id": "walks", "rows": [{"name": "Caminar" if es
                                                               else "Walk"}]},
                 {"type": "steps", "alt": "Tres pasos." if es else "Three steps.",
                  "caption": "Pasos." if es else "Steps to join.", "source": 1,
                  "steps": [{"label": "1", "name": "Llame" if es else "Call"},
                            {"label": "2", "name": "Venga" if es else "Come"},
                            {"label": "3", "name": "Camine" if es else "Walk"}]},
                 {"type": "qa", "items": [{"question": "¿Y si llueve?" if es
                                           else "What if it rains?",
                                           "answer": [fact]}]},
                 {"type": "clinic-map", "place": "Sala 4" if es else "Room 4"},
             ]},
            {"type": "actions", "items": [{"text": "Venga el lunes." if es
                                           else "Come on Monday.", "source": 1}]},
            {"type": "ask", "items": ["¿Puedo traer a alguien?" if es
                                      else "Can I bring someone?"]},
        ],
        "generators": [{
            "id": "walk-day", "type": "row-value", "rows": "places", "column": "day",
            "stem": "¿Qué día camina el grupo en: {name}?" if es
            else "On which day does the group walk at the {name}?",
            "explanation": "{name}: {day}.", "objective": "walk-days"}],
    }


def _bank(lang: str) -> dict:
    es = lang == "es"
    return {
        "title": "Cuestionario" if es else "Walking quiz", "last_reviewed": "2026-10-01",
        "labels": {"is_true": "Verdadero" if es else "True",
                   "is_false": "Falso" if es else "False",
                   "not_sure": "No sé" if es else "Not sure"},
        "forms": {name: {"title": name, "items": [f"w-{name}"]}
                  for name in ("all", "pre", "post")},
        "items": [{"id": f"w-{name}", "type": "true-false",
                   "stem": "El grupo camina." if es else "The group walks.", "answer": True,
                   "explanation": "Sí." if es else "Yes.", "objective": "walking",
                   "level": "apply", "safety": True, "facts": [f"group-walks-{name}"],
                   "teaches": {"handout": "walk-group", "section": "when"}}
                  for name in ("all", "pre", "post")],
        "teach_back": {"walk-group": ["Dígame cuándo camina el grupo." if es
                                      else "Tell me when the group walks.",
                                      "Dígame qué trae." if es else "Tell me what you bring."]},
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clinic project with its own content, a new handout in en and es, a block type."""
    root = tmp_path_factory.mktemp("walk")
    content = root / "content"
    (content / "en" / "handouts").mkdir(parents=True)
    (content / "es" / "handouts").mkdir(parents=True)
    (content / "sources.yaml").write_text(SOURCES, "utf-8")
    for lang in ("en", "es"):
        (content / lang / "handouts" / "walk-group.yaml").write_text(
            yaml_dump(_handout(lang)), "utf-8")
        (content / lang / "quiz.yaml").write_text(
            yaml_dump(_bank(lang)), "utf-8")
    blocks = root / "templates" / "blocks"
    blocks.mkdir(parents=True)
    (blocks / "clinic-map.html").write_text(
        '<p class="clinic-map">{{ _("Meet in") }}: {{ block.place }}</p>\n', "utf-8")
    (root / "osteo-print.toml").write_text(
        '[defaults]\ncontent = "content"\nlanguages = ["en", "es"]\n', "utf-8")
    return root


@pytest.fixture(scope="module")
def built(project: Path):
    """``built(lang)``: the project's output folder, once its handout and quiz are built in
    ``lang`` (with HTML), each language on first use (for this module): English in the
    fast suite. The builds add to the one folder."""
    from click.testing import CliRunner

    from osteo_print.cli import cli

    out = project / "output"
    made: set[str] = set()

    def get(lang: str) -> Path:
        if lang not in made:
            result = CliRunner().invoke(cli, ["build", "walk-group", "quiz", "--lang", lang,
                                              "--config", str(project / "osteo-print.toml"),
                                              "--html"])
            assert result.exit_code == 0, result.output
            assert "(content: " in result.output and "content)" in result.output
            made.add(lang)
        return out

    return get


@pytest.mark.parametrize("lang, words", [
    ("en", ["Walking group", "Key points", "When we walk", "Note", "Be careful", "Places",
            "Monday", "Bring", "Tick each one.", "Shoes", "Mon", "Steps to join.",
            "What if it rains?", "Meet in: Room 4", "What you can do", "Can I bring someone?"]),
    pytest.param("es", ["Grupo de caminata", "Cuándo", "Lugares", "Lunes", "Marque.",
                        "Zapatos", "¿Y si llueve?", "Sala 4", "¿Puedo traer a alguien?"],
                 marks=pytest.mark.slow),
])
def test_a_new_handout_with_every_block_type_builds_in_each_language(
        built, lang: str, words: list[str]) -> None:
    text = pdf_text(built(lang) / f"walk-group_general_{lang}_letter.pdf")
    for word in words:
        assert word in text, word
    html = (built(lang) / f"walk-group_general_{lang}_letter.html").read_text("utf-8")
    for css in ("callout", "warning", "checklist", "tracker", "steps-figure", "faq",
                "comparison", "key-points", "actions", "questions", "clinic-map"):
        assert f'class="{css}' in html or f'{css}"' in html or f" {css}" in html, css


def test_the_new_handout_is_checked_in_both_languages(project: Path, run) -> None:
    result = run("check", "walk-group", "--config", str(project / "osteo-print.toml"))
    rows = {line.split()[2]: line for line in result.output.splitlines()
            if line.startswith("walk-group")}
    assert set(rows) == {"en", "es"}, result.output
    assert "FK " in rows["en"] and "F-H " in rows["es"]  # each language's own formula
    for row in rows.values():
        assert "pass 8/8" in row and "pass 5/5" in row and "2 listed" in row


def test_the_new_handout_is_listed_with_its_order_and_blocks(project: Path, run) -> None:
    result = run("list", "--config", str(project / "osteo-print.toml"))
    assert result.exit_code == 0, result.output
    assert "walk-group" in result.output and "Walking group" in result.output
    assert "clinic-map" in result.output  # the project's own block type
    assert "1 quiz generator" in result.output


def answer_key(project: Path, lang: str) -> dict:
    """The key of ``quiz --handout walk-group`` (version A), made as the build makes it
    (``pages.key_json``), without the PDFs."""
    opened = open_project(project / "osteo-print.toml", None, ["general"], [lang])
    job = Job("answer-key", "quiz-walk-group", "general", lang, "letter", "A")
    return json.loads(key_json(quiz_version(opened, job), job))


def test_a_declared_generator_makes_quiz_items_from_the_table(project: Path) -> None:
    key = answer_key(project, "en")
    generated = [q for q in key["questions"] if q["id"].startswith("gen-walk-day-")]
    assert len(generated) == 2  # at most two per generator on a handout quiz
    for question in generated:
        place = question["id"].removeprefix("gen-walk-day-")
        day = {"park": "Monday", "mall": "Tuesday", "track": "Thursday"}[place]
        assert question["correct_text"] in (day, [day])
        assert set(question["options"]) >= {day} and len(question["options"]) == 3
    es = answer_key(project, "es")
    assert any(q["id"].startswith("gen-walk-day-") for q in es["questions"])


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), "utf-8")


@pytest.fixture
def small(tmp_path: Path, project: Path) -> Path:
    dest = tmp_path / "project"
    shutil.copytree(project, dest, ignore=shutil.ignore_patterns("output"))
    return dest


def _check(run, root: Path, *args: str):
    return run("check", "--config", str(root / "osteo-print.toml"), *args)


def test_an_unknown_block_type_is_a_located_error_listing_the_known_ones(small: Path,
                                                                        run) -> None:
    path = small / "content" / "en" / "handouts" / "walk-group.yaml"
    path.write_text(path.read_text("utf-8").replace("type: clinic-map", "type: clinic-mop"),
                    "utf-8")
    result = _check(run, small)
    assert result.exit_code == 2
    assert "walk-group.yaml:" in result.output
    assert "unknown block type 'clinic-mop'" in result.output
    assert "clinic-map" in result.output and "comparison-table" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["Walk_Group.yaml", "walk group.yaml", "-walk.yaml",
                                  "walk.yml"])
def test_a_badly_named_handout_file_is_a_located_error(small: Path, run, name: str) -> None:
    folder = small / "content" / "en" / "handouts"
    shutil.copy(folder / "walk-group.yaml", folder / name)
    result = _check(run, small)
    assert result.exit_code == 2
    assert name in result.output
    assert ".yaml" in result.output


def test_a_project_overrides_a_built_in_block_type(small: Path, run, tmp_path: Path) -> None:
    _write(small / "templates" / "blocks" / "ask.html",
           '<aside class="box questions">Ring the front desk</aside>\n')
    result = run("build", "walk-group", "--config", str(small / "osteo-print.toml"),
                 "--out", str(tmp_path / "o"), "--lang", "en")
    assert result.exit_code == 0, result.output
    text = pdf_text(tmp_path / "o" / "walk-group_general_en_letter.pdf")
    assert "Ring the front desk" in text and "Can I bring someone?" not in text


@pytest.mark.parametrize("change, where, message", [
    ("rows: places", "generators[0].rows", "no table with id 'plaxes'"),
    ("{name}", "generators[0].stem", "unknown placeholder nane"),
    ("column: day", "generators[0].column", "not every row of places has 'dax'"),
])
def test_a_broken_generator_is_a_located_error(small: Path, run, change: str, where: str,
                                               message: str) -> None:
    path = small / "content" / "en" / "handouts" / "walk-group.yaml"
    broken = {"rows: places": "rows: plaxes", "{name}": "{nane}",
              "column: day": "column: dax"}[change]
    text = path.read_text("utf-8")
    index = text.index("generators:")
    path.write_text(text[:index] + text[index:].replace(change, broken, 1), "utf-8")
    result = _check(run, small)
    assert result.exit_code == 2
    assert "walk-group.yaml:" in result.output and where in result.output
    assert message in result.output


def test_an_audience_version_keeps_base_blocks_by_id_and_names_a_missing_one(
        small: Path, run, tmp_path: Path) -> None:
    variant = small / "content" / "en" / "handouts" / "easy-read" / "walk-group.yaml"
    _write(variant, """\
        title: Walk with us
        blocks:
          - id: box-key-points
          - type: section
            id: when
            heading: When
            blocks:
              - id: places
          - id: box-questions
        """)
    result = run("build", "walk-group", "-a", "easy-read", "--lang", "en", "--config",
                 str(small / "osteo-print.toml"), "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    text = pdf_text(tmp_path / "o" / "walk-group_easy-read_en_letter.pdf")
    assert "Walk with us" in text and "Tuesday" in text and "Can I bring someone?" in text
    assert "What if it rains?" not in text  # a base block it does not list is left out
    variant.write_text(variant.read_text("utf-8").replace("- id: places", "- id: placez"),
                       "utf-8")
    result = _check(run, small, "walk-group", "-a", "easy-read", "--lang", "en")
    assert result.exit_code == 2
    assert "easy-read/walk-group.yaml:8:" in result.output
    assert "no 'placez' to keep" in result.output


def test_an_audience_quiz_bank_must_teach_from_that_audiences_sheets(small: Path,
                                                                     run) -> None:
    _write(small / "content" / "en" / "handouts" / "easy-read" / "walk-group.yaml", """\
        generators: []
        blocks:
          - id: box-key-points
          - id: more
        """)
    result = _check(run, small, "-a", "easy-read", "--lang", "en")
    assert result.exit_code == 2
    assert "content/en/quiz.yaml" in result.output
    assert "has no section or box 'when'" in result.output
    assert "(in the easy-read version)" in result.output
    _write(small / "content" / "en" / "quiz" / "easy-read.yaml", """\
        items:
          - id: w-all
            type: true-false
            stem: The group walks.
            answer: true
            explanation: "Yes."
            objective: walking
            teaches: {handout: walk-group, section: more}
        forms:
          all: {title: Quiz, items: [w-all]}
          pre: {title: Before, items: [w-all]}
          post: {title: After, items: [gen-walk-day-park]}
        """)
    result = _check(run, small, "-a", "easy-read", "--lang", "en")
    assert "content/en/quiz/easy-read.yaml" in result.output
    assert "the post-test must" in result.output or "objectives" in result.output


def test_an_answer_the_sheets_never_teach_is_an_error(small: Path, run) -> None:
    path = small / "content" / "en" / "quiz.yaml"
    bank = yaml_load(path.read_text("utf-8"))
    bank["items"].append({
        "id": "w-cortisol", "type": "single", "stem": "What does alcohol raise?",
        "options": [{"text": "Cortisol", "correct": True}, {"text": "Shoes"}],
        "explanation": "It raises cortisol.", "objective": "walking",
        "teaches": {"handout": "walk-group", "section": "when"}})
    path.write_text(yaml.safe_dump(bank, sort_keys=False), "utf-8")
    result = _check(run, small, "--lang", "en")
    assert result.exit_code == 2
    assert "'cortisol'" in result.output and "no handout these readers get" in result.output


def test_a_language_without_a_handout_is_reported_and_check_shows_translated(
        small: Path, run) -> None:
    (small / "content" / "es" / "handouts" / "walk-group.yaml").unlink()
    _write(small / "content" / "es" / "handouts" / "other.yaml",
           (small / "content" / "en" / "handouts" / "walk-group.yaml").read_text("utf-8")
           .replace("generators:", "unused:").split("unused:")[0])
    bank = small / "content" / "es" / "quiz.yaml"
    bank.write_text(bank.read_text("utf-8").replace("walk-group", "other"), "utf-8")
    result = _check(run, small, "walk-group", "other")  # the two handouts, not the quizzes
    assert "content/en/handouts/other.yaml: not translated yet" in result.output \
        or "en/handouts/other.yaml: not translated yet" in result.output
    assert "es/handouts/walk-group.yaml: not translated yet" in result.output
    assert "Translated" in result.output


def test_a_language_with_no_readability_formula_is_said_not_passed(tmp_path: Path,
                                                                   run) -> None:
    """The tiny content's English (conftest) as French."""
    content = tmp_path / "content"
    tiny = write_tiny_content(tmp_path / "tiny")
    shutil.copytree(tiny / "en", content / "fr")
    shutil.copy(tiny / "sources.yaml", content)
    locales = tmp_path / "templates" / "locales"
    locales.mkdir(parents=True)
    (locales / "fr.po").write_text('msgid ""\nmsgstr ""\n"Language: fr\\n"\n', "utf-8")
    (tmp_path / "osteo-print.toml").write_text(
        '[defaults]\ncontent = "content"\nlanguages = ["fr"]\n', "utf-8")
    result = run("check", "stages", "--config", str(tmp_path / "osteo-print.toml"))
    assert "warn no formula for fr" in result.output
    assert "pass - (no formula)" not in result.output


def test_building_an_untranslated_handout_says_so(small: Path, run) -> None:
    spanish = small / "content" / "es" / "handouts"
    (spanish / "walk-group.yaml").rename(spanish / "other.yaml")
    bank = small / "content" / "es" / "quiz.yaml"
    bank.write_text(bank.read_text("utf-8").replace("walk-group", "other"), "utf-8")
    result = run("build", "walk-group", "--lang", "es", "--config",
                 str(small / "osteo-print.toml"), "--out", str(small / "o"))
    assert result.exit_code == 2
    assert "'walk-group' is not translated into es yet: there is no " \
           "content/es/handouts/walk-group.yaml (it is in en)." in result.output
    assert not (small / "o").exists()
