"""Loaded content kept by everything that went into it (content._LOADED): the same folder
loaded again is not checked again, and any change to what the load read or depends on
(a file's bytes, a new or removed file, a link, the build date; the working folder when a
warning names a file; the allowed folders when a link is in it) loads it again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import write_tiny_content
from osteo_print import content as content_module
from osteo_print.content import load_content
from osteo_print.errors import ContentError


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders really loaded (checked model by model), in order."""
    seen: list[Path] = []
    real = content_module._load_content

    def counting(root: Path, *args):
        seen.append(root)
        return real(root, *args)

    monkeypatch.setattr(content_module, "_load_content", counting)
    monkeypatch.setattr(content_module, "_LOADED", type(content_module._LOADED)())
    return seen


def stages(root: Path) -> Path:
    return root / "en" / "handouts" / "stages.yaml"


def test_the_same_folder_is_checked_once_and_each_caller_gets_its_own_copy(
        tmp_path: Path, loads: list[Path]) -> None:
    root = write_tiny_content(tmp_path / "content")
    first = load_content(root, ("en", "es"))
    first.handouts.clear()
    first.warnings.append("a caller's own note")
    next(iter(first.quizzes.values())).pool.clear()
    again = load_content(root, ("en", "es"))
    assert loads == [root]
    assert again.handouts and "a caller's own note" not in again.warnings
    assert all(q.pool for q in again.quizzes.values())
    assert again.handouts == load_content(root, ("en", "es")).handouts
    load_content(root, ("en",))  # other languages: another load
    assert loads == [root, root]


@pytest.mark.parametrize("change", ["edit", "new-file", "removed-file", "link", "date"])
def test_any_change_loads_the_folder_again(tmp_path: Path, loads: list[Path],
                                           monkeypatch: pytest.MonkeyPatch,
                                           change: str) -> None:
    root = write_tiny_content(tmp_path / "content")
    before = load_content(root)
    if change == "edit":
        stages(root).write_text(stages(root).read_text("utf-8").replace(
            "title: About stages", "title: Edited"), "utf-8")
    elif change == "new-file":
        (root / "en" / "notes.txt").write_text("a note\n", "utf-8")
    elif change == "removed-file":
        (root / "es" / "quiz.yaml").unlink()
    elif change == "link":  # the same bytes, reached through a link to another folder
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "stages.yaml").write_bytes(stages(root).read_bytes())
        stages(root).unlink()
        stages(root).symlink_to(elsewhere / "stages.yaml")
    elif change == "date":  # the review date is now after the build's date
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "946684800")  # 2000-01-01
    try:
        after = load_content(root)
    except ContentError as exc:
        assert change == "link", exc  # a link out of the folder is refused, as always
        assert "outside" in str(exc.problems[0]), exc.problems
        return
    assert loads == [root, root]
    if change == "edit":
        assert after.handouts["en", "stages", None].title == "Edited"
    if change == "date":
        assert not before.warnings and "is after the build date" in after.warnings[0]


def test_the_working_folder_counts_only_when_a_warning_names_a_file(
        tmp_path: Path, loads: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    quiet = write_tiny_content(tmp_path / "quiet")
    noisy = write_tiny_content(tmp_path / "noisy")
    (noisy / "en" / "handouts" / "notes.txt").write_text("a note\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_content(quiet).warnings == []
    said = load_content(noisy).warnings
    assert said == ["noisy/en/handouts/notes.txt: skipped; handouts are .yaml files"]
    monkeypatch.chdir(noisy)
    assert load_content(quiet).warnings == []  # kept: nothing in it names a file
    assert load_content(noisy).warnings == [
        "en/handouts/notes.txt: skipped; handouts are .yaml files"]  # loaded again
    assert loads == [quiet, noisy, noisy]


def test_the_allowed_folders_count_only_when_the_folder_holds_a_link(
        tmp_path: Path, loads: list[Path]) -> None:
    """A project's folder is allowed besides its content folder: the same content from
    two projects is checked once, unless a link in it may lead into one and not the other."""
    root = write_tiny_content(tmp_path / "content")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    load_content(root, roots=(tmp_path / "one",))
    load_content(root, roots=(tmp_path / "two",))
    assert loads == [root]
    (tmp_path / "one" / "stages.yaml").write_bytes(stages(root).read_bytes())
    stages(root).unlink()
    stages(root).symlink_to(tmp_path / "one" / "stages.yaml")
    load_content(root, roots=(tmp_path / "one",))
    load_content(root, roots=(tmp_path / "one",))
    assert loads == [root, root]
    with pytest.raises(ContentError) as refused:  # the link leads out of these
        load_content(root, roots=(tmp_path / "two",))
    assert "outside" in str(refused.value.problems[0])
    assert loads == [root, root, root]


def test_a_folder_named_by_a_relative_path_counts_the_working_folder(
        tmp_path: Path, loads: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The same bytes in two places, each named "content" from its own folder: two
    folders, whose loaded files (relative paths) are each its own."""
    for name in ("a", "b"):
        write_tiny_content(tmp_path / name / "content")
        monkeypatch.chdir(tmp_path / name)
        assert load_content(Path("content")).handouts
    monkeypatch.chdir(tmp_path / "a")
    load_content(Path("content"))
    assert loads == [Path("content")] * 2


def test_a_folder_with_something_unreadable_in_it_is_never_kept(
        tmp_path: Path, loads: list[Path]) -> None:
    root = write_tiny_content(tmp_path / "content")
    os.mkfifo(root / "en" / "notes.fifo")
    load_content(root)
    load_content(root)
    assert loads == [root, root]


def test_a_failed_load_is_never_kept(tmp_path: Path, loads: list[Path]) -> None:
    root = write_tiny_content(tmp_path / "content")
    text = stages(root).read_text("utf-8")
    stages(root).write_text("title: [unclosed\n", "utf-8")
    for _ in range(2):
        with pytest.raises(ContentError, match="problem"):
            load_content(root)
    stages(root).write_text(text, "utf-8")
    assert load_content(root).handouts
    assert len(loads) == 3


def test_a_load_during_which_a_file_changed_is_not_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key is worked out before the load reads the files: an edit in between (a save,
    an undo) must not leave the load kept under bytes it did not read."""
    root = write_tiny_content(tmp_path / "content")
    original = stages(root).read_text("utf-8")
    real = content_module._load_content
    monkeypatch.setattr(content_module, "_LOADED", type(content_module._LOADED)())

    def edited_meanwhile(folder: Path, *args):
        stages(root).write_text(original.replace("title: About stages", "title: Edited"),
                                "utf-8")
        return real(folder, *args)

    monkeypatch.setattr(content_module, "_load_content", edited_meanwhile)
    assert load_content(root).handouts["en", "stages", None].title == "Edited"
    monkeypatch.setattr(content_module, "_load_content", real)
    stages(root).write_text(original, "utf-8")  # back to the bytes the key was made of
    assert load_content(root).handouts["en", "stages", None].title == "About stages"


def test_a_link_out_of_the_folder_is_refused_without_reading_what_it_leads_to(
        tmp_path: Path, loads: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_tiny_content(tmp_path / "content")
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "deep" / "big.bin").write_bytes(b"x" * 10)
    (root / "en" / "handouts" / "shared").symlink_to(outside)
    opened: list[str] = []
    real_open = os.open

    def watching(path, *args, **kwargs):
        opened.append(str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(content_module.os, "open", watching)
    assert content_module._load_key(root, ("en",), frozenset(), (root,)) is None
    assert not [p for p in opened if "outside" in p or "shared" in p]


def test_block_types_may_be_any_collection(tmp_path: Path) -> None:
    root = write_tiny_content(tmp_path / "content")
    with pytest.raises(ContentError):  # the tiny handouts use the text block type
        load_content(root, ("en",), block_types={"list"})
