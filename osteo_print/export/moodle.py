"""Moodle XML (``<quiz><question type="...">``), as Moodle's own XML importer reads it
(``question/format/xml/format.php``).

Item types: ``multichoice`` (``<single>true</single>`` for one answer, ``false`` for
several, with ``fraction`` percentages that sum to 100 over the right answers and to
-100 over the wrong ones), ``truefalse``, ``matching`` (one ``<subquestion>`` per
prompt, and one with empty text for the answer that matches nothing). A true/false item
with "Not sure" and a fill-blank item are one-answer ``multichoice`` questions (the
blank shows as "_____"). Texts are HTML (escaped, so "<" and "&" show as written); the
explanation and its "See:" pointer are the general feedback; the objective, handout,
section and level are ``<tags>``; the item id is the ``<idnumber>``.

A printed version keeps its order (``shuffleanswers`` false) and letters its answers
A, B, C (``answernumbering`` ABCD), as on paper; the bank lets Moodle shuffle.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from osteo_print import __version__
from osteo_print.export import gift
from osteo_print.export.model import ExportItem, ExportQuiz, Format

PENALTY = {"truefalse": "1", "multichoice": "0.3333333", "matching": "0.3333333"}
MISSING = "_____"  # how Moodle shows a blank (as its GIFT importer does)


def render(quiz: ExportQuiz) -> bytes:
    """The Moodle XML of a quiz (UTF-8)."""
    root = ET.Element("quiz")
    root.append(ET.Comment(f" osteo-print {__version__}: {_comment(quiz.heading)}; "
                           f"audience {quiz.audience}, language {quiz.lang} "))
    category = ET.SubElement(root, "question", type="category")
    _text(ET.SubElement(category, "category"), gift.category(quiz))
    _text(ET.SubElement(category, "info", format="html"), "")
    for item in quiz.items:
        root.append(question(item, quiz.fixed_order))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    _write(root, 0, lines)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _write(element: ET.Element, depth: int, lines: list[str]) -> None:
    """Serialize as Moodle's own export does: indented, HTML text in CDATA sections."""
    pad = "  " * depth
    if not isinstance(element.tag, str):  # a comment (ElementTree marks it by its tag)
        lines.append(f"{pad}<!--{element.text}-->")
        return
    attributes = "".join(f" {name}={quoteattr(value)}" for name, value in element.items())
    children = list(element)
    if children:
        lines.append(f"{pad}<{element.tag}{attributes}>")
        for child in children:
            _write(child, depth + 1, lines)
        lines.append(f"{pad}</{element.tag}>")
    else:
        lines.append(f"{pad}<{element.tag}{attributes}>{_content(element.text or '')}"
                     f"</{element.tag}>")


def _content(text: str) -> str:
    """Text as XML: markup in a CDATA section (a "]]>" inside split over two), else
    escaped."""
    if "<" in text or "&" in text:
        return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    return escape(text)


def qtype(item: ExportItem) -> str:
    """The Moodle question type an item becomes."""
    if item.type == "matching":
        return "matching"
    if item.type == "true-false" and not item.not_sure:
        return "truefalse"
    return "multichoice"


def question(item: ExportItem, fixed: bool) -> ET.Element:
    """One ``<question>``."""
    kind = qtype(item)
    q = ET.Element("question", type=kind)
    _text(ET.SubElement(q, "name"), f"{item.number:02d} {item.id}")
    stem = _blanked(item) if item.type == "fill-blank" else item.stem
    _text(ET.SubElement(q, "questiontext", format="html"), _html(stem))
    _text(ET.SubElement(q, "generalfeedback", format="html"), _html(item.feedback))
    ET.SubElement(q, "defaultgrade").text = str(item.points)
    ET.SubElement(q, "penalty").text = PENALTY[kind]
    ET.SubElement(q, "hidden").text = "0"
    ET.SubElement(q, "idnumber").text = item.id
    if kind == "truefalse":
        _truefalse(q, item)
    elif kind == "matching":
        _matching(q, item, fixed)
    else:
        _multichoice(q, item, fixed)
    tags = ET.SubElement(q, "tags")
    for tag in item.tags:
        _text(ET.SubElement(tags, "tag"), tag)
    return q


def _truefalse(q: ET.Element, item: ExportItem) -> None:
    for value, right in (("true", item.answer), ("false", not item.answer)):
        answer = ET.SubElement(q, "answer", fraction="100" if right else "0",
                               format="moodle_auto_format")
        _text(answer, value)
        _text(ET.SubElement(answer, "feedback", format="html"), "")


def _multichoice(q: ET.Element, item: ExportItem, fixed: bool) -> None:
    single = item.type != "multiple"
    ET.SubElement(q, "single").text = "true" if single else "false"
    ET.SubElement(q, "shuffleanswers").text = "false" if fixed or item.not_sure else "true"
    ET.SubElement(q, "answernumbering").text = "ABCD"
    ET.SubElement(q, "showstandardinstruction").text = "0"
    _combined_feedback(q)
    right = sum(c.correct for c in item.choices)
    wrong = len(item.choices) - right
    for c in item.choices:
        if single:
            fraction = "100" if c.correct else "0"
        else:
            fraction = gift.weight(right) if c.correct else "-" + gift.weight(wrong)
        answer = ET.SubElement(q, "answer", fraction=fraction, format="html")
        _text(answer, _html(c.text))
        _text(ET.SubElement(answer, "feedback", format="html"), "")


def _matching(q: ET.Element, item: ExportItem, fixed: bool) -> None:
    ET.SubElement(q, "shuffleanswers").text = "false" if fixed else "true"
    _combined_feedback(q)
    texts = {c.letter: c.text for c in item.choices}
    pairs = [(prompt, texts[letter]) for prompt, letter in zip(item.prompts, item.matches,
                                                               strict=True)]
    pairs += [("", c.text) for c in item.choices if c.letter not in item.matches]
    for prompt, right in pairs:  # an empty prompt: an answer that matches nothing
        sub = ET.SubElement(q, "subquestion", format="html")
        _text(sub, _html(prompt) if prompt else "")
        _text(ET.SubElement(sub, "answer"), right)  # answers are plain text in Moodle


def _combined_feedback(q: ET.Element) -> None:
    for name in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _text(ET.SubElement(q, name, format="html"), "")


def _text(parent: ET.Element, value: str) -> None:
    ET.SubElement(parent, "text").text = value


def _html(text: str) -> str:
    """Plain text as a paragraph of HTML: markup escaped, line breaks kept."""
    return "<p>" + html.escape(text, quote=False).replace("\n", "<br>") + "</p>"


def _blanked(item: ExportItem) -> str:
    before, after = item.blank_parts()
    return f"{before}{MISSING}{after}"


def _comment(text: str) -> str:
    return text.replace("--", "- -")  # "--" may not appear in an XML comment


def limits(item: ExportItem) -> list[str]:
    """What Moodle XML cannot carry of an item."""
    out = []
    if item.not_sure:
        out.append("exported as a one-answer multiple-choice question (True / False / Not "
                   "sure): Moodle's true/false question has no 'Not sure' answer")
    if item.type == "multiple":
        out.append("Moodle gives part marks for each box ticked right (and takes some away "
                   "for each wrong one); on paper the item scores only when exactly the "
                   "right boxes are ticked")
    return out


FORMAT = Format("moodle", "Moodle XML", ".moodle.xml", render, limits)
