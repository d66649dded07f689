"""Hostile and careless input against the content model: located errors, never a crash."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

SOURCES = "sources:\n  - number: 1\n    citation: CDC. STEADI.\n"


def _project(tmp_path: Path, handout: dict, *, bank: bool = True) -> Path:
    content = tmp_path / "content"
    (content / "en" / "handouts").mkdir(parents=True)
    (content / "sources.yaml").write_text(SOURCES, "utf-8")
    (content / "en" / "handouts" / "walk.yaml").write_text(yaml.safe_dump(handout), "utf-8")
    if bank:
        (content / "en" / "quiz.yaml").write_text(yaml.safe_dump(_bank("walk")), "utf-8")
    return content


def _bank(handout: str) -> dict:
    """A small bank whose items are all about one handout."""
    return {"title": "Quiz", "last_reviewed": "2026-01-01",
            "labels": {"is_true": "True", "is_false": "False", "not_sure": "Not sure"},
            "forms": {n: {"title": n, "items": [f"q-{n}"]} for n in ("all", "pre", "post")},
            "items": [{"id": f"q-{n}", "type": "true-false", "stem": "Walk with a friend.",
                       "answer": True, "explanation": "Yes.", "objective": "o",
                       "level": "apply", "safety": True, "facts": [f"fact-{n}"],
                       "teaches": {"handout": handout, "section": "box-key-points"}}
                      for n in ("all", "pre", "post")],
            "teach_back": {handout: ["Tell me one thing.", "Tell me another."]}}


def _walk(**extra) -> dict:
    fact = {"text": "Walk with a friend.", "source": 1}
    return {"title": "Walking", "purpose": "When we walk.", "last_reviewed": "2026-01-01",
            "blocks": [{"type": "key-points", "items": [fact, fact]},
                       {"type": "section", "id": "when", "heading": "When we walk",
                        "blocks": [{"type": "paragraph", **fact}]}], **extra}


@pytest.mark.parametrize("kind", [["paragraph"], {"a": 1}, 7])
def test_a_block_type_that_is_not_text_is_a_located_error(tmp_path: Path, run, kind) -> None:
    handout = _walk()
    handout["blocks"].append({"type": kind, "text": "x"})
    content = _project(tmp_path, handout, bank=False)
    result = run("build", "--content", str(content), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "walk.yaml:" in result.output and "blocks[2].type" in result.output
    assert "unexpectedly" not in result.output and not (tmp_path / "o").exists()


def test_a_topic_typo_is_an_error_not_a_silent_pass(tmp_path: Path, run) -> None:
    content = _project(tmp_path, _walk(topic="exercises"), bank=False)
    result = run("check", "--content", str(content))
    assert result.exit_code == 2
    assert "topic: input should be 'medicines' or 'exercise'" in result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_or_a_device_as_a_handout_is_refused(tmp_path: Path, run) -> None:
    content = _project(tmp_path, _walk(), bank=False)
    os.mkfifo(content / "en" / "handouts" / "pipe.yaml")
    (content / "en" / "handouts" / "zero.yaml").symlink_to("/dev/zero")
    result = run("check", "--content", str(content))
    assert result.exit_code == 2
    assert result.output.count("is not a regular file") == 2


def test_a_loop_of_links_is_a_located_error(tmp_path: Path, run) -> None:
    content = _project(tmp_path, _walk(), bank=False)
    (content / "en" / "handouts" / "loop.yaml").symlink_to("loop.yaml")
    result = run("check", "--content", str(content))
    assert result.exit_code == 2
    assert "loop.yaml" in result.output and "unexpectedly" not in result.output


def test_facts_never_writes_through_a_link_or_into_a_pipe(tmp_path: Path, run) -> None:
    (tmp_path / "link.csv").symlink_to(tmp_path / "real.csv")
    result = run("facts", "--out", str(tmp_path / "link.csv"))
    assert result.exit_code == 2 and "only replaces plain files" in result.output
    assert not (tmp_path / "real.csv").exists() and (tmp_path / "link.csv").is_symlink()


def test_a_class_schedule_without_sources_passes_check(tmp_path: Path, run) -> None:
    handout = _walk(sourced=False, reviewed_by="Class leader")
    for block in handout["blocks"]:
        for item in block.get("items", []) + block.get("blocks", []):
            item.pop("source", None)
    content = _project(tmp_path, handout)
    result = run("check", "walk", "--content", str(content))
    assert "walk      general" in result.output, result.output
    assert "pass 0 listed" in result.output


def test_a_clinic_block_types_text_needs_a_source_and_is_a_fact(tmp_path: Path, run) -> None:
    handout = _walk()
    handout["blocks"].append({"type": "section", "id": "dose", "heading": "How many",
                              "blocks": [{"type": "pill-count", "text": "Take 20 a day."}]})
    _project(tmp_path, handout, bank=False)
    blocks = tmp_path / "templates" / "blocks"
    blocks.mkdir(parents=True)
    (blocks / "pill-count.html").write_text("<p>{{ block.text }}</p>\n", "utf-8")
    (tmp_path / "osteo-print.toml").write_text(
        '[defaults]\ncontent = "content"\n', "utf-8")
    result = run("check", "--config", str(tmp_path / "osteo-print.toml"))
    assert result.exit_code == 2
    assert "blocks[2].blocks[0].source: this section cites no source" in result.output


def test_a_generator_that_makes_nothing_is_located_at_the_generator(tmp_path: Path,
                                                                   run) -> None:
    handout = _walk(generators=[{"id": "day", "type": "row-value", "rows": "days",
                                 "column": "day", "stem": "When at {name}?",
                                 "explanation": "{day}", "objective": "o"}])
    handout["blocks"][1]["blocks"].append({
        "type": "table", "id": "days", "columns": [{"key": "name", "label": "Place"},
                                                   {"key": "day", "label": "Day"}],
        "rows": [{"id": "park", "name": "Park", "day": "Monday", "source": 1},
                 {"id": "mall", "name": "Mall", "day": "Monday", "source": 1}]})
    content = _project(tmp_path, handout)
    result = run("check", "--content", str(content))
    assert result.exit_code == 2
    assert "walk.yaml:" in result.output and "generators[0]" in result.output
    assert "makes no items from days" in result.output


def test_a_quiz_on_a_handout_without_items_is_refused(tmp_path: Path, run) -> None:
    content = _project(tmp_path, _walk())
    shutil.copy(content / "en" / "handouts" / "walk.yaml",
                content / "en" / "handouts" / "schedule.yaml")
    result = run("quiz", "--handout", "schedule", "--content", str(content), "--out",
                 str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "There is no quiz on the 'schedule' handout" in result.output
    assert not (tmp_path / "o").exists()


def test_voice_catches_capitalised_words(tmp_path: Path) -> None:
    from osteo_print.audiences import Audience
    from osteo_print.check import _Structure, voice

    page = _Structure.parse('<main><p>Your doctor can help. My bones. I said it is fine.'
                            '</p></main>')
    notes: list[str] = []
    cell = voice(page, "en", Audience(name="caregiver", voice={"en": ["your", "my", "I"]}),
                 notes)
    assert not cell.ok and "'Your' x1" in cell.figure and "'My' x1" in cell.figure
    assert "'I' x1" in cell.figure  # the word, not the letter i in "it is"


@pytest.mark.process
def test_list_into_a_closed_pipe_exits_quietly() -> None:
    process = subprocess.Popen([sys.executable, "-m", "osteo_print", "list"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.close()
    _, err = process.communicate(timeout=120)
    assert b"Traceback" not in err and b"unexpectedly" not in err
    assert process.returncode == 0


@pytest.mark.parametrize("name", ["quiz", "quiz-pre"])
def test_a_handout_may_not_take_a_quiz_name(tmp_path: Path, run, name: str) -> None:
    content = _project(tmp_path, _walk())
    shutil.copy(content / "en" / "handouts" / "walk.yaml",
                content / "en" / "handouts" / f"{name}.yaml")
    result = run("check", "--content", str(content))
    assert result.exit_code == 2
    assert f"{name}.yaml: 'quiz' and names starting with 'quiz-' are kept" in result.output
