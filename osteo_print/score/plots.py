"""The class report's plots: matplotlib (Agg, no pyplot), saved as SVG with the text
drawn as paths in the handouts' typeface, so they print sharp at any size.

Each plot comes with alt text that says in words and numbers what it shows. Meaning
never rests on colour alone: before is a hollow circle, after a filled one; a lower
score is a dashed line. Type is at least 11 pt at the printed size (the figure is
drawn at the page's text width). The same data give the same SVG bytes.
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from osteo_print.score.stats import Objective, Pair, Summary
from osteo_print.score.words import Words, half_up

INK, ACCENT, MUTED, GRID = "#111111", "#0b3a63", "#6b7785", "#d0d6dc"
BINS = 10  # score bands of 10 percentage points; the last holds 90 to 100
MAX_LABELS = 30  # pairs labelled by name in the paired plot (more would collide)
FONT_PT = 11.5


@dataclass(frozen=True)
class Plot:
    """An SVG plot, as a data: URL for an <img>, with its alt text."""

    url: str
    alt: str


@functools.cache
def _register_fonts() -> str:
    from matplotlib import font_manager

    from osteo_print import fonts

    for _weight, _style, path in fonts.faces():
        font_manager.fontManager.addfont(str(path))
    return fonts.FAMILY


def _style() -> dict[str, Any]:
    return {
        "svg.fonttype": "none", "svg.hashsalt": "osteo-print", "font.family": _register_fonts(),
        "font.size": FONT_PT, "axes.labelsize": FONT_PT + 0.5, "xtick.labelsize": FONT_PT,
        "ytick.labelsize": FONT_PT, "legend.fontsize": FONT_PT, "axes.edgecolor": INK,
        "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK, "text.color": INK,
        "axes.spines.top": False, "axes.spines.right": False, "axes.linewidth": 0.8,
        "hatch.linewidth": 0.8, "path.simplify": False,
    }


def _figure(width_in: float, height_in: float) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), layout="constrained")


def _svg_url(fig: Any) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    data = base64.b64encode(buffer.getvalue().encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{data}"


def _render(draw: Any, width_in: float, height_in: float) -> str:
    import matplotlib

    with matplotlib.rc_context(cast(Any, _style())):
        fig = _figure(width_in, height_in)
        draw(fig)
        return _svg_url(fig)


def bands(percents: Sequence[float]) -> list[int]:
    """How many scores fall in each band of 10 points (90 to 100 in the last)."""
    counts = [0] * BINS
    for value in percents:
        counts[min(BINS - 1, max(0, int(half_up(value, 6) // 10)))] += 1
    return counts


def _band_label(index: int) -> str:
    return f"{index * 10}–{index * 10 + 9}" if index < BINS - 1 else "90–100"


def distribution(summary: Summary, name: str, words: Words, width_in: float) -> Plot:
    """A bar chart of one quiz's scores in bands of 10 points."""
    counts = bands(summary.percents)

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        ax.bar(range(BINS), counts, width=0.8, color=ACCENT, edgecolor=INK, linewidth=0.8)
        for index, count in enumerate(counts):
            if count:
                ax.annotate(str(count), (index, count), xytext=(0, 3),
                            textcoords="offset points", ha="center", va="bottom",
                            fontweight="bold")
        ax.set_xticks(range(BINS), [_band_label(i) for i in range(BINS)])
        ax.set_xlabel(words("Score (percent of points)"))
        ax.set_ylabel(words("Sheets"))
        ax.set_ylim(0, max(counts) * 1.25 + 0.5)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)

    url = _render(draw, width_in, 2.5)
    parts = [words("%(count)s at %(band)s%%", count=count, band=_band_label(index))
             for index, count in enumerate(counts) if count]
    alt = " ".join([
        words.plural("Bar chart of %(count)s score (%(name)s), in bands of 10 percentage "
                     "points:", "Bar chart of %(count)s scores (%(name)s), in bands of 10 "
                     "percentage points:", summary.n, name=name),
        "; ".join(parts) + ".",
        words("Mean %(mean)s, lowest %(low)s, highest %(high)s.",
              mean=words.pct(summary.mean), low=words.pct(summary.low),
              high=words.pct(summary.high))])
    return Plot(url, alt)


def paired(pairs: Sequence[Pair], words: Words, width_in: float) -> Plot:
    """Each person's score before and after, joined by a line; the class mean bold."""
    before = [p.pre.percent for p in pairs]
    after = [p.post.percent for p in pairs]
    mean_before = sum(before) / len(before)
    mean_after = sum(after) / len(after)

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        for pre, post in zip(before, after, strict=True):
            style = "-" if post > pre else "--"
            ax.plot([0, 1], [pre, post], style, color=MUTED, linewidth=1.2, zorder=1)
            ax.scatter([0], [pre], s=36, facecolors="white", edgecolors=INK, zorder=2)
            ax.scatter([1], [post], s=36, color=INK, zorder=2)
        ax.plot([0, 1], [mean_before, mean_after], "-", color=ACCENT, linewidth=3.5,
                marker="s", markersize=9, zorder=3, label=words("Class mean"))
        _label_ends(ax, pairs)
        ax.set_xticks([0, 1], [words("Before (pre-test)"), words("After (post-test)")])
        ax.set_xlim(-0.35, 1.45)
        ax.set_ylim(-3, 103)
        ax.set_ylabel(words("Score (percent of points)"))
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        _legend(ax, words)

    url = _render(draw, width_in, 3.6)
    return Plot(url, _paired_alt(pairs, words, mean_before, mean_after))


def _label_ends(ax: Any, pairs: Sequence[Pair]) -> None:
    """Name each pair beside its after score (pairs at one score share a label)."""
    if len(pairs) > MAX_LABELS:
        return
    at: dict[float, list[str]] = {}
    for p in pairs:
        at.setdefault(half_up(p.post.percent), []).append(p.label)
    for value, labels in sorted(at.items()):
        ax.annotate(", ".join(labels), (1, value), xytext=(8, 0), textcoords="offset points",
                    va="center", ha="left", fontsize=FONT_PT - 1)


def _legend(ax: Any, words: Words) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=MUTED, linestyle="-", linewidth=1.2, label=words("Improved")),
        Line2D([], [], color=MUTED, linestyle="--", linewidth=1.2,
               label=words("Same or lower")),
        Line2D([], [], color=ACCENT, linewidth=3.5, marker="s", markersize=8,
               label=words("Class mean")),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.12), ncols=3,
              frameon=False)


def _paired_alt(pairs: Sequence[Pair], words: Words, mean_before: float,
                mean_after: float) -> str:
    each = "; ".join(words("%(who)s: %(before)s before, %(after)s after", who=p.label,
                           before=words.pct(p.pre.percent), after=words.pct(p.post.percent))
                     for p in pairs)
    return " ".join([
        words.plural("Line chart of the scores of %(count)s person before and after the "
                     "class.", "Line chart of the scores of %(count)s people before and "
                     "after the class.", len(pairs)),
        words("Class mean %(before)s before and %(after)s after.",
              before=words.pct(mean_before), after=words.pct(mean_after)),
        each + "."])


Series = tuple[str, str, str]  # a quiz, its legend label, its word in the alt text


def objectives(rows: Sequence[Objective], quizzes: Sequence[Series], words: Words,
               width_in: float) -> Plot:
    """Per learning objective, the share of points earned on each quiz (hollow circle
    before, filled after, an arrow between)."""
    names = [o.objective for o in rows]

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        ys = list(range(len(rows)))[::-1]
        for y, row in zip(ys, rows, strict=True):
            if row.before is not None and row.after is not None:
                ax.annotate("", (row.after, y), (row.before, y), arrowprops={
                    "arrowstyle": "-|>", "color": MUTED, "linewidth": 1.4,
                    "shrinkA": 7, "shrinkB": 5})
        for index, (quiz, label, _word) in enumerate(quizzes):
            xs = [row.shares.get(quiz) for row in rows]
            points = [(x, y) for x, y in zip(xs, ys, strict=True) if x is not None]
            ring = index == 0 and len(quizzes) > 1  # before: a ring a dot can sit in
            ax.scatter([x for x, _ in points], [y for _, y in points], s=130 if ring else 42,
                       zorder=3 + index, facecolors="none" if ring else INK,
                       edgecolors=INK, linewidths=1.6, label=label)
        ax.set_yticks(ys, names)
        ax.set_xlim(-2, 102)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_xlabel(words("Share of the objective's points earned (percent)"))
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.1 - 0.6 / max(len(rows), 1)),
                  ncols=len(quizzes), frameon=False)

    url = _render(draw, width_in, 1.3 + 0.34 * len(rows))
    return Plot(url, _objectives_alt(rows, quizzes, words))


def _objectives_alt(rows: Sequence[Objective], quizzes: Sequence[Series],
                    words: Words) -> str:
    each = []
    for row in rows:
        shares = ", ".join(f"{words.pct(row.shares.get(quiz))} {word}"
                           for quiz, _label, word in quizzes)
        each.append(f"{row.objective}: {shares}")
    return " ".join([
        words.plural("Dot chart of the share of points earned on %(count)s learning "
                     "objective.", "Dot chart of the share of points earned on %(count)s "
                     "learning objectives.", len(rows)),
        "; ".join(each) + "."])
