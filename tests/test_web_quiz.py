"""The self-scoring web quiz (``quiz --format html``), checked in a real browser against
the answer keys' JSON (``*-key_*.json``) built into the same folder.

Each page is answered right, wrong and half-and-half; the score it shows must be the one
the class scorer gives (``osteo_print.score.marking.points`` on the key the scorer
reads). Every explanation and "See:" link must show, each link must reach an element
of the built web handout, axe-core must find no WCAG 2.2 A/AA violation before or after
checking, nothing may be loaded from outside the folder or stored, and it must work from
the keyboard alone, without JavaScript (the questions), in Spanish and on paper.

The tests in the browser are marked ``browser`` (tests/conftest.py) and left out of
the default suite. ``pytest -m "browser and not slow"`` reads three pages: the stages
quiz (single choice, check all that apply, true/false, matching) in English and Spanish
and the nutrients quiz (fill in the blank). It answers the English stages quiz right, wrong and
half-and-half, and reads the nutrients quiz without JavaScript; ``pytest -m slow`` does
each on all three, and on the pre- and post-tests (versions A and B, general and large
print, both languages) and the default quiz of every audience.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import browser
import pytest
from click.testing import CliRunner

from conftest import shared, write_tiny_project
from osteo_print.cli import cli
from osteo_print.i18n import translations
from osteo_print.score.keys import load_keys
from osteo_print.score.marking import points
from osteo_print.score.model import Answer, Key, KeyItem

EVERY = ["--lang", "en", "--lang", "es"]
FAST_BUILDS = [
    # single choice, check all that apply, true/false and matching; en and es (the keys'
    # JSON comes from the library, as the answer-key job writes it: no PDF rendered)
    ["quiz", "--format", "html", "--handout", "stages", *EVERY],
    ["quiz", "--format", "html", "--handout", "nutrients"],  # fill in the blank
    ["build", "stages", "nutrients", "--format", "html", *EVERY],  # what "See:" links to
]
SLOW_BUILDS = [
    ["quiz", "--format", "pdf,html", "--form", "pre", "--form", "post", "--versions", "2",
     "--audience", "general", "--audience", "large-print", *EVERY],
    ["quiz", "--format", "pdf,html", "--audience", "all", *EVERY],  # matching; easy-read
    # Every handout as a web page, for the "See:" links of every audience.
    ["build", "--format", "html", "--audience", "all", *EVERY],
]
FAST_PAGES = ["quiz-stages_general_en_A.html", "quiz-stages_general_es_A.html",
              "quiz-nutrients_general_en_A.html"]
SLOW_PAGES = [
    *(f"quiz-{form}_{audience}_{lang}_{version}.html" for form in ("pre", "post")
      for audience in ("general", "large-print") for lang in ("en", "es")
      for version in "AB"),
    *(f"quiz_{audience}_{lang}_A.html"
      for audience in ("general", "large-print", "easy-read", "caregiver")
      for lang in ("en", "es")),
]
PAGES = FAST_PAGES + [pytest.param(name, marks=pytest.mark.slow) for name in SLOW_PAGES]


def one_fast(fast: str, names: list[str]) -> list[Any]:
    """``names`` with only ``fast`` in the default suite, the others under -m slow: a
    test that answers or reads a page in the browser does it on one page by default."""
    return [fast, *(pytest.param(name, marks=pytest.mark.slow)
                    for name in names if name != fast)]


# Scored by default on the English stages quiz: every question kind but fill in the
# blank, which the script scores as it scores single choice. Read without JavaScript
# by default on the nutrients quiz: the blank, drawn as a line, must read out.
SCORED_PAGES = one_fast(FAST_PAGES[0], FAST_PAGES + SLOW_PAGES)
READ_PAGES = one_fast("quiz-nutrients_general_en_A.html", FAST_PAGES)


# --- Builds, once per run -----------------------------------------------------------------


def _build_into(out: Path, builds: list[list[str]]) -> None:
    for args in builds:
        result = CliRunner().invoke(cli, [*args, "--out", str(out)])
        assert result.exit_code == 0, result.output
    _write_keys(out)


def _write_keys(out: Path) -> None:
    """The JSON key of every web quiz page without one (a build of --format html only),
    made by the code the answer-key job runs (pages.page_for), for the default seed and
    Letter paper, as the answer-key PDF's build would write it."""
    from osteo_print.pages import page_for
    from osteo_print.plan import Job
    from osteo_print.project import open_project

    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    project = None
    for entry in manifest["files"]:
        if entry["kind"] != "web-quiz":
            continue
        job = Job("answer-key", entry["document"], entry["audience"], entry["lang"],
                  "letter", entry["version"])
        if (out / f"{job.stem}.json").exists():
            continue
        project = project or open_project(None, None, ["all"], ["en", "es"])
        (out / f"{job.stem}.json").write_bytes(page_for(project, job).data[".json"])


@pytest.fixture(scope="session")
def quiz_fast(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two handout quizzes (PDF, key and web page) and their handouts' web pages."""
    return shared(tmp_path_factory, "web-quiz-fast",
                  lambda folder: _build_into(folder / "site", FAST_BUILDS)) / "site"


@pytest.fixture(scope="session")
def quiz_matrix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pre- and post-tests and the default quiz of every audience, with every
    handout as a web page (slow tests)."""
    return shared(tmp_path_factory, "web-quiz-matrix",
                  lambda folder: _build_into(folder / "site", SLOW_BUILDS)) / "site"


def site_for(request: pytest.FixtureRequest) -> Path:
    """The build that holds the page a test reads (a page of FAST_PAGES is in the fast
    build, whether or not the test is marked slow)."""
    fast = request.node.callspec.params["name"] in FAST_PAGES
    return request.getfixturevalue("quiz_fast" if fast else "quiz_matrix")


_KEYS: dict[Path, dict[str, Key]] = {}


def key_for(page: Path) -> tuple[Key, dict[str, Any]]:
    """The key the class scorer reads for this web page, and its JSON as written."""
    if page.parent not in _KEYS:
        _KEYS[page.parent] = {f"{k.quiz}_{k.audience}_{k.lang}_{k.version}.html": k
                              for k in load_keys(page.parent).keys}
    key = _KEYS[page.parent][page.name]
    name = f"{key.quiz}-key_{key.audience}_{key.lang}_{key.paper}_{key.version}.json"
    return key, json.loads((page.parent / name).read_text("utf-8"))


@pytest.fixture
def quiz_page(request: pytest.FixtureRequest) -> Path:
    path = site_for(request) / request.node.callspec.params["name"]
    assert path.is_file(), f"{path.name} was not built"
    return path


@pytest.fixture(scope="module")
def tabs(chromium: Any) -> Iterator[browser.Tabs]:
    """Pages kept open for this file's tests (browser.Tabs): a quiz page stores nothing
    (test_mixed_answers_score_as_the_class_scorer_does), so they may share a context."""
    kept = browser.Tabs(chromium)
    yield kept
    kept.close()


@pytest.fixture
def page(tabs: browser.Tabs) -> Any:
    return tabs.page({"width": 1280, "height": 900})


# --- Answering in the browser ----------------------------------------------------------------

Answers = dict[int, tuple[str, ...]]  # question number -> the letters checked on each row


def letters(item: KeyItem) -> str:
    return item.letters


def right_answers(key: Key) -> Answers:
    return {i.number: tuple(i.correct) if i.type == "matching" else ("".join(i.correct),)
            for i in key.items}


def wrong_answers(key: Key) -> Answers:
    """A wrong answer to every question: a wrong letter (on every line), or, for check
    all that apply, exactly the wrong ones."""
    out: Answers = {}
    for item in key.items:
        if item.type == "matching":
            out[item.number] = tuple(next(x for x in letters(item) if x != right)
                                     for right in item.correct)
        elif item.type == "multiple":
            out[item.number] = ("".join(x for x in letters(item) if x not in item.correct),)
        else:
            out[item.number] = (next(x for x in letters(item) if x not in item.correct),)
    return out


def mixed_answers(key: Key) -> Answers:
    """Answers the scoring rules tell apart: check all that apply with one right answer
    missing, or one wrong answer too (all or nothing: 0); matching with one line right
    (1 point); the others right, wrong, none and "Not sure" (true/false) in turn."""
    right, wrong = right_answers(key), wrong_answers(key)
    out: Answers = {}
    for index, item in enumerate(key.items):
        turn = index % 4
        if item.type == "matching":
            out[item.number] = (item.correct[0], *wrong[item.number][1:])
        elif item.type == "multiple":
            extra = wrong[item.number][0][:1]
            out[item.number] = ("".join(item.correct[1:]) if index % 2
                                else "".join(sorted(right[item.number][0] + extra)),)
        elif turn == 0:
            out[item.number] = right[item.number]
        elif turn == 1:
            out[item.number] = wrong[item.number]
        elif turn == 2:
            out[item.number] = ("",)
        elif item.type == "true-false" and item.options > 2:
            out[item.number] = ("C",)  # "Not sure"
        else:
            out[item.number] = right[item.number]
    return out


def expected_points(key: Key, answers: Answers) -> dict[int, int]:
    """What the class scorer gives each answer."""
    return {i.number: points(i, Answer(answers[i.number])) for i in key.items}


def verdict(item: KeyItem, rows: tuple[str, ...], earned: int) -> str:
    if not any(rows):
        return "blank"
    if earned >= item.points:
        return "right"
    if earned > 0:
        return "partly"
    return "not-sure" if item.type == "true-false" and rows == ("C",) \
        and item.options > 2 else "wrong"


def answer(page: Any, key: Key, answers: Answers) -> None:
    """Click each answer's input (in one go: the keyboard test goes key by key)."""
    ids = [f"q{item.number}{f'-r{row}' if item.type == 'matching' else ''}-{letter}"
           for item in key.items for row, chosen in enumerate(answers[item.number])
           for letter in chosen]
    page.evaluate("ids => ids.forEach(id => document.getElementById(id).click())", ids)
    assert page.locator("input:checked").count() == len(ids)


def check(page: Any) -> tuple[int, int]:
    """Press "Check my answers"; return the (score, total) the live region says."""
    page.click(".quiz-check")
    page.wait_for_function("document.getElementById('quiz-score').textContent !== ''")
    numbers = [int(n) for n in re.findall(r"\d+", score_text(page))]
    return numbers[0], numbers[1]


def score_text(page: Any) -> str:
    return str(page.locator("#quiz-score").text_content()).strip()


def results(page: Any) -> list[dict[str, Any]]:
    return list(page.evaluate("""() => [...document.querySelectorAll('.quiz-question')]
      .map(q => {
        const r = q.querySelector('.quiz-result');
        const shown = el => !!el && el.offsetParent !== null && el.textContent.trim() !== '';
        return {number: Number(q.dataset.question), hidden: r.hidden,
                state: [...q.classList].filter(c => c.startsWith('quiz-is-'))
                  .map(c => c.slice(8)),
                points: r.querySelector('.quiz-points').textContent,
                verdict: r.querySelector('.quiz-verdict-text').textContent,
                answer: r.innerText, why: shown(r.querySelector('.quiz-why')),
                see: shown(r.querySelector('.quiz-see a'))};
      })"""))


def open_quiz(page: Any, path: Path) -> browser.Requests:
    seen = browser.open_page(page, path)
    page.wait_for_selector(".quiz-check", state="visible")
    return seen


# --- The page and its key ---------------------------------------------------------------------


class _Links(HTMLParser):
    """The ids of a page, and the "See:" links of its quiz."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.see: list[str] = []
        self._in_see = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "p" and "quiz-see" in (values.get("class") or "").split():
            self._in_see = True
        elif tag == "a" and self._in_see:
            self.see.append(str(values.get("href")))
            self._in_see = False


def parsed(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text("utf-8"))
    return parser


@pytest.mark.parametrize("name", PAGES)
def test_page_carries_its_key(name: str, quiz_page: Path) -> None:
    key, data = key_for(quiz_page)
    html = quiz_page.read_text("utf-8")
    embedded = json.loads(re.search(
        r'<script type="application/json" id="quiz-key">(.*?)</script>', html, re.S)[1])
    assert embedded["total_points"] == data["total_points"] == key.total
    assert [(q["number"], q["type"], q["correct"], q["points"])
            for q in embedded["questions"]] == \
        [(q["number"], q["type"], q["correct"], q["points"]) for q in data["questions"]]
    assert html.count('class="quiz-question ') == len(data["questions"])


@pytest.mark.parametrize("name", PAGES)
def test_see_links_reach_the_handout_sections(name: str, quiz_page: Path) -> None:
    key, data = key_for(quiz_page)
    links = parsed(quiz_page).see
    # Each question's link, under its result and again in the answers without JavaScript.
    assert len(links) == 2 * len(data["questions"])
    pages: dict[str, set[str]] = {}
    for href in links:
        file, _, anchor = href.partition("#")
        assert "/" not in file and file.endswith(f"_{key.audience}_{key.lang}.html"), href
        assert (quiz_page.parent / file).is_file(), f"{href}: no such page"
        if file not in pages:
            pages[file] = parsed(quiz_page.parent / file).ids
        assert anchor in pages[file], f"{href}: no element with that id"
    for question in data["questions"]:
        assert f"{question['handout']}_{key.audience}_{key.lang}.html#{question['section']}" \
            in links


# --- Scoring, in the browser ----------------------------------------------------------------


@pytest.mark.parametrize("name", SCORED_PAGES)
def test_right_answers_score_full_marks(name: str, quiz_page: Path, page: Any) -> None:
    key, data = key_for(quiz_page)
    seen = open_quiz(page, quiz_page)
    answer(page, key, right_answers(key))
    assert check(page) == (data["total_points"], data["total_points"])
    shown = results(page)
    assert [r["number"] for r in shown] == [q["number"] for q in data["questions"]]
    for result, question in zip(shown, data["questions"], strict=True):
        assert not result["hidden"] and result["state"] == ["right"], result
        assert result["why"] and result["see"], result
        assert str(question["points"]) in result["points"]
        for letter in question["correct"]:  # the right answer, in words
            assert question["options"]["ABCDEFGHIJKLMNOPQRSTUVWXYZ".index(letter)] \
                in result["answer"]
        for prompt in question.get("prompts", []):
            assert prompt in result["answer"]
    assert page.locator(".quiz-review").is_hidden()
    assert not seen.refused, seen.refused


@pytest.mark.parametrize("name", SCORED_PAGES)
def test_wrong_answers_score_what_the_key_gives(name: str, quiz_page: Path,
                                                page: Any) -> None:
    key, data = key_for(quiz_page)
    seen = open_quiz(page, quiz_page)
    answers = wrong_answers(key)
    answer(page, key, answers)
    assert sum(expected_points(key, answers).values()) == 0
    assert check(page) == (0, data["total_points"])
    shown = results(page)
    assert all(not r["hidden"] and r["why"] and r["see"] for r in shown)
    assert {s for r in shown for s in r["state"]} <= {"wrong", "not-sure"}
    # "Look again at": a link to every question.
    assert page.locator(".quiz-review a").count() == len(key.items)
    assert not seen.refused, seen.refused


@pytest.mark.parametrize("name", SCORED_PAGES)
def test_mixed_answers_score_as_the_class_scorer_does(name: str, quiz_page: Path,
                                                      page: Any) -> None:
    key, data = key_for(quiz_page)
    seen = open_quiz(page, quiz_page)
    before = browser.axe_violations(page)
    assert not before, browser.describe(before)
    answers = mixed_answers(key)
    answer(page, key, answers)
    earned = expected_points(key, answers)
    assert check(page) == (sum(earned.values()), data["total_points"])
    items = {i.number: i for i in key.items}
    for result in results(page):
        number = result["number"]
        state = verdict(items[number], answers[number], earned[number])
        assert result["state"] == [state], (number, answers[number], result)
        assert result["points"].split()[0] == str(earned[number]), result
        assert result["verdict"] and result["why"] and result["see"]
    after = browser.axe_violations(page)
    assert not after, browser.describe(after)
    assert page.evaluate("localStorage.length") == 0  # nothing remembered
    assert not seen.refused, seen.refused


def test_try_again_clears_everything(quiz_fast: Path, page: Any) -> None:
    path = quiz_fast / FAST_PAGES[0]
    key, _ = key_for(path)
    open_quiz(page, path)
    answer(page, key, mixed_answers(key))
    check(page)
    page.click(".quiz-reset")
    assert page.locator("input:checked").count() == 0
    assert page.locator(".quiz-result:visible").count() == 0
    assert page.locator("[class*=quiz-is-]").count() == 0
    assert score_text(page) == ""
    assert page.locator(".quiz-review").is_hidden()
    assert page.locator(".quiz-reset").is_hidden()
    assert page.evaluate("document.activeElement.id") == "q1-A"
    answer(page, key, right_answers(key))  # and it scores again
    assert check(page) == (key.total, key.total)


def test_changing_an_answer_after_checking_withdraws_its_result_and_the_score(
        quiz_fast: Path, page: Any) -> None:
    path = quiz_fast / FAST_PAGES[0]
    key, _ = key_for(path)
    open_quiz(page, path)
    right = right_answers(key)
    answer(page, key, right)
    assert check(page) == (key.total, key.total)
    first = next(i for i in key.items if i.type == "single")
    wrong = next(x for x in first.letters if x != right[first.number][0])
    page.click(f"#q{first.number}-{wrong}")
    shown = {r["number"]: r for r in results(page)}
    assert shown[first.number]["hidden"] and not shown[first.number]["state"]
    assert all(not r["hidden"] for n, r in shown.items() if n != first.number)
    assert score_text(page) == ""  # no stale "15 of 15" beside a wrong answer
    expected = sum(expected_points(key, {**right, first.number: (wrong,)}).values())
    assert check(page) == (expected, key.total) and expected < key.total


# --- Keyboard, no JavaScript, Spanish, paper, sizes -------------------------------------------


def focused(page: Any) -> dict[str, Any]:
    return dict(page.evaluate("""() => {
      const el = document.activeElement, row = el.closest('.quiz-option');
      return {id: el.id, name: el.name || '', cls: el.className,
              ring: getComputedStyle(row || el).outlineStyle};
    }"""))


def test_keyboard_alone_answers_and_checks(quiz_fast: Path, page: Any) -> None:
    """Tab to the first question, Space and the arrow keys choose, Tab moves on to the
    next question and at the end to the button, Enter checks."""
    path = quiz_fast / FAST_PAGES[0]
    key, _ = key_for(path)
    open_quiz(page, path)
    for _ in range(6):
        page.keyboard.press("Tab")
        if focused(page)["name"] == "q1":
            break
    assert focused(page) == {"id": "q1-A", "name": "q1", "cls": "", "ring": "solid"}
    kinds = set()
    for item in key.items:
        kinds.add(item.type)
        if item.type == "multiple":
            for letter in letters(item):
                if letter in item.correct:
                    page.keyboard.press("Space")
                page.keyboard.press("Tab")
            continue
        for right in item.correct if item.type == "matching" else item.correct[:1]:
            page.keyboard.press("Space")  # chooses the first answer
            for _ in range(letters(item).index(right)):
                page.keyboard.press("ArrowDown")  # moves to the next and chooses it
            page.keyboard.press("Tab")
    assert kinds >= {"single", "multiple", "true-false", "matching"}
    assert "quiz-check" in focused(page)["cls"] and focused(page)["ring"] == "solid"
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('quiz-score').textContent !== ''")
    assert [int(n) for n in re.findall(r"\d+", score_text(page))][:2] == [key.total, key.total]


@pytest.mark.parametrize("name", READ_PAGES)
def test_without_javascript_every_question_reads(name: str, quiz_fast: Path,
                                                 tabs: browser.Tabs) -> None:
    path = quiz_fast / name
    key, data = key_for(path)
    page = tabs.page(java_script_enabled=False)
    assert not browser.open_page(page, path).refused
    stems = page.locator(".quiz-questions .quiz-stem").all_inner_texts()
    assert len(stems) == len(data["questions"])
    for stem, question in zip(stems, data["questions"], strict=True):
        assert stem.startswith(f"{question['number']}.")
        for part in question["stem"].split("___"):
            assert part.strip() in stem
    assert page.locator(".quiz-option input:visible").count() == sum(
        len(q["options"]) * max(1, len(q.get("prompts", []))) for q in data["questions"])
    assert page.locator(".quiz-note").is_visible()  # checking needs JavaScript...
    assert page.locator(".quiz-note a").get_attribute("href") == "#quiz-answers"
    assert page.locator("#quiz-answers summary").is_visible()  # ...the answers are here
    for hidden in (".quiz-check", ".quiz-print", ".quiz-result", ".quiz-js-only"):
        assert page.locator(f"{hidden}:visible").count() == 0, hidden
    page.locator("#quiz-answers summary").click()
    assert page.locator("#quiz-answers .quiz-why:visible").count() == len(key.items)


def test_spanish_page_speaks_spanish(quiz_fast: Path, page: Any) -> None:
    path = quiz_fast / "quiz-stages_general_es_A.html"
    key, _ = key_for(path)
    es = translations("es")
    open_quiz(page, path)
    button = page.locator(".quiz-check").inner_text().strip()
    assert button == es.gettext("Check my answers") != "Check my answers"
    answer(page, key, right_answers(key))
    check(page)
    score = es.ngettext("Your score: {score} of %(num)s point.",
                        "Your score: {score} of %(num)s points.", key.total)
    expected = (score % {"num": key.total}).replace("{score}", str(key.total))
    assert score_text(page) == f"{expected} {es.gettext('Every answer is right. Well done!')}"
    assert score_text(page).startswith("Sus puntos")
    assert {r["verdict"] for r in results(page)} == {es.gettext("Right.")}
    assert page.locator(".quiz-reset").inner_text().strip() == es.gettext("Try again")
    assert page.locator(".quiz-print").inner_text().strip() == es.gettext("Print this quiz")
    assert "Answer:" not in page.locator("main").inner_text()


def test_print_gives_a_paper_sheet(quiz_fast: Path, page: Any) -> None:
    path = quiz_fast / FAST_PAGES[0]
    key, _ = key_for(path)
    open_quiz(page, path)
    page.evaluate("window.print = () => { window.printed = true; }")
    page.click(".quiz-print")
    assert page.evaluate("window.printed") is True
    answer(page, key, mixed_answers(key))
    check(page)
    page.emulate_media(media="print")
    shown = page.evaluate("""() => {
      const display = sel => [...document.querySelectorAll(sel)]
        .map(e => getComputedStyle(e).display);
      return {
        gone: display('.quiz-actions, .quiz-score, .quiz-review, .quiz-result, button'),
        paper: display('.quiz-name-date, li.quiz-print-only'),
        boxes: [...document.querySelectorAll('.quiz-option input')].map(i => {
          const s = getComputedStyle(i);
          return [s.appearance, s.borderTopStyle, s.display, i.getBoundingClientRect().width];
        })};
    }""")
    assert set(shown["gone"]) == {"none"}
    assert "none" not in shown["paper"] and shown["paper"]
    # Empty boxes, whatever was ticked on screen: no ticks drawn, only the border.
    assert {tuple(b[:2]) for b in shown["boxes"]} == {("none", "solid")}
    assert "none" not in {b[2] for b in shown["boxes"]}
    assert min(b[3] for b in shown["boxes"]) >= 12


def target_sizes(tabs: browser.Tabs, path: Path) -> dict[str, float]:
    page = tabs.page({"width": 375, "height": 800})
    open_quiz(page, path)
    return dict(page.evaluate("""() => {
      const rects = sel => [...document.querySelectorAll(sel)]
        .map(e => e.getBoundingClientRect());
      const inputs = rects('.quiz-option input'), rows = rects('.quiz-option'),
            buttons = rects('.quiz-actions button:not([hidden])');
      return {input: Math.min(...inputs.map(r => Math.min(r.width, r.height))),
              row: Math.min(...rows.map(r => r.height)),
              button: Math.min(...buttons.map(r => r.height)),
              wide: document.documentElement.scrollWidth};
    }"""))


def test_targets_are_large(quiz_fast: Path, tabs: browser.Tabs) -> None:
    sizes = target_sizes(tabs, quiz_fast / FAST_PAGES[0])
    assert sizes["input"] >= 24 and sizes["row"] >= 44 and sizes["button"] >= 44, sizes
    assert sizes["wide"] <= 375, sizes  # no sideways scrolling on a phone


@pytest.mark.slow
def test_large_print_targets_are_larger(quiz_matrix: Path, tabs: browser.Tabs) -> None:
    general = target_sizes(tabs, quiz_matrix / "quiz_general_en_A.html")
    large = target_sizes(tabs, quiz_matrix / "quiz_large-print_en_A.html")
    assert large["input"] >= 1.4 * general["input"] >= 1.4 * 24, (general, large)
    assert large["wide"] <= 375, large


def test_a_quiz_without_its_handouts_pages_says_where_its_links_lead(tmp_path: Path) -> None:
    out = tmp_path / "out"
    tiny = ["--config", str(write_tiny_project(tmp_path / "tiny")), "--out", str(out)]
    alone = CliRunner().invoke(cli, ["quiz", "--format", "html", *tiny])
    assert alone.exit_code == 0, alone.output
    assert "quiz_general_en_A.html: its \"See:\" links lead to the handouts' web pages" \
        in alone.output
    handouts = CliRunner().invoke(cli, ["build", "--format", "html", *tiny])
    assert handouts.exit_code == 0, handouts.output
    again = CliRunner().invoke(cli, ["quiz", "--format", "html", "--force", *tiny])
    assert again.exit_code == 0 and "See:" not in again.output, again.output
