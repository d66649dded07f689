"""The library API: build documents from content, without Click.

    from osteo_print.build import BuildOptions, build
    result = build(BuildOptions(out_dir=Path("output")))
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

from osteo_print.cache import CACHE_NAME, BuildCache, Keys
from osteo_print.check import Row
from osteo_print.options import BuildOptions, default_out_dir
from osteo_print.plan import Job, plan_handouts, plan_quiz
from osteo_print.project import PAPER_NAMES, Project, check_names, open_project
from osteo_print.runner import ProjectSpec, import_pdf, run_plan
from osteo_print.uptodate import fingerprint
from osteo_print.writer import Entry, FileInfo, OutputFile, write_outputs


@dataclass
class BuildResult:
    """The files a build wrote, the jobs it rendered or skipped, and what it met."""

    entries: list[Entry]
    out_dir: Path
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)  # check results, with strict or check
    rendered: list[Job] = field(default_factory=list)
    up_to_date: list[Job] = field(default_factory=list)

    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if not row.ok]


def build(options: BuildOptions, executor: Executor | None = None,
          progress: Callable[[int], None] | None = None,
          planned: Callable[[int], None] | None = None) -> BuildResult:
    """Validate everything, render what changed, then write it all at once.

    ``executor`` runs the rendering (any concurrent.futures.Executor, e.g. Dask's);
    without one, ``options.jobs`` worker processes do. ``planned`` hears how many jobs
    need rendering, ``progress`` how many finished.
    """
    project = open_project(options.config_path, options.content_dir,
                           list(options.audiences), list(options.langs))
    jobs = plan(project, options)
    out_dir = output_dir(project, options)
    result = BuildResult([], out_dir, warnings=list(project.content.warnings))
    checking = options.strict or not options.write
    cache = BuildCache(out_dir) if options.write else None
    if cache is not None:
        cache.fingerprint = fingerprint(options)
        cache.last_build = [job.stem for job in jobs]
    keys = Keys(project, {"html": options.html, "strict": options.strict})
    todo: list[Job] = []
    job_keys: dict[Job, str] = {}
    kept: list[Entry] = []
    for job in jobs:
        job_keys[job] = keys.key(job)
        fresh = None if options.force or cache is None else cache.fresh(job, job_keys[job])
        if fresh:
            kept += fresh
            result.up_to_date.append(job)
        else:
            todo.append(job)
    if planned:
        planned(len(todo))
    spec = ProjectSpec(options.config_path, options.content_dir, tuple(options.audiences),
                       tuple(options.langs), (cache and cache.fingerprint) or fingerprint(options)
                       or "")
    workers = options.jobs or os.cpu_count() or 1
    files: list[OutputFile] = []
    written: dict[Job, list[OutputFile]] = {}
    for rendered in run_plan(project, spec, todo, check=checking, workers=workers,
                             executor=executor, progress=progress):
        job = rendered.job
        result.rendered.append(job)
        result.warnings += [f"{job.stem}: {w}" for w in rendered.warnings]
        if rendered.row is not None:
            result.rows.append(rendered.row)
            if not rendered.row.ok:
                continue
        mine = [_output(job, f"{job.stem}.pdf", rendered.pdf, "pdf", rendered.pages)]
        if options.html:
            mine.append(_output(job, f"{job.stem}.html", rendered.html.encode("utf-8"),
                                "html", None))
        for suffix, payload in rendered.data.items():
            mine.append(_output(job, f"{job.stem}{suffix}", payload, suffix.lstrip("."), None,
                                kind=f"{job.kind}-data"))
        written[job] = mine
        files += mine
    if cache is not None:
        for job, mine in written.items():
            cache.record(job, job_keys[job], [f.entry() for f in mine])
        stale = [name for row in result.failed for name in cache.forget(row.job)]
        result.entries = write_outputs(out_dir, files, {CACHE_NAME: cache.payload()},
                                       remove=stale)
        result.entries += kept
    if todo:
        result.notices += _notices()
    return result


def output_dir(project: Project, options: BuildOptions) -> Path:
    if options.out_dir is not None:
        return options.out_dir
    return default_out_dir(project.config_path, project.config.defaults.out)


def plan(project: Project, options: BuildOptions) -> list[Job]:
    """Return every job the options ask for: handouts first, then quizzes and keys."""
    defaults = project.config.defaults
    papers = list(options.papers or defaults.papers)
    check_names("paper size", papers, list(PAPER_NAMES))
    langs = sorted({h[0] for h in project.content.handouts}, key=_lang_order(options, project))
    axes = (list(project.audiences), langs, papers)
    jobs = plan_handouts(options.documents, *axes) if options.handouts else []
    seed = defaults.seed
    for request in options.quizzes:
        if seed is not None and request.seed_from_default:
            request = request.with_seed(seed)
        jobs += plan_quiz(request, *axes)
    return jobs


def _lang_order(options: BuildOptions, project: Project):
    order = list(options.langs or project.config.defaults.languages)
    return lambda lang: order.index(lang) if lang in order else len(order)


def _output(job: Job, path: str, data: bytes, fmt: str, pages: int | None,
            kind: str | None = None) -> OutputFile:
    info = FileInfo(kind or job.kind, fmt, job.document, job.audience, job.lang, job.paper,
                    pages, job.version)
    return OutputFile(path, data, info)


def _notices() -> list[str]:
    """Say once per machine that a faster, reproducible font subsetter is missing."""
    if import_pdf().HAS_HARFBUZZ_SUBSET:
        return []
    marker = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "osteo-print"
    flag = marker / "told-harfbuzz-subset"
    if flag.exists():
        return []
    try:
        marker.mkdir(parents=True, exist_ok=True)
        flag.touch()
    except OSError:
        pass
    return ["Tip: install the HarfBuzz subsetter to make builds about twice as fast "
            "(Debian/Ubuntu: sudo apt-get install libharfbuzz-subset0). "
            "This tip is shown once."]
