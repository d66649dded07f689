"""Run a build plan: each job independent, in this process or on any Executor.

``render_batch`` is a top-level function taking only picklable arguments, so any
``concurrent.futures.Executor`` can run it: a ``ProcessPoolExecutor`` here, or a Dask
``distributed.Client.get_executor()`` on a cluster. Each worker process keeps one
WeasyPrint ``FontConfiguration`` for every document it renders. Results come back in
plan order, so the output is the same however the work is spread.

One source of the project: the ``Project`` given to ``run_plan``. This process renders
that very object; every other process gets it pickled with each batch (about 130 kB,
compressed), so what a worker renders is what the caller holds, edits made in memory
included. What workers still read from disk (templates, catalogs, fonts, images, the
logo) is checked: a batch carries the digest of the build's inputs and the options it
was worked out from, with absolute paths (links kept), and a worker that works out another
digest on its machine refuses to render (``SetupError``) rather than print other pages.

Batches: the own process pool gets a few per worker; an executor from the caller (a
cluster) gets ``EXECUTOR_CHUNKSIZE`` jobs per task unless told otherwise, so that every
worker of a big cluster has work.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import hashlib
import math
import os
import pickle
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from osteo_print.check import Cell, Row, check_document, translation_cell
from osteo_print.context import Paper
from osteo_print.errors import FetchRefused, Problem, SetupError, display_path
from osteo_print.fit import Fit
from osteo_print.i18n import locale_dirs, translations
from osteo_print.options import BuildOptions
from osteo_print.pages import page_for
from osteo_print.paths import BUILTIN_TEMPLATES
from osteo_print.plan import Job
from osteo_print.project import Project
from osteo_print.sheet.layout import map_json, map_problems, read_layout, sheet_map
from osteo_print.sheet.marks import sheet_margin_top
from osteo_print.templating import cite_once_per_part, make_env, render


@dataclass(frozen=True)
class ProjectSpec:
    """Where a build's project lives and the digest of its inputs, for workers to check.

    ``options`` are the build's options with absolute paths, and ``fingerprint`` the
    digest of its inputs, ``inputs.list_inputs(options).digest()``, on the client (worked
    out by ``run_plan`` when empty): a worker works it out again on its own machine and
    refuses a tree that differs. Without ``options``, nothing is checked (a project made
    in memory, say). ``epoch`` is the client's SOURCE_DATE_EPOCH (None: unset), which
    workers render with, whatever theirs is.
    """

    config_path: Path | None
    content_dir: Path | None
    audiences: tuple[str, ...]
    langs: tuple[str, ...]
    fingerprint: str = ""  # changes with any input file, so a long-lived worker reopens
    options: BuildOptions | None = None
    epoch: str | None = field(default_factory=lambda: os.environ.get("SOURCE_DATE_EPOCH"))

    def verify(self) -> None:
        """Refuse to render on a machine that sees other inputs than the client did."""
        if not self.fingerprint or self.options is None:
            return
        from osteo_print.inputs import list_inputs

        seen = list_inputs(self.options).digest()
        if seen == self.fingerprint:
            return
        import socket

        host = socket.gethostname()
        folder = self.config_path.parent if self.config_path else self.content_dir
        where = str(folder) if folder else "the built-in content and templates"
        found = f"its digest of them is {seen[:12]}" if seen else "it cannot read them all"
        raise SetupError(
            f"The worker at {host} sees different files under {where} than the client "
            "that planned the build, so it would print other documents. Give every "
            "worker the same project files (at the same paths), the same osteo-print "
            "and the same library versions.",
            [Problem(where, None, "", f"on {host}, {found}; the client's is "
                     f"{self.fingerprint[:12]}")])


def located(options: BuildOptions) -> BuildOptions:
    """``options`` with absolute, normalised paths (links kept): the same for any worker."""

    def absolute(path: Path | None) -> Path | None:
        return None if path is None else Path(os.path.abspath(path))

    return replace(options, config_path=absolute(options.config_path),
                   content_dir=absolute(options.content_dir))


@dataclass(frozen=True)
class Work:
    """What every batch carries: the spec, and the project itself, pickled once."""

    spec: ProjectSpec
    project: bytes  # zlib-compressed pickle of the Project
    key: str  # names this project in a worker's cache

    @classmethod
    def of(cls, project: Project, spec: ProjectSpec) -> Work:
        blob = zlib.compress(pickle.dumps(project, pickle.HIGHEST_PROTOCOL), 1)
        # Files on disk are part of what a worker renders: with no digest of them, a
        # long-lived worker must not reuse what it made for an earlier run.
        tail = spec.fingerprint or uuid.uuid4().hex
        return cls(spec, blob, f"{hashlib.sha256(blob).hexdigest()}-{tail}")

    def open(self) -> Project:
        project: Project = pickle.loads(zlib.decompress(self.project))
        return project


@dataclass
class JobResult:
    """One rendered document: its HTML, PDF, data files and check results."""

    job: Job
    html: str
    pdf: bytes
    pages: int
    data: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    row: Row | None = None
    fit: str = "as designed"  # the copyfitting step the layout kept


def job_env(project: Project, job: Job, envs: dict[tuple[str, str], Any]) -> Any:
    """The Jinja environment of a job's audience and language, kept in ``envs``."""
    key = (job.audience, job.lang)
    if key not in envs:
        folders = project.template_dirs(job.audience)
        envs[key] = make_env(folders, translations(job.lang, locale_dirs(folders)))
    return envs[key]


class _Worker:
    """A process's renderer: the project, one font configuration, one Jinja env each."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.pdf = import_pdf()
        self.renderer = self.pdf.Renderer(project.roots)
        self.envs: dict[tuple[str, str], Any] = {}
        # Relative links in a clinic's own templates resolve against its folder.
        self.base_url = (project.override_dir or BUILTIN_TEMPLATES).resolve().as_uri() + "/"

    def env(self, job: Job) -> Any:
        return job_env(self.project, job, self.envs)

    def run(self, job: Job, check: bool) -> JobResult:
        page = page_for(self.project, job)
        env = self.env(job)
        once = self.project.audiences[job.audience].cite_once_per_section
        pages: dict[Paper, str] = {}

        def html_for(fit: Fit) -> str:
            """The page for a copyfitting attempt: its paper's margins change the page."""
            paper = sheet_paper(fit.paper(page.context.paper), page.context.doc)
            if paper not in pages:
                context = replace(page.context, paper=paper)
                html = render(env, page.templates, context.as_dict())
                pages[paper] = cite_once_per_part(html) if once else html
            return pages[paper]

        target = self.project.audiences[job.audience].target_pages
        config = self.project.config
        sheet = getattr(page.context.doc, "sheet", None) if job.kind == "quiz" else None
        try:
            rendered = self.renderer.render(
                html_for, self.base_url,
                copyfit=config.layout.copyfit and job.kind != "packet",  # parts start pages
                target=target if job.kind == "handout" else 0,
                min_fill=config.check.min_last_page_fill,
                extract=read_layout if sheet is not None else None)
        except self.pdf.RefusedURL as exc:
            raise FetchRefused(
                f"{job.stem}: a page refers to {exc.url!r}, which osteo-print will not read.",
                locate(exc.url, self.project, job, exc.reason)) from None
        row = None
        if check:
            audience = self.project.audiences[job.audience]
            row = check_document(job, audience, rendered.html, rendered.pdf,
                                 self.project.config.check,
                                 translated=translated(self.project, job, audience.content),
                                 paper=sheet_paper(rendered.fit.paper(page.context.paper),
                                                   page.context.doc))
        data, warnings = dict(page.data), list(rendered.warnings)
        if sheet is not None:
            layout = sheet_map(sheet, rendered.layout)
            data[".map.json"] = map_json(layout)
            warnings += [f"not scannable: {p}" for p in
                         map_problems(layout, page.context.doc.version)]
        return JobResult(job, rendered.html, rendered.pdf, rendered.pages, data,
                         warnings, row, rendered.fit.name)


def sheet_paper(paper: Paper, doc: Any) -> Paper:
    """The paper a page is laid out on: on a quiz sheet, copyfitting narrows the top
    margin only so far (sheet.marks.MIN_MARGIN_TOP), as its QR code is printed there."""
    if getattr(doc, "sheet", None) is None:
        return paper
    return replace(paper, margin_top=sheet_margin_top(paper.margin_top))


def translated(project: Project, job: Job, variant: str | None) -> Cell:
    """Is there an audience's version of this document in the job's language?"""
    content = project.content
    if job.kind == "handout":
        found = {lg for (lg, d, v) in content.handouts if d == job.document and v == variant}
    else:
        found = {lg for (lg, v) in content.quizzes if v == variant}
    return translation_cell(job.lang in found, sorted(found - {job.lang}), variant, job.lang)


_WORKERS: dict[str, _Worker] = {}
atexit.register(_WORKERS.clear)  # free WeasyPrint's fonts while its modules still exist
JOBS_PER_WORKER = 3
EXECUTOR_CHUNKSIZE = 1  # jobs per task on a caller's executor: a document is seconds
# of work, a task milliseconds of overhead, so one job each spreads best over a cluster.
# The project a build opened, for the workers it forks: no unpickling (same machine, same
# files, so nothing to check either).
_INHERITED: dict[str, Project] = {}


def render_batch(work: Work, jobs: Sequence[Job], check: bool = False) -> list[JobResult]:
    """Render a batch of jobs in this process (the function executors run)."""
    with _epoch(work.spec.epoch):
        worker = _WORKERS.get(work.key)
        if worker is None:
            _WORKERS.clear()  # a long-lived worker keeps only the project it renders now
            project = _INHERITED.get(work.key)
            if project is None:
                work.spec.verify()
                project = work.open()
            worker = _WORKERS[work.key] = _Worker(project)
        with rendering(worker.project):
            return [worker.run(job, check) for job in jobs]


@contextlib.contextmanager
def _epoch(value: str | None) -> Iterator[None]:
    """SOURCE_DATE_EPOCH as the client had it (set or unset), put back afterwards."""
    name = "SOURCE_DATE_EPOCH"
    before = os.environ.get(name)
    if before == value:
        yield
        return
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def run_plan(project: Project, spec: ProjectSpec, jobs: Sequence[Job], *,
             check: bool = False, workers: int = 1, executor: Executor | None = None,
             chunksize: int | None = None,
             progress: Callable[[int], None] | None = None) -> Iterator[JobResult]:
    """Render ``jobs`` of ``project``; yield their results in plan order.

    Without ``executor``, up to ``workers`` processes of this machine do (none for a
    small plan). ``chunksize`` is the number of jobs per task; by default a few tasks
    per worker of the own pool, and ``EXECUTOR_CHUNKSIZE`` on a given executor.
    """
    if not jobs:
        return
    if chunksize is not None and chunksize < 1:
        raise ValueError(f"chunksize must be at least 1, not {chunksize}")
    # A worker costs about as much to start as two documents take to render.
    workers = min(workers, math.ceil(len(jobs) / JOBS_PER_WORKER))
    if executor is None and workers <= 1:
        worker = _Worker(project)  # this very project, even if called again in-process
        with rendering(project):
            for job in jobs:
                result = worker.run(job, check)
                if progress:
                    progress(1)
                yield result
        return
    own = executor is None
    size = chunksize or (_pool_chunksize(len(jobs), workers) if own else EXECUTOR_CHUNKSIZE)
    batches = [list(jobs[i:i + size]) for i in range(0, len(jobs), size)]
    if spec.options is not None and not spec.fingerprint:
        from osteo_print.inputs import list_inputs

        spec = replace(spec, fingerprint=list_inputs(spec.options).digest() or "")
    work = Work.of(project, spec)
    if executor is None:
        _INHERITED.clear()
        _INHERITED[work.key] = project  # forked workers start with it
        executor = _process_pool(min(workers, len(batches)))
    try:
        for results in executor.map(render_batch, [work] * len(batches), batches,
                                    [check] * len(batches)):
            if progress:
                progress(len(results))
            yield from results
    finally:
        if own:
            executor.shutdown(cancel_futures=True)
            _INHERITED.clear()


def _pool_chunksize(jobs: int, workers: int) -> int:
    """Jobs per batch for the own pool: about three batches per worker."""
    return math.ceil(jobs / max(1, min(jobs, workers * 3)))


def _process_pool(workers: int) -> Executor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.context import BaseContext

    context: BaseContext
    # Forked workers inherit WeasyPrint already imported (no threads run here, so
    # forking is safe); elsewhere each worker imports it once, before its first batch.
    if "fork" in multiprocessing.get_all_start_methods():
        import_pdf()
        context = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_warm_up, initargs=(os.getpid(),))


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _warm_up(parent: int) -> None:
    """Start a pool worker: tie its life to its parent's, then import WeasyPrint.

    A worker blocks on its task queue, whose pipe it holds open itself, so when the
    build is killed outright (``kill -9``) nothing would ever wake it: it would live on,
    holding the caller's stdout. On Linux the kernel kills it with its parent; elsewhere
    a thread watches for the parent to go.
    """
    _die_with_parent(parent)
    import_pdf()  # pay WeasyPrint's import once per worker, before the first batch


def _die_with_parent(parent: int) -> None:
    import signal
    import sys
    import threading
    import time

    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="osteo-print-parent-watch", daemon=True).start()


def import_pdf() -> ModuleType:
    """Import the WeasyPrint side (slow) only when rendering; explain missing libraries."""
    try:
        from osteo_print import pdf
    except OSError as exc:
        raise SetupError(
            "WeasyPrint cannot load the system libraries it needs to lay out pages.",
            [Problem("system", None, "", f"{exc}. On Debian or Ubuntu: sudo apt-get "
                     "install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0")]
        ) from None
    return pdf


def source_date_epoch(project: Project) -> str:
    """The content's newest review date, as SOURCE_DATE_EPOCH."""
    import datetime as dt

    dates = [h.last_reviewed for h in project.content.handouts.values()]
    newest = max(dates) if dates else dt.date(2000, 1, 1)
    return str(int(dt.datetime.combine(newest, dt.time(), tzinfo=dt.UTC).timestamp()))


@contextlib.contextmanager
def rendering(project: Project) -> Iterator[None]:
    """Settings for a run of renders, each put back as it was afterwards.

    SOURCE_DATE_EPOCH is pinned to the content's newest review date (a value the user
    set is kept): without HarfBuzz's subsetter, WeasyPrint subsets fonts with fontTools,
    which stamps each font's ``head.modified`` with the time, and reads the date to use
    instead only from the environment (``fontTools.misc.timeTools.timestampNow``); no
    argument of WeasyPrint's carries it. So the variable is set for the renders only and
    then restored exactly (removed if it was not set), and nothing else in os.environ
    is touched.

    As layout makes millions of short-lived objects, the long-lived ones are frozen out
    of the garbage collector's way and young ones collected less often; both are undone
    at the end. Objects someone else froze before are left frozen (``gc.unfreeze`` would
    thaw theirs too), and then nothing is frozen here.
    """
    import os

    saved = os.environ.get("SOURCE_DATE_EPOCH")
    if saved is None:
        os.environ["SOURCE_DATE_EPOCH"] = source_date_epoch(project)
    thresholds = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    gc.set_threshold(20_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if freeze:
            gc.unfreeze()
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)


def locate(url: str, project: Project, job: Job, reason: str) -> list[Problem]:
    """Find the template or content lines that mention ``url`` (or its file name)."""
    needles = {url}
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    if tail and tail != url:
        needles.add(tail)
    found = []
    folders = (*project.template_dirs(job.audience), BUILTIN_TEMPLATES, project.content.root)
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix not in (".html", ".css", ".svg", ".yaml", ".yml") or not path.is_file():
                continue
            for number, line in enumerate(path.read_text("utf-8", "replace").splitlines(), 1):
                if any(n in line for n in needles):
                    found.append(Problem(display_path(path), number, "", f"{url}: {reason}"))
    return found or [Problem("page", None, "", f"{url}: {reason}")]
