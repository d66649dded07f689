"""The library API: build documents from content, without Click.

    from osteo_print.build import BuildOptions, build
    result = build(BuildOptions(out_dir=Path("output")))
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from osteo_print.check import Row, check_document
from osteo_print.errors import FetchRefused, Problem, SetupError, display_path
from osteo_print.i18n import translations
from osteo_print.pages import page_for
from osteo_print.paths import BUILTIN_TEMPLATES
from osteo_print.plan import Job, QuizRequest, plan_handouts, plan_quiz
from osteo_print.project import PAPER_NAMES, Project, check_names, open_project
from osteo_print.templating import make_env, render
from osteo_print.writer import Entry, FileInfo, OutputFile, write_outputs


@dataclass(frozen=True)
class BuildOptions:
    """What to build and where. Unset choices come from osteo-print.toml, then defaults.

    audiences may hold "all". The defaults build every handout and the default quiz
    from the built-in content, for the general audience, in English, on Letter paper.
    """

    config_path: Path | None = None
    content_dir: Path | None = None
    out_dir: Path | None = None
    documents: tuple[str, ...] = ()
    html: bool = False
    audiences: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    papers: tuple[str, ...] = ()
    handouts: bool = True
    quizzes: tuple[QuizRequest, ...] = (QuizRequest(),)
    strict: bool = False  # run the checks and write nothing that fails them
    write: bool = True  # False: render and check only (osteo-print check)


@dataclass
class BuildResult:
    """The files a build wrote and the warnings it met."""

    entries: list[Entry]
    out_dir: Path
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)  # check results, with strict or check

    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if not row.ok]


def build(options: BuildOptions) -> BuildResult:
    """Validate everything, render every planned document, then write them all."""
    project = open_project(options.config_path, options.content_dir,
                           list(options.audiences), list(options.langs))
    jobs = plan(project, options)
    out_dir = output_dir(project, options)
    result = BuildResult([], out_dir, warnings=list(project.content.warnings))
    files: list[OutputFile] = []
    checking = options.strict or not options.write
    for job, html, rendered, data in render_jobs(project, jobs):
        result.warnings += [f"{job.stem}: {w}" for w in rendered.warnings]
        if checking:
            row = check_document(job, project.audiences[job.audience], html, rendered.pdf,
                                 project.config.check)
            result.rows.append(row)
            if not row.ok:
                continue
        files.append(_output(job, f"{job.stem}.pdf", rendered.pdf, "pdf", rendered.pages))
        if options.html:
            files.append(_output(job, f"{job.stem}.html", html.encode("utf-8"), "html", None))
        for suffix, payload in data.items():
            files.append(_output(job, f"{job.stem}{suffix}", payload, suffix.lstrip("."), None,
                                 kind=f"{job.kind}-data"))
    if options.write and files:
        result.entries = write_outputs(out_dir, files)
    result.notices += _notices()
    return result


def output_dir(project: Project, options: BuildOptions) -> Path:
    if options.out_dir is not None:
        return options.out_dir
    if project.config.defaults.out and project.config_path:
        return project.config_path.parent / project.config.defaults.out
    return Path("output")


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


def render_jobs(project: Project, jobs: Sequence[Job]
                ) -> Iterator[tuple[Job, str, Any, dict[str, bytes]]]:
    """Render each job in this process; yield (job, html, Rendered, data files)."""
    pdf = _import_pdf()
    _pin_source_date(project)
    renderer = pdf.Renderer(project.roots)
    envs: dict[tuple[str, str], Any] = {}
    base_url = BUILTIN_TEMPLATES.as_uri() + "/"
    for job in jobs:
        key = (job.audience, job.lang)
        if key not in envs:
            folders = project.template_dirs(job.audience)
            envs[key] = make_env(folders, translations(job.lang, _locale_dirs(folders)))
        page = page_for(project, job)
        html = render(envs[key], page.templates, page.context.as_dict())
        identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode()
        try:
            rendered = renderer.render(html, base_url, identifier)
        except pdf.RefusedURL as exc:
            raise FetchRefused(
                f"{job.stem}: a page refers to {exc.url!r}, which osteo-print will not read.",
                _locate(exc.url, project, job, exc.reason)) from None
        yield job, html, rendered, page.data


def _locale_dirs(folders: tuple[Path, ...]) -> tuple[Path, ...]:
    return tuple(f / "locales" for f in folders if (f / "locales").is_dir())


def _import_pdf():
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


def _output(job: Job, path: str, data: bytes, fmt: str, pages: int | None,
            kind: str | None = None) -> OutputFile:
    info = FileInfo(kind or job.kind, fmt, job.document, job.audience, job.lang, job.paper,
                    pages, job.version)
    return OutputFile(path, data, info)


def _pin_source_date(project: Project) -> None:
    # Without HarfBuzz's subsetter, WeasyPrint's fallback stamps fonts with the time;
    # pinning SOURCE_DATE_EPOCH to the content's newest review date keeps PDFs identical.
    handouts = project.content.handouts
    if "SOURCE_DATE_EPOCH" not in os.environ and handouts:
        import datetime as dt

        newest = max(h.last_reviewed for h in handouts.values())
        stamp = dt.datetime.combine(newest, dt.time(), tzinfo=dt.UTC).timestamp()
        os.environ["SOURCE_DATE_EPOCH"] = str(int(stamp))


def _locate(url: str, project: Project, job: Job, reason: str) -> list[Problem]:
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


def _notices() -> list[str]:
    """Say once per machine that a faster, reproducible font subsetter is missing."""
    if _import_pdf().HAS_HARFBUZZ_SUBSET:
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
