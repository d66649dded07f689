"""What a class's marks say: score summaries, item analysis, pre/post pairs and gains,
learning objectives. Pure arithmetic on marked sheets; never a NaN (what cannot be
worked out is None).

- Difficulty of an item: its mean points over its maximum (for a one-point item, the
  share of sheets that got it right).
- Discrimination: the corrected point-biserial, the correlation of the item's points
  with the rest of the test (the total without this item) over the sheets of its
  quiz; worked out from MIN_DISCRIMINATION_N sheets up, and only when both vary.
- Flags: too easy (difficulty above TOO_EASY), too hard (below TOO_HARD), negative
  discrimination (below 0).
- Hake's normalized gain for the class is the gain of the class averages of the paired
  sheets, (mean post % - mean pre %) / (100 - mean pre %), as Hake (1998) defined it;
  a person's own g is the same sum on their two scores (undefined at 100% before).
"""

from __future__ import annotations

import math
import statistics
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from osteo_print.score.model import KeyItem, Scored, See

TOO_EASY = 0.9
TOO_HARD = 0.2
MIN_DISCRIMINATION_N = 5
NOT_MOVED_POINTS = 10.0  # an objective "did not move": it rose by less than this...
MASTERED_PERCENT = 80.0  # ...and stays under this share right after the class
PRE, POST = "quiz-pre", "quiz-post"
FLAG_EASY, FLAG_HARD, FLAG_NEGATIVE = "too easy", "too hard", "negative discrimination"


def quiz_order(quizzes: Iterable[str]) -> list[str]:
    """The pre-test, the post-test, then any other quiz by name."""
    rank = {PRE: 0, POST: 1}
    return sorted(set(quizzes), key=lambda q: (rank.get(q, 2), q))


@dataclass(frozen=True)
class Summary:
    """The scores of one quiz: how many sheets, and their percent scores."""

    quiz: str
    title: str
    percents: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.percents)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.percents)

    @property
    def median(self) -> float:
        return statistics.median(self.percents)

    @property
    def low(self) -> float:
        return min(self.percents)

    @property
    def high(self) -> float:
        return max(self.percents)


def summaries(scored: Sequence[Scored]) -> list[Summary]:
    """One summary per quiz scored, pre-test first."""
    out = []
    for quiz in quiz_order(s.quiz for s in scored):
        sheets = [s for s in scored if s.quiz == quiz]
        out.append(Summary(quiz, sheets[0].sheet.key.title,
                           tuple(s.percent for s in sheets)))
    return out


@dataclass(frozen=True)
class ItemStat:
    """One item of one quiz, over all its sheets (every version)."""

    quiz: str
    item: str
    type: str
    objective: str
    stem: str
    questions: tuple[tuple[str, int], ...]  # (version letter, question number)
    n: int
    points: int
    difficulty: float | None
    discrimination: float | None

    @property
    def flags(self) -> tuple[str, ...]:
        out = []
        if self.difficulty is not None and self.difficulty > TOO_EASY:
            out.append(FLAG_EASY)
        if self.difficulty is not None and self.difficulty < TOO_HARD:
            out.append(FLAG_HARD)
        if self.discrimination is not None and self.discrimination < 0:
            out.append(FLAG_NEGATIVE)
        return tuple(out)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """The correlation of two series, or None when either does not vary."""
    if len(xs) < 2:
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def item_stats(scored: Sequence[Scored]) -> list[ItemStat]:
    """Difficulty and discrimination of every item, quiz by quiz."""
    out = []
    for quiz in quiz_order(s.quiz for s in scored):
        sheets = [s for s in scored if s.quiz == quiz]
        out += _quiz_items(quiz, sheets)
    return out


def _quiz_items(quiz: str, sheets: list[Scored]) -> list[ItemStat]:
    earned: dict[str, list[tuple[int, int]]] = defaultdict(list)  # id -> (item, rest)
    where: dict[str, set[tuple[str, int]]] = defaultdict(set)
    first: dict[str, KeyItem] = {}
    for s in sheets:
        for m in s.marks:
            earned[m.item.id].append((m.points, s.total - m.points))
            where[m.item.id].add((s.sheet.key.version, m.item.number))
            first.setdefault(m.item.id, m.item)
    ids = sorted(first, key=lambda i: min(where[i]))
    out = []
    for item_id in ids:
        item = first[item_id]
        xs = [x for x, _ in earned[item_id]]
        ys = [y for _, y in earned[item_id]]
        n = len(xs)
        difficulty = sum(xs) / (n * item.points) if n else None
        discrimination = pearson(xs, ys) if n >= MIN_DISCRIMINATION_N else None
        out.append(ItemStat(quiz, item_id, item.type, item.objective, item.stem,
                            tuple(sorted(where[item_id])), n, item.points, difficulty,
                            discrimination))
    return out


@dataclass(frozen=True)
class Pair:
    """A person's pre-test and post-test sheets, matched by ``by`` (class ID or name)."""

    pre: Scored
    post: Scored
    by: str

    @property
    def label(self) -> str:
        """How the report names the pair: the class ID, else the sheet numbers."""
        if self.by == "class_id":
            return self.pre.sheet.class_id
        return f"{self.pre.number}/{self.post.number}"

    @property
    def gain(self) -> float:
        return self.post.percent - self.pre.percent

    @property
    def g(self) -> float | None:
        return hake(self.pre.percent, self.post.percent)


def hake(pre: float, post: float) -> float | None:
    """Hake's normalized gain, (post - pre) / (100 - pre), in percent scores; None when
    there was nothing left to gain."""
    room = 100.0 - pre
    return (post - pre) / room if room > 1e-9 else None


@dataclass(frozen=True)
class Pairing:
    """Pre- and post-test sheets matched person by person, and those left over.

    ``clashes`` say, without names, which sheets could not be paired because they
    share a class ID or a name with another sheet of the same test.
    """

    pairs: tuple[Pair, ...]
    pre_only: tuple[Scored, ...]
    post_only: tuple[Scored, ...]
    clashes: tuple[tuple[str, str, tuple[int, ...]], ...]  # (quiz, "class_id"/"name", numbers)


def _class_id(s: Scored) -> str:
    digits = s.sheet.class_id
    return (digits.lstrip("0") or "0") if digits and not s.sheet.class_id_doubt else ""


def _name(s: Scored) -> str:
    """A typed name to pair by: case, spaces and accents ignored (José Núñez = jose
    nunez)."""
    parts = unicodedata.normalize("NFKD", s.sheet.person.casefold())
    return " ".join("".join(c for c in parts if not unicodedata.combining(c)).split())


def pair_sheets(scored: Sequence[Scored]) -> Pairing:
    """Pair each pre-test with the post-test of the same class ID, else the same typed
    name; a class ID or name on two sheets of one test pairs neither."""
    pre = [s for s in scored if s.quiz == PRE]
    post = [s for s in scored if s.quiz == POST]
    pairs: list[Pair] = []
    clashes: list[tuple[str, str, tuple[int, ...]]] = []
    used: set[int] = set()
    for by, key in (("class_id", _class_id), ("name", _name)):
        before = _groups([s for s in pre if s.number not in used], key)
        after = _groups([s for s in post if s.number not in used], key)
        for quiz, groups in ((PRE, before), (POST, after)):
            clashes += [(quiz, by, tuple(s.number for s in group))
                        for group in groups.values() if len(group) > 1]
        for value in sorted(set(before) & set(after)):
            if len(before[value]) == 1 and len(after[value]) == 1:
                pairs.append(Pair(before[value][0], after[value][0], by))
                used |= {before[value][0].number, after[value][0].number}
    pairs.sort(key=lambda p: p.pre.number)
    return Pairing(tuple(pairs), tuple(s for s in pre if s.number not in used),
                   tuple(s for s in post if s.number not in used), tuple(clashes))


def _groups(sheets: list[Scored], key: Callable[[Scored], str]) -> dict[str, list[Scored]]:
    groups: dict[str, list[Scored]] = defaultdict(list)
    for s in sheets:
        if value := key(s):
            groups[value].append(s)
    return dict(groups)


@dataclass(frozen=True)
class Gain:
    """The class's pre -> post change over its paired sheets."""

    n: int
    mean_pre: float
    mean_post: float
    improved: int
    same: int
    lower: int

    @property
    def mean_gain(self) -> float:
        return self.mean_post - self.mean_pre

    @property
    def g(self) -> float | None:
        return hake(self.mean_pre, self.mean_post)


def class_gain(pairs: Sequence[Pair]) -> Gain | None:
    """The gain of the paired sheets, or None without a pair."""
    if not pairs:
        return None
    gains = [round(p.gain, 9) for p in pairs]
    return Gain(len(pairs), statistics.fmean(p.pre.percent for p in pairs),
                statistics.fmean(p.post.percent for p in pairs),
                sum(1 for g in gains if g > 0), sum(1 for g in gains if g == 0),
                sum(1 for g in gains if g < 0))


@dataclass(frozen=True)
class Objective:
    """A learning objective: the share of its points earned on each quiz, in percent,
    and where the handouts teach it."""

    objective: str
    shares: dict[str, float]  # quiz -> percent of the objective's points earned
    see: tuple[See, ...]

    @property
    def before(self) -> float | None:
        return self.shares.get(PRE)

    @property
    def after(self) -> float | None:
        return self.shares.get(POST)

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def did_not_move(self) -> bool:
        """Rose by less than NOT_MOVED_POINTS and is still under MASTERED_PERCENT."""
        change, after = self.change, self.after
        return change is not None and after is not None and change < NOT_MOVED_POINTS \
            and after < MASTERED_PERCENT


def objectives(scored: Sequence[Scored]) -> list[Objective]:
    """Every objective the sheets test, by name."""
    earned: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    possible: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    see: dict[str, dict[See, None]] = defaultdict(dict)
    for s in scored:
        for m in s.marks:
            name = m.item.objective or m.item.id
            earned[name][s.quiz] += m.points
            possible[name][s.quiz] += m.item.points
            if m.item.see is not None:
                see[name][m.item.see] = None
    return [Objective(name, {q: 100.0 * earned[name][q] / possible[name][q]
                             for q in quiz_order(possible[name]) if possible[name][q]},
                      tuple(see[name]))
            for name in sorted(possible)]
