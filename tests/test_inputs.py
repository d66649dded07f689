"""One source of truth: one list of a build's inputs (linked folders and the font
subsetter included), one rule for the output folder, process state put back after a
build, edits seen between two builds in one process, review dates that do not depend on
the computer's clock, and library errors in library terms."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
from pathlib import Path

import pytest

from conftest import pdf_text
from osteo_print import inputs as inputs_module
from osteo_print import models
from osteo_print.build import BuildOptions, build
from osteo_print.cache import Keys
from osteo_print.cli import FLAG_WORDS
from osteo_print.errors import UsageError
from osteo_print.inputs import list_inputs, walk
from osteo_print.options import QuizRequest, output_dir
from osteo_print.packet import check_title, parse_date
from osteo_print.paths import BUILTIN_CONTENT
from osteo_print.plan import Job, plan_quiz
from osteo_print.project import open_project
from osteo_print.runner import import_pdf
from osteo_print.uptodate import fingerprint

# A one-page handout template that shows a title, a translated word and the clinic's
# phone: enough to see each kind of edit, and quick to render.
TINY = """<!DOCTYPE html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ doc.title }}</h1><p>{{ _("Sources") }}: {% include "parts/note.html" %}</p>
{% if clinic and clinic.phone %}<p>Call {{ clinic.phone }}</p>{% endif %}</body></html>
"""
CATALOG = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Sources"
msgstr "{word}"
"""
ONE = {"documents": ("stages",), "audiences": ("general",), "papers": ("letter",),
       "quizzes": (), "jobs": 1}
STAGES_TITLE = "title: Bone density and the stages of bone loss"


def tiny_project(folder: Path, config: str = "") -> Path:
    """A project with the tiny handout template; returns its config file."""
    (folder / "templates" / "parts").mkdir(parents=True)
    (folder / "templates" / "handout.html").write_text(TINY, "utf-8")
    (folder / "templates" / "parts" / "note.html").write_text("first note", "utf-8")
    path = folder / "osteo-print.toml"
    path.write_text(config, "utf-8")
    return path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), "utf-8")


def stages_title(content: Path, lang: str = "en") -> str:
    path = content / lang / "handouts" / "stages.yaml"
    return next(line for line in path.read_text("utf-8").splitlines()
                if line.startswith("title:"))


# 1. One list of inputs: linked folders are hashed by their targets' content.

def test_an_edit_in_a_linked_content_folder_is_built(tmp_path: Path, content_copy: Path,
                                                      run) -> None:
    """content/en is a link to a folder elsewhere in the project: an edit there used to
    leave 'all up to date' and a stale PDF (rglob does not follow links to folders)."""
    project = tmp_path / "clinic"
    config = tiny_project(project, '[defaults]\ncontent = "content"\n')
    (project / "shared").mkdir()
    (content_copy / "en").rename(project / "shared" / "en")
    (project / "content").mkdir()
    (content_copy / "sources.yaml").rename(project / "content" / "sources.yaml")
    (project / "content" / "en").symlink_to(Path("..") / "shared" / "en")
    args = ["build", "stages", "--config", str(config), "-a", "general", "--paper", "letter"]
    first = run(*args)
    assert first.exit_code == 0, first.output
    assert "1 rendered" in first.stdout
    assert run(*args).stdout.count("all up to date") == 1

    edit(project / "shared" / "en" / "handouts" / "stages.yaml",
         stages_title(project / "shared"), "title: Zebra stages")
    second = run(*args)
    assert second.exit_code == 0, second.output
    assert "1 rendered" in second.stdout, second.stdout
    assert "Zebra stages" in pdf_text(project / "output" / "stages_general_en_letter.pdf")


@pytest.mark.parametrize("linked", ["content", "templates", "templates/parts", "audiences"])
def test_linked_folders_are_hashed_by_their_targets(tmp_path: Path, linked: str) -> None:
    """A link to a folder outside the project, as a project folder or inside one: an
    edit in the target changes the fingerprint (of the quick check) and the job keys."""
    project, outside = tmp_path / "clinic", tmp_path / "elsewhere"
    config = tiny_project(project, '[defaults]\ncontent = "content"\n')
    (project / "content").mkdir()
    (project / "audiences").mkdir()
    real = project / linked
    outside.mkdir()
    for path in sorted(real.rglob("*")) if real.is_dir() else ():
        target = outside / path.relative_to(real)
        target.mkdir() if path.is_dir() else target.write_bytes(path.read_bytes())
    (outside / "note.txt").write_text("before", "utf-8")
    for path in sorted(real.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    real.rmdir()
    real.symlink_to(outside, target_is_directory=True)
    options = BuildOptions(config_path=config)
    before = list_inputs(options)
    assert before.complete and any(f.name.endswith("note.txt") for f in before.files)

    (outside / "note.txt").write_text("after", "utf-8")
    after = list_inputs(options)
    assert after.digest() != before.digest()
    assert fingerprint(options) == after.digest()


def test_job_keys_follow_a_linked_template_folder(tmp_path: Path) -> None:
    project, outside = tmp_path / "clinic", tmp_path / "parts"
    config = tiny_project(project)
    outside.mkdir()
    (outside / "note.html").write_text("first note", "utf-8")
    (project / "templates" / "parts" / "note.html").unlink()
    (project / "templates" / "parts").rmdir()
    (project / "templates" / "parts").symlink_to(outside, target_is_directory=True)
    options = BuildOptions(config_path=config, **ONE)
    project_ = open_project(config, None, ["general"], ["en"])
    job = Job("handout", "stages", "general", "en", "letter")
    before = Keys(project_, list_inputs(options), {}).key(job)
    (outside / "note.html").write_text("second note", "utf-8")
    assert Keys(project_, list_inputs(options), {}).key(job) != before


def test_a_link_loop_is_walked_once(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f.html").write_text("x", "utf-8")
    (tmp_path / "a" / "again").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "a" / "self").symlink_to(tmp_path / "a" / "self")  # a link to itself
    os.mkfifo(tmp_path / "a" / "pipe.html")  # never opened: it would block
    assert [name for name, _ in walk(tmp_path / "a")] == ["f.html"]


def test_each_input_file_is_read_once_per_build(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Also when the build names the files otherwise (resolved) than the command line."""
    tiny_project(tmp_path)
    (tmp_path / "content").symlink_to(BUILTIN_CONTENT, target_is_directory=True)
    (tmp_path / "osteo-print.toml").write_text('[defaults]\ncontent = "content"\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    config = Path("osteo-print.toml")
    options = BuildOptions(config_path=config, **ONE)
    opened: list[Path] = []
    real = inputs_module.file_hash

    def counting(path: Path) -> str:
        opened.append(path)
        return real(path)

    monkeypatch.setattr(inputs_module, "file_hash", counting)
    inputs = list_inputs(options)
    project = open_project(config.resolve(), None, ["general"], ["en"])
    keys = Keys(project, inputs, {})
    for lang in ("en",):
        for document in project.content.names(lang):
            keys.key(Job("handout", document, "general", lang, "letter"))
        keys.key(Job("quiz", "quiz", "general", lang, "letter", "A"))
    assert opened and len(opened) == len({os.path.realpath(p) for p in opened})
    assert inputs.digest() == fingerprint(options)


def test_the_font_subsetter_is_an_input(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """With or without HarfBuzz's subsetter, WeasyPrint makes other bytes."""
    config = tiny_project(tmp_path)
    options = BuildOptions(config_path=config, **ONE)
    project = open_project(config, None, ["general"], ["en"])
    job = Job("handout", "stages", "general", "en", "letter")
    seen = {}
    for present in (True, False):
        monkeypatch.setattr(inputs_module, "harfbuzz_subset", lambda present=present: present)
        inputs = list_inputs(options)
        assert inputs.settings["harfbuzz_subset"] is present
        seen[present] = (inputs.digest(), Keys(project, inputs, {}).key(job))
    assert seen[True][0] != seen[False][0] and seen[True][1] != seen[False][1]


def test_the_subsetter_is_found_without_weasyprint() -> None:
    inputs_module.harfbuzz_subset.cache_clear()
    # Also where tests/no_subsetter hides it: from WeasyPrint and from this check alike.
    assert inputs_module.harfbuzz_subset() is import_pdf().HAS_HARFBUZZ_SUBSET


# 2. One rule for the output folder.

def test_one_rule_decides_the_output_folder(tmp_path: Path) -> None:
    config = tmp_path / "clinic" / "osteo-print.toml"
    assert output_dir(BuildOptions(), None) == Path("output")
    assert output_dir(BuildOptions(config_path=config), None) == config.parent / "output"
    assert output_dir(BuildOptions(config_path=config), "print/run") == \
        config.parent / "print" / "run"
    assert output_dir(BuildOptions(config_path=config), str(tmp_path / "abs")) == \
        tmp_path / "abs"
    chosen = tmp_path / "chosen"
    assert output_dir(BuildOptions(config_path=config, out_dir=chosen), "print") == chosen


def test_the_quick_check_and_the_build_agree_on_the_folder(tmp_path: Path, run,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    config = tiny_project(tmp_path / "clinic", '[defaults]\nout = "printed"\n')
    monkeypatch.chdir(tmp_path)  # not the project's folder
    args = ["build", "stages", "--config", str(config), "-a", "general", "--paper", "letter"]
    assert run(*args).exit_code == 0
    assert (tmp_path / "clinic" / "printed" / "stages_general_en_letter.pdf").is_file()
    assert not (tmp_path / "output").exists()
    assert list_inputs(BuildOptions(config_path=config)).out_dir == \
        tmp_path / "clinic" / "printed"
    again = run(*args)
    assert "all up to date" in again.stdout and "printed" in again.stdout


# 3 and 4. Process-wide state, and edits between two builds in one process.

def logger_state() -> dict[str, tuple]:
    manager = logging.Logger.manager
    names = ["", *[n for n, lg in manager.loggerDict.items() if isinstance(lg, logging.Logger)]]
    state = {}
    for name in names:
        logger = logging.getLogger(name)
        state[name] = (logger.level, list(logger.handlers), logger.propagate, logger.disabled)
    return state


def test_a_build_leaves_the_process_as_it_found_it(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    import_pdf()  # importing WeasyPrint configures its loggers: not the build's doing
    config = tiny_project(tmp_path)
    environ, frozen, thresholds = dict(os.environ), gc.get_freeze_count(), gc.get_threshold()
    loggers = logger_state()
    result = build(BuildOptions(config_path=config, **ONE))
    assert result.rendered
    assert dict(os.environ) == environ
    assert gc.get_freeze_count() == frozen
    assert gc.get_threshold() == thresholds
    after = logger_state()
    assert {n: after[n] for n in loggers} == loggers
    assert all(after[n] == (logging.NOTSET, [], True, False) for n in after if n not in loggers)


def build_twice(config: Path, change, lang: str = "en") -> tuple[str, str]:
    """Build, make a change, build again in this process: the PDF's text each time."""
    options = BuildOptions(config_path=config, langs=(lang,), **ONE)
    pdf = config.parent / "output" / f"stages_general_{lang}_letter.pdf"
    first = build(options)
    assert [job.document for job in first.rendered] == ["stages"]
    before = pdf_text(pdf)
    change()
    second = build(options)
    assert [job.document for job in second.rendered] == ["stages"], "not rendered again"
    assert not second.up_to_date
    return before, pdf_text(pdf)


def test_an_edited_catalog_is_seen_by_the_next_build(tmp_path: Path) -> None:
    config = tiny_project(tmp_path)
    locales = tmp_path / "templates" / "locales"
    locales.mkdir()
    (locales / "es.po").write_text(CATALOG.format(word="Fuentes uno"), "utf-8")
    before, after = build_twice(config, lambda: (locales / "es.po").write_text(
        CATALOG.format(word="Fuentes dos"), "utf-8"), lang="es")
    assert "Fuentes uno" in before
    assert "Fuentes dos" in after and "Fuentes uno" not in after


def test_an_edited_template_is_seen_by_the_next_build(tmp_path: Path) -> None:
    config = tiny_project(tmp_path)
    note = tmp_path / "templates" / "parts" / "note.html"
    before, after = build_twice(config, lambda: note.write_text("second note", "utf-8"))
    assert "first note" in before
    assert "second note" in after and "first note" not in after


def test_an_edited_config_is_seen_by_the_next_build(tmp_path: Path) -> None:
    config = tiny_project(tmp_path, '[clinic]\nname = "Riverside"\nphone = "555-0101"\n')
    before, after = build_twice(config, lambda: edit(config, "555-0101", "555-0202"))
    assert "555-0101" in before
    assert "555-0202" in after and "555-0101" not in after


# 5. Review dates do not depend on the computer's clock.

def test_a_clock_set_years_back_still_builds_the_builtin_content(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setattr(models, "today", lambda: dt.date(2019, 6, 1))
    config = tiny_project(tmp_path)
    with caplog.at_level(logging.WARNING, logger="osteo_print"):
        result = build(BuildOptions(config_path=config, **ONE))
    assert (tmp_path / "output" / "stages_general_en_letter.pdf").is_file()
    late = [w for w in result.warnings if "stages.yaml" in w and "is after today's date" in w]
    assert late and "2019-06-01" in late[0], result.warnings
    logged = [r.getMessage() for r in caplog.records if r.name == "osteo_print"]
    assert late[0] in logged  # diagnostics go through logging too


def test_a_review_date_after_source_date_epoch_is_a_warning(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2020, 1, 1,
                                                                tzinfo=dt.UTC).timestamp())))
    project = open_project(None, None, ["general"], ["en"])
    warnings = [w for w in project.content.warnings if "SOURCE_DATE_EPOCH" in w]
    assert len(warnings) >= len(project.content.names("en"))
    assert all("after the build date (SOURCE_DATE_EPOCH), 2020-01-01" in w for w in warnings)


def test_a_review_date_in_the_far_future_is_a_warning_on_the_command_line(
        tmp_path: Path, content_copy: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    config = tiny_project(tmp_path, '[defaults]\ncontent = "content"\n')
    stages = content_copy / "en" / "handouts" / "stages.yaml"
    text = stages.read_text("utf-8")
    old = next(line for line in text.splitlines() if line.startswith("last_reviewed:"))
    stages.write_text(text.replace(old, "last_reviewed: 2099-01-01"), "utf-8")
    result = run("build", "stages", "--config", str(config), "-a", "general",
                 "--paper", "letter")
    assert result.exit_code == 0, result.output
    assert "Warning: " in result.stderr and "last_reviewed 2099-01-01 is after today's date" \
        in result.stderr


# 6. Library errors in library terms; the command line says them with its flags.

def test_library_errors_name_no_command_line_flags() -> None:
    with pytest.raises(UsageError) as caught:
        plan_quiz(QuizRequest(form="pre", handout="stages"), ["general"], ["en"], ["letter"],
                  {"en": ["stages"]})
    assert str(caught.value) == "Choose either a form or a handout, not both."
    assert caught.value.phrased(FLAG_WORDS) == ["Choose either --form or --handout, not both."]
    for bad in (lambda: parse_date("next week"), lambda: check_title(" "),
                lambda: plan_quiz(QuizRequest(versions=40), ["general"], ["en"], ["letter"],
                                  {"en": ["stages"]})):
        with pytest.raises(UsageError) as caught:
            bad()
        assert "--" not in str(caught.value) and "osteo-print" not in str(caught.value)
        assert "--" in caught.value.phrased(FLAG_WORDS)[0]


def test_an_unknown_document_is_said_in_library_terms_then_in_the_cli_s(run) -> None:
    with pytest.raises(UsageError) as caught:
        build(BuildOptions(documents=("stage",), quizzes=(), write=False))
    message = str(caught.value)
    assert message.startswith("Unknown document 'stage'. Known documents: stages")
    assert "osteo-print list" not in message and "quiz" not in message
    result = run("build", "stage")
    assert result.exit_code == 2
    assert ", quiz (see 'osteo-print list')." in result.stderr
    result = run("quiz", "--form", "pre", "--handout", "stages")
    assert "Choose either --form or --handout, not both." in result.stderr


def test_usage_errors_keep_their_terms_across_processes() -> None:
    import pickle

    error = UsageError("Choose {form}.", terms={"form": "a form"})
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == "Choose a form." and again.phrased(FLAG_WORDS) == ["Choose --form."]
