"""The build plan: one independent job per output document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from osteo_print.errors import UsageError
from osteo_print.options import DEFAULT_SEED, QUIZ_FORMS, QuizRequest
from osteo_print.packet import PacketRequest
from osteo_print.quiz.versions import VersionError, version_letters


@dataclass(frozen=True, order=True)
class Job:
    """One document to render, for one audience, language and paper size.

    ``kind`` is "handout", "quiz", "answer-key" or "packet" (a class packet, whose
    ``packet`` says what it holds); for quizzes and keys ``document`` is the
    quiz id ("quiz", "quiz-pre", "quiz-post" or "quiz-<handout>") and ``version`` its
    letter.
    """

    kind: str
    document: str
    audience: str
    lang: str
    paper: str
    version: str | None = None
    seed: int = DEFAULT_SEED
    packet: PacketRequest | None = None  # kind "packet": its handouts, title, date, sides
    medium: str = "print"  # "web": a web page (handout or quiz), whatever the paper

    @property
    def web(self) -> bool:
        return self.medium == "web"

    @property
    def stem(self) -> str:
        """The output file name without extension; unique per job. A web page is the
        same on any paper: DOCUMENT_AUDIENCE_LANG[_VERSION]."""
        name = f"{self.document}-key" if self.kind == "answer-key" else self.document
        parts = [name, self.audience, self.lang] + ([] if self.web else [self.paper])
        if self.version:
            parts.append(self.version)
        return "_".join(parts)


def plan_handouts(documents: Sequence[str], audiences: Sequence[str], langs: Sequence[str],
                  papers: Sequence[str], names: Mapping[str, Sequence[str]]) -> list[Job]:
    """Return one job per handout x audience x language x paper, in a stable order.

    ``names`` lists each language's handouts in their order; a handout that a language
    lacks is left out of that language (the loader has said so). The error an unknown
    name gets has two terms, empty here, for a front end to fill: ``{also}``, other
    names its command takes, and ``{list}``, how to list them.
    """
    known = list(dict.fromkeys(d for lang in langs for d in names.get(lang, ())))
    unknown = [d for d in documents if d not in known]
    if unknown:
        raise UsageError(
            f"Unknown document {', '.join(map(repr, unknown))}. "
            f"Known documents: {', '.join(known)}{{also}}{{list}}.",
            terms={"also": "", "list": ""})
    return [Job("handout", d, a, lang, p)
            for lang in langs for a in audiences for p in papers for d in names.get(lang, ())
            if not documents or d in documents]


def web_jobs(jobs: Sequence[Job]) -> list[Job]:
    """The web page of each handout and quiz version among ``jobs``, once per audience and
    language (the first paper stands for all: a web page has none). Answer keys and class
    packets have no web page: the web quiz checks its own answers."""
    pages: dict[str, Job] = {}
    for job in jobs:
        if job.kind in ("handout", "quiz"):
            page = replace(job, medium="web")
            pages.setdefault(page.stem, page)
    return list(pages.values())


def plan_quiz(request: QuizRequest, audiences: Sequence[str], langs: Sequence[str],
              papers: Sequence[str], names: Mapping[str, Sequence[str]]) -> list[Job]:
    """Return a quiz job and an answer-key job per version x audience x language x paper."""
    if request.handout and request.form not in (None, "all"):
        raise UsageError("Choose either {form} or {handout}, not both.",
                         terms={"form": "a form", "handout": "a handout"})
    known = list(dict.fromkeys(d for lang in langs for d in names.get(lang, ())))
    if request.handout and request.handout not in known:
        raise UsageError(f"Unknown handout {request.handout!r}. "
                         f"Known handouts: {', '.join(known)}.")
    if request.handout:
        langs = [lang for lang in langs if request.handout in names.get(lang, ())]
    if request.form and request.form not in QUIZ_FORMS:
        raise UsageError(f"Unknown form {request.form!r}. Forms: {', '.join(QUIZ_FORMS)}.")
    try:
        letters = version_letters(request.versions)
    except VersionError as exc:
        raise UsageError(f"Too many or too few {{versions}}: {exc}.",
                         terms={"versions": "versions"}) from None
    if request.class_size is not None:
        from osteo_print.classset import check_class_size

        check_class_size(request.class_size)  # before anything is rendered
    seed = DEFAULT_SEED if request.seed is None else request.seed
    return [Job(kind, request.quiz_id, a, lang, p, letter, seed)
            for lang in langs for a in audiences for p in papers for letter in letters
            for kind in ("quiz", "answer-key")]
