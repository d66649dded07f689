"""Web handouts (``osteo-print build --format html``), checked in a real browser.

Every handout page of every audience and language is opened in headless Chromium
(tests/browser.py) and must pass axe-core's WCAG 2.0/2.1/2.2 A and AA rules with no
violation, load nothing from outside its folder, and have one h1, headings in order, a
text alternative for every picture, a label on every checkbox and header cells with
scope in every table. The tests that drive the browser are marked ``browser``
(tests/conftest.py) and left out of the default suite: ``pytest -m "browser and not
slow"`` audits two pages (one in English with a table, one in Spanish, a clinic's) and
``pytest -m slow`` every page of every audience and language. The quiz's web page is
another test file's (the handouts are named in every build here).

Without Chromium or Playwright the browser tests skip, saying why (the build, manifest
and link tests still run); under OSTEO_PRINT_BROWSER=required (.ci/run) they fail.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import browser
import pytest
from click.testing import CliRunner

from conftest import (
    DOCUMENTS,
    shared,
    write_branded_project,
    write_tiny_project,
)
from osteo_print.cli import cli
from osteo_print.web.assets import BACKGROUNDS, contrast, readable_accent

LANGS = ("en", "es")
AUDIENCES = ("general", "large-print", "easy-read", "caregiver")
EVERY = ["--lang", "en", "--lang", "es"]
DIGITAL_URL = "https://riverside.example/handouts/{document}-{lang}.html"

# ``-m "browser and not slow"`` audits one page here: a handout in English with the most
# to check (exercises: the tracker, precautions, a table); test_branded_pages audits the
# Spanish medicines page (the comparison table and medicine cards). The slow suite audits every
# page of every audience: every other block type (falls: checklist, callout, warning;
# lifestyle: Q&A; stages: steps and the stage picture) is in it.
FAST_PAGES = ["exercises_general_en.html"]
SLOW_PAGES = [f"{d}_{a}_{lang}.html" for lang in LANGS for a in AUDIENCES
              for d in DOCUMENTS if f"{d}_{a}_{lang}.html" not in FAST_PAGES]
PAGES = FAST_PAGES + [pytest.param(name, marks=pytest.mark.slow) for name in SLOW_PAGES]


# --- Builds, once per run ---------------------------------------------------------------


def build(*args: str) -> Any:
    return CliRunner().invoke(cli, ["build", *args])


def _build_into(out: Path, *builds: list[str]) -> None:
    for args in builds:
        result = build(*args, "--out", str(out))
        assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def web_fast(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The handouts as web pages, general audience, en and es, and stages in large print:
    Jinja only, a few seconds."""
    return shared(tmp_path_factory, "web-fast", lambda folder: _build_into(
        folder / "site", [*DOCUMENTS, "--format", "html", "--audience", "general", *EVERY],
        ["stages", "--format", "html", "--audience", "large-print", "--lang", "en"])) / "site"


@pytest.fixture(scope="session")
def web_matrix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every handout as a web page, for every audience, en and es (slow tests); PDFs and
    web pages built together are test_pdf_and_html_together's."""
    return shared(tmp_path_factory, "web-matrix", lambda folder: _build_into(
        folder / "site", [*DOCUMENTS, "--format", "html", "--audience", "all", *EVERY])
    ) / "site"


def write_branded_web_project(folder: Path) -> Path:
    """The branded project of conftest, with a digital_url (its QR code is for paper)."""
    config = write_branded_project(folder)
    text = config.read_text("utf-8").replace(
        "[clinic]\n", f'[clinic]\ndigital_url = "{DIGITAL_URL}"\n', 1)
    config.write_text(text, "utf-8")
    return config


def _branded_build(tmp_path_factory: pytest.TempPathFactory, name: str,
                   *args: str) -> Path:
    def make(folder: Path) -> None:
        config = write_branded_web_project(folder / "riverside")
        _build_into(folder / "site", [*args, "--config", str(config), "--format", "html"])

    return shared(tmp_path_factory, name, make) / "site"


@pytest.fixture(scope="session")
def web_branded_fast(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The branded project's stages and medicines as web pages, general, en and es."""
    return _branded_build(tmp_path_factory, "web-branded-fast", "stages", "medicines",
                          "--audience", "general")


@pytest.fixture(scope="session")
def web_branded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The branded project's handouts as web pages: every audience, en and es (slow
    tests)."""
    return _branded_build(tmp_path_factory, "web-branded", *DOCUMENTS)


def site_for(request: pytest.FixtureRequest, fast: str = "web_fast",
             slow: str = "web_matrix") -> Path:
    """The build a page test reads: the full matrix for a slow parameter."""
    marked = request.node.get_closest_marker("slow") is not None
    return request.getfixturevalue(slow if marked else fast)


@pytest.fixture(scope="module")
def tabs(chromium: Any) -> Iterator[browser.Tabs]:
    """Pages kept open for this file's tests (browser.Tabs); a test of what a page
    stores (the ticks) makes contexts of its own."""
    kept = browser.Tabs(chromium)
    yield kept
    kept.close()


# --- What a page is, read once in the browser ---------------------------------------------

# One evaluation gathers what the structure tests assert on.
STRUCTURE_JS = """() => {
  const text = el => el ? (el.textContent || "").replace(/\\s+/g, " ").trim() : "";
  const byIds = ids => (ids || "").split(/\\s+/).filter(Boolean)
    .map(id => text(document.getElementById(id))).join(" ").trim();
  const hidden = el => !!el.closest('[aria-hidden="true"]');
  const nameOf = el => (el.getAttribute("aria-label") || "").trim()
    || byIds(el.getAttribute("aria-labelledby"));
  const svgName = svg => nameOf(svg) || text(svg.querySelector(":scope > title"));
  const pictureNamed = el => el.tagName === "IMG" ? !!(el.getAttribute("alt") || "").trim()
    : !hidden(el) && el.getAttribute("role") === "img" && !!svgName(el);
  const out = {lang: document.documentElement.lang, problems: []};
  const problem = (kind, el, why) =>
    out.problems.push(kind + ": " + why + ": " + el.outerHTML.slice(0, 160));
  out.headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")]
    .map(h => [Number(h.tagName[1]), text(h)]);
  for (const img of document.querySelectorAll("img")) {
    if (!pictureNamed(img)) problem("picture", img, "an img without alt text");
  }
  for (const svg of document.querySelectorAll("svg")) {
    if (!hidden(svg) && !pictureNamed(svg)) {
      problem("picture", svg, "an svg neither hidden nor role=img with a name");
    }
  }
  for (const figure of document.querySelectorAll("figure")) {
    const pictures = [...figure.querySelectorAll("img, svg")];
    const alt = nameOf(figure) || text(figure.querySelector(".figure-alt"));
    if (pictures.length && !pictures.some(pictureNamed) && !alt) {
      problem("picture", figure, "a figure whose pictures have no text alternative");
    }
  }
  out.checkboxes = 0;
  for (const box of document.querySelectorAll("input[type=checkbox]")) {
    out.checkboxes += 1;
    const label = box.labels && box.labels.length ? text(box.labels[0]) : "";
    if (!label && !nameOf(box)) problem("checkbox", box, "no label");
  }
  out.tables = 0;
  for (const table of document.querySelectorAll("table")) {
    out.tables += 1;
    const ths = [...table.querySelectorAll("th")];
    if (!ths.length) problem("table", table, "no header cells");
    for (const th of ths) {
      if (!["col", "row", "colgroup", "rowgroup"].includes(th.getAttribute("scope"))) {
        problem("table", th, "a header cell without scope");
      }
    }
    if (!text(table.querySelector("caption")) && !nameOf(table)) {
      problem("table", table, "neither a caption nor aria-labelledby");
    }
  }
  for (const region of document.querySelectorAll(".table-scroll")) {
    if (region.getAttribute("role") !== "region" || region.getAttribute("tabindex") !== "0"
        || !nameOf(region)) {
      problem("table", region, "a scroll region that is not a named, focusable region");
    }
  }
  for (const el of document.querySelectorAll(
      ".tickbox, .write-line, .lines, .stacked, [data-sheet]")) {
    problem("print-only", el, "a device for paper on a web page");
  }
  out.mains = document.querySelectorAll("main").length;
  const skip = document.querySelector("a.skip-link");
  out.skipTarget = !!(skip && document.querySelector(skip.getAttribute("href")));
  const sources = document.querySelector(".sources ol");
  out.sourcesLang = sources ? sources.getAttribute("lang") : null;
  out.fontsLoaded = [...document.fonts].filter(f => f.status === "loaded").length;
  return out;
}"""


@dataclass
class Audit:
    """What one page showed in the browser: axe's violations at a desktop and a phone
    width, what the request guard saw, the page's structure, and its width at 320 px."""

    violations: dict[int, list[dict[str, Any]]]
    requests: browser.Requests
    structure: dict[str, Any]
    width_at_320: int


_AUDITS: dict[Path, Audit] = {}


def audit(tabs: browser.Tabs, path: Path) -> Audit:
    """Open ``path`` once per run (per worker) and read all the page tests assert on."""
    if path not in _AUDITS:
        assert path.is_file(), f"{path.name} was not built"
        page = tabs.page({"width": 1280, "height": 900})
        seen = browser.open_page(page, path)
        page.evaluate("document.fonts.ready.then(() => true)")
        violations = {1280: browser.axe_violations(page)}
        structure = page.evaluate(STRUCTURE_JS)
        page.set_viewport_size({"width": 320, "height": 640})
        violations[320] = browser.axe_violations(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        _AUDITS[path] = Audit(violations, seen, structure, width)
    return _AUDITS[path]


@pytest.fixture
def page_audit(request: pytest.FixtureRequest, tabs: browser.Tabs) -> Audit:
    return audit(tabs, site_for(request) / request.node.callspec.params["name"])


# --- Every page, in the browser -----------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_wcag_violation(name: str, page_audit: Audit) -> None:
    found = {width: v for width, v in page_audit.violations.items() if v}
    assert not found, f"{name}: axe WCAG 2.2 A/AA violations (by viewport width):\n" + \
        "\n".join(f"{width} px: {browser.describe(v)}" for width, v in found.items())


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_only_files_in_its_folder(name: str, page_audit: Audit) -> None:
    seen = page_audit.requests
    assert not seen.refused, f"{name} asked for {seen.refused}"
    loaded = {url.rsplit("/", 1)[-1] for url in seen.allowed}
    assert {"osteo-print.css", "osteo-print.js", "AtkinsonHyperlegible-Regular.ttf"} <= loaded
    assert page_audit.structure["fontsLoaded"] >= 1, "the bundled font did not load"


@pytest.mark.parametrize("name", PAGES)
def test_one_h1_and_headings_in_order(name: str, page_audit: Audit) -> None:
    headings = page_audit.structure["headings"]
    levels = [level for level, _ in headings]
    assert levels.count(1) == 1 and levels[0] == 1, headings
    skips = [(a, b) for a, b in zip(headings, headings[1:], strict=False) if b[0] > a[0] + 1]
    assert not skips, f"{name}: a heading level skipped after: {skips}"
    assert all(text for _, text in headings), headings


@pytest.mark.parametrize("name", PAGES)
def test_pictures_checkboxes_and_tables_are_accessible(name: str, page_audit: Audit) -> None:
    structure = page_audit.structure
    assert not structure["problems"], "\n".join(structure["problems"])
    assert structure["checkboxes"] >= 1  # "What you can do", at least
    assert structure["mains"] == 1 and structure["skipTarget"]


@pytest.mark.parametrize("name", PAGES)
def test_page_language(name: str, page_audit: Audit) -> None:
    lang = name.rsplit("_", 1)[1].removesuffix(".html")
    assert page_audit.structure["lang"] == lang
    # The source list (content/sources.yaml) is in English on every page.
    assert page_audit.structure["sourcesLang"] == (None if lang == "en" else "en")


@pytest.mark.parametrize("name", PAGES)
def test_no_sideways_scrolling_on_a_320_px_phone(name: str, page_audit: Audit) -> None:
    assert page_audit.width_at_320 <= 320, \
        f"{name} is {page_audit.width_at_320} px wide at 320 px (outside a table scroller)"


# --- One page at a time: sizes, JavaScript, storage, print ---------------------------------


def new_page(chromium: Any, **options: Any) -> Any:
    return chromium.new_context(**options).new_page()


def body_size(tabs: browser.Tabs, path: Path) -> float:
    page = tabs.page({"width": 390, "height": 800})
    browser.open_page(page, path)
    return float(page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('main section p')).fontSize)"))


def test_large_print_is_large_on_screen(tabs: browser.Tabs, web_fast: Path) -> None:
    general = body_size(tabs, web_fast / "stages_general_en.html")
    large = body_size(tabs, web_fast / "stages_large-print_en.html")
    assert general >= 18 and large >= 1.4 * general, (general, large)


JS_ONLY = (".print-button", ".clear-ticks", ".privacy")


def visible_text(page: Any) -> list[str]:
    return [line.strip() for line in page.evaluate("document.body.innerText").splitlines()
            if line.strip()]


@pytest.mark.parametrize("document", ["exercises",  # the tracker: the most to read
                                      pytest.param("stages", marks=pytest.mark.slow)])
def test_page_reads_fully_without_javascript(tabs: browser.Tabs, web_fast: Path,
                                             document: str) -> None:
    path = web_fast / f"{document}_general_en.html"
    page = tabs.page()
    off = tabs.page(java_script_enabled=False)
    assert not browser.open_page(page, path).refused
    assert not browser.open_page(off, path).refused
    for selector in JS_ONLY:  # shown by the script only
        hidden = off.locator(selector).evaluate_all(
            "els => els.map(e => e.hidden && getComputedStyle(e).display === 'none')")
        assert all(hidden), selector
    assert page.locator(".print-button").is_visible()
    js_only = {line for selector in JS_ONLY
               for line in page.locator(selector).all_inner_texts()}
    with_js, without = visible_text(page), visible_text(off)
    assert [line for line in with_js if line not in js_only] == without
    assert off.locator("input[type=checkbox]").count() == \
        page.locator("input[type=checkbox]").count() > 0


def storage_keys(page: Any) -> list[str]:
    return sorted(page.evaluate("Object.keys(localStorage)"))


def test_ticks_are_remembered_in_this_browser_only(chromium: Any, web_fast: Path) -> None:
    exercises, falls = web_fast / "exercises_general_en.html", web_fast / "falls_general_en.html"
    context = chromium.new_context()
    try:
        page = context.new_page()
        seen = [browser.open_page(page, exercises)]
        action = page.locator("#box-actions input[type=checkbox]").first
        monday = page.get_by_role("checkbox", name="Lifting weights, Monday")
        action.check()
        monday.check()
        assert len(storage_keys(page)) == 2
        assert all(k.startswith("osteo-print:exercises_general_en:") for k in storage_keys(page))
        page.reload()
        assert page.locator("#box-actions input[type=checkbox]").first.is_checked()
        assert page.get_by_role("checkbox", name="Lifting weights, Monday").is_checked()
        assert page.locator("input[type=checkbox]:checked").count() == 2
        # Another page in the same browser shares no ticks.
        other = context.new_page()
        seen.append(browser.open_page(other, falls))
        assert other.locator("input[type=checkbox]:checked").count() == 0
        other.locator("input[type=checkbox]").first.check()
        page.reload()
        assert page.locator("input[type=checkbox]:checked").count() == 2
        # "Clear the ticks for a new week" clears the tracker, not the actions.
        page.get_by_role("button", name="Clear the ticks for a new week").click()
        assert not page.get_by_role("checkbox", name="Lifting weights, Monday").is_checked()
        page.reload()
        assert page.locator("input[type=checkbox]:checked").count() == 1
        assert all(not s.refused for s in seen), [s.refused for s in seen]
    finally:
        context.close()
    fresh = new_page(chromium)  # another browser profile: nothing remembered
    try:
        browser.open_page(fresh, exercises)
        assert fresh.locator("input[type=checkbox]:checked").count() == 0
    finally:
        fresh.context.close()


def test_print_stylesheet_gives_a_paper_copy(tabs: browser.Tabs, web_fast: Path) -> None:
    page = tabs.page({"width": 320, "height": 800})
    browser.open_page(page, web_fast / "stages_large-print_en.html")
    page.emulate_media(media="print")
    shown = page.evaluate("""() => ({
      size: parseFloat(getComputedStyle(document.querySelector('main section p')).fontSize),
      hidden: [...document.querySelectorAll('.skip-link, .print-button, .privacy')]
        .map(e => getComputedStyle(e).display),
      table: getComputedStyle(document.querySelector('table.reflow')).display})""")
    assert shown["size"] == pytest.approx(24)  # 18 pt, the audience's print size
    assert set(shown["hidden"]) == {"none"}
    assert shown["table"] == "table"  # a real table on paper, whatever the width
    page.emulate_media(media="screen")
    assert page.evaluate("getComputedStyle(document.querySelector('table.reflow'))"
                         ".display") == "block"  # a card per row on this phone


def test_reduced_motion_is_respected(tabs: browser.Tabs, web_fast: Path) -> None:
    page = tabs.page()
    page.emulate_media(reduced_motion="reduce")  # before the page is loaded
    browser.open_page(page, web_fast / "stages_general_en.html")
    behaviour = "getComputedStyle(document.documentElement).scrollBehavior"
    assert page.evaluate(behaviour) == "auto"
    page.emulate_media(reduced_motion="no-preference")
    assert page.evaluate(behaviour) == "smooth"


def test_the_stage_picture_has_its_alt_text(tabs: browser.Tabs, web_fast: Path) -> None:
    page = tabs.page()
    browser.open_page(page, web_fast / "stages_general_en.html")
    figure = page.locator("figure#stage-diagram")
    alt = figure.locator(".figure-alt").text_content() or ""
    assert alt.startswith("Four circles stand for a piece of bone at stages 1 to 4.")
    assert figure.locator("svg[aria-hidden=true]").count() == 4
    steps = [" ".join(t.split()) for t in figure.locator("li").all_inner_texts()]
    assert steps[0] == "Stage 1 No loss yet" and len(steps) == 4


# --- A clinic's pages: logo, accent, no QR code -----------------------------------------


# A Spanish page (the Spanish "read this online" must be left out too), and the block
# types the fast page audit above does not hold: the medicines' comparison table and
# medicine cards.
BRANDED_FAST = ["medicines_general_es.html"]


@pytest.mark.parametrize("name", [
    *BRANDED_FAST, *[pytest.param(n, marks=pytest.mark.slow)
                     for n in FAST_PAGES + SLOW_PAGES if n not in BRANDED_FAST]])
def test_branded_pages(request: pytest.FixtureRequest, tabs: browser.Tabs,
                       name: str) -> None:
    site = site_for(request, "web_branded_fast", "web_branded")
    found = audit(tabs, site / name)
    assert not any(found.violations.values()), found.violations
    assert not found.requests.refused and not found.structure["problems"]
    html = (site / name).read_text("utf-8")
    assert '<img class="logo" src="assets/logo-' in html
    assert 'alt="Riverside Bone Health Clinic"' in html
    assert 'href="tel:(555)010-4477"' in html
    # The QR code and "read this online" are for paper: the reader is online already.
    assert "riverside.example/handouts" not in html and "qr" not in html.lower()
    assert "Read this online" not in html and "Lea esta hoja en internet" not in html


def test_branded_accent_colours_the_headings(tabs: browser.Tabs,
                                             web_branded_fast: Path) -> None:
    page = tabs.page()
    browser.open_page(page, web_branded_fast / "stages_general_en.html")
    color = page.evaluate("getComputedStyle(document.querySelector('h1')).color")
    assert color == "rgb(11, 83, 148)"  # #0b5394: dark enough as it is


def test_a_light_accent_is_darkened_for_text() -> None:
    assert readable_accent("#0b3a63") == "#0b3a63"
    for light in ("#4f9fe0", "#f0a030", "#ffffff", "#7fbf7f"):
        dark = readable_accent(light)
        assert dark != light
        assert all(contrast(dark, bg) >= 4.5 for bg in BACKGROUNDS.values()), (light, dark)
        # Just enough: one step lighter would not do.
        lighter = readable_accent(light, minimum=4.0)
        assert contrast(lighter, BACKGROUNDS["tint"]) < 4.6
    assert readable_accent("#4f9fe0").startswith("#")
    # The hue is kept: the channels keep their order.
    r, g, b = (int(readable_accent("#4f9fe0")[i:i + 2], 16) for i in (1, 3, 5))
    assert b > g > r


def test_stylesheet_carries_both_accents(tmp_path: Path) -> None:
    from dataclasses import replace

    from osteo_print.context import Clinic
    from osteo_print.project import open_project
    from osteo_print.web.assets import web_assets

    project = open_project(None)
    project = replace(project, clinic=Clinic("A clinic", accent="#4f9fe0"))
    css = web_assets(project)["assets/osteo-print.css"].decode("utf-8")
    assert "--accent: #4f9fe0;" in css
    assert f"--accent-text: {readable_accent('#4f9fe0')};" in css
    # Text, and what white text sits on, take the darkened accent; the clinic's own
    # colour is left to borders and rules (what test_a_light_accent_passes_axe audits
    # in the browser, under -m slow).
    assert re.search(r"(?<![-\w])color\s*:\s*var\(--accent-text\)", css)
    assert not re.search(r"(?<![-\w])(?:color|background(?:-color)?)\s*:\s*var\(--accent\)",
                         css)


@pytest.mark.slow  # the darkening is checked against every background above, fast
def test_a_light_accent_passes_axe(tabs: browser.Tabs, tmp_path: Path) -> None:
    """A clinic colour too light for text (config.py refuses those below 4.5:1 on white;
    one that passes on white may fail on the tint) still gives AA headings and links."""
    from dataclasses import replace

    from osteo_print.context import Clinic
    from osteo_print.plan import Job
    from osteo_print.project import open_project
    from osteo_print.web import render_web, web_assets

    project = replace(open_project(None), clinic=Clinic("A clinic", phone="555 0100",
                                                        accent="#2f7fd0"))
    for name, data in web_assets(project).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    [page_html] = render_web(project, [Job("handout", "exercises", "general", "en", "letter",
                                           medium="web")])
    path = tmp_path / "exercises_general_en.html"
    path.write_text(page_html.html, "utf-8")
    found = audit(tabs, path)
    assert not any(found.violations.values()), found.violations


# --- The folder: names, manifest, links, assets -------------------------------------------


class Links(HTMLParser):
    """Every URL a page's elements point at."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("href", "src") and value]


def links(path: Path) -> list[str]:
    parser = Links()
    parser.feed(path.read_text("utf-8"))
    return parser.urls


def tree(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``folder`` that is published: not the
    build's hidden cache and lock files."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).as_posix().startswith(".")}


def test_html_pages_are_named_document_audience_lang(web_fast: Path) -> None:
    pages = {p.name for p in web_fast.glob("*.html")}
    assert pages == {f"{d}_general_{lang}.html" for d in DOCUMENTS for lang in LANGS} \
        | {"stages_large-print_en.html"}
    assert not list(web_fast.glob("*.pdf")) and not list(web_fast.glob("quiz*"))
    assert (web_fast / "assets").is_dir()


def test_manifest_lists_pages_and_assets(web_fast: Path) -> None:
    manifest = json.loads((web_fast / "manifest.json").read_text("utf-8"))
    entries = {e["path"]: e for e in manifest["files"]}
    for name in {p.name for p in web_fast.glob("*.html")}:
        entry = entries[name]
        assert entry["kind"] == "web-handout" and entry["format"] == "html"
        document, audience, lang = name.removesuffix(".html").split("_")
        assert (entry["document"], entry["audience"], entry["lang"]) == (document, audience,
                                                                       lang)
    assets = {p for p in tree(web_fast) if p.startswith("assets/")}
    assert {p for p, e in entries.items() if e["kind"] == "web-asset"} == assets
    for path, digest in tree(web_fast).items():
        if path in entries:
            assert entries[path]["sha256"] == digest, path


def test_links_are_relative_and_stay_in_the_folder(web_fast: Path) -> None:
    root = web_fast.resolve()
    for page in web_fast.glob("*.html"):
        for url in links(page):
            if url.startswith(("#", "tel:")):
                continue
            assert "://" not in url and not url.startswith(("/", "file:", "http")), url
            target = (web_fast / url).resolve()
            assert target.is_relative_to(root) and target.is_file(), (page.name, url)
    css = (web_fast / "assets" / "osteo-print.css").read_text("utf-8")
    for url in [part.split(")")[0].strip("'\"") for part in css.split("url(")[1:]]:
        assert "://" not in url and not url.startswith("/"), url
        assert (web_fast / "assets" / url).is_file(), url
    for path in web_fast.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"file:" not in data and str(root).encode() not in data, path


def test_assets_are_the_same_for_every_build(web_fast: Path, tmp_path: Path) -> None:
    # One audience here, two there: the one stylesheet styles every audience's pages.
    _build_into(tmp_path / "one", ["falls", "--format", "html", "--lang", "es"])
    _build_into(tmp_path / "two", ["stages", "--format", "html", "--audience", "general",
                                   "--audience", "large-print"])
    one, two = ({p: d for p, d in tree(tmp_path / out).items() if p.startswith("assets/")}
                for out in ("one", "two"))
    assert one == two
    assert {p for p in tree(web_fast) if p.startswith("assets/")} == set(one)
    css = (tmp_path / "one" / "assets" / "osteo-print.css").read_text("utf-8")
    assert all(f"body.audience-{a} {{" in css for a in AUDIENCES)
    assert {"assets/fonts/AtkinsonHyperlegible-Regular.ttf",
            "assets/fonts/AtkinsonHyperlegible-Bold.ttf", "assets/fonts/LICENSE.txt",
            "assets/osteo-print.css", "assets/osteo-print.js"} <= set(one)


@pytest.mark.slow
def test_matrix_has_a_web_page_of_every_handout(web_matrix: Path, web_fast: Path) -> None:
    manifest = json.loads((web_matrix / "manifest.json").read_text("utf-8"))
    kinds = [e["kind"] for e in manifest["files"]]
    assert kinds.count("web-handout") == len(DOCUMENTS) * len(AUDIENCES) * len(LANGS)
    assert {p: d for p, d in tree(web_matrix).items() if p.startswith("assets/")} == \
        {p: d for p, d in tree(web_fast).items() if p.startswith("assets/")}


def test_a_moved_project_gives_the_same_bytes(tmp_path: Path) -> None:
    made = []
    for where in ("here", "there/deeper"):
        config = write_branded_web_project(tmp_path / where / "riverside")
        out = tmp_path / where / "site"
        _build_into(out, ["stages", "--config", str(config), "--format", "html",
                          "--audience", "general", "--lang", "en"])
        made.append(tree(out))
    assert made[0] == made[1]
    assert any(p.startswith("assets/logo-") and p.endswith(".svg") for p in made[0])


def test_zipped_folder_works_offline(tabs: browser.Tabs, web_fast: Path,
                                    tmp_path: Path) -> None:
    archive = tmp_path / "handouts.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(web_fast.rglob("*")):
            if path.is_file() and path.name != "manifest.json" and not path.name.startswith("."):
                zipped.write(path, path.relative_to(web_fast).as_posix())
    unzipped = tmp_path / "elsewhere" / "unzipped"
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(unzipped)
    page = tabs.page()
    page.context.set_offline(True)
    try:
        seen = browser.open_page(page, unzipped / "medicines_general_es.html")
        page.evaluate("document.fonts.ready.then(() => true)")
        assert not seen.refused
        assert page.evaluate("[...document.fonts].some(f => f.status === 'loaded')")
        assert "Atkinson" in page.evaluate("getComputedStyle(document.body).fontFamily")
        assert page.locator(".print-button").is_visible()  # the script ran
    finally:
        page.context.set_offline(False)


# --- The command line ------------------------------------------------------------------


def test_pdf_and_html_together(tmp_path: Path) -> None:
    config = write_tiny_project(tmp_path / "tiny")  # a one-page handout: a quick PDF
    _build_into(tmp_path, ["stages", "--config", str(config), "--format", "pdf,html"])
    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    kinds = {e["path"]: e["kind"] for e in manifest["files"]}
    assert kinds["stages_general_en_letter.pdf"] == "handout"
    assert kinds["stages_general_en.html"] == "web-handout"
    assert kinds["assets/osteo-print.css"] == "web-asset"


@pytest.mark.parametrize("value", ["docx", "pdf,web", ""])
def test_bad_format_is_a_usage_error(tmp_path: Path, value: str) -> None:
    result = build("stages", "--format", value, "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "--format" in result.output and "choose pdf, html or pdf,html" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("args", "says"), [
    (["quiz", "--format", "html", "--class-size", "4"],
     "A class set is a PDF of printed sheets: build it with --format pdf"),
    (["build", "stages", "--format", "html", "--html"],
     "--html writes the HTML each PDF is made from"),
    (["packet", "stages", "--format", "html"], "A class packet is printed only"),
])
def test_web_pages_only_where_there_is_a_web_page(tmp_path: Path, args: list[str],
                                                 says: str) -> None:
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert says in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("obstacle", ["file", "link"])
def test_something_named_assets_in_the_way(tmp_path: Path, obstacle: str) -> None:
    out = tmp_path / "out"
    _build_into(out, ["stages", "--format", "html", "--lang", "es"])
    shutil.rmtree(out / "assets")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if obstacle == "file":
        (out / "assets").write_text("my notes\n", "utf-8")
    else:
        os.symlink(elsewhere, out / "assets")
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    result = build("falls", "--format", "html", "--out", str(out))
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    what = "something that is not a folder" if obstacle == "file" else "a link"
    assert "the earlier output is unchanged" in message
    assert f"assets: {what} with this name is in the way" in message, message
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert not (out / "falls_general_en.html").exists()
    assert list(elsewhere.iterdir()) == []
    assert (out / "assets").is_symlink() == (obstacle == "link")
