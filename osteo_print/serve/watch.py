"""Watch what a build reads (``watchfiles``) and report the files that changed.

What to watch comes from the build's own list of inputs (``inputs.list_inputs``): the
content folder, the project's ``templates/`` and ``audiences/`` folders, the built-in
templates, the project file and the logo. The project's folder is watched whole, so a
``templates/`` folder made while the server runs counts too; the preview folder, and
anything that is not an input, is left out. When the inputs move (the project file
names another content folder), the watcher starts again on the new folders.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from osteo_print.inputs import Inputs

READY_TIMEOUT = 10.0  # seconds to wait for the file system watches to be set up
RUST_TIMEOUT_MS = 200  # how often the watch loop looks up (to stop, or say it is ready)
RETRY_SECONDS = 1.0  # after a watched folder went away


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


@dataclass(frozen=True)
class Target:
    """The folders to watch, and which paths under them are inputs."""

    roots: tuple[str, ...]
    folders: tuple[str, ...]  # every file under these is an input
    files: tuple[str, ...]  # and these files (the project file, the logo)
    ignored: tuple[str, ...]  # never these (the preview folder)

    def wants(self, path: str) -> bool:
        path = os.path.abspath(path)
        if any(_inside(path, folder) for folder in self.ignored):
            return False
        return path in self.files or any(_inside(path, folder) for folder in self.folders)


def target(inputs: Inputs, out_dir: Path) -> Target:
    """What to watch for a build with these ``inputs``, writing to ``out_dir``."""
    folders = [os.path.abspath(folder) for folder in inputs.folders.values()]
    files = [os.path.abspath(p) for p in (inputs.config_path, inputs.logo) if p is not None]
    candidates = [os.path.dirname(files[0])] if inputs.config_path is not None else []
    candidates += folders
    roots: list[str] = []
    for root in candidates:  # each existing folder once; one inside another is covered
        real = os.path.realpath(root)
        if os.path.isdir(root) and not any(_inside(real, os.path.realpath(r)) for r in roots):
            roots = [r for r in roots if not _inside(os.path.realpath(r), real)] + [root]
    return Target(tuple(roots), tuple(folders), tuple(files), (os.path.abspath(out_dir),))


class _Either:
    """Set when either event is: watchfiles' ``stop_event``."""

    def __init__(self, *events: threading.Event) -> None:
        self.events = events

    def is_set(self) -> bool:
        return any(event.is_set() for event in self.events)


class Watcher:
    """A thread that calls ``on_change`` with the input files that changed."""

    def __init__(self, on_change: Callable[[set[Path]], None], step_ms: int = 50) -> None:
        self.on_change = on_change
        self.step_ms = step_ms
        self._target: Target | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._restart = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="osteo-print-watcher",
                                        daemon=True)

    def follow(self, inputs: Inputs, out_dir: Path) -> None:
        """Watch the inputs of this build from now on (start again if they moved)."""
        new = target(inputs, out_dir)
        with self._lock:
            moved = self._target is not None and new.roots != self._target.roots
            self._target = new
        if moved:
            self._restart.set()

    def start(self) -> None:
        """Start watching; return once the watches are in place."""
        self._thread.start()
        if not self._ready.wait(READY_TIMEOUT):
            raise RuntimeError("the file watcher did not start")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5.0)

    def _run(self) -> None:
        import watchfiles

        ignore = watchfiles.DefaultFilter()  # editors' swap and backup files, .git
        again = False  # a watch set up again: what changed meanwhile went unseen
        while not self._stop.is_set():
            with self._lock:
                current = self._target
            self._restart.clear()
            if current is None or not current.roots:
                self._ready.set()
                self._restart.wait(RUST_TIMEOUT_MS / 1000)
                continue
            try:
                for changes in watchfiles.watch(
                        *current.roots, watch_filter=None, step=self.step_ms,
                        stop_event=_Either(self._stop, self._restart),
                        rust_timeout=RUST_TIMEOUT_MS, yield_on_timeout=True,
                        raise_interrupt=False):
                    self._ready.set()  # the first answer, even an empty one: watches set
                    paths = {Path(path) for change, path in changes
                             if ignore(change, path) and current.wants(path)}
                    if paths or again:
                        self.on_change(paths)  # none: a build looks at everything
                    again = False
            except (OSError, RuntimeError):  # a watched folder went away: look again soon
                self._ready.set()
                self._stop.wait(RETRY_SECONDS)
            again = True
