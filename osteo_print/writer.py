"""Write output files all at once and keep ``manifest.json`` in step with them.

A run writes every file to a temporary file in the output folder first. Only when all
are written does it swap them in, keeping each earlier file as a backup until the last
swap (the manifest's) has succeeded; if any step fails, every earlier file is put back
and every new one taken away, so the folder is exactly what it was. While it writes,
the run holds a lock on the folder, so two builds into one folder take turns instead
of losing each other's manifest entries. The manifest says it is osteo-print's, and a
``manifest.json`` that is not (a web app's, say) is never replaced.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import secrets
import signal
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from osteo_print import __version__
from osteo_print.errors import OutputError, Problem, display_path
from osteo_print.safefile import InputFileError, read_input

MANIFEST = "manifest.json"
GENERATOR = "osteo-print"  # the manifest's "generator": how a run knows the file is its own
TEMP_PREFIX = ".osteo-print-"
LOCK_NAME = ".osteo-print.lock"  # exists only while a run writes to the folder
STALE_SECONDS = 3600  # a temp file this old belongs to no running build
LOCK_TIMEOUT = 60.0  # seconds a run waits for another one writing to the same folder
LOCK_POLL = 0.1
MANIFEST_LIMIT = 64 * 1024 * 1024  # a larger manifest.json is not one osteo-print wrote
UNCHANGED = "The output could not be written; the earlier output is unchanged."
FOREIGN = "osteo-print does not replace a manifest.json it did not write; nothing was changed."

log = logging.getLogger(__name__)


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


class _FileOps:
    """The file system calls a commit makes: one place, so a test can fail each in turn."""

    link = staticmethod(os.link)
    rename = staticmethod(os.rename)
    replace = staticmethod(os.replace)
    unlink = staticmethod(os.unlink)


_ops = _FileOps()


def _before_commit() -> None:
    """Called with the folder locked, the manifest read and nothing moved yet (a seam
    for the tests that run builds side by side)."""


def write_outputs(out_dir: Path, files: list[OutputFile],
                  extra: Mapping[str, bytes | Callable[[], bytes]] | None = None,
                  remove: Iterable[str] = (),
                  warnings: list[str] | None = None) -> list[Entry]:
    """Write ``files`` into ``out_dir`` and update its manifest; return the new entries.

    ``extra`` files (name -> bytes) are written the same all-or-nothing way but are not
    listed in the manifest (the build cache); a callable is called with the folder
    locked, so it can merge what a build alongside wrote. ``remove`` names earlier outputs to drop
    from the manifest (documents that now fail ``--strict``); each is deleted only if
    the manifest records it with the hash it still has, that is if osteo-print wrote it
    and nobody changed it since. Any other is left alone, with a line in ``warnings``.
    """
    seen: set[str] = set()
    for f in files:
        if f.path in seen:  # two jobs must never claim one file
            raise OutputError("Two documents would be written to the same file.",
                              [Problem(display_path(out_dir / f.path), None, "", "written twice")])
        seen.add(f.path)
    extra = dict(extra or {})
    _make_dir(out_dir)
    with _folder_locked(out_dir):
        writes = [(f.path, f.data) for f in files] + [
            (name, data() if callable(data) else data) for name, data in extra.items()]
        _sweep_temps(out_dir)
        for name in [*(name for name, _ in writes), MANIFEST]:
            if not _plain_name(name) and name not in extra and name != MANIFEST:
                raise OutputError(UNCHANGED, [Problem(_shown(out_dir, name), None, "",
                                                      "not a name osteo-print writes")])
            _check_target(out_dir, name)
        earlier = _own_manifest(out_dir)
        entries = [f.entry() for f in files]
        keep = {*seen, *extra, MANIFEST, LOCK_NAME}
        dropped = {name for name in remove if name not in keep and _plain_name(name)}
        deleted = _deletable(out_dir, dropped, earlier, warnings)
        manifest = _manifest_bytes(out_dir, earlier, entries, dropped)
        _before_commit()
        _commit(out_dir, [*writes, (MANIFEST, manifest)], sorted(deleted))
    return entries


def check_output_folder(out_dir: Path) -> None:
    """Refuse, before any work, a folder whose manifest osteo-print did not write (the
    commit checks again, with the folder locked)."""
    if out_dir.is_dir():
        _own_manifest(out_dir)


def is_own_manifest(data: Any) -> bool:
    """Whether parsed JSON is a manifest osteo-print wrote (also the older "osteo-print
    X.Y" form of the generator)."""
    generator = data.get("generator") if isinstance(data, dict) else None
    return isinstance(generator, str) and (
        generator == GENERATOR or generator.startswith(f"{GENERATOR} "))


def _own_manifest(out_dir: Path) -> list[dict[str, Any]]:
    """The entries of the folder's manifest; refuse one osteo-print did not write."""
    path = out_dir / MANIFEST
    where = _shown(out_dir, MANIFEST)
    move = "choose another output folder, or move the file away"
    if not os.path.lexists(path):
        return []
    try:  # a plain file under the size cap, read without blocking (never a pipe)
        raw = read_input(path, MANIFEST_LIMIT)
    except InputFileError as exc:
        raise OutputError(FOREIGN, [Problem(where, None, "", (
            f"{exc.problem.message}; it cannot be a manifest osteo-print wrote: {move}"))]
        ) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        raise OutputError(FOREIGN, [Problem(where, None, "", (
            "is not valid JSON, so osteo-print cannot tell whether it wrote it and does not "
            f"replace it; {move} (or delete it, if it is a damaged manifest of "
            "osteo-print's)"))]) from None
    if not is_own_manifest(data):
        raise OutputError(FOREIGN, [Problem(where, None, "generator", (
            f'was not written by osteo-print (it has no "generator": "{GENERATOR}"); '
            f"{move}"))])
    files = data.get("files")
    if not isinstance(files, list):
        return []
    return [f for f in files if isinstance(f, dict) and isinstance(f.get("path"), str)]


def _manifest_bytes(out_dir: Path, earlier: list[dict[str, Any]], entries: list[Entry],
                    dropped: set[str]) -> bytes:
    new = {e.path: e.as_json() for e in entries}
    kept = {f["path"]: f for f in earlier
            if f["path"] not in new and f["path"] not in dropped
            and _plain_name(f["path"]) and (out_dir / f["path"]).is_file()}
    files = [v for _, v in sorted({**kept, **new}.items())]
    data = {"generator": GENERATOR, "generator_version": __version__, "files": files}
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _plain_name(name: str) -> bool:
    """A file in the output folder, or in a folder of it (the web pages' ``assets/``),
    not a hidden or temporary one, and no way out of the folder."""
    parts = name.split("/")
    return bool(name) and "\\" not in name and name not in (MANIFEST, LOCK_NAME) \
        and all(part and not part.startswith(".") for part in parts)


def _deletable(out_dir: Path, names: set[str], earlier: list[dict[str, Any]],
               warnings: list[str] | None) -> set[str]:
    """The names among ``names`` that osteo-print wrote and nobody has changed since."""
    recorded = {f["path"]: f.get("sha256") for f in earlier}
    deletable = set()
    for name in sorted(names):
        target = out_dir / name
        try:
            info = os.lstat(target)
        except OSError:
            continue  # not there: nothing to delete
        why = None
        if not stat.S_ISREG(info.st_mode):
            why = "it is not a plain file"
        elif name not in recorded:
            why = f"osteo-print did not write it (it is not in {MANIFEST})"
        else:
            try:
                same = hashlib.sha256(target.read_bytes()).hexdigest() == recorded[name]
            except OSError:
                same = False
            if not same:
                why = "it has changed since osteo-print wrote it"
        if why is None:
            deletable.add(name)
        elif warnings is not None:
            warnings.append(f"{_shown(out_dir, name)}: left in place, as {why}")
    return deletable


def _check_target(out_dir: Path, name: str) -> None:
    """Refuse, before anything moves, a target that is not a plain file osteo-print may
    replace, or one inside a folder that is a link or not a folder."""
    parts = name.split("/")
    for depth in range(1, len(parts)):
        folder = "/".join(parts[:depth])
        try:
            info = os.lstat(out_dir / folder)
        except FileNotFoundError:
            break  # made at commit time
        except OSError as exc:
            raise OutputError(UNCHANGED, [Problem(_shown(out_dir, folder), None, "",
                                                  exc.strerror or str(exc))]) from None
        if not stat.S_ISDIR(info.st_mode):
            what = "a link" if stat.S_ISLNK(info.st_mode) else "something that is not a folder"
            raise OutputError(UNCHANGED, [Problem(_shown(out_dir, folder), None, "", (
                f"{what} with this name is in the way of the folder osteo-print writes "
                "into. Move it, or choose another output folder."))])
    try:
        info = os.lstat(out_dir / name)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(UNCHANGED, [Problem(_shown(out_dir, name), None, "",
                                              exc.strerror or str(exc))]) from None
    if stat.S_ISREG(info.st_mode):
        return
    what = "a folder" if stat.S_ISDIR(info.st_mode) else \
        "a link" if stat.S_ISLNK(info.st_mode) else "a device, a pipe or a socket"
    raise OutputError(UNCHANGED, [Problem(_shown(out_dir, name), None, "", (
        f"{what} with this name is in the way; osteo-print only replaces plain files. "
        "Move it, or choose another output folder."))])


def _commit(out_dir: Path, writes: list[tuple[str, bytes]], deleted: list[str]) -> None:
    """Swap ``writes`` in and ``deleted`` out, all or nothing; the last write is the
    manifest, whose swap is the point of no return."""
    staged: list[tuple[Path, Path]] = []  # (temporary file, target)
    made: list[Path] = []  # folders this commit made (assets/), removed again on failure
    try:
        for name, data in writes:
            _make_parents(out_dir, name, made)
            staged.append((_stage(out_dir, data), out_dir / name))
    except BaseException as exc:
        _discard(temp for temp, _ in staged)
        _remove_made(made)
        if not isinstance(exc, OSError):
            raise
        raise OutputError(UNCHANGED, [Problem(_shown(out_dir), None, "",
                                              exc.strerror or str(exc))]) from None
    backups: list[tuple[Path, Path]] = []  # (the earlier file kept aside, its target)
    added: list[Path] = []  # targets that had no earlier file
    with _signals_held():  # a Ctrl-C now would leave some files new and some old
        current: Path | None = None
        try:
            for name in deleted:
                current = out_dir / name
                backup = _temp_name(out_dir)
                _ops.rename(current, backup)
                backups.append((backup, current))
            for temp, target in staged:
                current = target
                if os.path.lexists(target):
                    _keep_aside(target, temp, backups)
                else:
                    added.append(target)
                    _ops.replace(temp, target)
        except BaseException as exc:
            left = _roll_back(backups, added)
            _discard(temp for temp, _ in staged)
            _remove_made(made)
            if left:
                raise OutputError(
                    "The output could not be written, and the folder could not be put back "
                    "as it was; see below what is left to do by hand.",
                    left) from None
            if not isinstance(exc, OSError):
                raise
            where = _shown(out_dir, current.relative_to(out_dir).as_posix()) if current \
                else _shown(out_dir)
            raise OutputError(UNCHANGED, [Problem(where, None, "", exc.strerror or str(exc))]
                              ) from None
        _discard(backup for backup, _ in backups)  # done: the earlier files are not needed


def _make_parents(out_dir: Path, name: str, made: list[Path]) -> None:
    """Make the folders ``name`` lies in (checked by _check_target), noting each made."""
    folder = out_dir
    for part in name.split("/")[:-1]:
        folder = folder / part
        try:
            os.mkdir(folder)
            made.append(folder)
        except FileExistsError:
            pass


def _remove_made(made: list[Path]) -> None:
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def _keep_aside(target: Path, temp: Path, backups: list[tuple[Path, Path]]) -> None:
    """Put ``temp`` in place of ``target``, keeping the earlier file as a backup.

    A hard link keeps it without a moment when ``target`` is missing; where the file
    system has no hard links, the earlier file is renamed aside instead."""
    backup = _temp_name(target.parent)
    try:
        _ops.link(target, backup)
    except OSError:
        _ops.rename(target, backup)
    backups.append((backup, target))
    _ops.replace(temp, target)


def _roll_back(backups: list[tuple[Path, Path]], added: list[Path]) -> list[Problem]:
    """Put every earlier file back and take every new one away; return what could not
    be undone (those files are left where they are)."""
    left = []
    for target in added:
        try:
            _ops.unlink(target)
        except FileNotFoundError:
            pass  # its new file never got there
        except OSError as exc:
            left.append(Problem(_shown(target.parent, target.name), None, "",
                                f"is new and could not be removed ({exc.strerror or exc})"))
    for backup, target in reversed(backups):
        try:
            if os.path.lexists(target) and os.path.samefile(backup, target):
                # still the earlier file (its new one never came): drop the second name
                with contextlib.suppress(OSError):
                    _ops.unlink(backup)
                continue
            _ops.replace(backup, target)
        except OSError as exc:
            left.append(Problem(_shown(target.parent, target.name), None, "", (
                f"the earlier file is kept as {backup.name} "
                f"({exc.strerror or exc}); rename it back")))
    return left


def _discard(paths: Iterable[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            _ops.unlink(path)


def _temp_name(folder: Path) -> Path:
    """A new temporary name in ``folder`` (the sweep knows it by its prefix)."""
    return folder / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(8)}.tmp"


def _shown(out_dir: Path, name: str = "") -> str:
    """How a file in the output folder is named in a message (a link stays a link)."""
    folder = display_path(out_dir)
    return str(Path(folder) / name) if name else folder


@contextlib.contextmanager
def _folder_locked(out_dir: Path) -> Iterator[None]:
    """Hold the output folder's lock: wait up to LOCK_TIMEOUT seconds for a run that
    holds it, then say which process does. (No lock where ``fcntl`` is missing.)"""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    path = out_dir / LOCK_NAME
    deadline = time.monotonic() + LOCK_TIMEOUT
    waited = False
    while True:
        try:
            # Never through a link, and only a plain file of its own: a shared project
            # could ship "output/.osteo-print.lock" as a link to a file to overwrite.
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK
                         | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0), 0o644)
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
                os.close(fd)
                raise OutputError(UNCHANGED, [Problem(_shown(out_dir, LOCK_NAME), None, "", (
                    "is not a plain file of osteo-print's (a link, a pipe or a file with "
                    "other names); remove it"))])
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise OutputError(UNCHANGED, [Problem(_shown(out_dir, LOCK_NAME), None, "", (
                    "is a link; osteo-print's lock file never is: remove it"))]) from None
            raise OutputError(UNCHANGED, [Problem(_shown(out_dir), None, "", (
                f"cannot write here ({exc.strerror or exc})"))]) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _holder(fd)
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                log.debug("no lock on %s (%s); writing without one", out_dir, exc)
                fd = -1  # a file system without locks: write as before
                break
            if time.monotonic() >= deadline:
                raise OutputError(
                    f"Another osteo-print build is writing to {_shown(out_dir)}{holder}; "
                    "try again when it has finished.",
                    [Problem(_shown(out_dir, LOCK_NAME), None, "",
                             f"still held after {LOCK_TIMEOUT:g} seconds")]) from None
            if not waited:
                log.info("waiting for another osteo-print build%s to finish writing to %s",
                         holder, _shown(out_dir))
                waited = True
            time.sleep(LOCK_POLL)
            continue
        try:  # a run that finishes deletes the file: the lock must be on the one still there
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except OSError:
            same = False
        if same:
            break
        os.close(fd)
    if fd < 0:
        yield
        return
    try:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


def _holder(fd: int) -> str:
    """" (pid N)" for the process that wrote its id into the lock file, or ""."""
    with contextlib.suppress(OSError, ValueError):
        return f" (pid {int(os.pread(fd, 32, 0).decode().strip())})"
    return ""


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
def _signals_held() -> Iterator[None]:
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


def _umask() -> int:
    """The process's umask (read by setting it, and put straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _stage(out_dir: Path, data: bytes) -> Path:
    prefix = f"{TEMP_PREFIX}{os.getpid()}-"
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, 0o666 & ~_umask())  # as a plain write would: mkstemp makes 600
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
        try:
            with _signals_held():
                os.replace(staged, path)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError("The file cannot be written.",
                          [Problem(display_path(path), None, "", exc.strerror or str(exc))]
                          ) from None
