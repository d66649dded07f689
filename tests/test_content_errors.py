"""Bad content is reported with file, key path and line; exit 2, no traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import yaml_dump, yaml_load
from osteo_print.content import builtin_block_types, load_content
from osteo_print.errors import ContentError
from osteo_print.yamlfile import format_loc, load_yaml

MEDICINES = Path("en/handouts/medicines.yaml")
STAGES = Path("en/handouts/stages.yaml")
EXERCISES = Path("en/handouts/exercises.yaml")
BUILTIN_HANDOUTS = ["stages", "medicines", "exercises", "nutrients", "lifestyle", "falls"]


def edit(root: Path, rel: Path | str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text("utf-8")
    assert old in text, f"fixture text not found: {old!r}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def problems(root: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_content(root)
    return [str(p) for p in info.value.problems]


def change(root: Path, rel: Path | str, edit_data) -> tuple:
    """Edit a file's data (not its text) and return the key path ``edit_data`` gives."""
    path = root / rel
    data = yaml_load(path.read_text("utf-8"))
    loc = edit_data(data)
    path.write_text(yaml_dump(data), "utf-8")
    return loc


def located(root: Path, rel: Path | str, loc: tuple) -> str:
    """'file:line: key.path' as a problem names it."""
    doc = load_yaml(root / rel)
    return f"{Path(rel).name}:{doc.line_of(loc)}: {format_loc(loc)}"


def find_block(data: dict, match) -> tuple:
    for i, block in enumerate(data["blocks"]):
        if match(block):
            return ("blocks", i)
        for j, inner in enumerate(block.get("blocks", []) if isinstance(block, dict) else []):
            if isinstance(inner, dict) and match(inner):
                return ("blocks", i, "blocks", j)
    raise AssertionError("no such block")


def get(data, loc: tuple):
    for part in loc:
        data = data[part]
    return data


def _tracker(data: dict) -> tuple:
    return find_block(data, lambda b: b.get("type") == "tracker")


def line_of(root: Path, rel: Path | str, needle: str) -> int:
    lines = (root / rel).read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_builtin_content_is_valid() -> None:
    from osteo_print.paths import BUILTIN_CONTENT

    content = load_content(BUILTIN_CONTENT, ("en", "es"))
    for lang in ("en", "es"):
        assert content.names(lang) == BUILTIN_HANDOUTS
        assert content.quiz(lang).pool
    assert content.warnings == []


def test_wrong_value_names_file_key_and_line(content_copy: Path) -> None:
    edit(content_copy, MEDICINES, "type: row-value", "type: row-values")
    line = line_of(content_copy, MEDICINES, "type: row-values")
    [problem] = problems(content_copy)
    assert problem.startswith(f"{content_copy / MEDICINES}:{line}: generators[0].type:")
    assert "'row-value', 'pick-row' or 'match-rows'" in problem


def test_unknown_key_is_reported_with_its_line(content_copy: Path) -> None:
    edit(content_copy, MEDICINES, "        id: medicine-table\n",
         "        id: medicine-table\n        colour: red\n")
    line = line_of(content_copy, MEDICINES, "colour: red")
    [problem] = problems(content_copy)
    assert f"medicines.yaml:{line}: blocks[1].blocks[1].colour: unknown key" in problem


def test_missing_key_is_reported_at_its_parent(content_copy: Path) -> None:
    edit(content_copy, "en/handouts/stages.yaml", "title: The stages of bone loss\n", "")
    [problem] = problems(content_copy)
    assert "stages.yaml:" in problem and "title: missing required key" in problem


def test_wrong_type_is_reported(content_copy: Path) -> None:
    def lots(data: dict) -> tuple:
        get(data, _tracker(data))["blank_rows"] = "lots"
        return (*_tracker(data), "blank_rows")
    loc = change(content_copy, EXERCISES, lots)
    [problem] = problems(content_copy)
    assert located(content_copy, EXERCISES, loc) + ":" in problem
    assert "integer" in problem


def test_broken_yaml_gives_the_parser_line(content_copy: Path) -> None:
    edit(content_copy, "en/handouts/nutrients.yaml", "title: Nutrients for strong bones",
         "title: [Nutrients for strong bones")
    [problem] = problems(content_copy)
    assert "nutrients.yaml:" in problem and "broken YAML" in problem


def test_every_mistake_is_reported_in_one_run(content_copy: Path) -> None:
    edit(content_copy, MEDICINES, "type: row-value", "type: row-values")
    edit(content_copy, STAGES, "source: 2\n", "source: 99\n")
    edit(content_copy, "en/handouts/lifestyle.yaml", "        id: faqs\n        items:",
         "        id: faqs\n        faq_list:")
    (content_copy / "en/handouts/exercises.yaml").unlink()  # its versions lose their base
    found = problems(content_copy)
    assert len(found) >= 5
    joined = "\n".join(found)
    for needle in ("medicines.yaml:", "generators[0].type", "stages.yaml:",
                   "source 99 is not in sources.yaml", "lifestyle.yaml:",
                   "faq_list: unknown key", "caregiver/exercises.yaml:",
                   "easy-read/exercises.yaml:", "no handout exercises.yaml"):
        assert needle in joined, needle


def test_unknown_source_number(content_copy: Path) -> None:
    def source_42(data: dict) -> tuple:
        data["blocks"][0]["items"][1]["source"] = 42
        return ("blocks", 0, "items", 1, "source")
    loc = change(content_copy, STAGES, source_42)
    [problem] = problems(content_copy)
    assert located(content_copy, STAGES, loc) + ": source 42 is not in sources.yaml" in problem


def test_unknown_block_type_lists_the_known_ones(content_copy: Path) -> None:
    def bullet_list(data: dict) -> tuple:
        loc = find_block(data, lambda b: b.get("type") == "paragraph")
        get(data, loc)["type"] = "bullet-list"
        return (*loc, "type")
    loc = change(content_copy, MEDICINES, bullet_list)
    [problem] = problems(content_copy)
    known = sorted(builtin_block_types())
    assert {"bullets", "comparison-table", "qa", "section", "medicine"} <= set(known)
    assert located(content_copy, MEDICINES, loc) + ": unknown block type 'bullet-list': no " \
        f"template blocks/bullet-list.html (known: {', '.join(known)})" in problem


def test_audience_version_keeping_a_missing_block_lists_the_ids(content_copy: Path) -> None:
    caregiver = "en/handouts/caregiver/medicines.yaml"

    def keep_a_typo(data: dict) -> tuple:
        data["blocks"].insert(1, {"id": "hormone-therapie"})
        return ("blocks", 1, "id")
    loc = change(content_copy, caregiver, keep_a_typo)
    [problem] = problems(content_copy)
    assert located(content_copy, caregiver, loc) + ": the base has no 'hormone-therapie' to " \
        "keep (ids there: box-key-points," in problem
    assert "medicine-table" in problem and "hormone-therapy" in problem


def test_reference_to_missing_section(content_copy: Path) -> None:
    edit(content_copy, "en/quiz.yaml", "{handout: medicines, section: bisphosphonates}",
         "{handout: medicines, section: pills}")
    line = line_of(content_copy, "en/quiz.yaml", "section: pills")
    [problem] = problems(content_copy)
    assert f"quiz.yaml:{line}: items[" in problem
    assert "].teaches.section: the medicines handout these readers get has no section or " \
           "box 'pills' (it has: box-key-points, how-they-work, bisphosphonates," in problem


def test_generator_pointing_at_a_missing_table(content_copy: Path) -> None:
    edit(content_copy, MEDICINES, "rows: medicine-table", "rows: medicine-chart")
    line = line_of(content_copy, MEDICINES, "rows: medicine-chart")
    [problem] = problems(content_copy)
    assert f"medicines.yaml:{line}: generators[0].rows: no table with id 'medicine-chart' " \
           "in this handout (tables with an id: medicine-table)" in problem


def test_duplicate_key_is_an_error(content_copy: Path) -> None:
    edit(content_copy, MEDICINES, "title: Your osteoporosis medicines\n",
         "title: Your osteoporosis medicines\ntitle: Again\n")
    [problem] = problems(content_copy)
    assert "title: key appears twice" in problem


def test_character_the_font_cannot_print(content_copy: Path) -> None:
    edit(content_copy, MEDICINES, "called Wnt", "called Wnt/β-catenin")
    [problem] = problems(content_copy)
    assert "'β' (U+03B2)" in problem


def test_unbalanced_bold_markers(content_copy: Path) -> None:
    def half_bold(data: dict) -> tuple:
        data["blocks"][0]["items"][0]["text"] = "**Most medicines slow bone loss."
        return ("blocks", 0, "items", 0, "text")
    loc = change(content_copy, MEDICINES, half_bold)
    [problem] = problems(content_copy)
    assert located(content_copy, MEDICINES, loc) + ": unbalanced **" in problem


def test_non_utf8_file(content_copy: Path) -> None:
    path = content_copy / MEDICINES
    path.write_bytes(path.read_bytes().replace(b"Wnt", b"W\xe9nt", 1))
    [problem] = problems(content_copy)
    assert "not UTF-8" in problem and "0xe9" in problem


def test_empty_file(content_copy: Path) -> None:
    (content_copy / MEDICINES).write_text("", "utf-8")
    [problem] = problems(content_copy)
    assert problem.endswith("file is empty")


def test_huge_file_is_refused_without_reading_it(content_copy: Path) -> None:
    with (content_copy / MEDICINES).open("ab") as handle:
        handle.truncate(50_000_000)
    [problem] = problems(content_copy)
    assert "file is 50.0 MB" in problem


def test_a_file_that_is_not_yaml_is_skipped_with_a_warning(content_copy: Path) -> None:
    (content_copy / "en/handouts/notes.txt").write_text("title: x\n", "utf-8")
    content = load_content(content_copy)
    [warning] = content.warnings
    assert "notes.txt: skipped; handouts are .yaml files" in warning
    assert content.names("en") == BUILTIN_HANDOUTS


def test_a_badly_named_handout_file_is_a_located_error(content_copy: Path) -> None:
    (content_copy / "en/handouts/medicines copy.yaml").write_text("title: x\n", "utf-8")
    [problem] = problems(content_copy)
    assert "medicines copy.yaml: a handout's file name is its document name" in problem


def test_any_well_named_yaml_file_is_a_handout(content_copy: Path) -> None:
    (content_copy / "en/handouts/medicines-copy.yaml").write_text("title: x\n", "utf-8")
    found = "\n".join(problems(content_copy))
    for key in ("purpose", "last_reviewed", "blocks"):
        assert f"medicines-copy.yaml:1: {key}: missing required key" in found, key


def test_impossible_date_is_located(content_copy: Path) -> None:
    edit(content_copy, MEDICINES, "last_reviewed: 2026-11-01", "last_reviewed: 2026-13-01")
    [problem] = problems(content_copy)
    line = line_of(content_copy, MEDICINES, "last_reviewed: 2026-13-01")
    assert f"medicines.yaml:{line}: last_reviewed: '2026-13-01' is not a real date" in problem


def test_date_in_words_is_located(content_copy: Path) -> None:
    edit(content_copy, MEDICINES, "last_reviewed: 2026-11-01", "last_reviewed: next week")
    [problem] = problems(content_copy)
    assert "last_reviewed: expected a date written like 2026-11-01" in problem


def test_bad_tagged_value_is_located(content_copy: Path) -> None:
    def marked(data: dict) -> tuple:
        get(data, _tracker(data))["blank_rows"] = "TAGGED-VALUE"
        return (*_tracker(data), "blank_rows")
    loc = change(content_copy, EXERCISES, marked)
    line = located(content_copy, EXERCISES, loc)  # before the file becomes unreadable
    edit(content_copy, EXERCISES, "blank_rows: TAGGED-VALUE", "blank_rows: !!int x")
    [problem] = problems(content_copy)
    assert line + ": cannot read the value 'x'" in problem


def test_missing_content_folder(tmp_path: Path) -> None:
    [problem] = problems(tmp_path / "nowhere")
    assert problem.endswith("folder not found")


def test_alias_bomb_is_stopped(content_copy: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8))
    (content_copy / MEDICINES).write_text(bomb, "utf-8")
    [problem] = problems(content_copy)
    assert "too large or nested too deeply" in problem


def test_cli_reports_every_problem_with_exit_2_and_writes_nothing(
        content_copy: Path, tmp_path: Path, run) -> None:
    edit(content_copy, MEDICINES, "type: row-value", "type: row-values")
    edit(content_copy, STAGES, "source: 2\n", "source: 99\n")
    out = tmp_path / "out"
    result = run("build", "--content", str(content_copy), "--out", str(out))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "The content has 2 problems; nothing was written." in result.stderr
    assert "medicines.yaml:" in result.stderr and "generators[0].type" in result.stderr
    assert "stages.yaml:" in result.stderr and "source 99" in result.stderr
    assert not out.exists()


def test_bad_content_leaves_earlier_output_untouched(content_copy: Path, tmp_path: Path,
                                                     run) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "stages_general_en_letter.pdf").write_bytes(b"earlier")
    edit(content_copy, MEDICINES, "action: builds", "action: grows")
    assert run("build", "--content", str(content_copy), "--out", str(out)).exit_code == 2
    assert (out / "stages_general_en_letter.pdf").read_bytes() == b"earlier"
    assert sorted(p.name for p in out.iterdir()) == ["stages_general_en_letter.pdf"]
