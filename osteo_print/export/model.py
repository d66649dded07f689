"""The format-neutral view of a quiz that every LMS writer reads.

An ``ExportQuiz`` is the whole question bank (unshuffled, in the bank's order) or one
printed version of a quiz (the questions and their options in that version's order, as
``quiz.versions.make_version`` shuffled them). Its items carry everything the formats can
use: the texts, which printed letters are right, the explanation and the handout section
that teaches the item ("See: ..."), and the learning objective. Nothing here shuffles or
writes a file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from osteo_print.quiz.bank import BLANK
from osteo_print.quiz.versions import LETTERS, Printed


@dataclass(frozen=True)
class Choice:
    """One option as printed: its letter, its text, and whether it is a right answer."""

    letter: str
    text: str
    correct: bool


@dataclass(frozen=True)
class ExportItem:
    """One quiz item, in the order and with the letters of the sheet it comes from.

    ``choices`` are the options (for matching: the right-hand answers; for fill-blank:
    the word bank) in printed order. For matching, ``prompts`` are the left-hand texts in
    printed order and ``matches[i]`` the letter of the answer that matches prompt ``i``.
    ``see`` is the answer key's pointer, "See: <handout> — <section>", in the item's
    language.
    """

    number: int
    id: str
    type: str  # single, multiple, true-false, matching, fill-blank
    stem: str
    choices: tuple[Choice, ...]
    explanation: str
    see: str
    objective: str
    handout: str
    section: str
    points: int = 1
    prompts: tuple[str, ...] = ()
    matches: tuple[str, ...] = ()
    level: str = "recall"
    safety: bool = False

    @property
    def correct_letters(self) -> list[str]:
        """The letters to mark right, as the JSON answer key lists them."""
        if self.type == "matching":
            return list(self.matches)
        return [c.letter for c in self.choices if c.correct]

    @property
    def not_sure(self) -> bool:
        """A true/false item printed with a third choice, "Not sure"."""
        return self.type == "true-false" and len(self.choices) > 2

    @property
    def answer(self) -> bool:
        """A true/false item's answer (its first choice is "True")."""
        return self.choices[0].correct

    @property
    def feedback(self) -> str:
        """The explanation and, on a line of its own, where the handout teaches it."""
        return f"{self.explanation}\n{self.see}" if self.see else self.explanation

    def blank_parts(self) -> tuple[str, str]:
        """A fill-blank stem's text before and after its blank."""
        before, _, after = self.stem.partition(BLANK)
        return before, after

    @property
    def tags(self) -> tuple[str, ...]:
        """Tags for an LMS: the objective, the handout and section, the level, safety."""
        tags = [f"objective:{self.objective}", f"handout:{self.handout}",
                f"section:{self.section}", f"level:{self.level}"]
        return (*tags, "safety") if self.safety else tuple(tags)


@dataclass(frozen=True)
class ExportQuiz:
    """A bank or one lettered version, in one audience and language.

    ``quiz`` is "bank" for the whole bank, else the quiz id ("quiz", "quiz-pre",
    "quiz-post", "quiz-<handout>"); ``letter``, ``seed`` and ``code`` are the version's
    (None for the bank, which is not shuffled).
    """

    quiz: str
    title: str
    audience: str
    lang: str
    items: tuple[ExportItem, ...]
    letter: str | None = None
    seed: int | None = None
    code: str | None = None
    version_label: str | None = None  # "Version A" in the quiz's language, as printed

    @property
    def family(self) -> str:
        """The name shared by every version's files: QUIZ_AUDIENCE_LANG."""
        return f"{self.quiz}_{self.audience}_{self.lang}"

    @property
    def stem(self) -> str:
        """The file name without its suffix: the family, then the version letter."""
        return f"{self.family}_{self.letter}" if self.letter else self.family

    @property
    def fixed_order(self) -> bool:
        """A printed version keeps its order, so that its letters match its key."""
        return self.letter is not None

    @property
    def heading(self) -> str:
        """The quiz in words: its title, and a printed version's mark ("Version B · 7F3A")."""
        if self.letter is None:
            return self.title
        return f"{self.title} — {self.version_label or self.letter} · {self.code}"

    @property
    def total_points(self) -> int:
        return sum(item.points for item in self.items)


@dataclass(frozen=True)
class Note:
    """Something a format could not carry: about one item, or (``item`` None) the file."""

    format: str
    family: str
    item: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.item}: " if self.item else ""
        return f"{self.format}, {self.family}: {where}{self.message}"


@dataclass(frozen=True)
class Format:
    """An LMS format: how to write a quiz, and what it cannot carry.

    ``render`` returns the file's bytes; ``limits`` says, for one item, what the format
    cannot carry (empty when it carries everything); ``file_notes`` what it cannot carry
    for the file as a whole.
    """

    name: str  # qti, moodle, gift: the --lms value
    label: str  # how the README and the messages name it
    suffix: str  # appended to the quiz's stem
    render: Callable[[ExportQuiz], bytes]
    limits: Callable[[ExportItem], list[str]]
    file_notes: Callable[[ExportQuiz], list[str]] = field(default=lambda quiz: [])

    def notes(self, quizzes: Sequence[ExportQuiz]) -> list[Note]:
        """What this format cannot carry of a family's versions (the same items in each),
        each said once."""
        found: dict[tuple[str | None, str], Note] = {}
        for quiz in quizzes:
            for message in self.file_notes(quiz):
                found.setdefault((None, message), Note(self.name, quiz.family, None, message))
            for item in quiz.items:
                for message in self.limits(item):
                    found.setdefault((item.id, message),
                                     Note(self.name, quiz.family, item.id, message))
        return list(found.values())


def export_item(printed: Printed, see: str) -> ExportItem:
    """The export view of one printed question (``Printed`` holds its option order)."""
    q = printed.question
    choices = tuple(Choice(LETTERS[pos], q.options[i], i in q.correct and q.type != "matching")
                    for pos, i in enumerate(printed.order))
    matching = q.type == "matching"
    return ExportItem(
        number=printed.number, id=q.id, type=q.type, stem=q.stem, choices=choices,
        explanation=q.explanation, see=see, objective=q.objective, handout=q.handout,
        section=q.section, points=q.points,
        prompts=tuple(printed.prompts) if matching else (),
        matches=tuple(printed.correct_letters()) if matching else (),
        level=q.level, safety=q.safety)
