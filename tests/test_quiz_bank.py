"""The quiz bank: authored and generated items checked alike, with located errors."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import DOCUMENTS, yaml_dump, yaml_load
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


def edit_yaml(root: Path, change: Callable[[dict], object], file: Path = QUIZ) -> None:
    """Load ``file``, let ``change`` edit its data, and write it back. Editing the
    structure, not the text, keeps these tests working when the wording changes."""
    path = root / file
    data = yaml_load(path.read_text("utf-8"))
    change(data)
    path.write_text(yaml_dump(data, width=10**6),
                    "utf-8")


def first_item(root: Path, test: Callable[[dict], bool]) -> tuple[int, dict]:
    """The index and data of the first item in the bank that passes ``test``."""
    items = yaml_load((root / QUIZ).read_text("utf-8"))["items"]
    return next((i, item) for i, item in enumerate(items) if test(item))


def single_item(root: Path) -> tuple[int, dict]:
    """The first single-answer item with at least three options."""
    return first_item(root, lambda item: item.get("type") == "single"
                      and len(item.get("options", ())) >= 3)


def problems(root: Path) -> list[str]:
    """Every problem loading ``root`` reports (a located ContentError, not a crash). A
    mistake in the base bank is reported once, not again for each audience's bank that
    keeps the item."""
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
    index, item = single_item(content_copy)
    assert [o.get("correct", False) for o in item["options"]].count(True) == 1
    edit_yaml(content_copy, lambda bank: bank["items"][index]["options"][-1].update(
        correct=True))
    found = problems(content_copy)
    assert any("quiz.yaml:" in p and f"items[{index}]: a single item needs exactly one "
               "correct answer, not 2" in p for p in found), found


def test_duplicate_options(content_copy: Path) -> None:
    index, item = single_item(content_copy)
    first = item["options"][0]["text"]
    edit_yaml(content_copy, lambda bank: bank["items"][index]["options"][-1].update(
        text=first))
    found = problems(content_copy)
    assert any("quiz.yaml:" in p and f"items[{index}]: options must all be different" in p
               for p in found), found


def test_referenced_section_must_exist(content_copy: Path) -> None:
    index, item = first_item(content_copy, lambda item: item.get("teaches", {}).get(
        "handout") == "stages")
    section = item["teaches"]["section"]
    edit_yaml(content_copy, lambda bank: bank["items"][index]["teaches"].update(
        section="five-stages"))
    [problem] = problems(content_copy)
    assert "quiz.yaml:" in problem
    assert (f"items[{index}].teaches.section: the stages handout these readers get has no "
            "section or box 'five-stages' (it has: ") in problem
    assert section in problem  # it lists what there is


def test_all_of_the_above_is_refused(content_copy: Path) -> None:
    index, _ = single_item(content_copy)
    edit_yaml(content_copy, lambda bank: bank["items"][index]["options"][-1].update(
        text="All of the above"))
    found = problems(content_copy)
    assert any(f"items[{index}]" in p and "avoid 'all/none of the above'" in p
               for p in found), found


def test_fill_blank_needs_one_blank_and_a_listed_answer(content_copy: Path) -> None:
    index, item = first_item(content_copy, lambda item: item.get("type") == "fill-blank")
    assert item["stem"].count("___") == 1 and item["answer"] in item["words"]
    assert "marble" not in item["words"]

    def change(bank: dict) -> None:
        edited = bank["items"][index]
        edited["stem"] = edited["stem"].replace("___", edited["answer"])  # no blank left
        edited["answer"] = "marble"  # not in the word bank

    edit_yaml(content_copy, change)
    found = "\n".join(problems(content_copy))
    assert f"items[{index}]" in found
    assert "needs exactly one blank" in found and "'marble' is not one of the words" in found


def test_unknown_item_type(content_copy: Path) -> None:
    edit_yaml(content_copy, lambda bank: bank["items"][0].update(type="essay"))
    found = problems(content_copy)
    assert any("quiz.yaml:" in p and "items[0]" in p and "essay" in p for p in found), found


def test_form_with_unknown_item(content_copy: Path) -> None:
    edit_yaml(content_copy, lambda bank: bank["forms"]["all"]["items"].__setitem__(
        0, "s-diagnosis"))
    found = problems(content_copy)
    assert any("quiz.yaml:" in p and "forms.all.items[0]: no item with id 's-diagnosis'" in p
               for p in found), found


def test_pre_and_post_must_not_share_items(content_copy: Path) -> None:
    def change(bank: dict) -> None:
        forms = bank["forms"]
        forms["post"]["items"][0] = forms["pre"]["items"][0]

    edit_yaml(content_copy, change)
    shared = yaml_load((content_copy / QUIZ).read_text("utf-8"))["forms"]["pre"]["items"][0]
    found = "\n".join(problems(content_copy))
    assert f"must use different items from the pre-test: {shared}" in found


def test_pre_and_post_must_share_objectives(content_copy: Path) -> None:
    def change(bank: dict) -> None:
        pre, post = (bank["forms"][f]["items"] for f in ("pre", "post"))
        objective = {item["id"]: item["objective"] for item in bank["items"]}
        # an item on neither form, for an objective the one it replaces does not test
        post[0] = next(i for i in objective if i not in pre and i not in post
                       and objective[i] != objective[post[0]])

    edit_yaml(content_copy, change)
    found = "\n".join(problems(content_copy))
    assert "the pre- and post-test must test the same objectives" in found


def test_do_you_understand_is_not_a_teach_back_prompt(content_copy: Path) -> None:
    edit_yaml(content_copy, lambda bank: bank["teach_back"]["nutrients"].__setitem__(
        1, "Do you understand what supplements are?"))
    found = problems(content_copy)
    assert any("quiz.yaml:" in p and "teach_back.nutrients[1]" in p and "own words" in p
               for p in found), found


def test_generator_with_unknown_placeholder(content_copy: Path) -> None:
    # Generators live in the handout whose table they read.
    def change(handout: dict) -> None:
        generator = handout["generators"][0]
        assert "{name}" in generator["stem"]
        generator["stem"] = generator["stem"].replace("{name}", "{drug}")

    edit_yaml(content_copy, change, MEDICINES)
    [problem] = problems(content_copy)
    assert "en/handouts/medicines.yaml:" in problem
    assert "generators[0].stem: unknown placeholder drug (allowed: " in problem
    assert "{name}" in problem  # it lists the placeholders there are


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
