"""The quiz bank: authored and generated items checked alike, with located errors."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from conftest import DOCUMENTS
from osteo_print.content import load_content
from osteo_print.errors import ContentError
from osteo_print.paths import BUILTIN_CONTENT
from osteo_print.quiz.questions import Question
from osteo_print.quiz.select import handout_questions

QUIZ = Path("en/quiz.yaml")
MEDICINES = Path("en/handouts/medicines.yaml")  # declares the medicine generators


@pytest.fixture(scope="module")
def content():
    return load_content(BUILTIN_CONTENT)


@pytest.fixture(scope="module")
def quizzes(content):
    return content.quiz("en")


def edit(root: Path, old: str, new: str, file: Path = QUIZ) -> None:
    path = root / file
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def problems(root: Path) -> list[str]:
    """Every problem loading ``root`` reports. A mistake in the base bank is reported
    once, not again for each audience's bank that keeps the item."""
    with pytest.raises(ContentError) as info:
        load_content(root)
    return [str(p) for p in info.value.problems]


def test_bank_has_30_authored_items_of_every_type_on_every_handout(quizzes) -> None:
    authored = [q for q in quizzes.pool.values() if q.family is None]
    assert len(authored) >= 30
    assert set(Counter(q.type for q in authored)) == {
        "single", "multiple", "true-false", "matching", "fill-blank"}
    assert {q.handout for q in authored} == set(DOCUMENTS)
    assert all(len(q.options) >= 3 or q.type == "true-false" for q in authored)


def test_every_item_passes_the_same_checks(quizzes) -> None:
    for q in quizzes.pool.values():
        assert not list(q.problems()), q.id


def rows_by_name(content, document: str, table_id: str) -> dict:
    """The rows of a handout table, by their ``name``."""
    found = content.handout("en", document).find(table_id)
    assert found is not None, f"{document} has no table {table_id}"
    return {row.get("name"): row for row in found[0].rows}


def test_generated_items_exist_and_their_distractors_differ(content, quizzes) -> None:
    generated = [q for q in quizzes.pool.values() if q.family]
    assert {q.family for q in generated} == {
        "medicine-action", "medicine-builds", "weight-bearing", "stage-order", "t-score",
        "fall-risks"}
    medicines = rows_by_name(content, "medicines", "medicine-table")
    exercises = rows_by_name(content, "exercises", "activity-table")
    checked = Counter()
    for q in generated:
        if q.family == "medicine-builds":
            right, *wrong = q.options
            assert medicines[right].get("action") in ("builds", "both"), q.id
            assert wrong and all(medicines[w].get("action") == "slows" for w in wrong), q.id
        elif q.family == "weight-bearing":
            right, *wrong = q.options
            assert exercises[right].get("kind") == "weight-bearing", q.id
            assert wrong and all(exercises[w].get("kind") == "not-weight-bearing"
                                 for w in wrong), q.id
        else:
            continue
        checked[q.family] += 1
    assert checked["medicine-builds"] >= 2 and checked["weight-bearing"] >= 2, checked


def test_teriparatide_is_generated_as_building_bone(quizzes) -> None:
    q = quizzes.pool["gen-medicine-action-teriparatide"]
    assert q.stem == "What does Teriparatide (Forteo) mainly do?"
    assert [q.options[i] for i in q.correct] == ["Builds new bone"]


def test_pre_and_post_forms_test_the_same_objectives_with_different_items(quizzes) -> None:
    pre, post = (quizzes.bank.forms[f].items for f in ("pre", "post"))
    assert not set(pre) & set(post)
    objectives = [Counter(quizzes.pool[i].objective for i in items) for items in (pre, post)]
    assert objectives[0] == objectives[1]


def test_handout_quiz_holds_only_that_handout(quizzes) -> None:
    chosen = handout_questions(quizzes.pool, "medicines", seed=5)
    assert chosen and all(q.handout == "medicines" for q in chosen)
    assert Counter(q.family for q in chosen if q.family).most_common(1)[0][1] <= 2
    assert chosen == handout_questions(quizzes.pool, "medicines", seed=5)


def test_single_choice_with_two_correct_answers(content_copy: Path) -> None:
    edit(content_copy, "      - text: Stage 2\n", "      - text: Stage 2\n        correct: true\n")
    [problem] = problems(content_copy)
    assert "quiz.yaml:" in problem
    assert "items[0]: a single item needs exactly one correct answer, not 2" in problem


def test_duplicate_options(content_copy: Path) -> None:
    edit(content_copy, "      - text: Stage 2\n", "      - text: Stage 1\n")
    [problem] = problems(content_copy)
    assert "items[0]: options must all be different" in problem


def test_referenced_section_must_exist(content_copy: Path) -> None:
    edit(content_copy, "teaches: {handout: stages, section: four-stages}",
         "teaches: {handout: stages, section: five-stages}")
    [problem] = problems(content_copy)
    assert "quiz.yaml:" in problem
    assert ("items[0].teaches.section: the stages handout these readers get has no section "
            "or box 'five-stages' (it has: ") in problem
    assert "four-stages" in problem  # it lists what there is


def test_all_of_the_above_is_refused(content_copy: Path) -> None:
    edit(content_copy, "      - text: Stage 2\n", "      - text: All of the above\n")
    [problem] = problems(content_copy)
    assert "avoid 'all/none of the above'" in problem


def test_fill_blank_needs_one_blank_and_a_listed_answer(content_copy: Path) -> None:
    edit(content_copy, "stem: The number you get from a bone density scan is called a ___.",
         "stem: The number you get from a bone density scan is called a score.")
    edit(content_copy, "answer: T-score", "answer: Z-score")
    found = "\n".join(problems(content_copy))
    assert "needs exactly one blank" in found and "'Z-score' is not one of the words" in found


def test_unknown_item_type(content_copy: Path) -> None:
    edit(content_copy, "  - id: s-diagnosed\n    type: single",
         "  - id: s-diagnosed\n    type: essay")
    [problem] = problems(content_copy)
    assert "items[0]" in problem and "essay" in problem


def test_form_with_unknown_item(content_copy: Path) -> None:
    edit(content_copy, "      - s-diagnosed\n", "      - s-diagnosis\n")
    [problem] = problems(content_copy)
    assert "forms.all.items[0]: no item with id 's-diagnosis'" in problem


def test_pre_and_post_must_not_share_items(content_copy: Path) -> None:
    edit(content_copy, "items: [s-silent2,", "items: [s-silent,")
    found = "\n".join(problems(content_copy))
    assert "must use different items from the pre-test: s-silent" in found


def test_pre_and_post_must_share_objectives(content_copy: Path) -> None:
    edit(content_copy, "items: [s-silent2,", "items: [s-stage4,")
    found = "\n".join(problems(content_copy))
    assert "must test the same objectives" in found


def test_do_you_understand_is_not_a_teach_back_prompt(content_copy: Path) -> None:
    edit(content_copy, "    - What will you ask your provider about supplements?",
         "    - Do you understand what supplements are?")
    [problem] = problems(content_copy)
    assert "teach_back.nutrients[1]" in problem and "own words" in problem


def test_generator_with_unknown_placeholder(content_copy: Path) -> None:
    # Generators live in the handout whose table they read.
    edit(content_copy, "stem: What does {name} mainly do?", "stem: What does {drug} mainly do?",
         MEDICINES)
    [problem] = problems(content_copy)
    assert "en/handouts/medicines.yaml:" in problem
    assert "generators[0].stem: unknown placeholder drug (allowed: {action}, {does}, {name})" \
        in problem


def test_generator_reading_a_missing_table(content_copy: Path) -> None:
    edit(content_copy, "rows: medicine-table\n    column: action\n    answers:",
         "rows: medicine-tabel\n    column: action\n    answers:", MEDICINES)
    [problem] = problems(content_copy)
    assert "en/handouts/medicines.yaml:" in problem
    assert "generators[0].rows: no table with id 'medicine-tabel'" in problem
    assert "medicine-table" in problem  # it lists the tables there are


def test_generated_items_are_checked_like_authored_ones(content, content_copy: Path) -> None:
    # Two action labels that read the same make generated items with duplicate options.
    edit(content_copy, "      slows: Slows bone breakdown", "      slows: Builds new bone",
         MEDICINES)
    found = problems(content_copy)
    assert found and all(
        "generated item gen-medicine-action-" in p
        and "handouts/medicines.yaml:" in p and "generators[0]:" in p  # at its generator
        and p.endswith("options must all be different") for p in found), found
    # every medicine's item offers both labels that now read the same
    assert len(found) == len(rows_by_name(content, "medicines", "medicine-table")), found


def test_question_problems_for_multiple_select() -> None:
    q = Question(id="x", type="multiple", stem="s", options=("a", "b", "c"),
                 correct=frozenset({0, 1, 2}), explanation="e", handout="h", section="s",
                 objective="o")
    assert "at least one correct and one wrong" in " ".join(q.problems())
