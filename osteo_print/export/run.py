"""Export the question bank, a form or its printed versions for an LMS; the library API.

    from osteo_print.export import ExportRequest, export
    result = export(ExportRequest(formats=("qti", "gift"), forms=("pre",), versions=3))

Which questions, and in which order, is decided exactly as ``osteo-print quiz`` decides
it (``build.plan`` plans the quiz jobs, ``pages.quiz_version`` selects and shuffles), so
a version's correct letters are those of its JSON answer key. All files of one run are
written at once into ``<out>/lms/`` (``writer.write_outputs``), with a manifest there.
"""

from __future__ import annotations

import gettext
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from osteo_print import __version__
from osteo_print.build import plan
from osteo_print.errors import UsageError
from osteo_print.export import gift, moodle, qti
from osteo_print.export.model import ExportItem, ExportQuiz, Format, Note, export_item
from osteo_print.i18n import locale_dirs, translations
from osteo_print.options import BuildOptions, QuizRequest, output_dir
from osteo_print.pages import See, _handouts, _see, quiz_version
from osteo_print.plan import Job
from osteo_print.project import Project, open_project
from osteo_print.quiz.versions import Printed
from osteo_print.writer import Entry, FileInfo, OutputFile, write_outputs

FORMATS: dict[str, Format] = {f.name: f for f in (qti.FORMAT, moodle.FORMAT, gift.FORMAT)}
FOLDER = "lms"  # inside the output folder
BANK = "bank"  # the quiz name of the whole question bank
KIND = "lms-export"
REPORT_KIND = "lms-report"
BOXES = {"box-key-points": "Key points", "box-actions": "What you can do",
         "box-questions": "Questions? Talk to your care team"}  # as answer-key.html names them


@dataclass(frozen=True)
class ExportRequest:
    """What to export, and where. Unset choices come from osteo-print.toml, then defaults.

    formats    "qti", "moodle", "gift" (at least one)
    forms      "all", "pre", "post"; with ``handout`` or ``versions``, a printed quiz
    handout    a quiz on one handout
    versions   how many printed versions (A, B, ...); default 1 for a form or handout
    seed       the shuffling seed, as for ``osteo-print quiz``
    Without forms, handout or versions: the whole question bank, unshuffled.
    """

    formats: tuple[str, ...]
    forms: tuple[str, ...] = ()
    handout: str | None = None
    versions: int | None = None
    seed: int | None = None
    langs: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    config_path: Path | None = None
    content_dir: Path | None = None
    out_dir: Path | None = None

    @property
    def bank(self) -> bool:
        return not self.forms and self.handout is None and self.versions is None

    def quiz_requests(self) -> tuple[QuizRequest, ...]:
        """The quizzes ``osteo-print quiz`` would print for the same options."""
        return tuple(QuizRequest(form=form if form or self.handout else "all",
                                 handout=self.handout,
                                 versions=1 if self.versions is None else self.versions,
                                 seed=self.seed)
                     for form in dict.fromkeys(self.forms or (None,)))


@dataclass
class ExportResult:
    """The files written (relative to ``out_dir``, the lms folder) and what the formats
    could not carry."""

    out_dir: Path
    entries: list[Entry]
    notes: list[Note]
    warnings: list[str] = field(default_factory=list)
    quizzes: list[ExportQuiz] = field(default_factory=list)

    @property
    def written(self) -> list[str]:
        return [e.path for e in self.entries]


def export(request: ExportRequest) -> ExportResult:
    """Write the exports the request asks for; return what was written and noted."""
    formats = _formats(request.formats)
    project = open_project(request.config_path, request.content_dir,
                           list(request.audiences), list(request.langs))
    quizzes = collect(project, request)
    warnings = list(project.content.warnings)
    if request.bank and request.seed is not None:
        warnings.append("--seed shuffles printed versions; the whole bank is exported "
                        "unshuffled (add --form or --versions to export versions)")
    files: list[OutputFile] = []
    notes: list[Note] = []
    for family in _families(quizzes):
        for fmt in formats:
            found = fmt.notes(family)
            notes += found
            files += [_file(quiz, fmt) for quiz in family]
            files.append(_report(family, fmt, found))
    out_dir = output_dir(BuildOptions(config_path=request.config_path,
                                      out_dir=request.out_dir),
                         project.config.defaults.out) / FOLDER
    entries = write_outputs(out_dir, files)
    return ExportResult(out_dir, entries, notes, warnings, quizzes)


def _formats(names: Sequence[str]) -> list[Format]:
    if not names:
        raise UsageError(f"Choose a format: {', '.join(FORMATS)}.")
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise UsageError(f"Unknown LMS format {', '.join(map(repr, unknown))}. "
                         f"Formats: {', '.join(FORMATS)}.")
    return [FORMATS[name] for name in dict.fromkeys(names)]


def collect(project: Project, request: ExportRequest) -> list[ExportQuiz]:
    """The bank, or every printed version asked for, per language and audience."""
    langs = _langs(project, request)
    if request.bank:
        return [bank_quiz(project, lang, audience)
                for lang in langs for audience in project.audiences]
    options = BuildOptions(config_path=request.config_path, content_dir=request.content_dir,
                           langs=tuple(langs), handouts=False, papers=("letter",),
                           quizzes=request.quiz_requests())
    return [version_quiz(project, job) for job in plan(project, options)
            if job.kind == "quiz"]


def _langs(project: Project, request: ExportRequest) -> list[str]:
    """The languages asked for, in order; each must have a quiz bank."""
    order = list(request.langs or project.config.defaults.languages)
    langs = [lang for lang in dict.fromkeys(order) if any(
        key[0] == lang for key in project.content.handouts)]
    for lang in langs:
        if (lang, None) not in project.content.quizzes:
            raise UsageError(f"There is no quiz bank in {lang!r}: add "
                             f"{project.content.root.name}/{lang}/quiz.yaml.")
    return langs


def version_quiz(project: Project, job: Job) -> ExportQuiz:
    """One printed version, as ``osteo-print quiz`` prints it and keys it."""
    view = quiz_version(project, job)
    version = view.version
    items = tuple(export_item(p, see_text(project, job, view.see[p.question.id]))
                  for p in version.questions)
    label = _words(project, job).gettext("Version %(letter)s") % {"letter": version.letter}
    return ExportQuiz(job.document, view.title, job.audience, job.lang, items,
                      version.letter, version.seed, version.code, label)


def bank_quiz(project: Project, lang: str, audience: str) -> ExportQuiz:
    """Every item a quiz can use (authored, then generated), unshuffled."""
    quizzes = project.content.quiz(lang, project.audiences[audience].content)
    job = Job("quiz", BANK, audience, lang, "letter")
    handouts = _handouts(project, job)
    items = []
    for number, question in enumerate(quizzes.pool.values(), 1):
        printed = Printed(number, question, tuple(range(len(question.options))),
                          tuple(range(len(question.prompts))))
        where = _see(project, job, handouts, question.handout, question.section)  # as keys
        items.append(export_item(printed, see_text(project, job, where)))
    return ExportQuiz(BANK, quizzes.bank.title, audience, lang, tuple(items))


def _words(project: Project, job: Job) -> gettext.NullTranslations:
    """The printed quiz's words (the template catalogs), in the job's language."""
    return translations(job.lang, locale_dirs(project.template_dirs(job.audience)))


def see_text(project: Project, job: Job, where: See) -> str:
    """"See: <handout> — <section or box>", in the job's language, as the key says it."""
    words = _words(project, job)
    place = where.section or (words.gettext(BOXES[where.box]) if where.box in BOXES
                              else where.box)
    return f"{words.gettext('See:')} {where.handout}" + (f" — {place}" if place else "")


def _families(quizzes: list[ExportQuiz]) -> list[list[ExportQuiz]]:
    """The versions of each quiz, audience and language, together, in order."""
    groups: dict[str, list[ExportQuiz]] = {}
    for quiz in quizzes:
        groups.setdefault(quiz.family, []).append(quiz)
    return list(groups.values())


def _info(quiz: ExportQuiz, kind: str, fmt: str, version: str | None) -> FileInfo:
    return FileInfo(kind, fmt, quiz.quiz, quiz.audience, quiz.lang, "", None, version)


def _file(quiz: ExportQuiz, fmt: Format) -> OutputFile:
    return OutputFile(f"{quiz.stem}{fmt.suffix}", fmt.render(quiz),
                      _info(quiz, KIND, fmt.name, quiz.letter))


def report_name(family: str, fmt: Format) -> str:
    return f"{family}.{fmt.name}-report.json"


def _report(family: list[ExportQuiz], fmt: Format, notes: list[Note]) -> OutputFile:
    """What a format carried of a quiz's versions and what it could not, as JSON."""
    first = family[0]
    data = {
        "generator": "osteo-print", "generator_version": __version__,
        "format": fmt.name, "quiz": first.quiz, "title": first.title,
        "audience": first.audience, "lang": first.lang, "seed": first.seed,
        "versions": [q.letter for q in family if q.letter],
        "files": [f"{q.stem}{fmt.suffix}" for q in family],
        "items": len(first.items), "item_types": _types(first.items),
        "cannot_carry": [{"item": n.item, "why": n.message} for n in notes if n.item],
        "file_notes": [n.message for n in notes if not n.item],
    }
    payload = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return OutputFile(report_name(first.family, fmt), payload,
                      _info(first, REPORT_KIND, "json", None))


def _types(items: Sequence[ExportItem]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.type] = counts.get(item.type, 0) + 1
    return counts
