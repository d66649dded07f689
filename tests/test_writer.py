"""Atomic writes and the manifest."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from osteo_print.errors import OutputError
from osteo_print.writer import TEMP_PREFIX, FileInfo, OutputFile, write_outputs


def output(path: str, data: bytes = b"%PDF-1.7 test") -> OutputFile:
    return OutputFile(path, data, FileInfo("handout", "pdf", "stages", "general", "en",
                                           "letter", 1))


def test_files_and_manifest_are_written(tmp_path: Path) -> None:
    entries = write_outputs(tmp_path, [output("a.pdf"), output("b.pdf", b"other")])
    assert [e.path for e in entries] == ["a.pdf", "b.pdf"]
    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    assert [f["path"] for f in manifest["files"]] == ["a.pdf", "b.pdf"]
    assert (tmp_path / "b.pdf").read_bytes() == b"other"


def test_same_path_twice_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="same file"):
        write_outputs(tmp_path / "out", [output("a.pdf"), output("a.pdf")])
    assert not (tmp_path / "out").exists()


def test_failure_midway_leaves_earlier_output_and_no_temp_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_outputs(tmp_path, [output("a.pdf", b"old a"), output("b.pdf", b"old b")])
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real_fdopen = os.fdopen
    calls = {"n": 0}

    def failing_fdopen(fd, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            os.close(fd)
            raise OSError(28, "No space left on device")
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", failing_fdopen)
    with pytest.raises(OutputError, match="earlier output is unchanged"):
        write_outputs(tmp_path, [output("a.pdf", b"new a"), output("b.pdf", b"new b")])
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


def test_corrupt_manifest_is_neither_trusted_nor_replaced(tmp_path: Path) -> None:
    """osteo-print cannot tell whose a broken manifest.json is, so it leaves it alone."""
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(OutputError, match="did not write; nothing was changed") as caught:
        write_outputs(tmp_path, [output("a.pdf")])
    assert "is not valid JSON" in caught.value.problems[0].message
    assert (tmp_path / "manifest.json").read_text() == "{not json"
    assert not (tmp_path / "a.pdf").exists()
