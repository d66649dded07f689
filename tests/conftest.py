"""Shared fixtures: one build of the built-in content, CLI runners, editable content copies.

The suite runs on every core (``-n auto`` in pyproject.toml's addopts, pytest-xdist;
``-n 0`` runs it in one process). The builds many test files read (``built``, and under
-m slow ``full_matrix`` and ``matrix_check``) are made once per run, by the first worker
that asks, and read by every worker (``shared``); a test file with a build of its own (a
module-scoped fixture, say) runs whole on one worker (``pytest_xdist_make_scheduler``).
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import functools
import gc
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner

from osteo_print.cli import cli
from osteo_print.paths import BUILTIN_CONTENT

DOCUMENTS = ["stages", "medicines", "exercises", "nutrients", "lifestyle", "falls"]

# The suite already runs on every core (xdist): a build's own pool of worker processes
# would only add forks. So the CLI renders in its own process unless a test says --jobs
# (the pool's own tests do, marked process). OSTEO_PRINT_JOBS set above 1 by the one who
# runs the suite makes every build of the default run start a pool, which fails it
# (see "Other processes" below).
os.environ.setdefault("OSTEO_PRINT_JOBS", "1")


# One session-scoped build that the fast suite reads: every handout and the quiz (general,
# English, Letter), the stages handout for every audience, the large-print quiz, and the
# handouts the Spanish tests read. With HTML. Tests read it; none writes into it. (The
# easy-read and caregiver quizzes, the costliest to lay out, are in the slow matrix only,
# and so is the Spanish quiz, which takes six layouts a document: test_i18n builds the
# tiny content's, in the same templates, and its key is made without them.)
SHARED_BUILDS = [
    [],  # the defaults: every handout, the quiz and its key; general, en, Letter
    ["stages", "--audience", "all"],
    ["quiz", "--audience", "large-print"],
    ["stages", "medicines", "--lang", "es"],
]


# --- Builds made once per run, whatever the number of workers --------------------------


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (a lock file) across processes."""
    try:
        import fcntl
    except ImportError:  # no POSIX locks (Windows): pytest -n 0 there
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def shared(tmp_path_factory: pytest.TempPathFactory, name: str,
           make: Callable[[Path], None]) -> Path:
    """A folder that ``make`` fills once per test run, for every worker to read.

    In one process, a new temporary folder. Under pytest-xdist, a folder in the run's
    temporary root (the parent of each worker's, and of no other run's): the first worker
    to ask makes it, holding a lock; the others wait for the lock, then find it made.
    A worker whose ``make`` failed leaves no mark that it is done, so the next one to ask
    makes it again (and fails the same way, with its own message).
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        folder = tmp_path_factory.mktemp(name)
        make(folder)
        return folder
    root = tmp_path_factory.getbasetemp().parent
    folder, done = root / f"shared-{name}", root / f"shared-{name}.done"
    with _locked(root / f"shared-{name}.lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed make left behind
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


def _build_into(out: Path, *builds: list[str], jobs: int = 1) -> None:
    for args in builds:
        result = CliRunner().invoke(cli, ["build", *args, "--html", "--jobs", str(jobs),
                                          "--out", str(out)])
        assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared build (SHARED_BUILDS), in one output folder.

    Made in the test's own process, as every test of the default suite runs
    (``MAY_START_PROCESSES``): under pytest-xdist the other worker runs the tests that do
    not read it meanwhile (``pytest_collection_modifyitems`` sends those first), so a
    pool of processes would only add their start-up to cores already busy."""
    return shared(tmp_path_factory, "built", lambda folder: _build_into(
        folder / "output", *SHARED_BUILDS)) / "output"


@pytest.fixture(scope="session")
def full_matrix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every handout and the quiz for every built-in audience, en and es, Letter, with
    HTML: 64 documents, for the slow tests that go through all of them (on every core:
    the slow tests wait for it)."""
    every = ["--audience", "all", "--lang", "en", "--lang", "es"]
    jobs = os.cpu_count() or 1
    return shared(tmp_path_factory, "full-matrix",
                  lambda folder: _build_into(folder / "output", every, jobs=jobs)) / "output"


@pytest.fixture
def matrix(request: pytest.FixtureRequest) -> Path:
    """The folder a test of many documents reads: the shared build in the fast suite,
    the full matrix for a test (or a parameter) marked slow."""
    slow = request.node.get_closest_marker("slow") is not None
    return request.getfixturevalue("full_matrix" if slow else "built")


@pytest.fixture(scope="session")
def manifest(built: Path) -> dict:
    return json.loads((built / "manifest.json").read_text("utf-8"))


def page_texts(path: Path) -> list[str]:
    """The text of each page of a PDF, whitespace collapsed, for phrase searches.

    Read with PDFium (pypdfium2), some twenty times faster than pypdf and the same text
    for our PDFs, except a word broken at its hyphen at the end of a line: PDFium says
    "\x02" for the hyphen and the line break, pypdf "- ", and so does this.
    """
    document = pdfium.PdfDocument(path)
    try:
        texts = []
        for page in document:
            text = page.get_textpage().get_text_bounded().replace("\x02", "- ")
            texts.append(re.sub(r"\s+", " ", text).strip())
        return texts
    finally:
        document.close()


def pdf_text(path: Path) -> str:
    """The text of a PDF with whitespace collapsed, for phrase searches (page_texts)."""
    return re.sub(r"\s+", " ", " ".join(page_texts(path))).strip()


@dataclasses.dataclass(frozen=True)
class PdfPage:
    """A page's size in points and its characters (``pdf_chars``)."""

    width: float
    height: float
    chars: tuple[dict[str, Any], ...]


def pdf_chars(path: Path) -> list[PdfPage]:
    """Each page's characters as pdfplumber gives them (``text``, ``size``, ``fontname``,
    ``x0``, ``x1``, ``top``, ``bottom``, in points from the page's top left), read with
    PDFium, some fifteen times faster.

    Checked against pdfplumber on the built-in handouts and quizzes: the same characters
    (a word broken at its hyphen at the end of a line gives "-", as there), the same size
    (the character's loose box, whose height is the font's ascent less its descent, in
    ems: pdfminer's size, also for text in a picture drawn smaller or larger), ``x0`` at
    the character's origin, and the same ``top`` and ``bottom``. ``x1`` is the loose box's
    right edge: pdfplumber's, except for a glyph whose ink runs past its advance ("q"
    in Atkinson Hyperlegible, by up to 2.2 pt in large print). A space PDFium leaves out
    (one of two in a row) is not there; sizes and places never need it. Nor is text of
    no size at all (``0 Tf``), which PDFium drops and pdfplumber gives as size 0: it
    prints nothing, and WeasyPrint writes none.
    """
    import ctypes

    import pypdfium2.raw as raw

    box, one = raw.FS_RECTF(), ctypes.c_float(1.0)
    x, y, ascent, descent = ctypes.c_double(), ctypes.c_double(), ctypes.c_float(), \
        ctypes.c_float()
    name = ctypes.create_string_buffer(256)
    document = pdfium.PdfDocument(path)
    try:
        pages = []
        for page in document:
            width, height = page.get_size()
            textpage = page.get_textpage()
            text = textpage.raw
            ems: dict[int | None, float] = {}  # by font: its ascent less its descent
            chars = []
            for i in range(raw.FPDFText_CountChars(text)):
                if raw.FPDFText_IsGenerated(text, i):
                    continue
                font = raw.FPDFTextObj_GetFont(raw.FPDFText_GetTextObject(text, i))
                key = ctypes.cast(font, ctypes.c_void_p).value
                if key not in ems:
                    found = (raw.FPDFFont_GetAscent(font, one, ctypes.byref(ascent))
                             and raw.FPDFFont_GetDescent(font, one, ctypes.byref(descent)))
                    assert found and ascent.value > descent.value, f"{path}: no font at {i}"
                    ems[key] = ascent.value - descent.value
                read = (raw.FPDFText_GetLooseCharBox(text, i, box)
                        and raw.FPDFText_GetCharOrigin(text, i, ctypes.byref(x), ctypes.byref(y))
                        and 0 < raw.FPDFText_GetFontInfo(text, i, name, len(name), None)
                        <= len(name))
                assert read, f"{path}: PDFium could not read character {i}"
                size = (box.top - box.bottom) / ems[key]
                bottom = height - box.bottom
                chars.append({"text": chr(raw.FPDFText_GetUnicode(text, i)).replace("\x02", "-"),
                              "size": size, "fontname": name.value.decode("utf-8", "replace"),
                              "x0": x.value, "x1": box.right, "top": bottom - size,
                              "bottom": bottom})
            textpage.close()
            pages.append(PdfPage(width, height, tuple(chars)))
        return pages
    finally:
        document.close()


def small_text(page: PdfPage, below: float) -> str:
    """The characters of ``page`` under ``below`` points, in order, a space between
    words: where a larger character or a space comes between, a line ends, or the gap is
    wider than a fifth of the size (as pdfplumber's words; the PDFs hold few spaces)."""
    out: list[str] = []
    last: dict[str, Any] | None = None  # the small character before, with nothing between
    for c in page.chars:
        if c["size"] >= below or not c["text"].strip():
            last = None
            continue
        joined = last is not None and abs(c["bottom"] - last["bottom"]) <= 1 \
            and -1 <= c["x0"] - last["x1"] <= 0.2 * c["size"]
        if out and not joined:
            out.append(" ")
        out.append(c["text"])
        last = c
    return "".join(out)


@dataclasses.dataclass(frozen=True)
class PdfShapes:
    """A page's size in points and its drawn shapes (``pdf_shapes``)."""

    width: float
    height: float
    rects: tuple[dict[str, Any], ...]
    lines: tuple[dict[str, Any], ...]


def pdf_shapes(path: Path) -> list[PdfShapes]:
    """Each page's rectangles and straight lines as pdfplumber gives them (``x0``, ``x1``,
    ``top``, ``bottom``, ``width``, ``height`` in points from the page's top left;
    ``fill``, ``stroke``, ``non_stroking_color``), read with PDFium, some 30 times faster.
    As pdfminer does, each part of a path (from one move to the next) is a shape of its
    own: a rectangle if it is four straight sides square to the page, closed; a line if
    it is one straight segment; curves are left out. Shapes inside a form XObject are
    placed by its matrix. Where this differs from pdfplumber, in shapes no PDF of ours
    draws: a shape of no area is left out (pdfminer makes some of those rectangles), and
    so is a closed single segment (``m l h``, a line to pdfminer); ``non_stroking_color``
    is always red, green and blue from 0 to 1, as PDFium gives it (8 bits a channel),
    where pdfplumber gives the PDF's own numbers (one for grey, four for CMYK). The tests
    compare it with white. Checked against pdfplumber on all 47,535 shapes of 238 PDFs
    the suite builds; ``test_pdf_shapes_reads_what_pdfplumber_reads`` holds it there."""
    document = pdfium.PdfDocument(path)
    try:
        pages = []
        for page in document:
            width, height = page.get_size()
            rects, lines = _page_shapes(page.raw, height)
            pages.append(PdfShapes(width, height, tuple(rects), tuple(lines)))
        return pages
    finally:
        document.close()


Matrix = tuple[float, float, float, float, float, float]  # a b c d e f, as in PDF


def _page_shapes(page: Any, height: float) -> tuple[list[dict[str, Any]],
                                                    list[dict[str, Any]]]:
    """The rectangles and lines of one PDFium page (``pdf_shapes``)."""
    import ctypes

    import pypdfium2.raw as raw

    matrix = raw.FS_MATRIX()
    x, y = ctypes.c_float(), ctypes.c_float()
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    fillmode, stroke = ctypes.c_int(), ctypes.c_int()
    rects: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []

    def then(inner: Matrix, outer: Matrix) -> Matrix:
        """``inner``, then ``outer``."""
        a1, b1, c1, d1, e1, f1 = inner
        a2, b2, c2, d2, e2, f2 = outer
        return (a1 * a2 + b1 * c2, a1 * b2 + b1 * d2, c1 * a2 + d1 * c2, c1 * b2 + d1 * d2,
                e1 * a2 + f1 * c2 + e2, e1 * b2 + f1 * d2 + f2)

    def own(obj: Any) -> Matrix:
        assert raw.FPDFPageObj_GetMatrix(obj, matrix), "PDFium gave no matrix"
        return (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)

    def shape(obj: Any, m: Matrix) -> None:
        assert raw.FPDFPath_GetDrawMode(obj, ctypes.byref(fillmode), ctypes.byref(stroke))
        assert raw.FPDFPageObj_GetFillColor(obj, *map(ctypes.byref, (r, g, b, a)))
        style = {"fill": fillmode.value != 0, "stroke": bool(stroke.value),
                 "non_stroking_color": tuple(c.value / 255 for c in (r, g, b))}
        parts: list[list[tuple[float, float]]] = []  # from one move to the next
        curved: list[bool] = []
        closed: list[bool] = []
        for i in range(raw.FPDFPath_CountSegments(obj)):
            segment = raw.FPDFPath_GetPathSegment(obj, i)
            kind = raw.FPDFPathSegment_GetType(segment)
            assert raw.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y))
            point = (m[0] * x.value + m[2] * y.value + m[4],
                     m[1] * x.value + m[3] * y.value + m[5])
            if kind == raw.FPDF_SEGMENT_MOVETO or not parts:
                parts.append([point])
                curved.append(False)
                closed.append(False)
            else:
                parts[-1].append(point)
                curved[-1] |= kind == raw.FPDF_SEGMENT_BEZIERTO
            closed[-1] |= bool(raw.FPDFPathSegment_GetClose(segment))
        for points, bent, shut in zip(parts, curved, closed, strict=True):
            if len(points) == 5 and points[4] == points[0]:
                points, shut = points[:4], True
            if bent or (len(points) == 4 and not shut):
                continue  # curves, and three sides (a curve to pdfminer)
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            box = {"x0": min(xs), "x1": max(xs), "top": height - max(ys),
                   "bottom": height - min(ys), **style}
            box.update(width=box["x1"] - box["x0"], height=box["bottom"] - box["top"])
            sides = zip(points, points[1:] + points[:1], strict=True)
            if len(points) == 2:
                lines.append(box)
            elif len(points) == 4 and box["width"] and box["height"] and all(
                    p[0] == q[0] or p[1] == q[1] for p, q in sides):
                rects.append(box)

    def walk(objects: Callable[[int], Any], count: int, m: Matrix) -> None:
        for i in range(count):
            obj = objects(i)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_PATH:
                shape(obj, then(own(obj), m))
            elif kind == raw.FPDF_PAGEOBJ_FORM:  # its objects, placed by its matrix
                walk(functools.partial(raw.FPDFFormObj_GetObject, obj),
                     raw.FPDFFormObj_CountObjects(obj), then(own(obj), m))

    walk(functools.partial(raw.FPDFPage_GetObject, page), raw.FPDFPage_CountObjects(page),
         (1, 0, 0, 1, 0, 0))
    return rects, lines


def page_count(path: Path) -> int:
    """The number of pages of a PDF (PDFium)."""
    document = pdfium.PdfDocument(path)
    try:
        return len(document)
    finally:
        document.close()


BRANDED_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60" viewBox="0 0 200 60">'
    '<title>Riverside</title><rect width="60" height="60" rx="10" fill="#0b5394"/>'
    '<text x="70" y="38" font-size="20" font-family="sans-serif" fill="#0b5394">Riverside</text>'
    '</svg>')
BRANDED_CONFIG = """[clinic]
name = "Riverside Bone Health Clinic"
phone = "(555) 010-4477"
address = "12 River Road, Springfield"
website = "riverside.example"
logo = "images/logo.svg"
accent_color = "#0b5394"

[defaults]
audiences = ["all"]
languages = ["en", "es"]
papers = ["letter", "a4"]
"""


def write_branded_project(folder: Path) -> Path:
    """A clinic project with every branding field (an SVG logo with text in it), set to
    the whole matrix: every audience, en and es, Letter and A4. Returns its config."""
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "logo.svg").write_text(BRANDED_LOGO, "utf-8")
    config = folder / "osteo-print.toml"
    config.write_text(BRANDED_CONFIG, "utf-8")
    return config


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a test reads of a Click result that another worker may have had."""

    exit_code: int
    stdout: str
    stderr: str
    output: str


@pytest.fixture(scope="session")
def matrix_check(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """'osteo-print check' of the branded project's whole matrix (run once per run)."""

    def check(folder: Path) -> None:
        config = write_branded_project(folder / "riverside")
        result = CliRunner().invoke(cli, ["check", "--config", str(config),
                                          "--jobs", str(os.cpu_count() or 1)])
        outcome = Outcome(result.exit_code, result.stdout, result.stderr, result.output)
        (folder / "outcome.json").write_text(json.dumps(dataclasses.asdict(outcome)), "utf-8")

    folder = shared(tmp_path_factory, "matrix-check", check)
    return Outcome(**json.loads((folder / "outcome.json").read_text("utf-8")))


# A test file that defines a fixture wider than a test (a build its tests share), or
# caches what its tests read (functools.cache), runs whole on one worker, which makes or
# reads it once; the tests of other files go one by one.
SHARES_WORK = re.compile(r"""\bscope\s*=\s*["'](?:module|class|package|session)["']"""
                         r"|\bfunctools\.(?:cache|lru_cache)\b")


@functools.cache
def keeps_together(path: Path) -> bool:
    """Whether the tests of ``path`` share work: a fixture of a wider scope than a test,
    or a cache of what they read."""
    try:
        return SHARES_WORK.search(path.read_text("utf-8")) is not None
    except OSError:
        return True


def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep the garbage collector out of the way: a worker holds several hundred thousand
    objects (modules, test items, shared builds' data), and each full pass walks them
    all, so passes are made less often. (Nothing is frozen: a build freezes and thaws
    what it holds itself, and a test checks that it leaves the collector as it was.)"""
    _GC_THRESHOLDS.append(gc.get_threshold())
    gc.set_threshold(50_000, 20, 20)


_GC_THRESHOLDS: list[tuple[int, ...]] = []  # as they were before the tests


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Put the collector's settings back in a run in one process (-n 0), which ends
    normally; a pytest-xdist worker stops collecting, as it is about to leave (below):
    its usual settings would start a pass over all it holds."""
    if os.environ.get("PYTEST_XDIST_WORKER") is not None:
        gc.disable()
    elif _GC_THRESHOLDS:
        gc.set_threshold(*_GC_THRESHOLDS.pop())


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """A pytest-xdist worker whose session has ended leaves at once.

    By now it has sent its results and its "finished" message to the controller, which
    then takes no further word from it. Left to end normally, the worker's interpreter
    would collect some two million objects of garbage that the rare passes left (the
    layouts of its builds): 4 to 6 s at the end of every run, with the controller
    waiting, and a long pass is where pytest-xdist's stop would land (an unraisable
    KeyboardInterrupt in hypothesis's collector timer, seen in every run once). Elsewhere,
    process starts are no longer watched."""
    while _RESTORE:
        _RESTORE.pop()()
    output = getattr(config, "workeroutput", None)  # set on pytest-xdist workers only
    if output is None or "exitstatus" not in output:
        return
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(int(output["exitstatus"]))


READS_BUILT = frozenset({"built", "matrix", "manifest"})  # fixtures on the shared build:
# a test module that reads it otherwise (getfixturevalue) sets READS_SHARED_BUILD = True


def unit_of(nodeid: str, root: Path) -> str:
    """The unit pytest-xdist sends a test out in: its file, if ``keeps_together``; else
    the test alone."""
    file = nodeid.split("::", 1)[0]
    return file if keeps_together(root / file) else nodeid


def unit_order(items: list[pytest.Item], root: Path) -> list[pytest.Item]:
    """The tests in the order pytest-xdist sends them out, as units (a file kept
    together, or a single test): first the largest unit that reads the shared build
    (``built``), whose worker starts making it at once; then the other files kept
    together, those that do not read it first, so the other worker has work of its own
    while the build is made; each group largest first; then the single tests, as
    collected. Only the order changes; a file's tests stay together and in order."""
    units: dict[str, list[pytest.Item]] = {}
    for item in items:
        units.setdefault(unit_of(item.nodeid, root), []).append(item)

    def reads_built(unit: list[pytest.Item]) -> bool:  # a module may say so (test_sheet)
        return any(READS_BUILT.intersection(getattr(i, "fixturenames", ()))
                   or getattr(getattr(i, "module", None), "READS_SHARED_BUILD", False)
                   for i in unit)

    kept = [unit for key, unit in units.items() if "::" not in key]
    single = [unit for key, unit in units.items() if "::" in key]
    readers = sorted((u for u in kept if reads_built(u)), key=len, reverse=True)
    others = sorted((u for u in kept if not reads_built(u)), key=len, reverse=True)
    ordered = readers[:1] + others + readers[1:] + single
    return [item for unit in ordered for item in unit]


BROWSER_FIXTURE = "chromium"  # every test that drives the browser asks for it, if indirectly


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> Generator[None, Any, Any]:
    """Before -m selects: mark ``browser`` every test that drives Chromium (its fixtures
    include ``chromium``), so that no such test can be left out of ``-m browser`` or let
    into the default suite by forgetting a mark. After: under pytest-xdist, put the tests
    in ``unit_order`` (every worker collects the same order, which the scheduler keeps).
    In one process (-n 0) the order is pytest's."""
    for item in items:
        if BROWSER_FIXTURE in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
    result = yield
    if os.environ.get("PYTEST_XDIST_WORKER") is not None:
        items[:] = unit_order(items, config.rootpath)
    return result


# --- Other processes: only in the tests marked to start them -----------------------------
#
# The default suite runs every test in its worker's own process. A test that starts
# another (osteo-print run for real, to see its pipes, signals and exit codes; a pool of
# workers; a Dask cluster; a server; Chromium) pays for a new interpreter and its imports,
# a second or more of CPU each: they were a fifth of the default suite's CPU. Such a
# test carries the mark ``process`` (or ``browser``, or ``slow``) and runs in CI's second
# run (.ci/run). A test without one of those marks that starts a process (a command, a
# multiprocessing process, a fork, a spawn), in its setup, its call or its teardown,
# fails and says what it started. What a library runs once to fill a cache of its own
# is run before the tests (``_fill_library_caches``).

MAY_START_PROCESSES = ("process", "browser", "slow")
_watched: list[str] = []  # the unmarked test being run, if any
_started: list[str] = []  # the processes it started


_inside: list[bool] = []  # in a start already noted: its fork is not noted again


def _note_started(what: str) -> None:
    if _watched and not _inside:
        _started.append(what)


@contextlib.contextmanager
def _noted(what: str) -> Iterator[None]:
    _note_started(what)
    _inside.append(True)
    try:
        yield
    finally:
        _inside.pop()


def _describe(args: Any) -> str:
    words = [args] if isinstance(args, str | bytes | os.PathLike) else list(args)
    text = " ".join(os.fsdecode(w) if isinstance(w, bytes | os.PathLike) else str(w)
                    for w in words)
    text = text.replace(sys.executable, "python")
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _watch_process_starts() -> Callable[[], None]:
    """Note every process started, once each: ``subprocess`` and ``multiprocessing``
    (and whatever uses them: pools, Dask, Playwright, asyncio, multiprocessing's own
    helpers through ``_posixsubprocess.fork_exec``), a fork of any kind (``os.fork``,
    ``os.forkpty``, ``os.spawn*``), ``os.posix_spawn``, ``os.posix_spawnp`` and
    ``os.system``. Returns what puts things back."""
    import multiprocessing.process

    popen = subprocess.Popen._execute_child  # type: ignore[attr-defined]
    start = multiprocessing.process.BaseProcess.start
    functions = {name: getattr(os, name) for name in ("posix_spawn", "posix_spawnp", "system")
                 if hasattr(os, name)}
    try:
        import _posixsubprocess
    except ImportError:  # not POSIX
        fork_exec = None
    else:
        fork_exec = _posixsubprocess.fork_exec

    def execute_child(self: subprocess.Popen, args: Any, *rest: Any, **kwargs: Any) -> Any:
        with _noted(f"the command {_describe(args)}"):
            return popen(self, args, *rest, **kwargs)

    def start_process(self: multiprocessing.process.BaseProcess) -> None:
        with _noted(f"a {type(self).__name__} ({self.name})"):
            start(self)

    def spawning(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def spawn(what: Any, *args: Any, **kwargs: Any) -> Any:
            with _noted(f"os.{name}({_describe(what if name == 'system' else args[0])})"):
                return function(what, *args, **kwargs)
        return spawn

    def forking_exec(args: Any, *rest: Any) -> Any:
        with _noted(f"the command {_describe(args)}"):
            return fork_exec(args, *rest)  # type: ignore[misc]

    subprocess.Popen._execute_child = execute_child  # type: ignore[attr-defined]
    multiprocessing.process.BaseProcess.start = start_process  # type: ignore[method-assign]
    for name, function in functions.items():
        setattr(os, name, spawning(name, function))
    if fork_exec is not None:
        _posixsubprocess.fork_exec = forking_exec
    _FORKS_WATCHED.append(True)

    def restore() -> None:
        subprocess.Popen._execute_child = popen  # type: ignore[attr-defined]
        multiprocessing.process.BaseProcess.start = start  # type: ignore[method-assign]
        for name, function in functions.items():
            setattr(os, name, function)
        if fork_exec is not None:
            _posixsubprocess.fork_exec = fork_exec
        _FORKS_WATCHED.clear()

    return restore


_FORKS_WATCHED: list[bool] = []  # os.register_at_fork's hook cannot be taken back


def _before_fork() -> None:
    if _FORKS_WATCHED:
        _note_started("a fork of this process")


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork)


def _fill_library_caches() -> None:
    """Matplotlib (the class report's plots) runs ``fc-list`` when it makes its font
    cache (on a fresh machine, after an upgrade, where it cannot keep it), in the process
    that first imports its font manager: here, before the tests, which finds the cache
    made, or makes it."""
    with contextlib.suppress(ImportError):
        from matplotlib import font_manager  # noqa: F401


_RESTORE: list[Callable[[], None]] = []


def pytest_configure(config: pytest.Config) -> None:
    workers = config.getoption("numprocesses", None)
    if (os.environ.get("PYTEST_XDIST_WORKER") is not None or not workers
            or not config.pluginmanager.has_plugin("xdist.plugin")):  # where tests run
        _fill_library_caches()
    _RESTORE.append(_watch_process_starts())


def _in_own_process(item: pytest.Item, phase: str) -> Generator[None, Any, Any]:
    """Run a phase of ``item``; fail it if the test may not start processes but did."""
    if any(item.get_closest_marker(mark) for mark in MAY_START_PROCESSES):
        return (yield)
    _watched.append(item.nodeid)
    try:
        result = yield
    except (pytest.skip.Exception, pytest.xfail.Exception):
        if _started:  # a skip or an expected failure passes: not with a process started
            _fail_started(item, phase, _started)
        raise
    finally:
        _watched.pop()
        started, _started[:] = list(_started), []
    if started:
        _fail_started(item, phase, started)
    return result


def _fail_started(item: pytest.Item, phase: str, started: list[str]) -> None:
    listed = "; ".join(what if times == 1 else f"{what}, {times} times"
                       for what, times in collections.Counter(started).items())
    pytest.fail(
        f"{item.nodeid} started other processes in its {phase} ({listed}) without the "
        "mark to: the default suite runs each test in its worker's own process. Mark a "
        "test that needs another process @pytest.mark.process (if a fixture of a wider "
        "scope starts it, every test that uses the fixture); CI runs those after the "
        "default suite.", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _in_own_process(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _in_own_process(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _in_own_process(item, "teardown"))


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's: none without it (-p no:xdist.plugin)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """pytest-xdist's default (``-n``, ``--dist load``), with the tests of each file of
    ``keeps_together`` sent to one worker; other --dist modes are left as they are.

    The units go out in the order the workers collected them (``unit_order``): the
    files kept together, the largest first, then single tests, so the workers finish
    close together. (``--dist loadgroup`` would do this with
    marks, but pytest-xdist 3.8 cannot group under pytest 9: it renames the tests in a way
    pytest 9 no longer reads.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False  # the workers' order (below) is kept

    class ByFileOrTest(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid, config.rootpath)

    return ByFileOrTest(config, log)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the built-in content folder."""
    dest = tmp_path / "content"
    shutil.copytree(BUILTIN_CONTENT, dest)
    return dest


@pytest.fixture
def run():
    """Run the CLI in-process; return the Click result (stdout and stderr apart)."""

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def ctrl_c_as_on_a_terminal() -> None:
    """A ``preexec_fn``: the child gets Ctrl-C's default action back, even where the
    suite runs with SIGINT ignored (a background job of a shell without job control),
    which a child would inherit and so never see a Ctrl-C sent to it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_module(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m osteo_print`` in a subprocess."""
    return subprocess.run([sys.executable, "-m", "osteo_print", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


# --- A tiny content tree, for tests of the build engine --------------------------------
# Three one-page handouts (stages, exercises, falls) and a quiz bank that asks about the
# first two, in English and Spanish: the built-in names, a fraction of the layout work.
# Engine tests (cache, executors, processes, pipes) render these in a tenth of the time.
TINY_HANDOUTS = ("stages", "exercises", "falls")
TINY_TEXT = {
    "en": {"title": "About {name}", "purpose": "This sheet says a few things about {name}.",
           "fact": "Walking each day is good for your bones.", "tip": "Drink water.",
           "heading": "What to know", "intro": "Here is what to know about {name}.",
           "question": "What if it rains?", "answer": "Walk inside on that day.",
           "action": "Take a short walk today.", "ask": "Can I walk with a friend?",
           "stem": "Walking each day is good for your bones.", "why": "It is.",
           "quiz": "Bone quiz", "true": "True", "false": "False", "not_sure": "Not sure",
           "prompts": ["Tell me what you will do this week.",
                       "Tell me one thing you learnt today."]},
    "es": {"title": "Sobre {name}", "purpose": "Esta hoja dice algunas cosas sobre {name}.",
           "fact": "Caminar cada día es bueno para sus huesos.", "tip": "Tome agua.",
           "heading": "Qué saber", "intro": "Esto es lo que hay que saber sobre {name}.",
           "question": "¿Y si llueve?", "answer": "Camine dentro ese día.",
           "action": "Dé un paseo corto hoy.", "ask": "¿Puedo caminar con un amigo?",
           "stem": "Caminar cada día es bueno para sus huesos.", "why": "Lo es.",
           "quiz": "Cuestionario", "true": "Verdadero", "false": "Falso",
           "not_sure": "No sé",
           "prompts": ["Dígame qué hará esta semana.", "Dígame una cosa que aprendió hoy."]},
}


def _tiny_handout(lang: str, name: str, order: int) -> dict:
    t = {k: v.format(name=name) if isinstance(v, str) else v
         for k, v in TINY_TEXT[lang].items()}
    fact = {"text": t["fact"], "source": 1}
    return {
        "title": t["title"], "purpose": t["purpose"], "last_reviewed": "2026-10-01",
        "reviewed_by": "test editors", "order": order,
        "blocks": [
            {"type": "key-points", "items": [fact, {"text": t["tip"], "source": 1}]},
            {"type": "section", "id": "know", "heading": t["heading"], "blocks": [
                {"type": "paragraph", "text": t["intro"], "source": 1},
                {"type": "bullets", "items": [fact]},
                {"type": "qa", "items": [{"question": t["question"],
                                          "answer": [{"text": t["answer"], "source": 1}]}]},
            ]},
            {"type": "actions", "items": [{"text": t["action"], "source": 1}]},
            {"type": "ask", "items": [t["ask"]]},
        ],
    }


def _tiny_bank(lang: str) -> dict:
    t = TINY_TEXT[lang]
    quizzed = TINY_HANDOUTS[:2]

    def item(item_id: str, handout: str) -> dict:
        return {"id": item_id, "type": "true-false", "stem": t["stem"], "answer": True,
                "explanation": t["why"], "objective": "walking", "level": "apply",
                "safety": True, "facts": [f"walk-{item_id}"],
                "teaches": {"handout": handout, "section": "know"}}

    items = [item(f"t-{name}", name) for name in quizzed] + [
        item("t-pre", quizzed[0]), item("t-post", quizzed[1])]
    return {
        "title": t["quiz"], "last_reviewed": "2026-10-01",
        "labels": {"is_true": t["true"], "is_false": t["false"], "not_sure": t["not_sure"]},
        "forms": {"all": {"title": t["quiz"], "items": [f"t-{name}" for name in quizzed]},
                  "pre": {"title": t["quiz"], "items": ["t-pre"]},
                  "post": {"title": t["quiz"], "items": ["t-post"]}},
        "items": items,
        "teach_back": {name: list(t["prompts"]) for name in quizzed},
    }


def yaml_load(text: str) -> Any:
    """Parse YAML with libyaml where PyYAML has it (as the tool does): the same data as
    ``yaml.safe_load``, several times quicker on the built-in quiz bank."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def yaml_dump(data: Any, **options: Any) -> str:
    """``yaml.safe_dump(data, allow_unicode=True, sort_keys=False, **options)``, with
    libyaml where PyYAML has it (the same text)."""
    import yaml

    return yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                     **{"allow_unicode": True, "sort_keys": False, **options})


@functools.cache
def _tiny_files() -> tuple[tuple[str, str], ...]:
    """The tiny content tree as (path in the folder, text) pairs, written out once."""
    files = [("sources.yaml", "sources:\n  - number: 1\n    citation: National Institute "
                              "on Aging. Osteoporosis.\n")]
    for lang in TINY_TEXT:
        for order, name in enumerate(TINY_HANDOUTS, 1):
            files.append((f"{lang}/handouts/{name}.yaml",
                          yaml_dump(_tiny_handout(lang, name, order))))
        files.append((f"{lang}/quiz.yaml", yaml_dump(_tiny_bank(lang))))
    return tuple(files)


def write_tiny_content(root: Path) -> Path:
    """Write the tiny content tree (TINY_HANDOUTS, en and es) into ``root``."""
    for name, text in _tiny_files():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return root


TINY_CONFIG = '[defaults]\ncontent = "content"\n\n[layout]\ncopyfit = false\n'


def write_tiny_project(folder: Path, extra: str = "") -> Path:
    """A project in ``folder`` on the tiny content, without copyfitting; ``extra`` is
    added to its osteo-print.toml. Returns the config's path."""
    write_tiny_content(folder / "content")
    config = folder / "osteo-print.toml"
    config.write_text(TINY_CONFIG + extra, "utf-8")
    return config


@pytest.fixture
def tiny_content(tmp_path: Path) -> Path:
    """A writable tiny content folder (TINY_HANDOUTS, en and es)."""
    return write_tiny_content(tmp_path / "tiny-content")


@pytest.fixture
def tiny_config(tmp_path: Path) -> Path:
    """A writable project on the tiny content (copyfit off); returns its config's path."""
    return write_tiny_project(tmp_path / "tiny")


# --- A real browser (tests/browser.py) ---------------------------------------------------


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium under Playwright, one per worker; skips (or fails, where
    OSTEO_PRINT_BROWSER=required) when it is missing."""
    import browser

    reason = browser.unavailable()
    if reason:
        browser.skip_or_fail(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=browser.chromium_path(),
                                              args=browser.CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def browser_page(chromium):
    """A fresh page in a fresh context (no storage shared between tests)."""
    context = chromium.new_context()
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
