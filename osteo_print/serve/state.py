"""What the preview's builds did, shared by the builder thread and the server's threads.

Every finished build (the web pages, then the PDFs) bumps a generation number and
records, for each file it changed, the generation it changed in. A client that loaded
a page at generation N asks which files changed since N: nothing is queued per client,
so a client that reconnects, or misses a message, still hears of every change.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

ALL_PAGES = "*"  # a changed file every page uses (the stylesheet, a font): reload all
PHASES = ("web", "pdf")


@dataclass
class Snapshot:
    """A consistent copy of the state, for one response."""

    run: str
    gen: int
    errors: list[str]
    warnings: list[str]
    web: list[dict[str, Any]]  # the web pages of the last good build, in plan order
    pdfs: list[dict[str, Any]]  # manifest entries of the PDFs of the last good PDF build
    built: dict[str, float]  # phase -> time.time() of its last finished build
    pdf_state: str  # "off", "waiting", "building", "done", "failed"
    building: str | None  # the phase being built now, if any


@dataclass
class State:
    """The builds' outcome; every method is thread-safe."""

    run: str = field(default_factory=lambda: secrets.token_hex(6))  # this server's id
    gen: int = 0
    changed_at: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # phase -> error text
    warnings: list[str] = field(default_factory=list)
    web: list[dict[str, Any]] = field(default_factory=list)
    pdfs: list[dict[str, Any]] = field(default_factory=list)
    built: dict[str, float] = field(default_factory=dict)
    pdf_state: str = "off"
    building: str | None = None
    stopping: bool = False
    _cond: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def begin(self, phase: str) -> None:
        """Say that ``phase`` is being built (the index shows it; clients are not told,
        only ``wait_until`` looks again)."""
        with self._cond:
            self.building = phase
            if phase == "pdf":
                self.pdf_state = "building"
            self._cond.notify_all()

    def finish(self, phase: str, changed: Iterable[str] = (), error: str | None = None,
               **updates: Any) -> int:
        """Record a finished build of ``phase``; wake every waiting client. Returns the
        new generation. ``updates`` set other fields (``web``, ``pdfs``, ``warnings``,
        ``pdf_state``)."""
        with self._cond:
            self.gen += 1
            for name in changed:
                self.changed_at[name] = self.gen
            if error is None:
                self.errors.pop(phase, None)
                self.built[phase] = time.time()
            else:
                self.errors[phase] = error
            for name, value in updates.items():
                setattr(self, name, value)
            self.building = None
            self._cond.notify_all()
            return self.gen

    def set_pdf_state(self, value: str) -> None:
        with self._cond:
            self.pdf_state = value
            if self.building == "pdf" and value != "building":
                self.building = None
            self._cond.notify_all()

    def snapshot(self) -> Snapshot:
        with self._cond:
            return Snapshot(self.run, self.gen, [self.errors[p] for p in PHASES
                                                 if p in self.errors],
                            list(self.warnings), list(self.web), list(self.pdfs),
                            dict(self.built), self.pdf_state, self.building)

    def changed_since(self, gen: int) -> list[str]:
        """The files changed by the builds after generation ``gen``."""
        with self._cond:
            return sorted(name for name, at in self.changed_at.items() if at > gen)

    def wait(self, seen: int, timeout: float) -> int:
        """Wait until a build after generation ``seen`` finishes, or ``timeout`` seconds,
        or the server stops; return the generation now."""
        with self._cond:
            self._cond.wait_for(lambda: self.gen > seen or self.stopping, timeout)
            return self.gen

    def wait_until(self, test: Callable[[State], bool], timeout: float) -> bool:
        """Wait until ``test(self)`` holds (checked as each build starts and ends);
        False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not test(self):
                left = deadline - time.monotonic()
                if left <= 0 or self.stopping:
                    return test(self)
                self._cond.wait(left)
            return True

    def stop(self) -> None:
        """Wake every waiting client for good: the server is stopping."""
        with self._cond:
            self.stopping = True
            self._cond.notify_all()
