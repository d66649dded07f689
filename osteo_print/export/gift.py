"""GIFT, Moodle's plain-text question format.

Conventions (read by Moodle's GIFT importer, ``question/format/gift/format.php``):

- ``$CATEGORY: $course$/top/osteo-print/<quiz>`` puts the questions in one category.
- Each question is preceded by comment lines: one in words (number, id, objective,
  where the handout teaches it) and one that Moodle 3.6 and later reads as the
  question's ID number and tags: ``// [id:s-silent] [tag:objective:silent-loss] ...``.
- The name is ``NN id`` (printed number, item id); every text is ``[plain]``, so that
  "<" and "&" show as written; the explanation and its "See:" pointer are the general
  feedback (``####``).
- ``~ = # { } :`` and ``\\`` are escaped with a backslash, a line break is ``\\n``.

Item types: single and multiple choice (``=`` right, ``~`` wrong, ``~%50%`` a weight),
true/false (``{T}``, ``{F}``), matching (``=left -> right``, and ``= -> extra`` for the
answer that matches nothing), fill-blank as GIFT's "missing word" (the answers stand
where the blank is).
"""

from __future__ import annotations

from osteo_print import __version__
from osteo_print.export.model import ExportItem, ExportQuiz, Format

SPECIAL = "\\~=#{}:"
# Moodle accepts only these answer weights (question_bank::fraction_options_full), as
# percentages: a right answer of a multiple-answer item is worth 100/k.
WEIGHTS = {1: "100", 2: "50", 3: "33.33333", 4: "25", 5: "20", 6: "16.66667",
           7: "14.28571", 8: "12.5", 9: "11.11111", 10: "10"}
ARROW = "->"


def escape(text: str) -> str:
    """Escape GIFT's special characters and line breaks."""
    out = "".join(f"\\{c}" if c in SPECIAL else c for c in text)
    return out.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def weight(count: int) -> str:
    """The weight of each of ``count`` answers that share 100%."""
    return WEIGHTS.get(count, f"{100 / count:.5f}")


def render(quiz: ExportQuiz) -> bytes:
    """The GIFT text of a quiz (UTF-8)."""
    blocks = [_header(quiz), f"$CATEGORY: {category(quiz)}"]
    blocks += [_question(item) for item in quiz.items]
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def category(quiz: ExportQuiz) -> str:
    """The question category path (a "/" in the title is doubled: Moodle's escape)."""
    name = quiz.heading.replace("/", "//")
    return f"$course$/top/osteo-print/{name} [{quiz.stem}]"


def _header(quiz: ExportQuiz) -> str:
    lines = [f"osteo-print {__version__}: {quiz.heading}",
             f"{len(quiz.items)} questions, {quiz.total_points} points; audience "
             f"{quiz.audience}, language {quiz.lang}" + (
                 f", seed {quiz.seed}" if quiz.seed is not None else ""),
             "Import: Moodle > Question bank > Import > GIFT format. Each question's "
             "[id:...] and [tag:...] are read by Moodle 3.6 and later."]
    return "\n".join(f"// {line}" for line in lines)


def _question(item: ExportItem) -> str:
    where = f"{item.handout}#{item.section}"
    head = [f"// {item.number}. {item.id} ({item.type}, {item.points} point"
            f"{'' if item.points == 1 else 's'}); objective {item.objective}; teaches: {where}",
            "// " + " ".join([f"[id:{_tag(item.id)}]", *(f"[tag:{_tag(t)}]" for t in item.tags)])]
    name = f"::{escape(f'{item.number:02d} {item.id}')}::[plain]"
    feedback = f"\t####{escape(item.feedback)}"
    if item.type == "true-false" and not item.not_sure:
        body = f"{escape(item.stem)}{{{'T' if item.answer else 'F'}{feedback.strip()}}}"
    elif item.type == "fill-blank":
        before, after = item.blank_parts()
        body = f"{escape(before)}{{\n{_answers(item)}\n{feedback}\n}}{escape(after)}"
    else:
        body = f"{escape(item.stem)}{{\n{_answers(item)}\n{feedback}\n}}"
    return "\n".join([*head, name + body])


def _answers(item: ExportItem) -> str:
    if item.type == "matching":  # the prompts in printed order, then what matches nothing
        texts = {c.letter: c.text for c in item.choices}
        lines = [f"\t={escape(_no_arrow(prompt))} -> {escape(texts[letter])}"
                 for prompt, letter in zip(item.prompts, item.matches, strict=True)]
        lines += [f"\t= -> {escape(c.text)}" for c in item.choices
                  if c.letter not in item.matches]
        return "\n".join(lines)
    if item.type == "multiple":
        right = sum(c.correct for c in item.choices)
        wrong = len(item.choices) - right
        return "\n".join(f"\t~%{weight(right) if c.correct else '-' + weight(wrong)}%"
                         f"{escape(c.text)}" for c in item.choices)
    return "\n".join(f"\t={escape(c.text)}" if c.correct else f"\t~{_wrong(c.text)}"
                     for c in item.choices)


def _wrong(text: str) -> str:
    """A wrong answer; one that starts with "%" gets an explicit 0% weight, which GIFT
    would otherwise try to read as a weight."""
    return f"%0%{escape(text)}" if text.startswith("%") else escape(text)


def _no_arrow(text: str) -> str:
    return text.replace(ARROW, "→")


def _tag(text: str) -> str:
    """A tag or ID number inside ``[tag:...]``: a "]" would end it."""
    return text.replace("\\", "\\\\").replace("]", "\\]")


def limits(item: ExportItem) -> list[str]:
    """What GIFT cannot carry of an item."""
    out = []
    if item.not_sure:
        out.append("exported as a one-answer multiple-choice question (True / False / Not "
                   "sure): GIFT's true/false question has no 'Not sure' answer")
    if item.type == "multiple":
        out.append("Moodle gives part marks for each box ticked right (and takes some away "
                   "for each wrong one); on paper the item scores only when exactly the "
                   "right boxes are ticked")
    if item.points != 1:
        out.append(f"worth {item.points} points on paper, but GIFT cannot set a question's "
                   "mark: Moodle gives it 1; set it in the quiz")
    if any(ARROW in prompt for prompt in item.prompts):
        out.append(f"a left-hand text holds '{ARROW}', which GIFT reads as the arrow of a "
                   "match: written as '→'")
    return out


def file_notes(quiz: ExportQuiz) -> list[str]:
    """What GIFT cannot carry of a printed version as a whole."""
    if not quiz.fixed_order:
        return []
    return ["GIFT cannot fix the order or the lettering of the answers: to show them as "
            "on the printed version, untick 'Shuffle within questions' in the Moodle quiz "
            "and set the questions' answer numbering to 'A., B., C., ...'"]


FORMAT = Format("gift", "GIFT", ".gift.txt", render, limits, file_notes)
