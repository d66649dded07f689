"""Plain language: the body text of every built-in handout reads at grade 6 or below."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DOCUMENTS
from osteo_print.bodytext import body_units
from osteo_print.readability import split_sentences, stats, syllables


@pytest.mark.parametrize(("word", "count"), [
    ("bone", 1), ("osteoporosis", 6), ("calcium", 3), ("exercise", 3), ("the", 1),
    ("bisphosphonates", 4),
])
def test_english_syllables(word: str, count: int) -> None:
    assert syllables(word) == count


@pytest.mark.parametrize(("word", "count"), [
    ("hueso", 2), ("osteoporosis", 6), ("calcio", 2), ("día", 2), ("leer", 2),
])
def test_spanish_syllables(word: str, count: int) -> None:
    assert syllables(word, "es") == count


def test_sentences_split_on_end_marks_only() -> None:
    assert split_sentences("One. Two! Three? Vitamin D: a helper") == [
        "One", "Two", "Three", "Vitamin D: a helper"]


def test_grade_of_a_known_text() -> None:
    s = stats(["The cat sat on the mat."])
    assert (s.sentences, s.words, s.syllables) == (1, 6, 6)
    assert s.fkgl == pytest.approx(0.39 * 6 + 11.8 * 1 - 15.59)


def test_body_text_leaves_out_headings_citations_and_sources() -> None:
    html = ("<main><h2>Heading words</h2><p>Some body text.<span class=\"cite\">&nbsp;[3]"
            "</span></p><table><tr><td>Yes</td></tr></table></main>"
            "<footer><p class=\"sources\">Source one.</p></footer>")
    assert body_units(html) == ["Some body text."]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_handout_body_text_is_grade_6_or_below(built: Path, document: str) -> None:
    html = (built / f"{document}_general_en_letter.html").read_text("utf-8")
    result = stats(body_units(html))
    assert result.words > 150
    assert result.fkgl <= 6.0, f"{document}: grade {result.fkgl:.1f}"
