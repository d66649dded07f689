"""The commit is all or nothing, builds into one folder take turns, the manifest is
osteo-print's own, and --strict deletes only files osteo-print wrote."""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from osteo_print import __version__, writer
from osteo_print.cache import CACHE_NAME, BuildCache
from osteo_print.errors import OutputError
from osteo_print.plan import Job
from osteo_print.writer import (
    LOCK_NAME,
    MANIFEST,
    TEMP_PREFIX,
    Entry,
    FileInfo,
    OutputFile,
    write_outputs,
)

INFO = FileInfo("handout", "pdf", "stages", "general", "en", "letter", 1)
Snapshot = dict[str, tuple[bytes, int]]


def output(path: str, data: bytes) -> OutputFile:
    return OutputFile(path, data, INFO)


def snapshot(folder: Path) -> Snapshot:
    """Every name in the folder, hidden ones too, with its bytes and its inode (a file
    put back must be the very same file)."""
    return {p.name: (p.read_bytes(), p.stat().st_ino) for p in sorted(folder.iterdir())}


def visible(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if not is_temp(p.name)}


def is_temp(name: str) -> bool:
    return name.startswith(TEMP_PREFIX) and name.endswith(".tmp")


def manifest_paths(folder: Path) -> list[str]:
    return [f["path"] for f in json.loads((folder / MANIFEST).read_text("utf-8"))["files"]]


class CountingOps(writer._FileOps):
    """The commit's file calls, logged; the ``fail_at``-th raises OSError (EIO)."""

    def __init__(self, fail_at: int = 0, no_links: bool = False) -> None:
        self.fail_at = fail_at
        self.no_links = no_links
        self.calls: list[tuple[str, str, str]] = []

    def _call(self, name: str, real: Callable[..., None], *args: Any) -> None:
        if name == "link" and self.no_links:  # a file system without hard links (FAT, SMB)
            raise OSError(1, "Operation not permitted")
        names = [Path(a).name for a in args]
        self.calls.append((name, names[0], names[-1] if len(names) > 1 else ""))
        if len(self.calls) == self.fail_at:
            raise OSError(5, "Input/output error")
        real(*args)

    def link(self, src: Any, dst: Any) -> None:  # type: ignore[override]
        self._call("link", os.link, src, dst)

    def rename(self, src: Any, dst: Any) -> None:  # type: ignore[override]
        self._call("rename", os.rename, src, dst)

    def replace(self, src: Any, dst: Any) -> None:  # type: ignore[override]
        self._call("replace", os.replace, src, dst)

    def unlink(self, path: Any) -> None:  # type: ignore[override]
        self._call("unlink", os.unlink, path)


def earlier_output(folder: Path) -> None:
    """a.pdf and gone.pdf, the cache and the manifest, as an earlier run left them."""
    write_outputs(folder, [output("a.pdf", b"old a"), output("gone.pdf", b"old gone")],
                  {CACHE_NAME: b"old cache"})


def next_run(folder: Path) -> list[Entry]:
    """Replace a.pdf, add c.pdf, replace the cache and delete gone.pdf."""
    return write_outputs(folder, [output("a.pdf", b"new a"), output("c.pdf", b"new c")],
                         {CACHE_NAME: b"new cache"}, remove=["gone.pdf"])


NEW = {"a.pdf": b"new a", "c.pdf": b"new c", CACHE_NAME: b"new cache"}


@pytest.mark.parametrize("no_links", [False, True], ids=["hard-links", "no-hard-links"])
def test_each_commit_step_failing_in_turn_leaves_the_folder_exactly_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_links: bool) -> None:
    clean = CountingOps(no_links=no_links)
    monkeypatch.setattr(writer, "_ops", clean)
    earlier_output(tmp_path / "once")
    clean.calls.clear()
    next_run(tmp_path / "once")
    calls = clean.calls
    last = 1 + max(i for i, c in enumerate(calls) if c[0] == "replace" and c[2] == MANIFEST)
    assert visible(tmp_path / "once") == {**NEW, MANIFEST: visible(tmp_path / "once")[MANIFEST]}
    assert len(calls) > last >= 5  # a removal, three replaced files, one new file

    for n in range(1, len(calls) + 1):
        folder = tmp_path / f"fail-{n}"
        monkeypatch.setattr(writer, "_ops", writer._FileOps())
        earlier_output(folder)
        before = snapshot(folder)
        failing = CountingOps(fail_at=n, no_links=no_links)
        monkeypatch.setattr(writer, "_ops", failing)
        step = calls[n - 1]
        if step[0] == "link" or n > last:
            # a failed hard link falls back to renaming aside; after the manifest's swap
            # the run has succeeded and only a backup may be left for the next sweep
            next_run(folder)
            assert {k: v for k, v in visible(folder).items() if k != MANIFEST} == NEW, step
            assert manifest_paths(folder) == ["a.pdf", "c.pdf"]
            assert len(set(os.listdir(folder)) - set(visible(folder))) <= (n > last), step
            continue
        with pytest.raises(OutputError, match="earlier output is unchanged") as caught:
            next_run(folder)
        assert snapshot(folder) == before, step
        assert "Input/output error" in caught.value.problems[0].message


def test_when_putting_back_fails_too_the_message_says_where_the_earlier_files_are(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    earlier_output(tmp_path)

    class ReadOnlyFromTheManifestOn(CountingOps):
        broken = False

        def replace(self, src: Any, dst: Any) -> None:  # type: ignore[override]
            if self.broken or Path(dst).name == MANIFEST:
                self.broken = True
                raise OSError(30, "Read-only file system")
            super().replace(src, dst)

    monkeypatch.setattr(writer, "_ops", ReadOnlyFromTheManifestOn())
    with pytest.raises(OutputError, match="could not be put back as it was") as caught:
        next_run(tmp_path)
    kept = {Path(p.file).name: p.message for p in caught.value.problems}
    assert sorted(kept) == [CACHE_NAME, "a.pdf", "gone.pdf"]
    backup = kept["a.pdf"].split("kept as ")[1].split(" ")[0]
    assert (tmp_path / backup).read_bytes() == b"old a"
    assert not (tmp_path / "c.pdf").exists()


@pytest.mark.parametrize("obstacle", ["folder", "link", "pipe", "manifest-pipe"])
def test_something_not_a_plain_file_in_the_way_is_refused_before_anything_moves(
        tmp_path: Path, obstacle: str) -> None:
    earlier_output(tmp_path)
    name = MANIFEST if obstacle == "manifest-pipe" else "x.pdf"
    if obstacle == "manifest-pipe":
        (tmp_path / MANIFEST).unlink()
    if obstacle == "folder":
        (tmp_path / name).mkdir()
    elif obstacle == "link":
        (tmp_path / name).symlink_to(tmp_path / "a.pdf")
    else:  # reading a pipe would wait forever
        os.mkfifo(tmp_path / name)
    before = snapshot_names(tmp_path)
    with pytest.raises(OutputError, match="earlier output is unchanged") as caught:
        write_outputs(tmp_path, [output("a.pdf", b"new a"), output("x.pdf", b"new x")])
    assert caught.value.problems[0].file.endswith(name)
    assert "in the way; osteo-print only replaces plain files" in caught.value.problems[0].message
    assert snapshot_names(tmp_path) == before


def snapshot_names(folder: Path) -> dict[str, bytes | None]:
    return {p.name: p.read_bytes() if p.is_file() and not p.is_symlink() else None
            for p in sorted(folder.iterdir())}


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX permissions, which root ignores")
def test_a_folder_that_cannot_be_written_is_refused_and_left_alone(tmp_path: Path) -> None:
    earlier_output(tmp_path)
    before = snapshot(tmp_path)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="earlier output is unchanged"):
            next_run(tmp_path)
    finally:
        tmp_path.chmod(0o755)
    assert snapshot(tmp_path) == before


# ----------------------------------------------------------------------- the lock
def test_builds_writing_to_one_folder_at_once_keep_every_manifest_entry(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each run waits for the other at the point where, without the lock, both would
    have read the same manifest (the barrier times out once the lock keeps them apart)."""
    meet = threading.Barrier(2, timeout=0.5)
    inside: list[int] = []
    most = [0]

    def crowd() -> None:
        inside.append(1)
        most[0] = max(most[0], len(inside))
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait()
        inside.pop()

    monkeypatch.setattr(writer, "_before_commit", crowd)
    errors: list[BaseException] = []

    def build(i: int) -> None:
        try:
            write_outputs(tmp_path, [output(f"doc{i}.pdf", f"doc {i}".encode())],
                          {CACHE_NAME: b"cache"})
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert manifest_paths(tmp_path) == [f"doc{i}.pdf" for i in range(4)]
    assert most[0] == 1
    assert not (tmp_path / LOCK_NAME).exists()  # the lock file is gone when no run writes


def _build_in_process(folder: Path, i: int, meet: Any) -> None:
    def crowd() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait()

    writer._before_commit = crowd
    write_outputs(folder, [output(f"doc{i}.pdf", f"doc {i}".encode())], {CACHE_NAME: b"c"})


@pytest.mark.process
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_builds_in_separate_processes_take_turns_too(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    meet = context.Barrier(2, timeout=0.5)
    runs = [context.Process(target=_build_in_process, args=(tmp_path, i, meet))
            for i in range(3)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(60)
    assert [run.exitcode for run in runs] == [0, 0, 0]
    assert manifest_paths(tmp_path) == ["doc0.pdf", "doc1.pdf", "doc2.pdf"]


def test_a_build_that_holds_the_folder_too_long_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        entered.set()
        release.wait(10)

    monkeypatch.setattr(writer, "_before_commit", hold)
    first = threading.Thread(target=write_outputs, args=(tmp_path, [output("a.pdf", b"a")]))
    first.start()
    try:
        assert entered.wait(10)
        monkeypatch.setattr(writer, "_before_commit", lambda: None)
        monkeypatch.setattr(writer, "LOCK_TIMEOUT", 0.3)
        monkeypatch.setattr(writer, "LOCK_POLL", 0.05)
        with pytest.raises(OutputError) as caught:
            write_outputs(tmp_path, [output("b.pdf", b"b")])
    finally:
        release.set()
        first.join()
    assert caught.value.message == (
        f"Another osteo-print build is writing to {tmp_path} (pid {os.getpid()}); "
        "try again when it has finished.")
    assert manifest_paths(tmp_path) == ["a.pdf"]
    assert not (tmp_path / "b.pdf").exists()


# -------------------------------------------------------------------- the manifest
def test_the_manifest_says_it_is_osteo_prints(tmp_path: Path) -> None:
    write_outputs(tmp_path, [output("a.pdf", b"a")])
    data = json.loads((tmp_path / MANIFEST).read_text("utf-8"))
    assert data["generator"] == "osteo-print"
    assert data["generator_version"] == __version__


FOREIGN = {
    "web-app": (b'{"name": "My App", "icons": []}', "was not written by osteo-print"),
    "broken": (b'{"generator": "osteo-print", "files": [', "is not valid JSON"),
    "not-utf8": (b"\xff\xfe{}", "is not valid JSON"),
    "list": (b"[]", "was not written by osteo-print"),
    "other-generator": (b'{"generator": "osteo-printer 2", "files": []}',
                        "was not written by osteo-print"),
}


@pytest.mark.parametrize("kind", sorted(FOREIGN))
def test_a_manifest_osteo_print_did_not_write_is_never_replaced(tmp_path: Path,
                                                                kind: str) -> None:
    text, reason = FOREIGN[kind]
    (tmp_path / MANIFEST).write_bytes(text)
    before = snapshot(tmp_path)
    with pytest.raises(OutputError, match="did not write; nothing was changed") as caught:
        write_outputs(tmp_path, [output("a.pdf", b"a")], {CACHE_NAME: b"cache"})
    problem = caught.value.problems[0]
    assert problem.file == str(tmp_path / MANIFEST)
    assert reason in problem.message and "choose another output folder" in problem.message
    assert snapshot(tmp_path) == before


def test_a_manifest_of_an_earlier_version_is_taken_over(tmp_path: Path) -> None:
    old = {"generator": "osteo-print 0.9.0", "files": [
        {"path": "old.pdf", "sha256": hashlib.sha256(b"old").hexdigest()}]}
    (tmp_path / MANIFEST).write_text(json.dumps(old), "utf-8")
    (tmp_path / "old.pdf").write_bytes(b"old")
    write_outputs(tmp_path, [output("a.pdf", b"a")])
    data = json.loads((tmp_path / MANIFEST).read_text("utf-8"))
    assert data["generator"] == "osteo-print"
    assert [f["path"] for f in data["files"]] == ["a.pdf", "old.pdf"]


# ------------------------------------------------------------ what --strict deletes
def test_only_files_the_manifest_records_unchanged_are_deleted(tmp_path: Path) -> None:
    write_outputs(tmp_path, [output("ok.pdf", b"ok"), output("edited.pdf", b"as written")])
    (tmp_path / "edited.pdf").write_bytes(b"edited by hand")
    (tmp_path / "notes.txt").write_bytes(b"my notes")
    (tmp_path / "folder.pdf").mkdir()
    warnings: list[str] = []
    write_outputs(tmp_path, [], remove=["ok.pdf", "edited.pdf", "notes.txt", "folder.pdf",
                                        MANIFEST, CACHE_NAME, "../x.pdf"],
                  warnings=warnings)
    assert not (tmp_path / "ok.pdf").exists()
    assert (tmp_path / "edited.pdf").read_bytes() == b"edited by hand"
    assert (tmp_path / "notes.txt").read_bytes() == b"my notes"
    assert (tmp_path / "folder.pdf").is_dir()
    assert manifest_paths(tmp_path) == []
    assert sorted(warnings) == [
        f"{tmp_path / 'edited.pdf'}: left in place, as it has changed since osteo-print "
        "wrote it",
        f"{tmp_path / 'folder.pdf'}: left in place, as it is not a plain file",
        f"{tmp_path / 'notes.txt'}: left in place, as osteo-print did not write it (it is "
        "not in manifest.json)"]


def test_forget_names_only_the_jobs_own_files_whatever_the_cache_says(tmp_path: Path) -> None:
    job = Job("handout", "stages", "general", "en", "letter")
    cache = BuildCache(tmp_path)
    cache.record(job, "key", [Entry(name, INFO, "0" * 64) for name in
                              ("notes.txt", "../etc.pdf", f"{job.stem}.pdf",
                               f"{job.stem}.extra.json")])
    assert cache.forget(job) == sorted([f"{job.stem}.extra.json", f"{job.stem}.html",
                                        f"{job.stem}.json", f"{job.stem}.pdf"])


def test_strict_keeps_a_file_an_edited_cache_names(tiny_content: Path, tmp_path: Path,
                                                   run) -> None:
    from test_check import HARD, change_blocks

    def make_stages_hard(content: Path) -> None:
        """The first paragraph of the (tiny) stages handout: one sentence of HARD, enough
        to fail the readability check."""
        def change(blocks: list) -> None:
            paragraph = next(b for s in blocks if s["type"] == "section"
                             for b in s["blocks"] if b["type"] == "paragraph")
            paragraph["text"] = HARD[:len(HARD) // 5]  # HARD is a sentence, five times

        change_blocks(content / "en/handouts/stages.yaml", change)

    out = tmp_path / "out"
    job = Job("handout", "stages", "general", "en", "letter")
    cache = BuildCache(out)
    earlier = output(f"{job.stem}.pdf", b"%PDF-1.7 earlier")
    cache.record(job, "an earlier key", [earlier.entry(), Entry("notes.txt", INFO, "0" * 64)])
    write_outputs(out, [earlier], {CACHE_NAME: cache.payload()})
    (out / "notes.txt").write_bytes(b"the clinic's notes")
    make_stages_hard(tiny_content)
    result = run("build", "stages", "--strict", "--content", str(tiny_content),
                 "--out", str(out))
    assert result.exit_code == 1
    assert "1 document(s) failed the checks" in result.stderr
    assert (out / "notes.txt").read_bytes() == b"the clinic's notes"
    assert not (out / f"{job.stem}.pdf").exists()  # osteo-print's own earlier copy is gone
    assert manifest_paths(out) == []


def test_builds_alongside_keep_each_others_cache_records(tmp_path: Path) -> None:
    """The cache is merged with the folder locked: a build that read it before another
    one wrote keeps that one's records for jobs it did not touch."""
    first, second = (Job("handout", doc, "general", "en", "letter") for doc in ("a", "b"))
    early, late = BuildCache(tmp_path), BuildCache(tmp_path)  # both read the empty cache
    done = output(f"{first.stem}.pdf", b"a")
    early.record(first, "key a", [done.entry()])
    write_outputs(tmp_path, [done], {CACHE_NAME: early.payload})
    other = output(f"{second.stem}.pdf", b"b")
    late.record(second, "key b", [other.entry()])
    write_outputs(tmp_path, [other], {CACHE_NAME: late.payload})
    merged = BuildCache(tmp_path)
    assert merged.jobs[first.stem]["key"] == "key a"
    assert merged.jobs[second.stem]["key"] == "key b"
    assert merged.fresh(first, "key a") and merged.fresh(second, "key b")


def test_a_foreign_manifest_is_refused_before_anything_is_rendered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from osteo_print import runner
    from osteo_print.build import BuildOptions, build

    def no_rendering(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("rendered into a folder it cannot write to")

    monkeypatch.setattr(runner._Worker, "run", no_rendering)
    (tmp_path / MANIFEST).write_bytes(FOREIGN["web-app"][0])
    with pytest.raises(OutputError, match="did not write"):
        build(BuildOptions(out_dir=tmp_path, documents=("stages",), audiences=("general",),
                           langs=("en",), papers=("letter",), quizzes=(), jobs=1))
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST]
