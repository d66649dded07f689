"""IMS QTI 2.1 content packages: a zip of ``imsmanifest.xml`` (IMS Content Packaging
1.1), one ``assessmentItem`` file per question under ``items/``, and, for a printed
version, an ``assessmentTest`` under ``tests/`` that puts the items in its order.

Item types: ``choiceInteraction`` (single choice, true/false with its "Not sure", and
multiple answers, scored all or nothing as on paper), ``matchInteraction`` (a prompt
set and an answer set, one point per right pair through a ``mapping``), and
``inlineChoiceInteraction`` for fill-blank (the choices stand in the sentence where the
blank is). Choice identifiers are the printed letters (A, B, C; matching prompts P1,
P2...), so ``correctResponse`` reads like the paper key. The explanation and its "See:"
pointer are a ``modalFeedback`` that response processing always shows. The objective,
handout, section and level are LOM keywords in each item's resource metadata in the
manifest, with ``qtiMetadata`` (the interaction type).
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

from osteo_print import __version__
from osteo_print.export.model import ExportItem, ExportQuiz, Format

QTI = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
LOM = "http://ltsc.ieee.org/xsd/LOM"
QTI_MD = "http://www.imsglobal.org/xsd/imsqti_metadata_v2p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "xml:lang"
QTI_XSD = f"{QTI} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_XSD = (f"{CP} http://www.imsglobal.org/xsd/imscp_v1p1.xsd "
          f"{LOM} http://www.imsglobal.org/xsd/imsmd_loose_v1p3p2.xsd "
          f"{QTI_MD} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_metadata_v2p1.xsd")
ITEM_TYPE = "imsqti_item_xmlv2p1"
TEST_TYPE = "imsqti_test_xmlv2p1"
TOOL = "osteo-print"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the same input gives the same bytes

# Elements are built with plain names and each namespace is declared by an xmlns
# attribute where it starts (ElementTree's own namespace handling would write prefixes,
# ns0:assessmentItem, which some LMS importers do not read).


def _root(tag: str, namespace: str, schemas: str, **attributes: str) -> ET.Element:
    return ET.Element(tag, {"xmlns": namespace, "xmlns:xsi": XSI,
                            "xsi:schemaLocation": schemas, **attributes})


def render(quiz: ExportQuiz) -> bytes:
    """The zipped content package of a quiz."""
    files = {item_path(item): item_xml(item, quiz) for item in quiz.items}
    if quiz.fixed_order:
        files[test_path(quiz)] = test_xml(quiz)
    files = {"imsmanifest.xml": manifest_xml(quiz), **files}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()


def item_path(item: ExportItem) -> str:
    return f"items/{item.id}.xml"


def test_path(quiz: ExportQuiz) -> str:
    return f"tests/{quiz.stem}.xml"


def _serialize(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


# --- Items ------------------------------------------------------------------------------


def item_xml(item: ExportItem, quiz: ExportQuiz) -> bytes:
    """One ``assessmentItem``."""
    root = _root("assessmentItem", QTI, QTI_XSD, **{
        "identifier": item.id, "title": _title(item), XML_LANG: quiz.lang,
        "adaptive": "false", "timeDependent": "false", "toolName": TOOL,
        "toolVersion": __version__})
    _response_declaration(root, item)
    _outcomes(root, item)
    body = ET.SubElement(root, "itemBody")
    if item.type == "matching":
        _match_interaction(body, item, quiz.fixed_order)
    elif item.type == "fill-blank":
        _inline_choice(body, item, quiz.fixed_order)
    else:
        _choice_interaction(body, item, quiz.fixed_order)
    _response_processing(root, item)
    feedback = ET.SubElement(root, "modalFeedback", outcomeIdentifier="FEEDBACK",
                             identifier="EXPLANATION", showHide="show")
    ET.SubElement(feedback, "p").text = item.explanation
    if item.see:
        ET.SubElement(feedback, "p").text = item.see
    return _serialize(root)


def interaction(item: ExportItem) -> str:
    """The QTI interaction an item becomes."""
    return {"matching": "matchInteraction",
            "fill-blank": "inlineChoiceInteraction"}.get(item.type, "choiceInteraction")


def _title(item: ExportItem) -> str:
    words = " ".join(item.stem.split())
    return words if len(words) <= 100 else words[:99].rstrip() + "…"


def _response_declaration(root: ET.Element, item: ExportItem) -> None:
    if item.type == "matching":
        declaration = ET.SubElement(root, "responseDeclaration", identifier="RESPONSE",
                                    cardinality="multiple", baseType="directedPair")
        pairs = [f"P{row} {letter}" for row, letter in enumerate(item.matches, 1)]
        _values(ET.SubElement(declaration, "correctResponse"), pairs)
        mapping = ET.SubElement(declaration, "mapping", defaultValue="0")
        for pair in pairs:
            ET.SubElement(mapping, "mapEntry", mapKey=pair,
                          mappedValue=_number(item.points / len(pairs)))
        return
    cardinality = "multiple" if item.type == "multiple" else "single"
    declaration = ET.SubElement(root, "responseDeclaration", identifier="RESPONSE",
                                cardinality=cardinality, baseType="identifier")
    _values(ET.SubElement(declaration, "correctResponse"), item.correct_letters)


def _values(parent: ET.Element, values: list[str]) -> None:
    for value in values:
        ET.SubElement(parent, "value").text = value


def _outcomes(root: ET.Element, item: ExportItem) -> None:
    points = str(item.points)
    score = ET.SubElement(root, "outcomeDeclaration", identifier="SCORE",
                          cardinality="single", baseType="float", normalMaximum=points)
    _values(ET.SubElement(score, "defaultValue"), ["0"])
    maximum = ET.SubElement(root, "outcomeDeclaration", identifier="MAXSCORE",
                            cardinality="single", baseType="float")
    _values(ET.SubElement(maximum, "defaultValue"), [points])
    ET.SubElement(root, "outcomeDeclaration", identifier="FEEDBACK",
                  cardinality="single", baseType="identifier")


def _shuffle(fixed: bool, item: ExportItem) -> str:
    return "false" if fixed or item.type == "true-false" else "true"


def _choice_interaction(body: ET.Element, item: ExportItem, fixed: bool) -> None:
    many = item.type == "multiple"
    block = ET.SubElement(body, "choiceInteraction", responseIdentifier="RESPONSE",
                          shuffle=_shuffle(fixed, item),
                          maxChoices=str(len(item.choices) if many else 1))
    ET.SubElement(block, "prompt").text = item.stem
    for choice in item.choices:
        ET.SubElement(block, "simpleChoice", identifier=choice.letter).text = choice.text


def _match_interaction(body: ET.Element, item: ExportItem, fixed: bool) -> None:
    block = ET.SubElement(body, "matchInteraction", responseIdentifier="RESPONSE",
                          shuffle=_shuffle(fixed, item), maxAssociations=str(len(item.prompts)))
    ET.SubElement(block, "prompt").text = item.stem
    prompts = ET.SubElement(block, "simpleMatchSet")
    for row, text in enumerate(item.prompts, 1):
        ET.SubElement(prompts, "simpleAssociableChoice", identifier=f"P{row}",
                      matchMax="1").text = text
    answers = ET.SubElement(block, "simpleMatchSet")
    for choice in item.choices:
        ET.SubElement(answers, "simpleAssociableChoice", identifier=choice.letter,
                      matchMax="1").text = choice.text


def _inline_choice(body: ET.Element, item: ExportItem, fixed: bool) -> None:
    before, after = item.blank_parts()
    paragraph = ET.SubElement(body, "p")
    paragraph.text = before
    block = ET.SubElement(paragraph, "inlineChoiceInteraction",
                          responseIdentifier="RESPONSE", shuffle=_shuffle(fixed, item),
                          required="true")
    block.tail = after
    for choice in item.choices:
        ET.SubElement(block, "inlineChoice", identifier=choice.letter).text = choice.text


def _response_processing(root: ET.Element, item: ExportItem) -> None:
    """Score as on paper (all or nothing; matching: a share per right pair), then
    always show the explanation."""
    rules = ET.SubElement(root, "responseProcessing")
    condition = ET.SubElement(rules, "responseCondition")
    first = ET.SubElement(condition, "responseIf")
    if item.type == "matching":
        test = ET.SubElement(first, "isNull")
        ET.SubElement(test, "variable", identifier="RESPONSE")
        _set(first, "SCORE", "float", "0")
        other = ET.SubElement(ET.SubElement(condition, "responseElse"),
                              "setOutcomeValue", identifier="SCORE")
        ET.SubElement(other, "mapResponse", identifier="RESPONSE")
    else:
        test = ET.SubElement(first, "match")
        ET.SubElement(test, "variable", identifier="RESPONSE")
        ET.SubElement(test, "correct", identifier="RESPONSE")
        _set(first, "SCORE", "float", str(item.points))
        _set(ET.SubElement(condition, "responseElse"), "SCORE", "float", "0")
    _set(rules, "FEEDBACK", "identifier", "EXPLANATION")


def _set(parent: ET.Element, outcome: str, base_type: str, value: str) -> None:
    rule = ET.SubElement(parent, "setOutcomeValue", identifier=outcome)
    ET.SubElement(rule, "baseValue", baseType=base_type).text = value


def _number(value: float) -> str:
    return f"{value:.6g}"


# --- The test of a printed version ------------------------------------------------------


def test_xml(quiz: ExportQuiz) -> bytes:
    """An ``assessmentTest`` holding the items in the version's order, scored as the sum
    of their scores."""
    root = _root("assessmentTest", QTI, QTI_XSD, identifier=quiz.stem, title=quiz.heading,
                 toolName=TOOL, toolVersion=__version__)
    ET.SubElement(root, "outcomeDeclaration", identifier="SCORE", cardinality="single",
                  baseType="float", normalMaximum=str(quiz.total_points))
    part = ET.SubElement(root, "testPart", identifier="part-1", navigationMode="nonlinear",
                         submissionMode="simultaneous")
    section = ET.SubElement(part, "assessmentSection", identifier="section-1",
                            title=quiz.title, visible="true")
    ET.SubElement(section, "ordering", shuffle="false")
    for item in quiz.items:
        ET.SubElement(section, "assessmentItemRef", identifier=item.id,
                      href=f"../{item_path(item)}")
    processing = ET.SubElement(root, "outcomeProcessing")
    total = ET.SubElement(ET.SubElement(processing, "setOutcomeValue", identifier="SCORE"),
                          "sum")
    ET.SubElement(total, "testVariables", variableIdentifier="SCORE")
    return _serialize(root)


# --- The manifest -----------------------------------------------------------------------


def manifest_xml(quiz: ExportQuiz) -> bytes:
    """``imsmanifest.xml``: a resource per item (with its metadata) and per test."""
    root = _root("manifest", CP, CP_XSD, identifier=f"manifest-{quiz.stem}")
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "schema").text = "QTIv2.1 Package"
    ET.SubElement(metadata, "schemaversion").text = "1.0.0"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    if quiz.fixed_order:
        test = ET.SubElement(resources, "resource", identifier=f"test-{quiz.stem}",
                             type=TEST_TYPE, href=test_path(quiz))
        ET.SubElement(test, "file", href=test_path(quiz))
        for item in quiz.items:
            ET.SubElement(test, "dependency", identifierref=f"item-{item.id}")
    for item in quiz.items:
        resource = ET.SubElement(resources, "resource", identifier=f"item-{item.id}",
                                 type=ITEM_TYPE, href=item_path(item))
        _item_metadata(ET.SubElement(resource, "metadata"), item, quiz.lang)
        ET.SubElement(resource, "file", href=item_path(item))
    return _serialize(root)


def _item_metadata(parent: ET.Element, item: ExportItem, lang: str) -> None:
    lom = ET.SubElement(parent, "lom", xmlns=LOM)
    general = ET.SubElement(lom, "general")
    identifier = ET.SubElement(general, "identifier")
    ET.SubElement(identifier, "catalog").text = TOOL
    ET.SubElement(identifier, "entry").text = item.id
    _lang_string(general, "title", _title(item), lang)
    ET.SubElement(general, "language").text = lang
    if item.see:
        _lang_string(general, "description", item.see, lang)
    for tag in item.tags:
        _lang_string(general, "keyword", tag, lang)
    qti = ET.SubElement(parent, "qtiMetadata", xmlns=QTI_MD)
    ET.SubElement(qti, "timeDependent").text = "false"
    ET.SubElement(qti, "interactionType").text = interaction(item)
    ET.SubElement(qti, "feedbackType").text = "nonadaptive"
    ET.SubElement(qti, "solutionAvailable").text = "true"
    ET.SubElement(qti, "toolName").text = TOOL
    ET.SubElement(qti, "toolVersion").text = __version__


def _lang_string(parent: ET.Element, name: str, text: str, lang: str) -> None:
    element = ET.SubElement(parent, name)
    ET.SubElement(element, "string", language=lang).text = text


def limits(item: ExportItem) -> list[str]:
    """QTI 2.1 carries every item type the content has, with its points and feedback."""
    return []


FORMAT = Format("qti", "QTI 2.1", ".qti.zip", render, limits)
