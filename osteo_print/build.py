"""The library API: build documents from content, without Click.

    from osteo_print.build import BuildOptions, build
    result = build(BuildOptions(out_dir=Path("output")))
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

from osteo_print.cache import CACHE_NAME, BuildCache, Keys
from osteo_print.check import Row
from osteo_print.classset import run_class_sets
from osteo_print.errors import UsageError
from osteo_print.inputs import Inputs, list_inputs
from osteo_print.options import FORMATS, BuildOptions
from osteo_print.options import output_dir as options_output_dir
from osteo_print.packet import plan_packet
from osteo_print.plan import Job, plan_handouts, plan_quiz, web_jobs
from osteo_print.project import PAPER_NAMES, Project, check_names, open_project
from osteo_print.runner import JobResult, ProjectSpec, import_pdf, located, run_plan
from osteo_print.writer import Entry, FileInfo, OutputFile, check_output_folder, write_outputs

# The library's diagnostics; the command line prints them (a program using the library
# may too: configure this logger, or read BuildResult.warnings and .notices).
LOG = logging.getLogger("osteo_print")
LOG.addHandler(logging.NullHandler())


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
    jobs: list[Job] = field(default_factory=list)  # every job planned, in plan order

    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if not row.ok]


def build(options: BuildOptions, executor: Executor | None = None,
          progress: Callable[[int], None] | None = None,
          planned: Callable[[int], None] | None = None,
          inputs: Inputs | None = None, chunksize: int | None = None) -> BuildResult:
    """Validate everything, render what changed, then write it all at once.

    ``executor`` runs the rendering (any concurrent.futures.Executor, e.g. Dask's
    ``Client.get_executor()``); without one, ``options.jobs`` worker processes of this
    machine do. Each worker is sent the project itself, with absolute paths, and the
    digest of the build's inputs: one that sees other files (or other library versions)
    at those paths refuses to render, with a ``SetupError``. ``chunksize`` is how many
    jobs (documents) go in one task: by default one on a given executor, so that every
    worker of a cluster gets work, and about three tasks per worker process otherwise.
    ``planned`` hears how many jobs need rendering, ``progress`` how many finished.
    ``inputs`` is ``list_inputs(options)``, if the caller has it already (the command
    line does).

    Warnings and notices are in the result, and also go to the ``osteo_print`` logger
    (warnings as WARNING, notices as INFO) when the build ends.
    """
    # Hash the inputs before reading them: a file edited during the build then makes
    # the next build render again, never a stale page recorded as up to date.
    inputs = list_inputs(options) if inputs is None else inputs
    where = located(options)  # the paths as a worker on any machine finds them
    project = open_project(where.config_path, where.content_dir,
                           list(options.audiences), list(options.langs))
    jobs = plan(project, options)
    out_dir = output_dir(project, options)
    result = BuildResult([], out_dir, warnings=list(project.content.warnings), jobs=jobs)
    digest = inputs.digest() or ""
    if options.write:
        check_output_folder(out_dir)  # a web app's manifest: say so before rendering
    cache = BuildCache(out_dir) if options.write else None
    keys = Keys(project, inputs, {"html": options.html, "strict": options.strict})
    job_keys = {job: keys.key(job) for job in jobs}
    todo = _to_render(jobs, job_keys, None if options.force else cache, result)
    if planned:
        planned(len(todo))
    spec = ProjectSpec(where.config_path, where.content_dir, tuple(options.audiences),
                       tuple(options.langs), digest if where == options else "", where)
    written: dict[Job, list[OutputFile]] = {}
    web = [job for job in todo if job.web]
    for rendered in run_plan(project, spec, [job for job in todo if not job.web],
                             check=options.strict or not options.write,
                             workers=options.jobs or os.cpu_count() or 1,
                             executor=executor, chunksize=chunksize, progress=progress):
        outputs = _outputs(rendered, options.html, result)
        if outputs:
            written[rendered.job] = outputs
    if web:  # Jinja only, in this process: milliseconds a page
        from osteo_print.web import render_web

        for rendered in render_web(project, web):
            written[rendered.job] = _outputs(rendered, False, result)
            if progress:
                progress(1)
    assets = _web_assets(project, jobs)
    result.warnings += _unlinked_quizzes(project, jobs, out_dir)
    sets, unset = run_class_sets(project, options, jobs, job_keys, cache, written, out_dir,
                                 result)  # quiz --class-size: compose, never re-render
    if cache is not None:
        cache.fingerprint = digest
        cache.last_build = [j.stem for j in jobs] + [s.stem for s in sets]
        for job, outputs in written.items():
            cache.record(job, job_keys[job], [f.entry() for f in outputs])
        stale = [name for row in result.failed for name in cache.forget(row.job)] + unset
        files = [f for outputs in written.values() for f in outputs] + assets
        result.entries = write_outputs(out_dir, files, {CACHE_NAME: cache.payload},
                                       remove=stale, warnings=result.warnings
                                       ) + result.entries
    if todo:
        result.notices += _notices()
    for warning in result.warnings:
        LOG.warning("%s", warning)
    for notice in result.notices:
        LOG.info("%s", notice)
    return result


def _to_render(jobs: list[Job], keys: dict[Job, str], cache: BuildCache | None,
               result: BuildResult) -> list[Job]:
    """The jobs whose output is missing or stale; the others go into ``result``."""
    todo = []
    for job in jobs:
        fresh = cache.fresh(job, keys[job]) if cache is not None else None
        if fresh:
            result.entries += fresh
            result.up_to_date.append(job)
        else:
            todo.append(job)
    return todo


def _outputs(rendered: JobResult, html: bool, result: BuildResult) -> list[OutputFile]:
    """The files of one rendered job, or none when it failed the checks."""
    job = rendered.job
    result.rendered.append(job)
    result.warnings += [f"{job.stem}: {w}" for w in rendered.warnings]
    if rendered.row is not None:
        result.rows.append(rendered.row)
        if not rendered.row.ok:
            return []
    if job.web:
        return [_output(job, f"{job.stem}.html", rendered.html.encode("utf-8"), "html", None,
                        kind=f"web-{job.kind}")]
    outputs = [_output(job, f"{job.stem}.pdf", rendered.pdf, "pdf", rendered.pages)]
    if html:
        outputs.append(_output(job, f"{job.stem}.html", rendered.html.encode("utf-8"),
                               "html", None))
    for name, payload in rendered.data.items():  # a suffix of the stem, or a file name
        path = f"{job.stem}{name}" if name.startswith(".") else name
        outputs.append(_output(job, path, payload, path.rsplit(".", 1)[-1], None,
                               kind=f"{job.kind}-data"))
    return outputs


def _web_assets(project: Project, jobs: list[Job]) -> list[OutputFile]:
    """The assets/ folder the web pages link to, written with every build that has any
    (up to date or not: a few files, and never a page without its stylesheet)."""
    if not any(job.web for job in jobs):
        return []
    from osteo_print.web import web_assets

    return [OutputFile(path, data, FileInfo("web-asset", path.rsplit(".", 1)[-1], "", "", "",
                                            "", None, None))
            for path, data in web_assets(project).items()]


def _unlinked_quizzes(project: Project, jobs: list[Job], out_dir: Path) -> list[str]:
    """A web quiz's "See:" links lead to its handouts' web pages in the same folder: say
    so when this build makes none of them and the folder has none."""
    planned = {f"{job.stem}.html" for job in jobs if job.web and job.kind == "handout"}
    warnings = []
    for job in jobs:
        if not (job.web and job.kind == "quiz"):
            continue
        pages = [f"{d}_{job.audience}_{job.lang}.html" for d in project.content.names(job.lang)]
        if not any(page in planned or (out_dir / page).is_file() for page in pages):
            warnings.append(
                f"{job.stem}.html: its \"See:\" links lead to the handouts' web pages, "
                f"which are not in {out_dir}: build the handouts as web pages, for the same "
                "audience and language, into the same folder.")
    return warnings


def output_dir(project: Project, options: BuildOptions) -> Path:
    """Where the build writes, by the one rule (``options.output_dir``)."""
    return options_output_dir(options, project.config.defaults.out)


def plan(project: Project, options: BuildOptions) -> list[Job]:
    """Return every job the options ask for: handouts first, then quizzes and keys."""
    defaults = project.config.defaults
    papers = list(options.papers or defaults.papers)
    check_names("paper size", papers, list(PAPER_NAMES))
    langs = sorted({h[0] for h in project.content.handouts}, key=_lang_order(options, project))
    axes = (list(project.audiences), langs, papers)
    names = {lang: project.content.names(lang) for lang in langs}
    _untranslated(project, options.documents, langs, names)
    jobs = plan_handouts(options.documents, *axes, names) if options.handouts else []
    check_names("format", list(options.formats), list(FORMATS))
    if "pdf" not in options.formats and any(q.class_size for q in options.quizzes):
        raise UsageError("A class set is a PDF of printed sheets: build it with "
                         "{format_pdf} (or {format_both}), not web pages only.",
                         terms={"format_pdf": "format pdf", "format_both": "format pdf,html"})
    if options.html and "pdf" not in options.formats:
        raise UsageError("{html} writes the HTML each PDF is made from, for debugging; with "
                         "web pages only there is no PDF. Leave it out: the web pages are "
                         "the HTML to share.", terms={"html": "the debugging HTML"})
    if options.packet is not None and "html" in options.formats:
        raise UsageError("A class packet is printed only: it has no web page. Build its "
                         "handouts as web pages with 'build --format html'.")
    seed = defaults.seed
    for request in options.quizzes:
        if seed is not None and request.seed_from_default:
            request = request.with_seed(seed)
        if request.handout:
            _has_items(project, request.handout, langs)
        jobs += plan_quiz(request, *axes, names)
    if options.packet is not None:
        jobs += plan_packet(options.packet, *axes, names)
    web = web_jobs(jobs) if "html" in options.formats else []
    return (jobs if "pdf" in options.formats else []) + web


def _untranslated(project: Project, documents, langs: list[str],
                  names: dict[str, list[str]]) -> None:
    """A handout asked for that exists only in a language not asked for is untranslated."""
    root = project.content.root
    for document in documents:
        if any(document in names[lang] for lang in langs):
            continue
        elsewhere = sorted(p.parent.parent.name for p in root.glob(f"*/handouts/{document}.yaml"))
        if elsewhere:
            wanted = ", ".join(langs)
            raise UsageError(
                f"{document!r} is not translated into {wanted} yet: there is no "
                f"{root.name}/{langs[0]}/handouts/{document}.yaml (it is in "
                f"{', '.join(elsewhere)}).")


def _has_items(project: Project, handout: str, langs: list[str]) -> None:
    """Refuse to print a quiz on a handout that no item is about (an empty sheet)."""
    for lang in langs:
        for audience in project.audiences.values():
            if (lang, None) not in project.content.quizzes:
                continue
            pool = project.content.quiz(lang, audience.content).pool
            if handout in project.content.names(lang) and not any(
                    q.handout == handout for q in pool.values()):
                raise UsageError(
                    f"There is no quiz on the {handout!r} handout for {audience.name} readers "
                    f"in {lang}: no quiz item is about it. Add items with teaches: "
                    f"{{handout: {handout}, ...}} to the quiz bank, or a generator to the "
                    "handout.")


def _lang_order(options: BuildOptions, project: Project):
    order = list(options.langs or project.config.defaults.languages)
    return lambda lang: order.index(lang) if lang in order else len(order)


def _output(job: Job, path: str, data: bytes, fmt: str, pages: int | None,
            kind: str | None = None) -> OutputFile:
    one_sided = job.packet is not None and job.packet.single_sided
    info = FileInfo(kind or job.kind, fmt, job.document, job.audience, job.lang,
                    "" if job.web else job.paper,
                    pages, job.version, sheets=pages if one_sided and pages else None)
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
