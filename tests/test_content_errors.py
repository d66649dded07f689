"""Bad content is reported with file, key path and line; exit 2, no traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from osteo_print.content import load_content
from osteo_print.errors import ContentError

MEDICINES = Path("en/handouts/medicines.yaml")


def edit(root: Path, rel: Path | str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text("utf-8")
    assert old in text, f"fixture text not found: {old!r}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def problems(root: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_content(root)
    return [str(p) for p in info.value.problems]


def line_of(root: Path, rel: Path | str, needle: str) -> int:
    lines = (root / rel).read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_builtin_content_is_valid() -> None:
    from osteo_print.paths import BUILTIN_CONTENT

    content = load_content(BUILTIN_CONTENT)
    assert len([k for k in content.handouts if k[2] is None]) == 5


def test_wrong_value_names_file_key_and_line(content_copy: Path) -> None:
    edit(content_copy, MEDICINES, "action: builds", "action: grows")
    line = line_of(content_copy, MEDICINES, "action: grows")
    [problem] = problems(content_copy)
    assert problem.startswith(f"{content_copy / MEDICINES}:{line}: medicines[2].action:")
    assert "'slows', 'builds' or 'both'" in problem


def test_unknown_key_is_reported_with_its_line(content_copy: Path) -> None:
    edit(content_copy, MEDICINES, "    brand: Evista\n", "    brand: Evista\n    colour: red\n")
    line = line_of(content_copy, MEDICINES, "colour: red")
    [problem] = problems(content_copy)
    assert f":{line}: medicines[1].colour: unknown key" in problem


def test_missing_key_is_reported_at_its_parent(content_copy: Path) -> None:
    edit(content_copy, "en/handouts/stages.yaml", "title: The stages of bone loss\n", "")
    [problem] = problems(content_copy)
    assert "stages.yaml:" in problem and "title: missing required key" in problem


def test_wrong_type_is_reported(content_copy: Path) -> None:
    edit(content_copy, "en/handouts/exercises.yaml", "  blank_rows: 2", "  blank_rows: lots")
    [problem] = problems(content_copy)
    assert "tracker.blank_rows" in problem and "integer" in problem


def test_broken_yaml_gives_the_parser_line(content_copy: Path) -> None:
    edit(content_copy, "en/handouts/nutrients.yaml", "title: Nutrients for strong bones",
         "title: [Nutrients for strong bones")
    [problem] = problems(content_copy)
    assert "nutrients.yaml:" in problem and "broken YAML" in problem


def test_every_mistake_is_reported_in_one_run(content_copy: Path) -> None:
    edit(content_copy, MEDICINES, "action: builds", "action: grows")
    edit(content_copy, "en/handouts/stages.yaml", "source: 2", "source: 99")
    edit(content_copy, "en/handouts/lifestyle.yaml", "faqs:", "faq_list:")
    (content_copy / "en/handouts/exercises.yaml").unlink()
    found = problems(content_copy)
    assert len(found) >= 4
    joined = "\n".join(found)
    for needle in ("medicines[2].action", "source 99 is not in sources.yaml",
                   "faq_list: unknown key", "exercises.yaml: file not found"):
        assert needle in joined


def test_unknown_source_number(content_copy: Path) -> None:
    edit(content_copy, "en/handouts/stages.yaml", "source: 2", "source: 42")
    [problem] = problems(content_copy)
    assert "key_points[2].source: source 42 is not in sources.yaml" in problem


def test_unknown_widget_lists_the_allowed_ones(content_copy: Path) -> None:
    edit(content_copy, MEDICINES, "show: [medicine-table]", "show: [medicine-chart]")
    [problem] = problems(content_copy)
    assert "unknown widget 'medicine-chart' (allowed: medicine-table)" in problem


def test_reference_to_missing_section(content_copy: Path) -> None:
    edit(content_copy, MEDICINES, "section: bisphosphonates\n    action",
         "section: pills\n    action")
    [problem] = problems(content_copy)
    assert "medicines[0].section: no section with id 'pills'" in problem


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
    edit(content_copy, MEDICINES, "**Denosumab**", "**Denosumab")
    [problem] = problems(content_copy)
    assert "unbalanced **" in problem


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


def test_unknown_handout_file_is_skipped_with_a_warning(content_copy: Path) -> None:
    (content_copy / "en/handouts/medicines copy.yaml").write_text("title: x\n", "utf-8")
    [warning] = load_content(content_copy).warnings
    assert "medicines copy.yaml: skipped" in warning


def test_impossible_date_is_located(content_copy: Path) -> None:
    edit(content_copy, MEDICINES, "last_reviewed: 2026-11-01", "last_reviewed: 2026-13-01")
    [problem] = problems(content_copy)
    assert "medicines.yaml:7: last_reviewed: '2026-13-01' is not a real date" in problem


def test_date_in_words_is_located(content_copy: Path) -> None:
    edit(content_copy, MEDICINES, "last_reviewed: 2026-11-01", "last_reviewed: next week")
    [problem] = problems(content_copy)
    assert "last_reviewed: expected a date written like 2026-11-01" in problem


def test_bad_tagged_value_is_located(content_copy: Path) -> None:
    edit(content_copy, "en/handouts/exercises.yaml", "blank_rows: 2", "blank_rows: !!int x")
    [problem] = problems(content_copy)
    assert "tracker.blank_rows: cannot read the value 'x'" in problem


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
    edit(content_copy, MEDICINES, "action: builds", "action: grows")
    edit(content_copy, "en/handouts/stages.yaml", "source: 2", "source: 99")
    out = tmp_path / "out"
    result = run("build", "--content", str(content_copy), "--out", str(out))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "The content has 2 problems; nothing was written." in result.stderr
    assert "medicines[2].action" in result.stderr and "source 99" in result.stderr
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
