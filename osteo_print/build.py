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

from osteo_print import fonts
from osteo_print.content import Content, load_content
from osteo_print.errors import FetchRefused, Problem, SetupError, display_path
from osteo_print.pages import page_for
from osteo_print.paths import BUILTIN_CONTENT, BUILTIN_TEMPLATES, PACKAGE_DIR
from osteo_print.plan import Job, QuizRequest, plan_handouts, plan_quiz
from osteo_print.templating import make_env, render
from osteo_print.writer import Entry, FileInfo, OutputFile, write_outputs


@dataclass(frozen=True)
class BuildOptions:
    """What to build and where; the defaults build every handout from the built-in content."""

    content_dir: Path = BUILTIN_CONTENT
    out_dir: Path = Path("output")
    documents: tuple[str, ...] = ()
    html: bool = False
    langs: tuple[str, ...] = ("en",)
    audiences: tuple[str, ...] = ("general",)
    papers: tuple[str, ...] = ("letter",)
    handouts: bool = True
    quizzes: tuple[QuizRequest, ...] = (QuizRequest(),)


@dataclass
class BuildResult:
    """The files a build wrote and the warnings it met."""

    entries: list[Entry]
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


@dataclass
class Project:
    """Loaded inputs shared by every job of one build."""

    content: Content
    template_dirs: tuple[Path, ...] = ()

    @property
    def roots(self) -> tuple[Path, ...]:
        """Folders that pages may read files from."""
        return (BUILTIN_TEMPLATES, BUILTIN_CONTENT, PACKAGE_DIR, fonts.FONT_DIR,
                self.content.root, *self.template_dirs)


def build(options: BuildOptions) -> BuildResult:
    """Validate the content, render every planned document, then write them all."""
    content = load_content(options.content_dir, options.langs)
    project = Project(content)
    jobs = plan(options)
    result = BuildResult([], warnings=list(content.warnings))
    files: list[OutputFile] = []
    for job, html, rendered, data in render_jobs(project, jobs):
        result.warnings += [f"{job.stem}: {w}" for w in rendered.warnings]
        files.append(_output(job, f"{job.stem}.pdf", rendered.pdf, "pdf", rendered.pages))
        if options.html:
            files.append(_output(job, f"{job.stem}.html", html.encode("utf-8"), "html", None))
        for suffix, payload in data.items():
            files.append(_output(job, f"{job.stem}{suffix}", payload, suffix.lstrip("."), None,
                                 kind=f"{job.kind}-data"))
    result.entries = write_outputs(options.out_dir, files)
    result.notices += _notices()
    return result


def plan(options: BuildOptions) -> list[Job]:
    """Return every job the options ask for: handouts first, then quizzes and keys."""
    axes = (options.audiences, options.langs, options.papers)
    jobs = plan_handouts(options.documents, *axes) if options.handouts else []
    for request in options.quizzes:
        jobs += plan_quiz(request, *axes)
    return jobs


def render_jobs(project: Project, jobs: Sequence[Job]
                ) -> Iterator[tuple[Job, str, Any, dict[str, bytes]]]:
    """Render each job in this process; yield (job, html, Rendered, data files)."""
    pdf = _import_pdf()
    _pin_source_date(project.content)
    renderer = pdf.Renderer(project.roots)
    env = make_env(project.template_dirs)
    base_url = BUILTIN_TEMPLATES.as_uri() + "/"
    for job in jobs:
        page = page_for(project.content, job)
        html = render(env, page.templates, page.context.as_dict())
        identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode()
        try:
            rendered = renderer.render(html, base_url, identifier)
        except pdf.RefusedURL as exc:
            raise FetchRefused(
                f"{job.stem}: a page refers to {exc.url!r}, which osteo-print will not read.",
                _locate(exc.url, project, exc.reason)) from None
        yield job, html, rendered, page.data


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


def _pin_source_date(content: Content) -> None:
    # Without HarfBuzz's subsetter, WeasyPrint's fallback stamps fonts with the time;
    # pinning SOURCE_DATE_EPOCH to the content's newest review date keeps PDFs identical.
    if "SOURCE_DATE_EPOCH" not in os.environ and content.handouts:
        import datetime as dt

        newest = max(h.last_reviewed for h in content.handouts.values())
        stamp = dt.datetime.combine(newest, dt.time(), tzinfo=dt.UTC).timestamp()
        os.environ["SOURCE_DATE_EPOCH"] = str(int(stamp))


def _locate(url: str, project: Project, reason: str) -> list[Problem]:
    """Find the template or content lines that mention ``url`` (or its file name)."""
    needles = {url}
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    if tail and tail != url:
        needles.add(tail)
    found = []
    for folder in (*project.template_dirs, BUILTIN_TEMPLATES, project.content.root):
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
