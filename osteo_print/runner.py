"""Run a build plan: each job independent, in this process or on any Executor.

``render_batch`` is a top-level function taking only picklable arguments, so any
``concurrent.futures.Executor`` can run it: a ``ProcessPoolExecutor`` here, or a Dask
``distributed.Client.get_executor()`` on a cluster. Each worker process opens the project
once and keeps one WeasyPrint ``FontConfiguration`` for every document it renders.
Results come back in plan order, so the output is the same however the work is spread.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import math
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from osteo_print.check import Cell, Row, check_document, translation_cell
from osteo_print.context import Paper
from osteo_print.errors import FetchRefused, Problem, SetupError, display_path
from osteo_print.fit import Fit
from osteo_print.i18n import locale_dirs, translations
from osteo_print.pages import page_for
from osteo_print.paths import BUILTIN_TEMPLATES
from osteo_print.plan import Job
from osteo_print.project import Project, open_project
from osteo_print.templating import cite_once_per_part, make_env, render


@dataclass(frozen=True)
class ProjectSpec:
    """What a worker needs to open the same project again."""

    config_path: Path | None
    content_dir: Path | None
    audiences: tuple[str, ...]
    langs: tuple[str, ...]
    fingerprint: str = ""  # changes with any input file, so a long-lived worker reopens

    def open(self) -> Project:
        return open_project(self.config_path, self.content_dir, list(self.audiences),
                            list(self.langs))


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
        key = (job.audience, job.lang)
        if key not in self.envs:
            folders = self.project.template_dirs(job.audience)
            self.envs[key] = make_env(folders, translations(job.lang, locale_dirs(folders)))
        return self.envs[key]

    def run(self, job: Job, check: bool) -> JobResult:
        page = page_for(self.project, job)
        env = self.env(job)
        once = self.project.audiences[job.audience].cite_once_per_section
        pages: dict[Paper, str] = {}

        def html_for(fit: Fit) -> str:
            """The page for a copyfitting attempt: its paper's margins change the page."""
            paper = fit.paper(page.context.paper)
            if paper not in pages:
                context = replace(page.context, paper=paper)
                html = render(env, page.templates, context.as_dict())
                pages[paper] = cite_once_per_part(html) if once else html
            return pages[paper]

        target = self.project.audiences[job.audience].target_pages
        config = self.project.config
        try:
            rendered = self.renderer.render(
                html_for, self.base_url,
                copyfit=config.layout.copyfit and job.kind != "packet",  # parts start pages
                target=target if job.kind == "handout" else 0,
                min_fill=config.check.min_last_page_fill)
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
                                 paper=rendered.fit.paper(page.context.paper))
        return JobResult(job, rendered.html, rendered.pdf, rendered.pages, page.data,
                         rendered.warnings, row, rendered.fit.name)


def translated(project: Project, job: Job, variant: str | None) -> Cell:
    """Is there an audience's version of this document in the job's language?"""
    content = project.content
    if job.kind == "handout":
        found = {lg for (lg, d, v) in content.handouts if d == job.document and v == variant}
    else:
        found = {lg for (lg, v) in content.quizzes if v == variant}
    return translation_cell(job.lang in found, sorted(found - {job.lang}), variant, job.lang)


_WORKERS: dict[ProjectSpec, _Worker] = {}
atexit.register(_WORKERS.clear)  # free WeasyPrint's fonts while its modules still exist
JOBS_PER_WORKER = 3
# The project a build opened, for the workers it forks: reopening it (reading and
# validating the content) cost each worker about as much as rendering a document.
_INHERITED: dict[ProjectSpec, Project] = {}


def render_batch(spec: ProjectSpec, jobs: Sequence[Job], check: bool = False
                 ) -> list[JobResult]:
    """Render a batch of jobs in this process (the function executors run)."""
    worker = _WORKERS.get(spec)
    if worker is None:
        _WORKERS.clear()  # a long-lived worker keeps only the project it renders now
        project = _INHERITED.get(spec) or spec.open()
        worker = _WORKERS[spec] = _Worker(project)
    with rendering(worker.project):
        return [worker.run(job, check) for job in jobs]


def run_plan(project: Project, spec: ProjectSpec, jobs: Sequence[Job], *,
             check: bool = False, workers: int = 1, executor: Executor | None = None,
             progress: Callable[[int], None] | None = None) -> Iterator[JobResult]:
    """Render ``jobs``; yield their results in plan order as batches finish."""
    if not jobs:
        return
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
    batches = _batches(jobs, workers)
    own = executor is None
    if own:
        _INHERITED.clear()
        _INHERITED[spec] = project  # forked workers start with it: no reopening
        executor = _process_pool(min(workers, len(batches)))
    try:
        for results in executor.map(render_batch, [spec] * len(batches), batches,
                                    [check] * len(batches)):
            if progress:
                progress(len(results))
            yield from results
    finally:
        if own:
            executor.shutdown(cancel_futures=True)


def _batches(jobs: Sequence[Job], workers: int) -> list[list[Job]]:
    """Split jobs into a few batches per worker, keeping plan order within each."""
    count = max(1, min(len(jobs), workers * 3))
    size = math.ceil(len(jobs) / count)
    return [list(jobs[i:i + size]) for i in range(0, len(jobs), size)]


def _process_pool(workers: int) -> Executor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Forked workers inherit WeasyPrint already imported (no threads run here, so
    # forking is safe); elsewhere each worker imports it once, before its first batch.
    if "fork" in multiprocessing.get_all_start_methods():
        import_pdf()
        context = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_warm_up)


def _warm_up() -> None:
    import_pdf()  # pay WeasyPrint's import once per worker, before the first batch


def import_pdf():
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
    """Settings for a run of renders, put back afterwards.

    SOURCE_DATE_EPOCH is pinned to the content's newest review date (a value the user
    set is kept): without HarfBuzz's subsetter WeasyPrint's fallback stamps fonts with
    the time. And as layout makes millions of short-lived objects, the long-lived ones
    are frozen out of the garbage collector's way and young ones collected less often.
    """
    import os

    pinned = "SOURCE_DATE_EPOCH" not in os.environ
    if pinned:
        os.environ["SOURCE_DATE_EPOCH"] = source_date_epoch(project)
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)
    try:
        yield
    finally:
        # Frozen objects stay frozen: freed by reference counting as ever, and skipped by
        # the collection at exit, which would otherwise walk every one of them.
        gc.set_threshold(*thresholds)
        if pinned:
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
