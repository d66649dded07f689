"""Safety parts the content model requires, the review record, and fair quizzes."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import pdf_text
from osteo_print.quiz import fair
from osteo_print.quiz.questions import Question

SOURCES = "sources:\n  - number: 1\n    citation: FDA. A label.\n"


def _medicine(**changes) -> dict:
    block = {"type": "medicine", "id": "denosumab", "name": "Denosumab", "brands": ["Prolia"],
             "does": [{"text": "It slows bone loss.", "source": 1}],
             "how_to_take": [{"text": "A shot every 6 months, on time.", "source": 1}],
             "warnings": [{"text": "Do not stop it without a plan.", "source": 1}]}
    block.update(changes)
    return block


def _handout(topic: str | None, blocks: list[dict], **extra) -> dict:
    data = {"title": "Medicines", "purpose": "What your medicine does.",
            "last_reviewed": "2026-10-01", "blocks": [
                {"type": "key-points", "items": [{"text": "Take it on time.", "source": 1}]},
                {"type": "section", "id": "meds", "heading": "Your medicine", "blocks": blocks},
            ], **extra}
    if topic:
        data["topic"] = topic
    return data


BANK = {"title": "Quiz", "last_reviewed": "2026-10-01",
        "labels": {"is_true": "True", "is_false": "False", "not_sure": "Not sure"},
        "forms": {n: {"title": n, "items": [f"q-{n}"]} for n in ("all", "pre", "post")},
        "items": [{"id": f"q-{n}", "type": "true-false", "stem": "Take it on time.",
                   "answer": True, "explanation": "Yes.", "objective": "o", "level": "apply",
                   "safety": True, "teaches": {"handout": "meds", "section": "meds"}}
                  for n in ("all", "pre", "post")],
        "teach_back": {"meds": ["Tell me when you take it.", "Tell me what to avoid."]}}


def _content(tmp_path: Path, handout: dict) -> Path:
    root = tmp_path / "content"
    (root / "en" / "handouts").mkdir(parents=True)
    (root / "sources.yaml").write_text(SOURCES, "utf-8")
    (root / "en" / "handouts" / "meds.yaml").write_text(yaml.safe_dump(handout), "utf-8")
    (root / "en" / "quiz.yaml").write_text(yaml.safe_dump(BANK), "utf-8")
    return root


@pytest.mark.parametrize("missing", ["how_to_take", "warnings", "does"])
def test_a_medicine_without_how_to_take_or_warnings_is_a_located_error(
        tmp_path: Path, run, missing: str) -> None:
    root = _content(tmp_path, _handout("medicines", [_medicine(**{missing: []})]))
    result = run("check", "--content", str(root))
    assert result.exit_code == 2
    assert "meds.yaml:" in result.output
    assert f"blocks[1].blocks[0].{missing}: list should have at least 1 item" in result.output


def test_a_medicines_handout_without_medicine_blocks_is_an_error(tmp_path: Path, run) -> None:
    root = _content(tmp_path, _handout("medicines", [
        {"type": "paragraph", "text": "Ask about your medicine.", "source": 1}]))
    result = run("check", "--content", str(root))
    assert result.exit_code == 2
    assert "a medicines handout needs medicine blocks" in result.output


def test_an_exercise_handout_needs_a_precautions_block(tmp_path: Path, run) -> None:
    walk = {"type": "paragraph", "text": "Walk every day.", "source": 1}
    root = _content(tmp_path, _handout("exercise", [walk]))
    result = run("check", "--content", str(root))
    assert result.exit_code == 2 and "needs a precautions block" in result.output
    avoid = {"type": "precautions", "items": [{"text": "Avoid toe touches.", "source": 1}]}
    (root / "en" / "handouts" / "meds.yaml").write_text(
        yaml.safe_dump(_handout("exercise", [walk, avoid])), "utf-8")
    result = run("check", "--content", str(root))
    assert "needs a precautions block" not in result.output
    assert "1 precautions box" in result.output  # the Safety column lists it


def test_medicine_warnings_and_the_reviewer_are_printed(tmp_path: Path, run) -> None:
    root = _content(tmp_path, _handout("medicines", [_medicine()], reviewed_by="Pharmacist"))
    result = run("build", "meds", "--content", str(root), "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    text = pdf_text(tmp_path / "o" / "meds_general_en_letter.pdf")
    for words in ("Denosumab (Prolia)", "How to take it:", "A shot every 6 months",
                  "Warnings:", "Do not stop it without a plan.", "by Pharmacist"):
        assert words in text, words
    check = run("check", "meds", "--content", str(root))
    assert "1 medicines, 1 warned" in check.output
    assert "no reviewed_by" not in check.output


def test_check_warns_when_nobody_is_named_as_reviewer(tmp_path: Path, run) -> None:
    root = _content(tmp_path, _handout("medicines", [_medicine()]))
    result = run("check", "meds", "--content", str(root))
    assert "warn" in result.output and "no reviewed_by" in result.output


def test_facts_writes_one_row_per_fact_with_its_source_and_handouts(tmp_path: Path,
                                                                  run) -> None:
    root = _content(tmp_path, _handout("medicines", [_medicine()], reviewed_by="RN"))
    out = tmp_path / "facts.csv"
    result = run("facts", "--content", str(root), "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    texts = {r["fact"] for r in rows}
    assert {"Take it on time.", "It slows bone loss.", "Do not stop it without a plan."} <= texts
    row = next(r for r in rows if r["fact"] == "Do not stop it without a plan.")
    assert row["source"] == "1" and row["citation"] == "FDA. A label."
    assert row["used_in"] == "meds (general)" and row["reviewed_by"] == "RN"


def test_builtin_facts_cover_every_handout(run) -> None:
    result = run("facts", "--lang", "en")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    used = {part.split(" ")[0] for r in rows for part in r["used_in"].split("; ")}
    assert used >= {"stages", "medicines", "exercises", "nutrients", "lifestyle", "falls"}
    assert all(r["source"] for r in rows)


def _q(qid: str, **fields) -> Question:
    base = dict(id=qid, type="single", stem="?", options=("a", "b", "c"),
                correct=frozenset({0}), explanation="", handout="h", section="s",
                objective="o")
    base.update(fields)
    return Question(**base)


def test_an_item_that_gives_away_another_is_rejected() -> None:
    matching = _q("match", reveals=("osteoporosis-at-stage-3",))
    asked = _q("asked", facts=("osteoporosis-at-stage-3",))
    found = list(fair.cueing_problems([matching, asked]))
    assert found == ["match gives away what asked tests (osteoporosis-at-stage-3)"]


def test_two_items_may_not_test_one_fact() -> None:
    found = list(fair.cueing_problems([_q("a", facts=("teriparatide-builds",)),
                                       _q("b", facts=("teriparatide-builds",))]))
    assert found == ["a and b both test teriparatide-builds"]


def test_a_matching_item_needs_one_more_answer_than_prompts() -> None:
    even = _q("m", type="matching", options=("x", "y"), correct=frozenset({0, 1}),
              prompts=("1", "2"), pairs=(0, 1))
    assert any("one more answer" in m for m in fair.item_problems(even))
    extra = _q("m", type="matching", options=("x", "y", "z"), correct=frozenset({0, 1}),
               prompts=("1", "2"), pairs=(0, 1))
    assert not list(fair.item_problems(extra))


@pytest.mark.parametrize("option", ["Napping", "Sugar", "Your favorite TV show", "Siesta"])
def test_an_absurd_wrong_answer_is_flagged(option: str) -> None:
    item = _q("q", options=("Calcium", option, "Vitamin D"))
    assert any("not plausible" in m for m in fair.item_problems(item))
    assert not list(fair.item_problems(_q("q", options=("Calcium", "Iron", "A blood sugar test"))))


def test_a_third_of_a_form_applies_knowledge_with_a_safety_item() -> None:
    recall = [_q(f"r{i}") for i in range(6)]
    assert any("only 0 of 6" in m for m in fair.level_problems(recall))
    applied = [_q("a1", level="apply", safety=True), _q("a2", level="apply")]
    assert not list(fair.level_problems(recall[:4] + applied))
    assert any("stay safe" in m for m in fair.level_problems(
        recall[:4] + [_q("a1", level="apply"), _q("a2", level="apply")]))


def test_pre_and_post_forms_must_mirror_each_other() -> None:
    pre = [_q("p1", objective="dxa"), _q("p2", objective="meds", type="true-false")]
    post = [_q("q1", objective="dxa"), _q("q2", objective="meds", options=("a", "b"))]
    found = list(fair.parallel_problems(pre, post))
    assert any("item 2 differs in type" in m for m in found)
    assert any("item 2 differs in number of options" in m for m in found)
    assert not list(fair.parallel_problems(pre, [_q("q1", objective="dxa"),
                                                 _q("q2", objective="meds",
                                                    type="true-false")]))


def test_the_builtin_banks_pass_every_fairness_rule() -> None:
    from osteo_print.content import load_content
    from osteo_print.paths import BUILTIN_CONTENT

    content = load_content(BUILTIN_CONTENT, ["en", "es"])
    for (lang, variant), quizzes in content.quizzes.items():
        pool, bank = quizzes.pool, quizzes.bank
        for name, form in bank.forms.items():
            items = [pool[i] for i in form.items]
            assert not list(fair.form_checks(name, items)), (lang, variant, name)
        pre = [pool[i] for i in bank.forms["pre"].items]
        post = [pool[i] for i in bank.forms["post"].items]
        assert not list(fair.parallel_problems(pre, post)), (lang, variant)
        for q in pool.values():
            assert not list(fair.item_problems(q)), (lang, variant, q.id)


def test_the_stage_matching_item_has_one_more_answer(tmp_path: Path) -> None:
    from osteo_print.content import load_content
    from osteo_print.paths import BUILTIN_CONTENT

    content = load_content(BUILTIN_CONTENT, ["en"])
    stage = content.quiz("en").pool["gen-stage-order"]
    assert len(stage.options) == len(stage.prompts) + 1
    shutil.rmtree(tmp_path, ignore_errors=True)
