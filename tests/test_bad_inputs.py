"""A corpus of bad inputs. Each one must end with a located message, a non-zero exit,
no traceback, nothing written, and the earlier output untouched."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import yaml_dump, yaml_load
from osteo_print.cli import cli
from osteo_print.paths import BUILTIN_CONTENT

STAGES = "content/en/handouts/stages.yaml"
MEDICINES = "content/en/handouts/medicines.yaml"
EXERCISES = "content/en/handouts/exercises.yaml"
QA = "templates/blocks/qa.html"  # the lifestyle handout's questions and answers


def replace(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        path = project / rel
        text = path.read_text("utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), "utf-8")
    return change


def write(rel: str, data: str | bytes) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, "utf-8")
    return change


def delete(rel: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        target = project / rel
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    return change


def huge(rel: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        with (project / rel).open("ab") as handle:
            handle.truncate(50_000_000)
    return change


def edit_quiz(change: Callable[[dict], None]) -> Callable[[Path], None]:
    """Edit the English quiz bank's data, not its text, so rewording it breaks nothing."""
    def edit(project: Path) -> None:
        path = project / "content/en/quiz.yaml"
        bank = yaml_load(path.read_text("utf-8"))
        change(bank)
        path.write_text(yaml_dump(bank, width=10**6), "utf-8")
    return edit


def second_correct_answer(bank: dict) -> None:
    """Mark a wrong option of the first single-answer item correct as well."""
    item = next(i for i in bank["items"] if i["type"] == "single")
    wrong = next(o for o in item["options"] if not o.get("correct"))
    wrong["correct"] = True


def unknown_form_item(bank: dict) -> None:
    bank["forms"]["all"]["items"][0] = "s-missing"


def nothing(project: Path) -> None:
    pass


BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n"
    for i in range(8))


@dataclass(frozen=True)
class Case:
    change: Callable[[Path], None]
    args: tuple[str, ...]
    message: str | Callable[[Path], str]  # or worked out from the changed project


def at(rel: str, find: Callable[[dict], tuple], tail: str) -> Callable[[Path], str]:
    """The located message for the key path ``find`` picks in the changed file."""
    def message(project: Path) -> str:
        from osteo_print.yamlfile import format_loc, load_yaml

        doc = load_yaml(project / rel)
        loc = find(doc.data)
        return f"{Path(rel).name}:{doc.line_of(loc)}: {format_loc(loc)}: {tail}"
    return message


def edit_yaml(rel: str, change: Callable[[dict], None]) -> Callable[[Path], None]:
    def edit(project: Path) -> None:
        path = project / rel
        data = yaml_load(path.read_text("utf-8"))
        change(data)
        path.write_text(yaml_dump(data), "utf-8")
    return edit


def block_path(data: dict, match: Callable[[dict], bool]) -> tuple:
    """The key path of the first block (at any depth) that ``match`` accepts."""
    for i, block in enumerate(data["blocks"]):
        if match(block):
            return ("blocks", i)
        for j, inner in enumerate(block.get("blocks", [])):
            if match(inner):
                return ("blocks", i, "blocks", j)
    raise AssertionError("no such block")


def get(data: dict, loc: tuple):
    for part in loc:
        data = data[part]
    return data


def tracker_rows_many(data: dict) -> None:
    get(data, block_path(data, lambda b: b.get("type") == "tracker"))["blank_rows"] = "many"


def tracker_loc(data: dict) -> tuple:
    return (*block_path(data, lambda b: b.get("type") == "tracker"), "blank_rows")


def key_point_source_99(data: dict) -> None:
    get(data, block_path(data, lambda b: b.get("type") == "key-points"))["items"][-1][
        "source"] = 99


def key_point_source_loc(data: dict) -> tuple:
    loc = block_path(data, lambda b: b.get("type") == "key-points")
    return (*loc, "items", len(get(data, loc)["items"]) - 1, "source")


def step_named_no(data: dict) -> None:
    get(data, block_path(data, lambda b: b.get("type") == "steps"))["steps"][-1]["name"] = False


def step_name_loc(data: dict) -> tuple:
    loc = block_path(data, lambda b: b.get("type") == "steps")
    return (*loc, "steps", len(get(data, loc)["steps"]) - 1, "name")


def generator_typo(data: dict) -> None:
    data["generators"][0]["stem"] = data["generators"][0]["stem"].replace("{name}", "{nmae}")


CASES = {
    "broken-yaml": Case(replace(STAGES, "title: The stages", "title: [The stages"),
                        ("build",), "stages.yaml:3: broken YAML"),
    "non-utf8": Case(write(STAGES, b"title: caf\xe9\n"), ("build",), "not UTF-8"),
    "empty-file": Case(write(STAGES, ""), ("build",), "stages.yaml: file is empty"),
    "50-mb-file": Case(huge(STAGES), ("build",), "file is 50.0 MB"),
    "wrong-type": Case(edit_yaml(EXERCISES, tracker_rows_many), ("build",),
                       at(EXERCISES, tracker_loc, "input should be a valid integer")),
    "unknown-key": Case(replace(STAGES, "purpose:", "porpose:"), ("build",),
                        "stages.yaml:3: porpose: unknown key"),
    # Any <name>.yaml is a handout, so a missing base shows where a version still needs it.
    "missing-file": Case(delete("content/en/handouts/nutrients.yaml"), ("build",),
                         "caregiver/nutrients.yaml:4: no handout nutrients.yaml in "
                         "content/en/handouts for this caregiver version to change"),
    "missing-quiz-bank": Case(delete("content/en/quiz.yaml"), ("quiz",),
                              "quiz.yaml: file not found; every language needs a quiz bank"),
    "missing-sources": Case(delete("content/sources.yaml"), ("build",),
                            "sources.yaml: file not found"),
    "missing-content-folder": Case(delete("content"), ("build",), "content: folder not found"),
    "content-is-a-file": Case(lambda p: (delete("content")(p), write("content", "x")(p)),
                              ("build",), "content: is not a folder"),
    "duplicate-key": Case(replace(STAGES, "title: The stages of bone loss\n",
                                  "title: The stages of bone loss\ntitle: Again\n"),
                          ("build",), "title: key appears twice"),
    "unknown-source": Case(edit_yaml(STAGES, key_point_source_99), ("build",),
                           at(STAGES, key_point_source_loc, "source 99 is not in sources.yaml")),
    "alias-bomb": Case(write(STAGES, BOMB), ("build",), "too large or nested too deeply"),
    "impossible-date": Case(replace(STAGES, "last_reviewed: 2026-11-01",
                                    "last_reviewed: 2026-02-30"), ("build",),
                            "is not a real date"),
    "two-correct-answers": Case(edit_quiz(second_correct_answer), ("quiz",),
                                "needs exactly one correct answer, not 2"),
    "unknown-form-item": Case(edit_quiz(unknown_form_item), ("quiz",),
                              "forms.all.items[0]: no item with id 's-missing'"),
    "too-many-versions": Case(nothing, ("quiz", "--versions", "27"), "ask for 1 to 26"),
    "no-versions": Case(nothing, ("quiz", "--versions", "0"), "ask for 1 to 26, not 0"),
    "template-etc-passwd": Case(write(QA, '<img src="file:///etc/passwd" alt="x">\n'),
                                ("build", "lifestyle"), "qa.html:1: file:///etc/passwd"),
    "template-loopback-http": Case(write(QA, '<img src="http://127.0.0.1:8765/a.png" alt="x">\n'),
                                   ("build", "lifestyle"), "network and other URLs"),
    "template-dot-dot": Case(write(QA, '<img src="../../../../../../../../etc/hostname" alt="">\n'),
                             ("build", "lifestyle"), "outside the project"),
    "template-syntax-error": Case(write(QA, "<p>\n{% if %}\n"),
                                  ("build", "lifestyle"), "qa.html:2"),
    "template-undefined-name": Case(write(QA, "<p>{{ doc.nothing_here.x }}</p>\n"),
                                    ("build", "lifestyle"), "qa.html:1"),
    "audience-dot-dot": Case(nothing, ("build", "--audience", "../etc"), "not allowed"),
    "audience-slash": Case(nothing, ("build", "--audience", "large/print"), "not allowed"),
    "language-dot-dot": Case(nothing, ("build", "--lang", "../en"), "not allowed"),
    "language-slash": Case(nothing, ("build", "--lang", "es/x"), "not allowed"),
    "broken-config": Case(write("osteo-print.toml", '[clinic]\nname = "Riverside\n'),
                          ("build",), "osteo-print.toml:2: broken TOML"),
    "config-unknown-setting": Case(write("osteo-print.toml", '[defaults]\npaper = "a4"\n'),
                                   ("build",), "osteo-print.toml:2: defaults.paper"),
    "logo-not-an-image": Case(lambda p: (write("logo.png", "just text")(p), write(
        "osteo-print.toml", '[clinic]\nname = "R"\nlogo = "logo.png"\n')(p)),
        ("build",), "osteo-print.toml:3: clinic.logo: logo.png: not a PNG or SVG image"),
    "accent-too-light": Case(write("osteo-print.toml",
                                   '[clinic]\nname = "R"\naccent_color = "#f0f0a0"\n'),
                             ("build",), "too light to read on white"),
    "no-catalog-for-language": Case(lambda p: shutil.copytree(p / "content/en",
                                                              p / "content/de"),
                                    ("build", "--lang", "de"), "no message catalog"),
    "unknown-document": Case(nothing, ("build", "stage"), "Unknown document 'stage'"),
    "damaged-png-logo": Case(lambda p: (write("logo.png", b"\x89PNG\r\n\x1a\n" + b"x" * 64)(p),
                                        write("osteo-print.toml",
                                              '[clinic]\nname = "R"\nlogo = "logo.png"\n')(p)),
                             ("build",), "osteo-print.toml:3: clinic.logo: logo.png: the PNG"),
    "svg-logo-with-outside-link": Case(
        lambda p: (write("logo.svg", '<svg xmlns="http://www.w3.org/2000/svg" '
                         'xmlns:xlink="http://www.w3.org/1999/xlink"><image '
                         'xlink:href="file:///etc/passwd"/></svg>')(p),
                   write("osteo-print.toml", '[clinic]\nname = "R"\nlogo = "logo.svg"\n')(p)),
        ("build",), "the SVG refers to another file"),
    "clinic-name-the-font-cannot-print": Case(
        write("osteo-print.toml", '[clinic]\nname = "骨の健康"\n'), ("build",),
        "osteo-print.toml:2: clinic.name: the font cannot print"),
    "template-extends-itself": Case(write("templates/handout.html",
                                         '{% extends "handout.html" %}\n'),
                                    ("build", "stages"), 'extend it as "builtin/NAME"'),
    "generator-placeholder-typo": Case(
        edit_yaml(MEDICINES, generator_typo), ("quiz",),
        at(MEDICINES, lambda d: ("generators", 0, "stem"),
           "unknown placeholder nmae (allowed: {action}, {does}, {id}, {name})")),
    # A review date after today is a warning, not a bad input: see test_inputs.py.
    # A table cell (the stage table's "What you may notice").
    "unquoted-yes-no": Case(replace(STAGES, "    notice: Nothing.\n", "    notice: No\n"),
                            ("build",), "expected text, but YAML read False; put the text in "
                                        "quotes"),
    # A text key (a step's name in the stage diagram).
    "unquoted-yes-no-in-text": Case(edit_yaml(STAGES, step_named_no), ("build",),
                                    at(STAGES, step_name_loc, "expected text, but YAML read "
                                                              "False; put the text in quotes")),
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clinic project with its own content, an empty config and earlier output."""
    shutil.copytree(BUILTIN_CONTENT, tmp_path / "content")
    (tmp_path / "osteo-print.toml").write_text('[defaults]\ncontent = "content"\n', "utf-8")
    earlier = tmp_path / "output"
    earlier.mkdir()
    (earlier / "stages_general_en_letter.pdf").write_bytes(b"%PDF-1.7 earlier handout")
    (earlier / "manifest.json").write_text('{"generator": "osteo-print", "files": []}\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# Cases whose error a cheaper fast test shows as well run under -m slow only: the
# loader's own tests (test_content_errors.py) stop the 50 MB file and the alias bomb; a
# language without a catalog goes through the command line in test_i18n.py; a template
# that fetches from loopback is refused as file:///etc/passwd is here, and the network
# test of test_robustness.py builds with one.
ALSO_SHOWN_FAST_ELSEWHERE = {"50-mb-file", "alias-bomb", "no-catalog-for-language",
                             "template-loopback-http"}


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.slow) if name in ALSO_SHOWN_FAST_ELSEWHERE else name
    for name in sorted(CASES)])
def test_bad_input(project: Path, name: str) -> None:
    case = CASES[name]
    before = snapshot(project / "output")
    case.change(project)
    result = CliRunner().invoke(cli, list(case.args), catch_exceptions=False)
    assert result.exit_code not in (0, None), result.output
    assert "Traceback" not in result.output
    message = case.message(project) if callable(case.message) else case.message
    assert message in result.stderr, (message, result.stderr)
    assert snapshot(project / "output") == before


def test_the_corpus_has_at_least_20_cases() -> None:
    assert len(CASES) >= 20
