"""A real browser for the web-page tests: Debian's Chromium, driven by Playwright.

``browser_page`` (tests/conftest.py) gives a fresh page. ``open_page`` loads a file and
records every request, refusing (and listing) any that leaves the page's folder.
``Tabs`` keeps a page open for a test file's tests, made as good as new for each one:
a new context (or page) per test costs the browser a new renderer process and the fonts
loaded again, about a second of CPU, where a reused page costs a few tenths.
``axe_violations`` runs axe-core (the copy axe-playwright-python ships) with the WCAG
2.0/2.1/2.2 A and AA rules.

Without Chromium or Playwright the tests skip, saying why; with OSTEO_PRINT_BROWSER=required
(set by .ci/run) they fail instead, so CI never skips them. OSTEO_PRINT_CHROMIUM names the
browser to use; a path that is not an executable file counts as no browser
(``OSTEO_PRINT_CHROMIUM=/nonexistent pytest -m "browser and not slow" tests/test_web.py``
shows the skips). These tests are marked ``browser`` (tests/conftest.py) and run by
``pytest -m "browser and not slow"`` (``-m browser`` adds the slow pages), not by the
default ``pytest``.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser")
# As the machine's notes advise: no sandbox as root, and no background networking (the
# closed network refuses it, and a page test must not wait on it).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def chromium_path() -> str | None:
    """The browser to drive: OSTEO_PRINT_CHROMIUM if it is an executable file (else
    None: a wrong path is no browser), or Chromium on the PATH."""
    explicit = os.environ.get("OSTEO_PRINT_CHROMIUM")
    if explicit:
        return explicit if os.path.isfile(explicit) and os.access(explicit, os.X_OK) else None
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"Playwright or axe-playwright-python is not installed ({exc.name})"
    if chromium_path() is None:
        explicit = os.environ.get("OSTEO_PRINT_CHROMIUM")
        if explicit:
            return f"OSTEO_PRINT_CHROMIUM={explicit} is not an executable file"
        return "Chromium is not installed (Debian: apt-get install chromium)"
    return None


def skip_or_fail(reason: str) -> None:
    if os.environ.get("OSTEO_PRINT_BROWSER") == "required":
        pytest.fail(f"browser tests are required here, but: {reason}")
    pytest.skip(reason)


@functools.cache
def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text("utf-8")


@dataclass
class Requests:
    """What a page asked for: the files it was allowed, and anything refused."""

    folder: Path
    allowed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def guard(page: Any, folder: Path) -> Requests:
    """Let ``page`` load only files inside ``folder``; note every request."""
    root = folder.resolve().as_uri() + "/"
    seen = Requests(folder)

    def route(route: Any) -> None:
        url = route.request.url
        if url.startswith(root) or url.startswith("data:") or url.startswith("about:"):
            seen.allowed.append(url)
            route.continue_()
        else:
            seen.refused.append(url)
            route.abort()

    page.route("**/*", route)
    return seen


def open_page(page: Any, path: Path) -> Requests:
    """Load ``path`` in ``page`` with the request guard on; wait until it has loaded."""
    seen = guard(page, path.parent)
    page.goto(path.resolve().as_uri(), wait_until="load")
    return seen


class Tabs:
    """Pages kept open across a test file's tests, one per set of context options (say
    ``java_script_enabled=False``), each made in its own context on first use. ``page``
    hands one out as good as new: no request guard, an empty document, the viewport
    asked for, no emulated media. What a context holds (local storage) is kept: a test
    of what a page stores makes its own context."""

    def __init__(self, chromium: Any) -> None:
        self.chromium = chromium
        self.contexts: dict[tuple[tuple[str, Any], ...], Any] = {}

    def page(self, viewport: dict[str, int] | None = None, **options: Any) -> Any:
        key = tuple(sorted(options.items()))
        if key not in self.contexts:
            self.contexts[key] = self.chromium.new_context(**options)
        context = self.contexts[key]
        page = next((p for p in context.pages if not p.is_closed()), None) \
            or context.new_page()
        page.unroute_all(behavior="ignoreErrors")
        page.goto("about:blank")
        page.set_viewport_size(viewport or {"width": 1280, "height": 720})
        page.emulate_media(media="null", reduced_motion="null")
        return page

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()
        self.contexts.clear()


def axe_violations(page: Any, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """Run axe-core on the loaded page; return its violations (id, impact, help, nodes).
    axe is injected once per loaded page, so a second run (at another width) is cheaper."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    options = {"runOnly": {"type": "tag", "values": tags or AXE_TAGS},
               "resultTypes": ["violations"]}
    result = page.evaluate("options => axe.run(document, options)", options)
    return [{"id": v["id"], "impact": v.get("impact"), "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def describe(violations: list[dict[str, Any]]) -> str:
    return json.dumps(violations, indent=1)
