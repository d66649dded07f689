"""What report.html and review.html show: the class's numbers, ready to print.

The views hold text already in the report's language (numbers formatted, phrases
translated) and the plots; no view holds a person's name except the review's, and
only when the run is not anonymous. The template context is the project's usual
``PageContext`` with one of these views as ``doc``.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from osteo_print.score import plots, stats
from osteo_print.score.model import Scored, See
from osteo_print.score.scans import CLASS_ID_CROP, NAME_CROP
from osteo_print.score.stats import POST, PRE, Gain, ItemStat, Summary
from osteo_print.score.words import Words

BOXES = {"box-key-points": "Key points", "box-actions": "What you can do",
         "box-questions": "Questions? Talk to your care team"}
FLAG_WORDS = {stats.FLAG_EASY: "too easy", stats.FLAG_HARD: "too hard",
              stats.FLAG_NEGATIVE: "negative discrimination"}
SERIES = ((PRE, "Before (pre-test)", "before"), (POST, "After (post-test)", "after"))
REASONS = {"two-marks": "two marks", "faint": "a faint mark",
           "filled": "a box filled in or crossed out", "empty-digit": "a digit left empty"}


@dataclass(frozen=True)
class ItemRow:
    """One item in the report's item table (numbers as text)."""

    questions: str  # "A3, B7": where it is printed on each version
    item: str
    stem: str
    objective: str
    n: int
    difficulty: str
    discrimination: str
    flags: tuple[str, ...]  # translated; empty when nothing to review


@dataclass(frozen=True)
class QuizPart:
    """One quiz's scores: its name, summary numbers, bar chart and items."""

    quiz: str
    name: str  # "pre-test", "post-test", or the quiz's title
    heading: str  # "Pre-test", "Post-test", or the quiz's title
    title: str
    n: int
    mean: str
    median: str
    low: str
    high: str
    plot: plots.Plot
    items: tuple[ItemRow, ...]
    flagged: int  # items to review


@dataclass(frozen=True)
class PairRow:
    label: str
    before: str
    after: str
    gain: str
    g: str


@dataclass(frozen=True)
class GainText:
    """The class's gain over its pairs, as text ("—" where there is no pair)."""

    mean_before: str
    mean_after: str
    mean_gain: str
    g: str
    improved: int
    same: int
    lower: int


@dataclass(frozen=True)
class PrePost:
    """The pre -> post comparison of the pairs of sheets found."""

    n_pre: int
    n_post: int
    pairs: tuple[PairRow, ...]
    gain: GainText
    plot: plots.Plot | None
    pre_only: tuple[str, ...]
    post_only: tuple[str, ...]
    clashes: tuple[str, ...]
    paired_by_name: int


@dataclass(frozen=True)
class ObjectiveRow:
    name: str
    shares: tuple[str, ...]  # one per column of ReportView.objective_columns
    change: str
    see: tuple[str, ...]
    stuck: bool  # did not move
    fell: bool  # the share went down


@dataclass(frozen=True)
class ReportView:
    """What report.html sees as ``doc``.

    title, subtitle      the heading and the line under it
    fmt                  Words: more numbers in the page's language, if a template wants
    parts                QuizPart per quiz scored, pre-test first
    prepost              PrePost, or None when no pre-test or no post-test was scored
    objectives           ObjectiveRow per learning objective; objective_columns their
                         column headings; objectives_plot their dot chart (or None)
    to_review, decided   doubtful marks left, and decided in review.csv
    flagged_sheets       sheets with anything to look at
    notices              pages not read, seen twice or missing (file and page only)
    rules                the scoring and analysis thresholds, as text
    """

    title: str
    subtitle: str
    fmt: Words
    sheets: int
    parts: tuple[QuizPart, ...]
    prepost: PrePost | None
    objectives: tuple[ObjectiveRow, ...]
    objective_columns: tuple[str, ...]
    objectives_plot: plots.Plot | None
    stuck: tuple[ObjectiveRow, ...]
    to_review: int
    decided: int
    flagged_sheets: int
    notices: tuple[str, ...]
    rules: dict[str, str]


def quiz_name(quiz: str, title: str, words: Words, heading: bool = False) -> str:
    """"pre-test" and "post-test" ("Pre-test" in a heading); another quiz's title."""
    if quiz == PRE:
        return words("Pre-test") if heading else words("pre-test")
    if quiz == POST:
        return words("Post-test") if heading else words("post-test")
    return title or quiz


def report_view(scored: Sequence[Scored], notices: Sequence[str], words: Words,
                width_in: float) -> ReportView:
    """Everything the class report shows."""
    items = stats.item_stats(scored)
    parts = tuple(_part(s, [i for i in items if i.quiz == s.quiz], words, width_in)
                  for s in stats.summaries(scored))
    quizzes = [p.quiz for p in parts]
    prepost = _prepost(scored, words, width_in) if PRE in quizzes and POST in quizzes \
        else None
    objective_rows, columns, plot = _objectives(scored, parts, words, width_in)
    doubtful = sum(len(s.doubtful) + bool(s.sheet.class_id_doubt) for s in scored)
    decided = sum(len(s.sheet.reviewed) for s in scored)
    return ReportView(
        title=words("Class results"),
        subtitle=" · ".join(p.title for p in parts),
        fmt=words, sheets=len(scored), parts=parts, prepost=prepost,
        objectives=objective_rows, objective_columns=columns, objectives_plot=plot,
        stuck=tuple(r for r in objective_rows if r.stuck), to_review=doubtful,
        decided=decided, flagged_sheets=sum(1 for s in scored if s.flags()),
        notices=tuple(notices), rules=_rules(words))


def _rules(words: Words) -> dict[str, str]:
    return {"easy": words.num(stats.TOO_EASY), "hard": words.num(stats.TOO_HARD),
            "min_n": str(stats.MIN_DISCRIMINATION_N),
            "moved": words.num(stats.NOT_MOVED_POINTS, 0),
            "mastered": words.pct(stats.MASTERED_PERCENT)}


def _part(summary: Summary, items: list[ItemStat], words: Words, width_in: float) -> QuizPart:
    name = quiz_name(summary.quiz, summary.title, words)
    rows = tuple(ItemRow(", ".join(f"{v}{n}" for v, n in i.questions), i.item, i.stem,
                         i.objective,
                         i.n, words.num(i.difficulty), words.num(i.discrimination),
                         tuple(words(FLAG_WORDS[f]) for f in i.flags)) for i in items)
    heading = quiz_name(summary.quiz, summary.title, words, heading=True)
    return QuizPart(summary.quiz, name, heading, summary.title, summary.n,
                    words.pct(summary.mean),
                    words.pct(summary.median), words.pct(summary.low),
                    words.pct(summary.high), plots.distribution(summary, name, words, width_in),
                    rows, sum(1 for r in rows if r.flags))


def sheet_label(s: Scored, words: Words) -> str:
    """How the report names a sheet: its class ID, else its number in scores.csv."""
    if s.sheet.class_id and not s.sheet.class_id_doubt:
        return words("class ID %(id)s", id=s.sheet.class_id)
    return words("sheet %(number)s", number=s.number)


def _prepost(scored: Sequence[Scored], words: Words, width_in: float) -> PrePost:
    pairing = stats.pair_sheets(scored)
    gain = stats.class_gain(pairing.pairs)
    rows = tuple(PairRow(_pair_label(p, words), words.pct(p.pre.percent),
                         words.pct(p.post.percent), words.signed(p.gain), words.num(p.g))
                 for p in pairing.pairs)
    plot = plots.paired(pairing.pairs, words, width_in) if pairing.pairs else None
    return PrePost(
        n_pre=sum(1 for s in scored if s.quiz == PRE),
        n_post=sum(1 for s in scored if s.quiz == POST), pairs=rows,
        gain=_gain_text(gain, words), plot=plot,
        pre_only=tuple(sheet_label(s, words) for s in pairing.pre_only),
        post_only=tuple(sheet_label(s, words) for s in pairing.post_only),
        clashes=tuple(_clash(c, words) for c in pairing.clashes),
        paired_by_name=sum(1 for p in pairing.pairs if p.by == "name"))


def _pair_label(pair: stats.Pair, words: Words) -> str:
    if pair.by == "class_id":
        return pair.pre.sheet.class_id
    return words("sheet %(pre)s and sheet %(post)s", pre=pair.pre.number, post=pair.post.number)


def _gain_text(gain: Gain | None, words: Words) -> GainText:
    if gain is None:
        dash = words.num(None)
        return GainText(dash, dash, dash, dash, 0, 0, 0)
    return GainText(words.pct(gain.mean_pre), words.pct(gain.mean_post),
                    words.signed(gain.mean_gain), words.num(gain.g), gain.improved,
                    gain.same, gain.lower)


def _clash(clash: tuple[str, str, tuple[int, ...]], words: Words) -> str:
    quiz, by, numbers = clash
    sheets = ", ".join(str(n) for n in numbers)
    test = quiz_name(quiz, quiz, words)
    if by == "class_id":
        return words("Sheets %(sheets)s of the %(test)s carry the same class ID.",
                     sheets=sheets, test=test)
    return words("Sheets %(sheets)s of the %(test)s carry the same name.", sheets=sheets,
                 test=test)


def _objectives(scored: Sequence[Scored], parts: Sequence[QuizPart], words: Words,
                width_in: float
                ) -> tuple[tuple[ObjectiveRow, ...], tuple[str, ...], plots.Plot | None]:
    found = stats.objectives(scored)
    if not found:
        return (), (), None
    quizzes = [p.quiz for p in parts]
    if PRE in quizzes or POST in quizzes:
        series = [(q, words(label), words(word)) for q, label, word in SERIES
                  if q in quizzes]
    else:
        series = [(p.quiz, p.name, p.name) for p in parts]
    rows = tuple(ObjectiveRow(
        o.objective, tuple(words.pct(o.shares.get(q)) for q, _, _ in series),
        words.signed(o.change), tuple(_see(s, words) for s in o.see), o.did_not_move,
        o.change is not None and o.change < 0)
        for o in found)
    plot = plots.objectives(found, series, words, width_in)
    return rows, tuple(label for _, label, _ in series), plot


def _see(see: See, words: Words) -> str:
    if see.section:
        return f"{see.handout}: {see.section}"
    if see.box:
        return f"{see.handout}: {words(BOXES.get(see.box, see.box))}"
    return see.handout


@dataclass(frozen=True)
class ReviewItem:
    """One doubtful mark: the crop (a data: URL, or None when there is no image), why
    it is doubtful and what was read."""

    label: str  # "Question 3" or "Class ID"
    crop: str | None
    alt: str
    reason: str
    read: str


@dataclass(frozen=True)
class ReviewSheet:
    """A sheet with marks to look at, beside the answers read on the rest of it."""

    number: int
    source: str
    quiz: str
    version: str
    code: str
    class_id: str
    person: str  # "" for scans, and always on an anonymous run
    name_crop: str | None  # the name and class ID boxes as scanned; None when anonymous
    items: tuple[ReviewItem, ...]
    answers: tuple[tuple[int, str], ...]  # (question number, answer read)
    missing_pages: tuple[int, ...]


@dataclass(frozen=True)
class ReviewView:
    """What review.html sees as ``doc``: the sheets to look at, and the file to fill in."""

    title: str
    sheets: tuple[ReviewSheet, ...]
    marks: int
    review_csv: str


def _png_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def review_view(scored: Sequence[Scored], words: Words, anonymous: bool,
                review_csv: str) -> ReviewView | None:
    """The review's sheets, or None when no mark needs a look."""
    sheets = tuple(_review_sheet(s, words, anonymous) for s in scored
                   if s.doubtful or s.sheet.class_id_doubt or s.sheet.missing_pages)
    marks = sum(len(s.items) for s in sheets)
    if not sheets:
        return None
    return ReviewView(words("Marks to check"), sheets, marks, review_csv)


def _review_sheet(s: Scored, words: Words, anonymous: bool) -> ReviewSheet:
    sheet = s.sheet
    items = []
    if sheet.class_id_doubt:
        crop = sheet.crops.get(CLASS_ID_CROP if anonymous else NAME_CROP)
        items.append(ReviewItem(words("Class ID"), _png_url(crop.png) if crop else None,
                                words("The class ID boxes as scanned."),
                                words(REASONS.get(sheet.class_id_doubt,
                                                  sheet.class_id_doubt)),
                                sheet.class_id or "?"))
    for m in s.doubtful:
        crop = sheet.crops.get(m.item.number)
        reason = words(REASONS.get(m.answer.doubt, m.answer.doubt))
        items.append(ReviewItem(
            words("Question %(number)s", number=m.item.number),
            _png_url(crop.png) if crop else None,
            words("Question %(number)s as scanned: %(reason)s.", number=m.item.number,
                  reason=reason), reason, m.answer.seen() or "?"))
    name = sheet.crops.get(NAME_CROP)
    key = sheet.key
    return ReviewSheet(
        s.number, sheet.source, quiz_name(key.quiz, key.title, words, heading=True),
        key.version,
        key.code, sheet.class_id if not sheet.class_id_doubt else "",
        "" if anonymous else sheet.person,
        None if anonymous or name is None or sheet.class_id_doubt else _png_url(name.png),
        tuple(items),
        tuple((m.item.number, m.answer.text() or "–") for m in s.marks),
        tuple(sheet.missing_pages))
