"""YAML reading keeps lines for every key path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from osteo_print.yamlfile import YamlFileError, format_loc, load_yaml


def test_lines_of_nested_keys(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("title: x\nitems:\n  - name: one\n  - name: two\n    extra: 3\n")
    doc = load_yaml(path)
    assert doc.line_of(("items", 1, "extra")) == 5
    assert doc.line_of(("items", 1, "missing")) == 4
    assert doc.line_of(("title",)) == 1


def test_format_loc() -> None:
    assert format_loc(("sections", 2, "bullets", 0, "text")) == "sections[2].bullets[0].text"


def test_top_level_scalar_is_data_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("just text\n")
    assert load_yaml(path).data == "just text"


def test_tabs_give_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("a:\n\t- b\n")
    with pytest.raises(YamlFileError) as info:
        load_yaml(path)
    assert info.value.problem.line == 2


def test_tabs_are_named(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("a:\n\t- b\n")
    with pytest.raises(YamlFileError, match="tab"):
        load_yaml(path)


def test_unclosed_quote_says_where_it_starts(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text('title: "abc\nother: 1\nlist:\n  - a\n')
    with pytest.raises(YamlFileError, match="starts at line 1"):
        load_yaml(path)


def test_parsed_files_are_kept_by_content_so_an_edit_is_read_and_a_copy_is_private(
        tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("title: one\nitems: [1, 2]\n")
    first = load_yaml(path)
    first.data["items"].append(99)  # a caller changing its data changes no later read
    again = load_yaml(path)
    assert again.data == {"title": "one", "items": [1, 2]}
    assert again.line_of(("items",)) == 2
    path.write_text("title: two\n\nitems: [3]\n")  # same size class, same path: new text
    edited = load_yaml(path)
    assert edited.data == {"title": "two", "items": [3]}
    assert edited.line_of(("items",)) == 3
    path.write_text("title: [unclosed\n")
    with pytest.raises(YamlFileError, match="broken YAML"):
        load_yaml(path)


def test_a_copy_is_private_all_the_way_down_and_aliases_are_not_shared(
        tmp_path: Path) -> None:
    path = tmp_path / "nested.yaml"
    path.write_text("when: 2026-11-01\nbase: &b {tips: [walk, {text: stand}]}\n"
                    "other: *b\n")
    first = load_yaml(path)
    first.data["base"]["tips"][1]["text"] = "changed"  # deep inside a list
    first.data["other"]["tips"].append("more")  # the alias's copy only
    assert first.data["base"]["tips"] == ["walk", {"text": "changed"}]
    again = load_yaml(path).data
    assert again == {"when": dt.date(2026, 11, 1),
                     "base": {"tips": ["walk", {"text": "stand"}]},
                     "other": {"tips": ["walk", {"text": "stand"}]}}
    assert again["base"] is not again["other"]


def test_a_copy_of_a_file_elsewhere_is_parsed_once_and_named_by_its_own_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copied content folder (init --with-content, a test's copy) reads as its original
    did, without parsing it again; its mistakes still name the copy."""
    from osteo_print import yamlfile

    parsed: list[Path] = []
    real = yamlfile._parse

    def counting(path: Path, text: str, shown: str) -> yamlfile.YamlDoc:
        parsed.append(path)
        return real(path, text, shown)

    monkeypatch.setattr(yamlfile, "_parse", counting)
    text = "title: copied once\nitems: [1, 2]\n"
    first, second = tmp_path / "one" / "a.yaml", tmp_path / "two" / "a.yaml"
    for path in (first, second):
        path.parent.mkdir()
        path.write_text(text)
    docs = [load_yaml(first), load_yaml(second)]
    assert parsed == [first]
    assert [doc.path for doc in docs] == [first, second]
    assert docs[1].data == {"title": "copied once", "items": [1, 2]}
    assert docs[1].problem(("items",), "x").line == 2
    assert "two" in docs[1].problem(("items",), "x").file
    broken = "title: [unclosed\n"
    for path in (first, second):
        path.write_text(broken)
        with pytest.raises(YamlFileError) as caught:
            load_yaml(path)
        assert caught.value.problem.file.endswith(f"{path.parent.name}/a.yaml")
