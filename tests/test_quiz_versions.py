"""Property tests of the pure shuffling and key code: keys are always right."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osteo_print.quiz.questions import Question
from osteo_print.quiz.versions import (
    LETTERS,
    VersionError,
    key_data,
    make_version,
    make_versions,
    version_letters,
)

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=12)


@st.composite
def questions(draw, index: int) -> Question:
    kind = draw(st.sampled_from(["single", "multiple", "true-false", "matching", "fill-blank"]))
    n = draw(st.integers(min_value=2, max_value=5))
    texts = tuple(f"{i}:{t}" for i, t in enumerate(draw(st.lists(words, min_size=n,
                                                                    max_size=n))))
    common = dict(id=f"q{index}", type=kind, stem=f"stem {index}", explanation="why",
                  handout="stages", section="s", objective="o")
    if kind in ("single", "fill-blank"):
        return Question(options=texts, correct=frozenset({draw(st.integers(0, n - 1))}),
                        **common)
    if kind == "multiple":
        right = draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=n - 1))
        return Question(options=texts, correct=frozenset(right), **common)
    if kind == "true-false":
        return Question(options=("True", "False", "Not sure"),
                        correct=frozenset({draw(st.integers(0, 1))}), shuffle=False, **common)
    pairs = tuple(draw(st.permutations(range(n))))
    return Question(options=texts, correct=frozenset(range(n)),
                    prompts=tuple(f"left {i}" for i in range(n)), pairs=pairs, **common)


@st.composite
def quizzes(draw) -> list[Question]:
    count = draw(st.integers(min_value=1, max_value=14))
    return [draw(questions(i)) for i in range(count)]


def right_texts(q: Question) -> set[str]:
    return {q.options[i] for i in q.correct}


FAST_EXAMPLES = 30


def examples(full: int) -> list:
    """How many examples a property test tries: a few in the fast suite, ``full`` under
    -m slow (CI runs both)."""
    return [pytest.param(FAST_EXAMPLES, id=f"{FAST_EXAMPLES}-examples"),
            pytest.param(full, id=f"{full}-examples", marks=pytest.mark.slow)]


@pytest.mark.parametrize("examples", examples(150))
def test_every_key_letter_points_at_the_right_option(examples: int) -> None:
    @settings(max_examples=examples, deadline=None)
    @given(quiz=quizzes(), seed=st.integers(min_value=0, max_value=2**32),
           count=st.integers(min_value=1, max_value=26))
    def check(quiz, seed, count) -> None:
        for version in make_versions(quiz, "quiz", seed, count):
            for printed in version.questions:
                q = printed.question
                letters = printed.correct_letters()
                if q.type == "matching":
                    for row, letter in enumerate(letters):
                        prompt = printed.prompt_order[row]
                        assert printed.options[LETTERS.index(letter)] == q.options[q.pairs[prompt]]
                else:
                    chosen = {printed.options[LETTERS.index(letter)] for letter in letters}
                    assert chosen == right_texts(q)

    check()


@pytest.mark.parametrize("examples", examples(150))
def test_questions_and_options_are_permutations(examples: int) -> None:
    @settings(max_examples=examples, deadline=None)
    @given(quiz=quizzes(), seed=st.integers(min_value=0, max_value=2**32),
           count=st.integers(min_value=1, max_value=26))
    def check(quiz, seed, count) -> None:
        for version in make_versions(quiz, "quiz", seed, count):
            assert sorted(p.question.id for p in version.questions) == sorted(q.id for q in quiz)
            assert [p.number for p in version.questions] == list(range(1, len(quiz) + 1))
            for p in version.questions:
                assert sorted(p.order) == list(range(len(p.question.options)))
                assert sorted(p.prompt_order) == list(range(len(p.question.prompts)))
                if not p.question.shuffle:
                    assert p.options == list(p.question.options)

    check()


@pytest.mark.parametrize("examples", examples(100))
def test_the_same_seed_gives_the_same_versions(examples: int) -> None:
    @settings(max_examples=examples, deadline=None)
    @given(quiz=quizzes(), seed=st.integers(), count=st.integers(min_value=1, max_value=26))
    def check(quiz, seed, count) -> None:
        first = [key_data(v) for v in make_versions(quiz, "quiz", seed, count)]
        again = [key_data(v) for v in make_versions(list(quiz), "quiz", seed, count)]
        assert first == again

    check()


@pytest.mark.parametrize("examples", examples(150))
def test_right_answers_are_spread_over_the_positions(examples: int) -> None:
    @settings(max_examples=examples, deadline=None)
    @given(quiz=quizzes(), seed=st.integers(), letter=st.sampled_from(LETTERS))
    def check(quiz, seed, letter) -> None:
        version = make_version(quiz, "quiz", seed, letter)
        by_size: dict[int, Counter] = {}
        for p in version.questions:
            q = p.question
            if q.type in ("single", "fill-blank"):
                by_size.setdefault(len(q.options), Counter())[p.correct_letters()[0]] += 1
        for size, counts in by_size.items():
            full = [counts.get(LETTERS[i], 0) for i in range(size)]
            assert max(full) - min(full) <= 1, (size, full)

    check()


@pytest.mark.parametrize("examples", examples(100))
def test_no_matching_prompt_sits_beside_its_own_answer(examples: int) -> None:
    @settings(max_examples=examples, deadline=None)
    @given(quiz=quizzes(), seed=st.integers(), letter=st.sampled_from(LETTERS))
    def check(quiz, seed, letter) -> None:
        for p in make_version(quiz, "quiz", seed, letter).questions:
            if p.question.type == "matching":
                assert all(LETTERS.index(letter) != row
                           for row, letter in enumerate(p.correct_letters()))

    check()


def test_versions_are_lettered_a_to_z() -> None:
    assert version_letters(3) == ["A", "B", "C"]
    assert version_letters(26)[-1] == "Z"
    for bad in (0, 27, -1):
        with pytest.raises(VersionError, match="A to Z"):
            version_letters(bad)


def test_different_letters_shuffle_differently() -> None:
    quiz = [Question(id=f"q{i}", type="single", stem="s", options=("a", "b", "c"),
                     correct=frozenset({0}), explanation="e", handout="h", section="s",
                     objective="o") for i in range(12)]
    a, b = make_versions(quiz, "quiz", 7, 2)
    assert [p.question.id for p in a.questions] != [p.question.id for p in b.questions]


def test_key_data_fields() -> None:
    q = Question(id="x", type="multiple", stem="Pick", options=("a", "b", "c"),
                 correct=frozenset({0, 2}), explanation="e", handout="h", section="s",
                 objective="o", points=2)
    [row] = key_data(make_version([q], "quiz", 1, "A"))
    assert set(row) == {"number", "id", "type", "stem", "options", "correct",
                        "correct_text", "points", "objective", "handout", "section"}
    assert (row["objective"], row["handout"], row["section"]) == ("o", "h", "s")
    assert sorted(row["options"]) == ["a", "b", "c"]
    assert {row["options"][LETTERS.index(c)] for c in row["correct"]} == {"a", "c"}
    assert row["points"] == 2
