"""From a job to what its page template needs: the context, and any data file beside it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from osteo_print.content import Content
from osteo_print.context import PAPERS, Audience, PageContext, font_faces
from osteo_print.models import HANDOUTS, Handout
from osteo_print.plan import QUIZ_FORMS, Job
from osteo_print.quiz.select import form_questions, handout_questions
from osteo_print.quiz.versions import Version, key_data, make_version

AUTHOR = "osteo-print patient education"
TEMPLATES = {
    "handout": lambda job: [f"handouts/{job.document}.html", "handout.html"],
    "quiz": lambda job: ["quiz.html"],
    "answer-key": lambda job: ["answer-key.html"],
}


@dataclass(frozen=True)
class QuizView:
    """What a quiz or answer-key template sees as ``doc``.

    title        the quiz title (for a handout quiz: the handout's title)
    version      the Version: letter, seed and the printed questions
    handouts     handout id -> Handout, to name where each item is taught
    teach_back   (handout title, prompts) for each handout the quiz covers
    for_handout  the handout id of a one-handout quiz, else None
    """

    title: str
    version: Version
    handouts: dict[str, Handout]
    teach_back: list[tuple[str, list[str]]]
    for_handout: str | None = None


@dataclass
class Page:
    """A page to render and the data files that go with it (suffix -> bytes)."""

    context: PageContext
    templates: list[str]
    data: dict[str, bytes] = field(default_factory=dict)


def page_for(content: Content, job: Job) -> Page:
    """Build the page of one job."""
    if job.kind == "handout":
        return _handout_page(content, job)
    return _quiz_page(content, job)


def _base(job: Job) -> dict[str, Any]:
    return dict(kind=job.kind, document=job.document, lang=job.lang, audience=Audience(),
                paper=PAPERS[job.paper], clinic=None, author=AUTHOR, fonts=font_faces())


def _handout_page(content: Content, job: Job) -> Page:
    doc = content.handout(job.lang, job.document)
    context = PageContext(
        **_base(job), doc=doc, sources=content.cited_sources(doc), reviewed=doc.last_reviewed,
        title=doc.title, subject=doc.purpose,
        keywords=["osteoporosis", "patient education", job.document])
    return Page(context, TEMPLATES["handout"](job))


def quiz_version(content: Content, job: Job) -> QuizView:
    """Select, shuffle and describe the questions of a quiz job's version."""
    quizzes = content.quizzes[job.lang]
    handouts = {d: content.handout(job.lang, d) for d in HANDOUTS}
    forms = {v: k for k, v in QUIZ_FORMS.items()}
    if job.document in forms:
        form = forms[job.document]
        questions = form_questions(quizzes.bank, quizzes.pool, form)
        title, for_handout = quizzes.bank.forms[form].title, None
    else:
        for_handout = job.document.removeprefix("quiz-")
        questions = handout_questions(quizzes.pool, for_handout, job.seed)
        title = handouts[for_handout].title
    version = make_version(questions, job.document, job.seed, job.version or "A")
    covered = [d for d in HANDOUTS if any(q.handout == d for q in questions)]
    teach_back = [(handouts[d].title, quizzes.bank.teach_back.get(d, [])) for d in covered]
    return QuizView(title, version, handouts, teach_back, for_handout)


def _quiz_page(content: Content, job: Job) -> Page:
    view = quiz_version(content, job)
    bank = content.quizzes[job.lang].bank
    context = PageContext(
        **_base(job), doc=view, sources=[], reviewed=bank.last_reviewed,
        title=view.title, subject=view.title,
        keywords=["osteoporosis", "patient education", job.kind, f"version {job.version}"])
    page = Page(context, TEMPLATES[job.kind](job))
    if job.kind == "answer-key":
        page.data[".json"] = key_json(view, job)
    return page


def key_json(view: QuizView, job: Job) -> bytes:
    """The machine-readable answer key of one version."""
    data = {
        "quiz": job.document, "title": view.title, "version": view.version.letter,
        "seed": view.version.seed, "lang": job.lang, "audience": job.audience,
        "total_points": view.version.total_points, "questions": key_data(view.version),
    }
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
