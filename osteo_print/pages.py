"""From a job to what its page template needs: the context, and any data file beside it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from osteo_print.context import PAPERS, PageContext, font_faces
from osteo_print.handout import Handout
from osteo_print.options import QUIZ_FORMS
from osteo_print.plan import Job
from osteo_print.project import Project
from osteo_print.quiz.select import form_questions, handout_questions
from osteo_print.quiz.versions import Version, key_data, make_version
from osteo_print.sheet.marks import Sheet, sheet_hash

AUTHOR = "osteo-print"
TEMPLATES = {
    "handout": lambda job: [f"handouts/{job.document}.html", "handout.html"],
    "quiz": lambda job: ["quiz.html"],
    "answer-key": lambda job: ["answer-key.html"],
    "packet": lambda job: ["packet.html"],
}
WEB_TEMPLATES = {  # a web page (job.medium "web"): templates/web/, see osteo_print/web
    "handout": lambda job: [f"web/handouts/{job.document}.html", "web/handout.html"],
    "quiz": lambda job: ["web/quiz.html"],
}


@dataclass(frozen=True)
class See:
    """Where a handout teaches a quiz item: its title and a section heading or a box."""

    handout: str
    section: str | None = None
    box: str | None = None  # "box-key-points", "box-actions" or "box-questions"
    page: str | None = None  # the handout's web page (Job.stem rule), for a web quiz's link


@dataclass(frozen=True)
class QuizView:
    """What a quiz or answer-key template sees as ``doc``.

    title        the quiz title (for a handout quiz: the handout's title)
    version      the Version: letter, seed and the printed questions
    see          question id -> See, where the handout teaches it
    teach_back   (handout title, prompts) for each handout the quiz covers
    for_handout  the handout id of a one-handout quiz, else None
    sheet        a quiz sheet's scan marks (sheet.marks.Sheet); None on an answer key
    """

    title: str
    version: Version
    see: dict[str, See]
    teach_back: list[tuple[str, list[str]]]
    for_handout: str | None = None
    sheet: Sheet | None = None


@dataclass
class Page:
    """A page to render and the data files that go with it: a suffix of the job's stem
    (".json") or a whole file name ("quiz-answers_general_en_letter_A.csv") -> bytes."""

    context: PageContext
    templates: list[str]
    data: dict[str, bytes] = field(default_factory=dict)


def page_for(project: Project, job: Job) -> Page:
    """Build the page of one job."""
    if job.kind == "handout":
        return _handout_page(project, job)
    if job.kind == "packet":
        return _packet_page(project, job)
    return _quiz_page(project, job)


def _base(project: Project, job: Job) -> dict[str, Any]:
    clinic = project.clinic
    extra = {"accent": clinic.accent} if clinic and clinic.accent else {}
    return dict(kind=job.kind, document=job.document, lang=job.lang, medium=job.medium,
                audience=project.audiences[job.audience], paper=PAPERS[job.paper],
                clinic=clinic, author=clinic.name if clinic else AUTHOR, fonts=font_faces(),
                **extra)


def _handouts(project: Project, job: Job) -> dict[str, Handout]:
    variant = project.audiences[job.audience].content
    return {d: project.content.handout(job.lang, d, variant)
            for d in project.content.names(job.lang)}


def _handout_page(project: Project, job: Job) -> Page:
    doc = _handouts(project, job)[job.document]
    context = PageContext(
        **_base(project, job), doc=doc, sources=project.content.cited_sources(doc),
        reviewed=doc.last_reviewed, reviewed_by=doc.reviewed_by, title=doc.title,
        subject=doc.purpose,
        keywords=[doc.title, job.document, job.audience])
    return Page(context, _templates(job))


def _templates(job: Job) -> list[str]:
    return (WEB_TEMPLATES if job.web else TEMPLATES)[job.kind](job)


def quiz_version(project: Project, job: Job) -> QuizView:
    """Select, shuffle and describe the questions of a quiz job's version."""
    quizzes = project.content.quiz(job.lang, project.audiences[job.audience].content)
    handouts = _handouts(project, job)
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
    see = {q.id: _see(project, job, handouts, q.handout, q.section) for q in questions}
    covered = [d for d in handouts if any(q.handout == d for q in questions)]
    teach_back = [(handouts[d].title, quizzes.bank.teach_back.get(d, [])) for d in covered]
    return QuizView(title, version, see, teach_back, for_handout)


def _see(project: Project, job: Job, handouts: dict[str, Handout], document: str,
         section: str) -> See:
    handout = handouts[document]
    heading = handout.anchors().get(section)
    page = f"{Job('handout', document, job.audience, job.lang, job.paper, medium='web').stem}.html"
    if section.startswith("box-") and heading is None:
        return See(handout.title, box=section, page=page)
    return See(handout.title, section=heading, page=page)


def quiz_form(document: str) -> str | None:
    """The form of a quiz id ("all", "pre", "post"), or None for a one-handout quiz."""
    return next((form for form, quiz in QUIZ_FORMS.items() if quiz == document), None)


def version_hash(version: Version, job: Job) -> str:
    """The sheet hash of a quiz job's version (sheet.marks.sheet_hash)."""
    return sheet_hash(job.document, version.letter, version.seed, job.audience, job.lang,
                      job.paper, key_data(version))


def make_sheet(project: Project, job: Job, version: Version) -> Sheet:
    """The scan marks of a quiz job's sheet."""
    form = quiz_form(job.document)
    digits = project.config.quiz.class_id_digits if form in ("pre", "post") else 0
    return Sheet(job.document, form, version.letter, version.seed, version.code,
                 version_hash(version, job), job.audience, job.lang, job.paper, digits)


def _quiz_page(project: Project, job: Job) -> Page:
    view = quiz_version(project, job)
    if job.kind == "quiz" and not job.web:  # a web quiz is not scanned
        view = replace(view, sheet=make_sheet(project, job, view.version))
    bank = project.content.quiz(job.lang, project.audiences[job.audience].content).bank
    context = PageContext(
        **_base(project, job), doc=view, sources=[], reviewed=bank.last_reviewed,
        title=view.title, subject=view.title,
        keywords=[view.title, job.document, job.kind, job.version or "A"])
    page = Page(context, _templates(job))
    if job.kind == "answer-key":
        from osteo_print.sheet.typed import typed_answers_csv, typed_answers_name

        page.data[".json"] = key_json(view, job)
        page.data[typed_answers_name(job)] = typed_answers_csv(
            job.document, [(view.version.letter, view.version.code)],
            len(view.version.questions))
    return page


def key_json(view: QuizView, job: Job) -> bytes:
    """The machine-readable answer key of one version."""
    questions = key_data(view.version)
    data = {
        "quiz": job.document, "title": view.title, "version": view.version.letter,
        "seed": view.version.seed, "code": view.version.code,
        "hash": version_hash(view.version, job), "lang": job.lang, "audience": job.audience,
        "paper": job.paper, "total_points": view.version.total_points,
        "questions": questions,
    }
    for row in questions:  # where the handouts teach it, in the sheet's language
        see = view.see.get(row["id"])
        if see is not None:
            row["see"] = {"handout_title": see.handout,
                          "section_title": see.section, "box": see.box}
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _packet_page(project: Project, job: Job) -> Page:
    """A class packet: each handout part keeps its own template and sources."""
    from osteo_print.i18n import locale_dirs, translations
    from osteo_print.packet import packet_view

    handouts = _handouts(project, job)
    view = packet_view(project, job, handouts, lambda d: TEMPLATES["handout"](
        Job("handout", d, job.audience, job.lang, job.paper)))
    if not view.title:
        folders = project.template_dirs(job.audience)
        title = translations(job.lang, locale_dirs(folders)).gettext("Bone health class")
        view = replace(view, title=title)
    reviewed = min(p.doc.last_reviewed for p in view.parts)  # the oldest part's review
    context = PageContext(
        **_base(project, job), doc=view, sources=[], reviewed=reviewed, title=view.title,
        subject=view.title, keywords=[view.title, job.document, job.audience])
    return Page(context, TEMPLATES["packet"](job))

