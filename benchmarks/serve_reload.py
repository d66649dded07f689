"""Time the live preview: from saving a handout's YAML to the reloaded page showing it.

    python benchmarks/serve_reload.py              # 10 edits, with the PDFs (as serve does)
    python benchmarks/serve_reload.py --no-pdf     # the web pages only
    python benchmarks/serve_reload.py --edits 20 --pause 0.5

Copies the built-in content into a temporary project, starts the preview
(``osteo_print.serve.preview.Preview``: general, English, Letter) in this process, and
opens the stages handout's web page in headless Chromium (Debian's, driven by
Playwright, as the tests do). Then, ``--edits`` times: writes a new title into
``content/en/handouts/stages.yaml`` and waits until the open page shows it, without
touching the browser. Each edit's time runs from the file write to the new title in
the page, polled in the browser on every animation frame (goal: under 1 s). It is split
at the moment the browser starts loading the new page (``performance.timeOrigin``):
before it, the watcher, the build of the web pages and the event; after it, the reload
itself. Between edits it waits ``--pause`` seconds, as an editor would; with the PDFs
on, each edit stops the PDF build that the one before started, as when editing for real.

Prints each edit, the median and the max, the web builds' own time (what the builder
measured), and the machine's load before and after, since other work on the machine
slows every wall-clock figure down.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Only the standard library at the top (as the other benchmarks).
TESTS = Path(__file__).resolve().parents[1] / "tests"
HANDOUT = Path("content") / "en" / "handouts" / "stages.yaml"
TITLE = "title: The stages of bone loss"
GOAL = 1.0  # seconds from the save to the page showing it

SHOWN = """t => { const h = document.querySelector('h1');
               return h !== null && h.textContent === t; }"""
TIMING = """() => ({origin: performance.timeOrigin,
                    shown: performance.timeOrigin + performance.now()})"""


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


def project(work: Path) -> Path:
    """A project with its own copy of the built-in content; its config."""
    from osteo_print.paths import BUILTIN_CONTENT

    shutil.copytree(BUILTIN_CONTENT, work / "content")
    config = work / "osteo-print.toml"
    config.write_text('[defaults]\ncontent = "content"\n', "utf-8")
    return config


def measure(page, handout: Path, text: str, edits: int, pause: float
            ) -> list[tuple[float, float, float]]:
    """(total, to the reload, the reload) in seconds, for each edit."""
    times = []
    for number in range(1, edits + 1):
        title = f"The stages of bone loss ({number})"
        changed = text.replace(TITLE, f"title: {title}", 1)
        written = time.time()
        handout.write_text(changed, "utf-8")
        page.wait_for_function(SHOWN, arg=title, polling="raf", timeout=30_000)
        seen = page.evaluate(TIMING)  # the page now open is the reloaded one
        total = seen["shown"] / 1000 - written
        to_reload = seen["origin"] / 1000 - written
        times.append((total, to_reload, total - to_reload))
        print(f"  edit {number:2}: {total:5.2f} s  (to the reload {to_reload:5.2f} s, "
              f"the reload {total - to_reload:5.2f} s)", flush=True)
        time.sleep(pause)  # an editor's pause between two saves, not a wait for a build
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=10, help="edits to time (default 10)")
    parser.add_argument("--pause", type=float, default=1.0,
                        help="seconds between two edits (default 1)")
    parser.add_argument("--no-pdf", action="store_true", help="web pages only")
    args = parser.parse_args()
    sys.path.insert(0, str(TESTS))
    import browser
    from playwright.sync_api import sync_playwright

    from osteo_print.options import BuildOptions
    from osteo_print.serve.preview import Preview, ServeOptions

    reason = browser.unavailable()
    if reason:
        raise SystemExit(f"cannot run the benchmark: {reason}")
    work = Path(tempfile.mkdtemp(prefix="osteo-serve-bench-"))
    builds: list[tuple[float, float]] = []  # each web build's wall and CPU seconds

    def say(line: str, error: bool) -> None:
        found = re.match(r"Web pages: .*\((\d+\.\d+) s, CPU (\d+\.\d+) s\)$", line)
        if found:
            builds.append((float(found.group(1)), float(found.group(2))))
        if error:
            print(line, file=sys.stderr)

    try:
        config = project(work)
        options = BuildOptions(config_path=config, audiences=("general",), langs=("en",))
        handout = work / HANDOUT
        text = handout.read_text("utf-8")
        pdfs = "web pages only" if args.no_pdf else "PDFs on"
        print(f"serve reload benchmark: {args.edits} edits of {HANDOUT}, {pdfs}, in {work}")
        before = load()
        with Preview(ServeOptions(options, pdf=not args.no_pdf), say=say) as preview, \
                sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=browser.chromium_path(),
                                                  args=browser.CHROMIUM_ARGS)
            try:
                page = chromium.new_page()
                page.goto(preview.url + "stages_general_en.html", wait_until="load")
                started = len(builds)
                times = measure(page, handout, text, args.edits, args.pause)
            finally:
                chromium.close()
        totals = [t[0] for t in times]
        median, worst = statistics.median(totals), max(totals)
        verdict = "met" if worst < GOAL else ("median met" if median < GOAL else "not met")
        print(f"\nsave to reloaded page: median {median:.2f} s, max {worst:.2f} s "
              f"(goal: under {GOAL:g} s: {verdict})")
        print(f"  to the reload (watch, build, event): median "
              f"{statistics.median(t[1] for t in times):.2f} s; the reload: median "
              f"{statistics.median(t[2] for t in times):.2f} s")
        edits = builds[started:]
        if edits:
            print(f"  web builds (the builder's own time): median "
                  f"{statistics.median(b[0] for b in edits):.2f} s, max "
                  f"{max(b[0] for b in edits):.2f} s; their CPU time (what the machine's "
                  f"other work changes least): median {statistics.median(b[1] for b in edits):.2f}"
                  f" s, {len(edits)} builds")
        print(f"  [{before}; after: {load()}]")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
