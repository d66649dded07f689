"""Render web jobs (``Job.medium == "web"``): Jinja only, in this process."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from osteo_print.pages import page_for
from osteo_print.plan import Job
from osteo_print.project import Project
from osteo_print.runner import JobResult, job_env
from osteo_print.templating import render
from osteo_print.web.assets import ASSETS, logo_name


class WebRenderer:
    """Renders the web pages of one project; one Jinja environment per audience and
    language, kept while the project is the same (``osteo-print serve`` reuses it)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.envs: dict[tuple[str, str], Any] = {}

    def env(self, job: Job) -> Any:
        return job_env(self.project, job, self.envs)

    def run(self, job: Job) -> JobResult:
        page = page_for(self.project, job)
        clinic = self.project.clinic
        logo = logo_name(clinic.logo_data) if clinic and clinic.logo_data else None
        context = {**page.context.as_dict(), "assets": ASSETS + "/",
                   "logo_src": f"{ASSETS}/{logo}" if logo else None}
        html = render(self.env(job), page.templates, context)
        return JobResult(job, html, b"", 0, {})


def render_web(project: Project, jobs: Iterable[Job]) -> Iterator[JobResult]:
    """Render each web job of ``jobs``, in order."""
    renderer = WebRenderer(project)
    for job in jobs:
        yield renderer.run(job)
