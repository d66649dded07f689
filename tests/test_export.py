"""``osteo-print export``: QTI 2.1, Moodle XML and GIFT, each validated and each checked
against the JSON answer key that ``osteo-print quiz`` writes.

- QTI: every item, test and manifest is validated with ``xmlschema`` against the schema
  subsets in ``tests/export_schemas/`` (the IMS XSDs are in no package and the tests run
  offline: the subsets are written from the IMS files, see the README there), and every
  file the manifest names is in the zip.
- GIFT: parsed back with ``pygiftparser`` (around two of its quirks, see
  ``gift_questions`` and ``gift_answers``), and checked against the rules of Moodle's own
  GIFT importer that ``pygiftparser`` does not apply (``moodle_gift_rules``).
- Moodle XML: parsed, and checked against the documented format.

One module-scoped build: a copy of the built-in content whose default quiz also holds a
multiple-answer and a fill-blank item, a true/false item without "Not sure" and an item
whose texts hold GIFT's and XML's special characters; its quiz (two versions, en and es)
is exported once in every format, and the bank once. The JSON keys the exports are
checked against are written as ``osteo-print quiz`` writes them (``pages.key_json``),
without rendering the PDFs; the slow ``test_the_keys_are_those_osteo_print_quiz_writes``
runs the command and finds the same bytes.
"""

from __future__ import annotations

import html
import io
import json
import logging
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner

from conftest import yaml_dump, yaml_load
from osteo_print.build import plan
from osteo_print.cli import cli
from osteo_print.options import BuildOptions, QuizRequest
from osteo_print.pages import key_json, quiz_version
from osteo_print.paths import BUILTIN_CONTENT
from osteo_print.project import open_project

# pygiftparser 1.1 asks for the locale the deprecated way when it is imported.
pytestmark = pytest.mark.filterwarnings("ignore:'locale.getdefaultlocale':DeprecationWarning")

SCHEMAS = Path(__file__).parent / "export_schemas"
QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
LOM = "{http://ltsc.ieee.org/xsd/LOM}"
QTI_MD = "{http://www.imsglobal.org/xsd/imsqti_metadata_v2p1}"
SEED = 2026
LANGS = ("en", "es")
LETTERS = ("A", "B")
VERSIONS = [(lang, letter) for lang in LANGS for letter in LETTERS]
FORMATS = ("qti", "moodle", "gift")
SPECIAL = 'Lift < 5 kg & rest: {a} ~b =c #d \\e ]]> "f" -> ¿ñ?'
ARROW_PROMPT = "Denosumab -> Prolia"
# Moodle's answer weights (question_bank::fraction_options_full), as percentages.
MOODLE_FRACTIONS = {100.0, 90.0, 83.33333, 80.0, 75.0, 70.0, 66.66667, 60.0, 50.0, 40.0,
                    33.33333, 30.0, 25.0, 20.0, 16.66667, 14.28571, 12.5, 11.11111, 10.0,
                    5.0, 0.0}


# --- The shared build ---------------------------------------------------------------------


def _edit_content(root: Path) -> None:
    """Widen the default quiz to every item type, and give one item special characters."""
    for lang in LANGS:
        path = root / lang / "quiz.yaml"
        data = yaml_load(path.read_text("utf-8"))
        data["forms"]["all"]["items"] += ["s-who-scan-more", "n-phosphorus"]
        items = {item["id"]: item for item in data["items"]}
        items["l-hip-serious"]["not_sure"] = False
        benefit = items["e-benefit"]
        benefit["stem"] += " " + SPECIAL
        benefit["options"][0]["text"] += " " + SPECIAL
        benefit["explanation"] += " " + SPECIAL
        items["m-schedule"]["pairs"][0]["left"] = ARROW_PROMPT
        path.write_text(yaml_dump(data), "utf-8")


@dataclass
class Exported:
    content: Path
    out: Path  # the versions' keys and export
    bank_out: Path  # the bank's export
    stderr: str  # the versions' export
    bank_stderr: str
    pool: dict  # the content's items by language and id

    @property
    def lms(self) -> Path:
        return self.out / "lms"

    def key(self, lang: str, letter: str) -> dict:
        path = self.out / f"quiz-key_general_{lang}_letter_{letter}.json"
        return json.loads(path.read_text("utf-8"))

    def file(self, lang: str, letter: str, fmt: str) -> Path:
        suffix = {"qti": ".qti.zip", "moodle": ".moodle.xml", "gift": ".gift.txt"}[fmt]
        return self.lms / f"quiz_general_{lang}_{letter}{suffix}"

    def report(self, lang: str, fmt: str) -> dict:
        return json.loads((self.lms / f"quiz_general_{lang}.{fmt}-report.json").read_text())


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def common_args(content: Path) -> list[str]:
    """The content and languages of every command here."""
    return ["--content", str(content), "--lang", "en", "--lang", "es"]


VERSION_ARGS = ["--form", "all", "--versions", str(len(LETTERS)), "--seed", str(SEED)]


def write_keys(content: Path, out: Path) -> dict:
    """The JSON answer keys ``osteo-print quiz --form all`` writes for VERSIONS, written
    with what it writes them with (``pages.key_json``), without rendering a PDF. Returns
    the content's items by language and id."""
    project = open_project(None, content, langs=list(LANGS))
    options = BuildOptions(content_dir=content, langs=LANGS, handouts=False,
                           quizzes=(QuizRequest(form="all", versions=len(LETTERS),
                                                seed=SEED),))
    out.mkdir(parents=True)
    jobs = [job for job in plan(project, options) if job.kind == "answer-key"]
    assert len(jobs) == len(VERSIONS)
    for job in jobs:
        (out / f"{job.stem}.json").write_bytes(key_json(quiz_version(project, job), job))
    return {lang: project.content.quiz(lang).pool for lang in LANGS}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    root = tmp_path_factory.mktemp("export")
    content = root / "content"
    shutil.copytree(BUILTIN_CONTENT, content)
    _edit_content(content)
    out, bank_out = root / "output", root / "bank"
    pool = write_keys(content, out)
    common = common_args(content)
    lms = [arg for fmt in FORMATS for arg in ("--lms", fmt)]
    done = invoke("export", *lms, *common, *VERSION_ARGS, "--out", str(out))
    assert done.exit_code == 0, done.output
    bank = invoke("export", *lms, *common, "--out", str(bank_out))
    assert bank.exit_code == 0, bank.output
    return Exported(content, out, bank_out, done.stderr, bank.stderr, pool)


@pytest.mark.slow
def test_the_keys_are_those_osteo_print_quiz_writes(exported: Exported,
                                                    tmp_path: Path) -> None:
    """The keys every test here compares the exports with are, byte for byte, the ones
    ``osteo-print quiz`` writes (PDFs and all) with the options of the export."""
    result = invoke("quiz", *common_args(exported.content), *VERSION_ARGS,
                    "--out", str(tmp_path), "-q")
    assert result.exit_code == 0, result.output
    written = sorted(tmp_path.glob("quiz-key_*.json"))
    assert len(written) == len(VERSIONS)
    assert [p.name for p in written] == sorted(p.name for p in exported.out.glob("*.json"))
    for path in written:
        assert path.read_bytes() == (exported.out / path.name).read_bytes(), path.name


@pytest.fixture(scope="module")
def pool(exported: Exported) -> dict:
    """The content's items by language and id (explanations are not in the key)."""
    return exported.pool


@cache
def schema(name: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / name))


# --- QTI ----------------------------------------------------------------------------------


@dataclass
class QtiItem:
    id: str
    interaction: str
    stem: str
    options: list[str]
    prompts: list[str]
    correct: list[str]  # letters; for matching, one per prompt in order
    points: float
    feedback: list[str]
    shuffle: str


@cache
def validate_package(path: Path) -> dict[str, bytes]:
    """Validate a content package; return its files (each package validated once: the
    packages are the module's, written once; a failure is not cached, so raised again)."""
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    manifest = files["imsmanifest.xml"]
    schema("imscp_v1p1.xsd").validate(io.BytesIO(manifest))
    root = ET.fromstring(manifest)
    for lom in root.iter(f"{LOM}lom"):
        schema("imsmd_loose_v1p3p2.xsd").validate(lom)
    for metadata in root.iter(f"{QTI_MD}qtiMetadata"):
        schema("imsqti_metadata_v2p1.xsd").validate(metadata)
    named = {f.get("href") for f in root.iter(f"{CP}file")}
    named |= {r.get("href") for r in root.iter(f"{CP}resource")}
    assert named == set(files) - {"imsmanifest.xml"}, "the manifest names every file, no more"
    ids = {r.get("identifier") for r in root.iter(f"{CP}resource")}
    assert {d.get("identifierref") for d in root.iter(f"{CP}dependency")} <= ids
    for name, data in files.items():
        if name != "imsmanifest.xml":
            schema("imsqti_v2p1.xsd").validate(io.BytesIO(data))
    return files


def qti_item(data: bytes) -> QtiItem:
    root = ET.fromstring(data)
    body = root.find(f"{QTI}itemBody")
    assert body is not None
    interaction = body.find("*")
    assert interaction is not None
    kind = interaction.tag.removeprefix(QTI)
    correct_response = root.find(f"{QTI}responseDeclaration/{QTI}correctResponse")
    assert correct_response is not None
    values = [v.text or "" for v in correct_response]
    prompts: list[str] = []
    if kind == "matchInteraction":
        sets = interaction.findall(f"{QTI}simpleMatchSet")
        prompts = [c.text or "" for c in sets[0]]
        options = [c.text or "" for c in sets[1]]
        pairs = dict(v.split() for v in values)
        correct = [pairs[f"P{row}"] for row in range(1, len(prompts) + 1)]
        stem = interaction.findtext(f"{QTI}prompt") or ""
    elif kind == "p":  # fill-blank: the inline choice stands in the sentence
        inline = interaction.find(f"{QTI}inlineChoiceInteraction")
        assert inline is not None
        kind, options = "inlineChoiceInteraction", [c.text or "" for c in inline]
        stem = f"{interaction.text}___{inline.tail}"
        correct, interaction = values, inline
    else:
        options = [c.text or "" for c in interaction.findall(f"{QTI}simpleChoice")]
        stem, correct = interaction.findtext(f"{QTI}prompt") or "", values
    score = next(o for o in root.iter(f"{QTI}outcomeDeclaration")
                 if o.get("identifier") == "SCORE")
    feedback = [p.text or "" for p in root.iterfind(f"{QTI}modalFeedback/{QTI}p")]
    return QtiItem(root.get("identifier", ""), kind, stem, options, prompts, correct,
                   float(score.get("normalMaximum", "0")), feedback,
                   interaction.get("shuffle", ""))


def qti_test_items(files: dict[str, bytes]) -> list[QtiItem]:
    """The items in the order of the package's test."""
    [test] = [name for name in files if name.startswith("tests/")]
    refs = ET.fromstring(files[test]).iter(f"{QTI}assessmentItemRef")
    return [qti_item(files[ref.get("href", "").removeprefix("../")]) for ref in refs]


def test_qti_packages_are_valid_and_complete(exported: Exported) -> None:
    packages = sorted(exported.lms.glob("*.qti.zip")) + sorted(
        exported.bank_out.glob("lms/*.qti.zip"))
    assert len(packages) == len(VERSIONS) + len(LANGS)
    for package in packages:
        files = validate_package(package)
        assert any(name.startswith("items/") for name in files)
        assert any(name.startswith("tests/") for name in files) == ("bank" not in package.name)


def test_the_qti_schema_subset_rejects_what_qti_forbids(exported: Exported) -> None:
    files = validate_package(exported.file("en", "A", "qti"))
    item = next(data for name, data in files.items() if name.startswith("items/"))
    broken = item.replace(b' timeDependent="false"', b"", 1)  # a required attribute
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        schema("imsqti_v2p1.xsd").validate(io.BytesIO(broken))
    misplaced = item.replace(b"<itemBody>", b"<itemBody><modalFeedback/>", 1)
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        schema("imsqti_v2p1.xsd").validate(io.BytesIO(misplaced))


@pytest.mark.parametrize(("lang", "letter"), VERSIONS)
def test_qti_answers_match_the_key(exported: Exported, pool: dict, lang: str,
                                   letter: str) -> None:
    key = exported.key(lang, letter)["questions"]
    items = qti_test_items(validate_package(exported.file(lang, letter, "qti")))
    assert [i.id for i in items] == [row["id"] for row in key]
    for item, row in zip(items, key, strict=True):
        assert item.correct == row["correct"], row["id"]
        assert item.options == row["options"], row["id"]
        assert item.prompts == row.get("prompts", []), row["id"]
        assert item.stem == row["stem"]
        assert item.points == row["points"]
        assert item.shuffle == "false", "a version keeps its printed order"
        see = row["see"]
        assert item.feedback[0] == pool[lang][row["id"]].explanation
        assert see["handout_title"] in item.feedback[1]
        assert (see["section_title"] or "") in item.feedback[1]
    assert {i.interaction for i in items} == {"choiceInteraction", "matchInteraction",
                                              "inlineChoiceInteraction"}


def test_qti_manifest_carries_objective_and_section(exported: Exported) -> None:
    key = {row["id"]: row for row in exported.key("es", "A")["questions"]}
    files = validate_package(exported.file("es", "A", "qti"))
    manifest = ET.fromstring(files["imsmanifest.xml"])
    for resource in manifest.iter(f"{CP}resource"):
        if resource.get("type") != "imsqti_item_xmlv2p1":
            assert resource.get("type") == "imsqti_test_xmlv2p1"
            continue
        item_id = resource.findtext(f".//{LOM}entry")
        words = [s.text for s in resource.iterfind(f".//{LOM}keyword/{LOM}string")]
        row = key[item_id]
        assert f"objective:{row['objective']}" in words
        assert f"handout:{row['handout']}" in words and f"section:{row['section']}" in words
        assert resource.findtext(f".//{LOM}language") == "es"
        description = resource.findtext(f".//{LOM}description/{LOM}string") or ""
        assert description.startswith("Vea: " + row["see"]["handout_title"])


def test_qti_scores_as_on_paper(exported: Exported) -> None:
    files = validate_package(exported.file("en", "B", "qti"))
    for name, data in files.items():
        if not name.startswith("items/"):
            continue
        root = ET.fromstring(data)
        item = qti_item(data)
        entries = [float(e.get("mappedValue", "0")) for e in root.iter(f"{QTI}mapEntry")]
        if item.interaction == "matchInteraction":  # a share of the points per right pair
            assert sum(entries) == pytest.approx(item.points)
            assert len(entries) == len(item.prompts)
        else:  # all or nothing: the item's points only for exactly the right answers
            assert not entries
            values = [b.text for b in root.iter(f"{QTI}baseValue")
                      if b.get("baseType") == "float"]
            assert values == [f"{item.points:g}", "0"]


# --- Moodle XML ---------------------------------------------------------------------------


def html_text(text: str) -> str:
    """The plain text of an exported HTML paragraph."""
    inner = re.fullmatch(r"<p>(.*)</p>", text, re.S)
    assert inner, text
    return html.unescape(inner.group(1).replace("<br>", "\n"))


def moodle_questions(path: Path) -> list[ET.Element]:
    root = ET.parse(path).getroot()
    assert root.tag == "quiz"
    questions = root.findall("question")
    assert questions[0].get("type") == "category"
    assert (questions[0].findtext("category/text") or "").startswith("$course$/top/osteo-print/")
    return questions[1:]


def moodle_answers(q: ET.Element, row: dict) -> tuple[list[str], list[str], list[str]]:
    """(options, correct letters, prompts) of one question, as the key says them."""
    kind = q.get("type")
    if kind == "truefalse":
        right = [a.findtext("text") for a in q.findall("answer") if a.get("fraction") == "100"]
        return row["options"][:2], ["A" if right == ["true"] else "B"], []
    if kind == "matching":
        subs = [(html_text(text) if (text := s.findtext("text")) else "",
                 s.findtext("answer/text") or "") for s in q.findall("subquestion")]
        prompts = [p for p, _ in subs if p]
        letters = [chr(65 + row["options"].index(a)) for p, a in subs if p]
        assert sorted(a for _, a in subs) == sorted(row["options"])
        return row["options"], letters, prompts
    answers = q.findall("answer")
    options = [html_text(a.findtext("text") or "") for a in answers]
    letters = [chr(65 + i) for i, a in enumerate(answers) if float(a.get("fraction", 0)) > 0]
    return options, letters, []


@pytest.mark.parametrize(("lang", "letter"), VERSIONS)
def test_moodle_answers_match_the_key(exported: Exported, pool: dict, lang: str,
                                      letter: str) -> None:
    key = exported.key(lang, letter)["questions"]
    questions = moodle_questions(exported.file(lang, letter, "moodle"))
    assert [q.findtext("idnumber") for q in questions] == [row["id"] for row in key]
    for q, row in zip(questions, key, strict=True):
        options, correct, prompts = moodle_answers(q, row)
        assert (options, correct, prompts) == (row["options"], row["correct"],
                                               row.get("prompts", [])), row["id"]
        feedback = html_text(q.findtext("generalfeedback/text") or "")
        explanation, see = feedback.split("\n")
        assert explanation == pool[lang][row["id"]].explanation
        assert see.startswith({"en": "See: ", "es": "Vea: "}[lang] + row["see"]["handout_title"])
        assert float(q.findtext("defaultgrade") or 0) == row["points"]
        tags = [t.text for t in q.iterfind("tags/tag/text")]
        assert f"objective:{row['objective']}" in tags and f"handout:{row['handout']}" in tags
        if row["type"] == "fill-blank":
            assert html_text(q.findtext("questiontext/text") or "") == row["stem"].replace(
                "___", "_____")
        else:
            assert html_text(q.findtext("questiontext/text") or "") == row["stem"]


def test_moodle_xml_follows_the_documented_format(exported: Exported) -> None:
    key = {row["id"]: row for row in exported.key("en", "A")["questions"]}
    questions = moodle_questions(exported.file("en", "A", "moodle"))
    kinds = {q.get("type") for q in questions}
    assert kinds == {"multichoice", "truefalse", "matching"}
    for q in questions:
        row = key[q.findtext("idnumber") or ""]
        for child in ("name/text", "questiontext/text", "generalfeedback/text", "defaultgrade",
                      "penalty", "hidden"):
            assert q.find(child) is not None, (row["id"], child)
        assert q.find("questiontext").get("format") == "html"
        if q.get("type") == "multichoice":
            assert q.findtext("shuffleanswers") == "false"
            assert q.findtext("answernumbering") == "ABCD"
            fractions = [float(a.get("fraction", "")) for a in q.findall("answer")]
            assert {abs(f) for f in fractions} <= MOODLE_FRACTIONS
            if row["type"] == "multiple":
                assert q.findtext("single") == "false"
                assert sum(f for f in fractions if f > 0) == pytest.approx(100, abs=0.001)
                assert sum(f for f in fractions if f < 0) == pytest.approx(-100, abs=0.001)
            else:
                assert q.findtext("single") == "true"
                assert sorted(fractions) == [0] * (len(fractions) - 1) + [100]
        elif q.get("type") == "truefalse":
            assert row["id"] == "l-hip-serious", "only the item without 'Not sure'"
            assert sorted(a.findtext("text") for a in q.findall("answer")) == ["false", "true"]
        else:
            subs = q.findall("subquestion")
            assert q.findtext("shuffleanswers") == "false"
            empty = [s for s in subs if not s.findtext("text")]
            assert len(subs) == len(row["options"])
            assert len(empty) == len(row["options"]) - len(row["prompts"]) >= 1


# --- GIFT ---------------------------------------------------------------------------------


# pygiftparser 1.1 ends a question's answers at the first "}", even an escaped one. Moodle's
# own importer first swaps each escaped character for a placeholder (escapedchar_pre) and
# swaps them back after parsing; the tests do the same around pygiftparser.
PLACEHOLDERS = {"\\": "&&092;", ":": "&&058;", "#": "&&035;", "=": "&&061;", "{": "&&123;",
                "}": "&&125;", "~": "&&126;", "n": "&&010;"}
CHARACTERS = {v: ("\n" if k == "n" else k) for k, v in PLACEHOLDERS.items()}


def gift_protect(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: PLACEHOLDERS.get(m.group(1), m.group(0)), text)


def gift_unescape(text: str) -> str:
    """A parsed text as Moodle shows it: the placeholders put back."""
    return re.sub("|".join(CHARACTERS), lambda m: CHARACTERS[m.group(0)], text)


def gift_questions(path: Path) -> list:
    from pygiftparser import parser

    logging.getLogger("pygiftparser").setLevel(logging.ERROR)
    protected = gift_protect(path.read_text("utf-8"))
    questions = parser.parseFile(io.StringIO(protected))
    assert all(q.valid for q in questions)
    return questions


def gift_answers(q, row: dict) -> tuple[list[str], list[str], list[str]]:
    """(options, correct letters, prompts) of one parsed question."""
    kind = type(q.answers).__name__
    if kind == "TrueFalseSet":
        return row["options"][:2], ["A" if q.answers.answer else "B"], []
    answers = q.answers.answers
    if kind == "MatchingSet":
        pairs = [(gift_unescape(a.question.strip()), gift_unescape(a.answer.strip()))
                 for a in answers]
        prompts = [p for p, _ in pairs if p]
        letters = [chr(65 + row["options"].index(a)) for p, a in pairs if p]
        assert sorted(a for _, a in pairs) == sorted(row["options"])
        return row["options"], letters, prompts
    # pygiftparser splits any answer holding "->" as a match; Moodle does so in matching
    # questions only.
    options = [gift_unescape(f"{a.question}->{a.answer}" if a.isMatching else a.answer)
               for a in answers]
    return options, [chr(65 + i) for i, a in enumerate(answers) if a.fraction > 0], []


def moodle_gift_rules(text: str) -> None:
    """What Moodle's GIFT importer needs that pygiftparser does not check: one unescaped
    { and } per question, no unescaped = among a multiple-answer item's answers (it
    would make it single-answer), weights Moodle accepts."""
    for block in text.split("\n\n"):
        lines = [ln for ln in block.splitlines() if not ln.strip().startswith("//")]
        body = re.sub(r"\\.", "", "\n".join(lines))
        if not body.strip() or body.startswith("$CATEGORY:"):
            continue
        assert body.count("{") == 1 and body.count("}") == 1, block
        answers = body[body.index("{") + 1:body.index("}")].split("####")[0]
        weights = re.findall(r"~%(-?[\d.]+)%", answers)
        if weights:
            assert "=" not in answers, block
            assert {abs(float(w)) for w in weights} <= MOODLE_FRACTIONS
            assert sum(float(w) for w in weights if float(w) > 0) == pytest.approx(100, abs=1e-3)


@pytest.mark.parametrize(("lang", "letter"), VERSIONS)
def test_gift_parses_back_to_the_key(exported: Exported, pool: dict, lang: str,
                                     letter: str) -> None:
    key = exported.key(lang, letter)["questions"]
    path = exported.file(lang, letter, "gift")
    moodle_gift_rules(path.read_text("utf-8"))
    questions = gift_questions(path)
    assert [q.title.split()[1] for q in questions] == [row["id"] for row in key]
    assert [int(q.title.split()[0]) for q in questions] == [row["number"] for row in key]
    for q, row in zip(questions, key, strict=True):
        options, correct, prompts = gift_answers(q, row)
        prompts = [p.replace("→", "->") for p in prompts]  # GIFT's stand-in, reported
        assert (options, correct, prompts) == (row["options"], row["correct"],
                                               row.get("prompts", [])), row["id"]
        text = gift_unescape(q.text.removeprefix("[plain]").strip())
        if row["type"] == "fill-blank":  # "missing word": the answers stand in the blank
            before, after = row["stem"].split("___")
            assert (text, gift_unescape(q.tail)) == (before.strip(), after.strip())
        else:
            assert text == row["stem"]
        explanation, see = gift_unescape(q.generalFeedback).split("\n")
        assert explanation == pool[lang][row["id"]].explanation
        assert see.startswith({"en": "See: ", "es": "Vea: "}[lang] + row["see"]["handout_title"])
        assert f"[tag:objective:{row['objective']}]" in q.full
        assert f"[id:{row['id']}]" in q.full


def test_bank_exports_every_item_in_every_format(exported: Exported, pool: dict) -> None:
    lms = exported.bank_out / "lms"
    for lang in LANGS:
        ids = list(pool[lang])
        gift = gift_questions(lms / f"bank_general_{lang}.gift.txt")
        assert [q.title.split()[1] for q in gift] == ids
        moodle = moodle_questions(lms / f"bank_general_{lang}.moodle.xml")
        assert [q.findtext("idnumber") for q in moodle] == ids
        files = validate_package(lms / f"bank_general_{lang}.qti.zip")
        items = {qti_item(data).id: qti_item(data) for name, data in files.items()
                 if name.startswith("items/")}
        assert set(items) == set(ids)
        for item_id, item in items.items():  # the LMS may shuffle the bank, not true/false
            q = pool[lang][item_id]
            assert item.shuffle == ("false" if q.type == "true-false" else "true")
            assert item.correct == [chr(65 + i) for i in sorted(q.correct)] or q.type == (
                "matching")
        types = {type(q.answers).__name__ for q in gift}
        assert {"SelectSet", "MultipleChoicesSet", "MatchingSet"} <= types
        moodle_gift_rules((lms / f"bank_general_{lang}.gift.txt").read_text("utf-8"))


# --- Special characters and languages ---------------------------------------------------------


def test_special_characters_survive_every_format(exported: Exported) -> None:
    raw = exported.file("en", "A", "gift").read_text("utf-8")
    assert 'Lift < 5 kg & rest\\: \\{a\\} \\~b \\=c \\#d \\\\e ]]> "f" -> ¿ñ?' in raw
    key = next(row for row in exported.key("en", "A")["questions"] if row["id"] == "e-benefit")
    assert key["stem"].endswith(SPECIAL)
    gift = next(q for q in gift_questions(exported.file("en", "A", "gift"))
                if q.title.endswith("e-benefit"))
    assert gift_unescape(gift.text.removeprefix("[plain]").strip()) == key["stem"]
    assert SPECIAL in gift_unescape(gift.generalFeedback)
    moodle_raw = exported.file("en", "A", "moodle").read_text("utf-8")
    assert "<![CDATA[<p>What is the main way" in moodle_raw
    assert "Lift &lt; 5 kg &amp; rest: {a} ~b =c #d \\e ]]&gt;" in moodle_raw
    moodle = next(q for q in moodle_questions(exported.file("en", "A", "moodle"))
                  if q.findtext("idnumber") == "e-benefit")
    assert html_text(moodle.findtext("questiontext/text") or "") == key["stem"]
    assert [html_text(a.findtext("text") or "") for a in moodle.findall("answer")] == key[
        "options"]
    qti = next(i for i in qti_test_items(validate_package(exported.file("en", "A", "qti")))
               if i.id == "e-benefit")
    assert (qti.stem, qti.options) == (key["stem"], key["options"])
    assert SPECIAL in qti.feedback[0]


def test_spanish_is_written_in_utf8(exported: Exported) -> None:
    key = exported.key("es", "A")
    stem = next(row["stem"] for row in key["questions"]
                if "¿" in row["stem"] and not set(row["stem"]) & set("\\~=#{}:<&"))
    for fmt in ("gift", "moodle"):
        assert stem in exported.file("es", "A", fmt).read_bytes().decode("utf-8")
    with zipfile.ZipFile(exported.file("es", "A", "qti")) as archive:
        assert any(stem.encode("utf-8") in archive.read(name) for name in archive.namelist())


# --- What a format cannot carry -------------------------------------------------------------


def _expected_limits(key: list[dict]) -> dict[str, dict[str, set[str]]]:
    not_sure = {r["id"] for r in key if r["type"] == "true-false" and len(r["options"]) == 3}
    multiple = {r["id"] for r in key if r["type"] == "multiple"}
    points = {r["id"] for r in key if r["points"] != 1}
    return {"moodle": {"Not sure": not_sure, "part marks": multiple},
            "gift": {"Not sure": not_sure, "part marks": multiple, "points on paper": points,
                     "'->'": {"m-schedule"}},
            "qti": {}}


@pytest.mark.parametrize("lang", LANGS)
def test_what_a_format_cannot_carry_is_reported_per_item(exported: Exported,
                                                         lang: str) -> None:
    key = exported.key(lang, "A")["questions"]
    for fmt, expected in _expected_limits(key).items():
        report = exported.report(lang, fmt)
        assert report["files"] == [exported.file(lang, x, fmt).name for x in LETTERS]
        assert report["items"] == len(key) and report["versions"] == list(LETTERS)
        found: dict[str, set[str]] = {}
        for entry in report["cannot_carry"]:
            why = next((w for w in expected if w in entry["why"]), entry["why"])
            found.setdefault(why, set()).add(entry["item"])
        assert found == {w: ids for w, ids in expected.items() if ids}, fmt
        assert "l-hip-serious" not in {e["item"] for e in report["cannot_carry"]}
        assert bool(report["file_notes"]) == (fmt == "gift")  # answer order and letters
        for why, ids in found.items():  # printed by the command too, with the item ids
            line = next(ln for ln in exported.stderr.splitlines()
                        if ln.startswith(f"Warning: {fmt}, quiz_general_{lang}: ")
                        and why in ln)
            assert all(item_id in line for item_id in ids)


def test_the_bank_reports_too(exported: Exported) -> None:
    assert "Warning: gift, bank_general_en: " in exported.bank_stderr
    report = json.loads((exported.bank_out / "lms" / "bank_general_es.moodle-report.json")
                        .read_text("utf-8"))
    assert report["versions"] == [] and report["seed"] is None
    assert {"s-who-scan-more", "s-silent"} <= {e["item"] for e in report["cannot_carry"]}
    assert report["item_types"].keys() == {"single", "multiple", "true-false", "matching",
                                           "fill-blank"}


def test_manifest_lists_the_exports(exported: Exported) -> None:
    manifest = json.loads((exported.lms / "manifest.json").read_text("utf-8"))
    kinds = {f["path"]: (f["kind"], f["format"], f["version"]) for f in manifest["files"]}
    assert kinds["quiz_general_es_B.qti.zip"] == ("lms-export", "qti", "B")
    assert kinds["quiz_general_en.gift-report.json"] == ("lms-report", "json", None)
    assert len(kinds) == len(VERSIONS) * len(FORMATS) + len(LANGS) * len(FORMATS)


# --- Errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["--form", "pre"], "Missing option '--lms'"),
    (["--lms", "scorm"], "Invalid value for '--lms'"),
    (["--lms", "gift", "--form", "later"], "Invalid value for '--form'"),
    (["--lms", "gift", "--handout", "knitting"], "Unknown handout 'knitting'"),
    (["--lms", "gift", "--form", "pre", "--handout", "stages"],
     "Choose either --form or --handout"),
    (["--lms", "gift", "--versions", "27"], "--versions"),
    (["--lms", "gift", "--versions", "0"], "not 0"),
    (["--lms", "gift", "--lang", "xx"], "language 'xx'"),
    (["--lms", "gift", "--audience", "nobody"], "Unknown audience 'nobody'"),
])
def test_bad_choices_are_clear_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke("export", *args, "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_broken_content_is_a_located_error(tmp_path: Path, content_copy: Path) -> None:
    bank = content_copy / "en" / "quiz.yaml"
    bank.write_text(bank.read_text("utf-8").replace("answer: false", "answer: maybe", 1),
                    "utf-8")
    result = invoke("export", "--lms", "qti", "--content", str(content_copy),
                    "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "Error: " in result.stderr and "quiz.yaml" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_an_unwritable_output_folder_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder")
    result = invoke("export", "--lms", "gift", "--out", str(blocker))
    assert result.exit_code == 2
    assert "Error: The output folder cannot be created." in result.stderr
    assert "Traceback" not in result.output


def test_all_files_or_none(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = invoke("export", "--lms", "gift", "--seed", "3", "--out", str(out), "-q")
    assert first.exit_code == 0, first.output
    assert "Warning: --seed shuffles printed versions; the whole bank" in first.stderr
    earlier = {p.name: p.read_bytes() for p in (out / "lms").iterdir()}
    (out / "lms" / "bank_general_en.qti.zip").mkdir()  # in the way of one file of three
    result = invoke("export", "--lms", "moodle", "--lms", "gift", "--lms", "qti",
                    "--out", str(out))
    assert result.exit_code == 2
    assert "bank_general_en.qti.zip" in result.stderr and "Traceback" not in result.output
    after = {p.name: p.read_bytes() for p in (out / "lms").iterdir() if p.is_file()}
    assert after == earlier, "nothing written, nothing changed"
