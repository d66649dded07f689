"""Print report.pdf and review.pdf: the project's templates (a clinic may override
report.html, review.html or report.css), its sandboxed Jinja, and its tagged-PDF
renderer, in the handouts' look (general audience type sizes) and the class's
language and paper."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from osteo_print.context import PAPERS, PageContext, font_faces
from osteo_print.errors import FetchRefused, Problem
from osteo_print.i18n import locale_dirs, translations
from osteo_print.pages import AUTHOR
from osteo_print.paths import BUILTIN_TEMPLATES
from osteo_print.project import Project
from osteo_print.score.words import Words
from osteo_print.templating import make_env, render

AUDIENCE = "general"
_RENDERERS: dict[tuple[Path, ...], Any] = {}  # one per set of allowed folders: its fonts


@dataclass(frozen=True)
class Printed:
    pdf: bytes
    pages: int
    warnings: tuple[str, ...]


class Printer:
    """Render the scoring documents of one run, in one language and paper size."""

    def __init__(self, project: Project, lang: str, paper: str) -> None:
        self.project = project
        self.lang = lang
        self.paper = paper
        folders = project.template_dirs(AUDIENCE)
        self.translations = translations(lang, locale_dirs(folders))
        self.words = Words(lang, self.translations)
        self.env = make_env(folders, self.translations)
        self._renderer: Any = None

    @property
    def width_in(self) -> float:
        """The text width of the page, in inches: the plots are drawn this wide."""
        return PAPERS[self.paper].content_width_pt / 72

    def reviewed(self) -> dt.date:
        """The date the PDFs carry: the content's newest review (never the clock, so
        the same input gives the same bytes)."""
        dates = [h.last_reviewed for h in self.project.content.handouts.values()]
        return max(dates) if dates else dt.date(2000, 1, 1)

    def print(self, template: str, document: str, view: Any, title: str) -> Printed:
        """Render ``template`` with ``view`` as ``doc``; return the tagged PDF."""
        project = self.project
        clinic = project.clinic
        extra = {"accent": clinic.accent} if clinic and clinic.accent else {}
        context = PageContext(
            kind="score", document=document, lang=self.lang,
            audience=project.audiences[AUDIENCE], paper=PAPERS[self.paper], doc=view,
            sources=[], clinic=clinic, reviewed=self.reviewed(), title=title,
            author=clinic.name if clinic else AUTHOR, subject=title,
            keywords=[title, document], fonts=font_faces(), **extra)
        html = render(self.env, [template], context.as_dict())
        return self._pdf(html, document)

    def _pdf(self, html: str, document: str) -> Printed:
        from osteo_print.runner import import_pdf, rendering

        pdf = import_pdf()
        if self._renderer is None:
            self._renderer = _renderer(pdf, tuple(self.project.roots))
        self._renderer.image_cache.clear()  # the plots and crops of another run
        base_url = (self.project.override_dir or BUILTIN_TEMPLATES).resolve().as_uri() + "/"
        try:
            with rendering(self.project):
                done = self._renderer.render(html, base_url, copyfit=False)
        except pdf.RefusedURL as exc:
            raise FetchRefused(f"{document}: a page refers to {exc.url!r}, which osteo-print "
                               "will not read.", [Problem("templates", None, "", exc.reason)]
                               ) from None
        return Printed(done.pdf, done.pages, tuple(done.warnings))


def _renderer(pdf: Any, roots: tuple[Path, ...]) -> Any:
    """A renderer for pages that may read ``roots``, kept for the next run in this
    process (loading the fonts is a good part of a render)."""
    if roots not in _RENDERERS:
        _RENDERERS.clear()
        _RENDERERS[roots] = pdf.Renderer(roots)
    return _RENDERERS[roots]
