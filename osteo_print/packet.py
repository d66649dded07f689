"""A class packet: cover, contents, the chosen handouts, a facilitator guide, a sign-in sheet.

One job per audience, language and paper (kind "packet"), laid out as one HTML document
so that ``target-counter()`` puts real page numbers on the contents page. Each handout
part is drawn by that handout's own template (``handouts/<name>.html`` or
``handout.html``, a project's override first), with its own sources list.

This module is imported by the command line and the plan, so it imports nothing heavy
at the top: the content models come in inside the functions that need them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from osteo_print.errors import UsageError

if TYPE_CHECKING:
    from osteo_print.handout import Handout
    from osteo_print.models import Source
    from osteo_print.plan import Job
    from osteo_print.project import Project

# Suggested timing, stated in docs/content-model.md ("Class packets").
WORDS_PER_MINUTE = 60  # reading aloud at about 120 words a minute, and as long again to talk
ROUND_TO = 5  # minutes
MINUTES_PER_QUESTION = 1
TEST_HANDLING = 2  # minutes to hand out and collect a test
TITLE_MAX = 120
ID_RE = re.compile(r'(?<![\w-])(id)="([^"]+)"')
HREF_RE = re.compile(r'href="#([^"]+)"')
SKIP_KEYS = {"type", "id", "source", "picture", "key", "marks", "last_reviewed",
             "reviewed_by", "order", "topic", "sourced", "objectives", "minutes", "blank_rows"}


@dataclass(frozen=True, order=True)
class PacketRequest:
    """What the ``packet`` command asks for: the handouts (empty: all), title, date, sides.

    ``date`` is an ISO date string (YYYY-MM-DD), checked by ``parse_date``; a missing
    title is the translated "Bone health class".
    """

    documents: tuple[str, ...] = ()
    title: str | None = None
    date: str | None = None
    single_sided: bool = False


DATE_TERMS = {"date": "The class date"}
TITLE_TERMS = {"title": "The class title"}


def parse_date(text: str | None) -> str | None:
    """Check a class date; return it as YYYY-MM-DD or raise a UsageError."""
    if text is None:
        return None
    value = text.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise UsageError(f"{{date}} {text!r} is not a date written as YYYY-MM-DD "
                         "(for example 2026-12-03).", terms=DATE_TERMS)
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise UsageError(f"{{date}} {text!r} is not a real date: {exc}.",
                         terms=DATE_TERMS) from None


def check_title(text: str | None) -> str | None:
    """Check a class title: one line of at most TITLE_MAX characters."""
    if text is None:
        return None
    value = " ".join(text.split())
    if not value:
        raise UsageError("{title} is empty: give the class a title, or none for the "
                         "default one.", terms=TITLE_TERMS)
    if len(value) > TITLE_MAX:
        raise UsageError(f"{{title}} is {len(value)} characters long; keep it to "
                         f"{TITLE_MAX}.", terms=TITLE_TERMS)
    return value



def plan_packet(request: PacketRequest, audiences: Sequence[str], langs: Sequence[str],
                papers: Sequence[str], names: Mapping[str, Sequence[str]]) -> list[Job]:
    """Return one packet job per audience x language x paper, in a stable order."""
    from osteo_print.plan import Job, plan_handouts

    plan_handouts(request.documents, audiences, langs, papers, names)  # unknown names
    return [Job("packet", "packet", a, lang, p, packet=request)
            for lang in langs for a in audiences for p in papers
            if any(not request.documents or d in request.documents
                   for d in names.get(lang, ()))]


# What the packet template sees as ``doc``.

@dataclass(frozen=True)
class HandoutPart:
    """One handout in the packet, drawn by its own template with its own sources."""

    name: str
    doc: Handout
    sources: list[Source]
    templates: list[str]


@dataclass(frozen=True)
class GuideEntry:
    """A handout's part of the facilitator guide."""

    name: str
    title: str
    objectives: list[str]
    teach_back: list[str]
    minutes: int
    estimated: bool  # from the word count, not the handout's ``minutes``
    words: int


@dataclass(frozen=True)
class QuizTime:
    """The pre- or post-test: its title, question count and minutes."""

    title: str
    questions: int
    minutes: int


@dataclass(frozen=True)
class PacketView:
    """The packet: its parts in order, the guide, the tests' timing and the sign-in rows.

    title        the class title; date: the class date or None (a line to write it on)
    single_sided True: parts start on a new page, never on a blank one
    parts        the HandoutParts, in the order asked (default: by ``order``)
    guide        a GuideEntry per handout; pre_test / post_test: QuizTime or None
    sign_in_rows, sign_in_row_mm   the sign-in sheet's rows, which fill one page
    total        the minutes of the whole class
    """

    title: str
    date: dt.date | None
    single_sided: bool
    parts: list[HandoutPart]
    guide: list[GuideEntry]
    pre_test: QuizTime | None
    post_test: QuizTime | None
    sign_in_rows: int
    sign_in_row_mm: float = 11.0

    @staticmethod
    def scoped(html: str, part: str) -> Any:
        """A part's HTML with its ids (and links to them) prefixed, unique in the packet."""
        from markupsafe import Markup

        html = ID_RE.sub(lambda m: f'{m.group(1)}="{part}--{m.group(2)}"', str(html))
        return Markup(HREF_RE.sub(lambda m: f'href="#{part}--{m.group(1)}"', html))

    @property
    def total(self) -> int:
        tests = [t.minutes for t in (self.pre_test, self.post_test) if t]
        return sum(g.minutes for g in self.guide) + sum(tests)


def word_count(handout: Handout) -> int:
    """The words a reader reads in a handout: every text of its title, purpose and body."""
    from osteo_print.models import walk

    words = 0
    for name in ("title", "purpose", "blocks"):
        for loc, value in walk(getattr(handout, name), (name,)):
            if isinstance(value, str) and not any(k in SKIP_KEYS for k in loc
                                                  if isinstance(k, str)):
                words += len(value.split())
    return words


def estimate_minutes(words: int) -> int:
    """Words / WORDS_PER_MINUTE, rounded up to ROUND_TO minutes, at least ROUND_TO."""
    return max(ROUND_TO, math.ceil(words / WORDS_PER_MINUTE / ROUND_TO) * ROUND_TO)


def quiz_minutes(questions: int) -> int:
    return questions * MINUTES_PER_QUESTION + TEST_HANDLING


def sign_in_row_mm(audience: Any) -> float:
    """The height of a sign-in row: room to write by hand, more for larger type."""
    return round(max(11.0, audience.body_pt * 0.95), 1)


def sign_in_rows(audience: Any, paper_name: str) -> int:
    """Rows that fill one page below the sign-in heading, for this type size and paper."""
    pt = 25.4 / 72
    height_mm = {"letter": 279.4 - 19.05 - 20.32, "a4": 297 - 19 - 21}[paper_name]
    lines = audience.body_pt * audience.line_height
    heading_mm = pt * (audience.title_pt * 1.2 + 6 + audience.lead_pt * audience.line_height
                       + 6 + 2 * lines + 8) - 4  # title, class line, two-line header, slack
    return max(5, int((height_mm - heading_mm) // (sign_in_row_mm(audience) + 0.4)))


def packet_view(project: Project, job: Job, handouts: dict[str, Handout],
                templates: Any) -> PacketView:
    """Describe a packet job: which handouts, the guide, the tests, the sign-in rows."""
    from osteo_print.quiz.select import form_questions

    request: PacketRequest = job.packet or PacketRequest()
    chosen = [d for d in request.documents if d in handouts] if request.documents \
        else list(handouts)
    audience = project.audiences[job.audience]
    quizzes = project.content.quiz(job.lang, audience.content) \
        if (job.lang, None) in project.content.quizzes else None
    parts, guide = [], []
    for name in chosen:
        doc = handouts[name]
        parts.append(HandoutPart(name, doc, project.content.cited_sources(doc),
                                 templates(name)))
        words = word_count(doc)
        prompts = list(quizzes.bank.teach_back.get(name, [])) if quizzes else []
        guide.append(GuideEntry(name, doc.title, list(doc.objectives), prompts,
                                doc.minutes or estimate_minutes(words), doc.minutes is None,
                                words))
    tests: dict[str, QuizTime | None] = {"pre": None, "post": None}
    if quizzes is not None:
        for form in tests:
            if form in quizzes.bank.forms:
                count = len(form_questions(quizzes.bank, quizzes.pool, form))
                tests[form] = QuizTime(quizzes.bank.forms[form].title, count,
                                       quiz_minutes(count))
    date = dt.date.fromisoformat(request.date) if request.date else None
    return PacketView(request.title or "", date, request.single_sided, parts, guide,
                      tests["pre"], tests["post"], sign_in_rows(audience, job.paper),
                      sign_in_row_mm(audience))
