"""Write output files atomically and keep ``manifest.json`` in step with them.

All files of a run are first written to temporary files in the output folder; only
when every one is written are they renamed into place. A failure part-way leaves the
earlier output untouched and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from osteo_print import __version__
from osteo_print.errors import OutputError, Problem, display_path

MANIFEST = "manifest.json"
TEMP_PREFIX = ".osteo-print-"
STALE_SECONDS = 3600  # a temp file this old belongs to no running build


@dataclass(frozen=True)
class FileInfo:
    """What a written file is: the manifest fields besides its path and hash."""

    kind: str
    format: str
    document: str
    audience: str
    lang: str
    paper: str
    pages: int | None = None
    version: str | None = None
    sheets: int | None = None  # sheets of paper for one copy printed on both sides

    def __post_init__(self) -> None:
        if self.pages is not None and self.sheets is None:
            object.__setattr__(self, "sheets", sheets(self.pages))


def sheets(pages: int) -> int:
    """Sheets of paper that ``pages`` pages take printed on both sides."""
    return (pages + 1) // 2


@dataclass(frozen=True)
class Entry:
    """One file in the manifest."""

    path: str
    info: FileInfo
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, **asdict(self.info), "sha256": self.sha256}


@dataclass(frozen=True)
class OutputFile:
    """Bytes to write to ``path`` (relative to the output folder) and what they are."""

    path: str
    data: bytes
    info: FileInfo

    def entry(self) -> Entry:
        return Entry(self.path, self.info, hashlib.sha256(self.data).hexdigest())


def write_outputs(out_dir: Path, files: list[OutputFile],
                  extra: dict[str, bytes] | None = None,
                  remove: Iterable[str] = ()) -> list[Entry]:
    """Write ``files`` into ``out_dir`` and update its manifest; return the new entries.

    ``extra`` files (name -> bytes) are written the same atomic way but are not listed
    in the manifest (the build cache). ``remove`` names earlier outputs to delete and
    drop from the manifest (documents that now fail ``--strict``).
    """
    seen: set[str] = set()
    for f in files:
        if f.path in seen:  # two jobs must never claim one file
            raise OutputError("Two documents would be written to the same file.",
                              [Problem(display_path(out_dir / f.path), None, "", "written twice")])
        seen.add(f.path)
    _make_dir(out_dir)
    _sweep_temps(out_dir)
    entries = [f.entry() for f in files]
    removed = {name for name in remove if "/" not in name and name not in seen}
    manifest = _merged_manifest(out_dir, entries, removed)
    staged: list[tuple[Path, Path]] = []
    try:
        for f in files:
            staged.append((_stage(out_dir, f.data), out_dir / f.path))
        staged.append((_stage(out_dir, manifest), out_dir / MANIFEST))
        for name, data in (extra or {}).items():
            staged.append((_stage(out_dir, data), out_dir / name))
    except BaseException as exc:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        if not isinstance(exc, OSError):
            raise
        raise OutputError("The output could not be written; the earlier output is unchanged.",
                          [Problem(display_path(out_dir), None, "", exc.strerror or str(exc))]
                          ) from None
    with _signals_held():  # a Ctrl-C now would leave some files new and some old
        for temp, final in staged:
            os.replace(temp, final)
        for name in removed:
            (out_dir / name).unlink(missing_ok=True)
    return entries


def read_manifest(out_dir: Path) -> list[dict[str, Any]]:
    """Return the manifest's file entries, or [] if there is none or it is unreadable."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        files = data["files"]
        return [f for f in files if isinstance(f, dict) and isinstance(f.get("path"), str)]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _merged_manifest(out_dir: Path, entries: list[Entry], removed: set[str]) -> bytes:
    new = {e.path: e.as_json() for e in entries}
    kept = {f["path"]: f for f in read_manifest(out_dir)
            if f["path"] not in new and f["path"] not in removed
            and (out_dir / f["path"]).is_file()}
    files = [v for _, v in sorted({**kept, **new}.items())]
    data = {"generator": f"osteo-print {__version__}", "files": files}
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _make_dir(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError("The output folder cannot be created.",
                          [Problem(display_path(out_dir), None, "", "a file with this name exists")]
                          ) from None
    except OSError as exc:
        raise OutputError("The output folder cannot be created.",
                          [Problem(display_path(out_dir), None, "", exc.strerror or str(exc))]
                          ) from None


def _sweep_temps(out_dir: Path) -> None:
    """Remove temporary files left by runs that were killed (their process is gone)."""
    cutoff = time.time() - STALE_SECONDS
    for stale in out_dir.glob(f"{TEMP_PREFIX}*.tmp"):
        with contextlib.suppress(OSError, ValueError):
            pid = int(stale.name[len(TEMP_PREFIX):].split("-", 1)[0])
            if not _alive(pid) or stale.stat().st_mtime < cutoff:
                stale.unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def _signals_held():
    """Hold Ctrl-C and SIGTERM for the few milliseconds the renames take."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError, OSError):  # no signal masks here (Windows)
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _stage(out_dir: Path, data: bytes) -> Path:
    prefix = f"{TEMP_PREFIX}{os.getpid()}-"
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, 0o644)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def write_file(path: Path, data: bytes) -> None:
    """Write one file atomically: the old file stays whole until the new one is."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_symlink() or (path.exists() and not path.is_file()):
        what = "a folder" if path.is_dir() and not path.is_symlink() else \
            "a link, a device or a pipe"
        raise OutputError("The file cannot be written.", [Problem(
            str(path), None, "", f"{what} with this name exists; osteo-print only "
            "replaces plain files")])
    _make_dir(folder)
    try:
        staged = _stage(folder, data)
        with _signals_held():
            os.replace(staged, path)
    except OSError as exc:
        raise OutputError("The file cannot be written.",
                          [Problem(display_path(path), None, "", exc.strerror or str(exc))]
                          ) from None
