"""Score a class, from sheets to the files in the results folder (``score``)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from osteo_print.errors import (
    OsteoPrintError,
    OutputError,
    Problem,
    UsageError,
    display_path,
)
from osteo_print.score.keys import KeySet, load_keys
from osteo_print.score.marking import mark_sheets
from osteo_print.score.model import FORMS, Scored, ScoreError, Sheet
from osteo_print.score.printing import AUDIENCE, Printer
from osteo_print.score.report import report_view, review_view
from osteo_print.score.resolve import (
    CLASS_ID,
    apply_decisions,
    read_decisions,
    reapply_decisions,
)
from osteo_print.score.scans import Unread, read_scanned
from osteo_print.score.stats import item_stats
from osteo_print.score.tables import items_csv, review_csv, scores_csv
from osteo_print.score.typed import read_typed
from osteo_print.writer import MANIFEST, FileInfo, OutputFile, write_outputs

OUTPUTS = ("scores.csv", "items.csv", "report.pdf", "review.pdf", "review.csv")


@dataclass(frozen=True)
class ScoreRequest:
    """What to score and where the results go.

    out_dir      the results folder (written all at once; refused if it holds files
                 osteo-print did not write)
    scans        scanned sheets: PDF, JPEG or PNG files, in the order the pages were fed
    answers      typed-answer CSV files (``person, class_id, quiz, version, code, 1..N``)
    keys_dir     where the answer keys (``*-key_*.json``) and sheet maps are; by
                 default the project's output folder
    config_path  the project file (osteo-print.toml), or None for none
    content_dir  the content folder, as for ``build``
    resolve      a review.csv with a person's decisions on doubtful marks
    anonymous    write no names anywhere (scores.csv's person column stays empty)
    lang         the report's language; by default the language of the sheets' keys
    """

    out_dir: Path
    scans: tuple[Path, ...] = ()
    answers: tuple[Path, ...] = ()
    keys_dir: Path | None = None
    config_path: Path | None = None
    content_dir: Path | None = None
    resolve: Path | None = None
    anonymous: bool = False
    lang: str | None = None


@dataclass(frozen=True)
class ScoreResult:
    """What a run wrote (file names in ``out_dir``) and what it found."""

    out_dir: Path
    written: tuple[str, ...]
    sheets: dict[str, int]  # quiz -> sheets scored
    to_review: int  # doubtful marks left for a person
    decided: int  # marks decided in review.csv
    notices: tuple[str, ...]  # pages not read, seen twice or missing
    warnings: tuple[str, ...] = ()
    unread: int = 0  # pages (or files) that could not be read: the command exits 3
    earlier: int = 0  # decisions of the earlier review.csv in out_dir applied again


def score(request: ScoreRequest) -> ScoreResult:
    """Score the sheets and write scores.csv, items.csv, report.pdf (and, when marks
    need a look, review.pdf and review.csv) into ``request.out_dir``."""
    labels = Labels.of(request)
    try:
        return _score(request, labels)
    except OsteoPrintError as exc:
        if request.anonymous:
            labels.hide_error(exc)
        raise


def _score(request: ScoreRequest, labels: Labels) -> ScoreResult:
    if not request.scans and not request.answers:
        raise UsageError("Nothing to score: give the scanned sheets (PDF, JPEG or PNG "
                         "files), or {answers} with the typed answers.",
                         terms={"answers": "a CSV file of typed answers"})
    keys_dir = request.keys_dir or default_keys_dir(request.config_path)
    guard_apart(request.out_dir, keys_dir)
    guard_results_folder(request.out_dir, request.resolve)
    keys = load_keys(keys_dir)
    sheets, notices, warnings = read_sheets(request, keys)
    unread = sum(1 for n in notices if isinstance(n, Unread))
    if request.anonymous:
        for sheet in sheets:
            sheet.source = labels.source(sheet.source)
    earlier = 0
    if request.resolve is not None:
        sheets = apply_decisions(sheets, read_decisions(request.resolve))
    else:
        sheets, earlier = _earlier_decisions(request.out_dir, sheets)
    scored = mark_sheets(sheets)
    warnings += _changed_by_hand(scored) + _same_class_ids(scored)
    printer = _printer(request, scored)
    files, rendered = build_outputs(scored, [labels.hide(n) for n in notices], printer,
                                    request.anonymous)
    written = {f.path for f in files}
    warned: list[str] = [*warnings, *rendered]
    write_outputs(request.out_dir, files, remove=[n for n in OUTPUTS if n not in written],
                  warnings=warned)
    shown = [labels.hide(n) for n in notices] if request.anonymous else list(notices)
    return ScoreResult(request.out_dir, tuple(f.path for f in files),
                       dict(Counter(s.quiz for s in scored)),
                       sum(len(s.doubtful) + bool(s.sheet.class_id_doubt) for s in scored),
                       sum(len(s.sheet.reviewed) for s in scored), tuple(shown),
                       tuple(labels.hide(w) if request.anonymous else w for w in warned),
                       unread, earlier)


@dataclass(frozen=True)
class Labels:
    """The neutral names of the input files ("scan 2", "answers 1"), in the order
    given: report.pdf never shows a file name (a scan may be named after a person), and
    an anonymous run shows none anywhere."""

    names: dict[str, str]  # a file as messages show it -> its label

    @classmethod
    def of(cls, request: ScoreRequest) -> Labels:
        names: dict[str, str] = {}
        for kind, paths in (("scan", request.scans), ("answers", request.answers)):
            for number, path in enumerate(paths, 1):
                for shown in (display_path(path), str(path)):
                    names.setdefault(shown, f"{kind} {number}")
        return cls(names)

    def hide(self, text: str) -> str:
        """``text`` with every input file's name replaced by its label."""
        for shown in sorted(self.names, key=len, reverse=True):
            text = text.replace(shown, self.names[shown])
        return text

    def source(self, source: str) -> str:
        """A sheet's name ("scans/a.pdf:3", "typed.csv:5") as "scan 1, page 3" or
        "answers 1, row 5"."""
        file, _, number = source.rpartition(":")
        label = self.names.get(file)
        if label is None:
            return self.hide(source)
        return f"{label}, {'page' if label.startswith('scan') else 'row'} {number}"

    def hide_error(self, exc: OsteoPrintError) -> None:
        exc.message = self.hide(exc.message)
        exc.args = (exc.message,)
        exc.problems = sorted({dataclasses.replace(p, file=self.hide(p.file),
                                                   message=self.hide(p.message))
                               for p in exc.problems})


def guard_apart(out_dir: Path, keys_dir: Path) -> None:
    """Refuse a results folder that is the keys' folder (the printable output, with
    its manifest) or inside it: named results must not mix with the handouts."""
    try:
        out, keys = out_dir.resolve(), keys_dir.resolve()
    except (OSError, RuntimeError):
        return
    if out == keys or keys in out.parents:
        raise OutputError("The results cannot go into the folder of the printed quizzes; "
                          "nothing was written.", [Problem(display_path(out_dir), None, "", (
                              f"is {'' if out == keys else 'inside '}{display_path(keys_dir)}"
                              ", where the answer keys and handouts are; results hold "
                              "people's answers and must be kept apart: give --out a folder "
                              "of its own, such as results/"))])


def _earlier_decisions(out_dir: Path, sheets: list[Sheet]) -> tuple[list[Sheet], int]:
    """Apply the decisions of the review.csv osteo-print wrote into ``out_dir`` (still
    as written: one edited since is refused by ``guard_results_folder``)."""
    path = out_dir / "review.csv"
    recorded = _recorded(out_dir) if out_dir.is_dir() else {}
    if "review.csv" not in recorded or not path.is_file():
        return sheets, 0
    if hashlib.sha256(path.read_bytes()).hexdigest() != recorded["review.csv"]:
        return sheets, 0
    try:
        decisions = read_decisions(path)
    except ScoreError:
        return sheets, 0
    return reapply_decisions(sheets, decisions)


def _changed_by_hand(scored: Sequence[Scored]) -> list[str]:
    out = []
    for s in scored:
        for question, (read, decided) in sorted(s.sheet.changed.items()):
            what = "the class ID" if question == CLASS_ID else f"question {question}"
            out.append(f"{s.sheet.source}: {what} was read clearly as {read}, and a decision "
                       f"changed it to {decided}; flagged in scores.csv (sheet {s.number})")
    return out


def _same_class_ids(scored: Sequence[Scored]) -> list[str]:
    seen: dict[tuple[str, str], list[int]] = {}
    for s in scored:
        if s.sheet.class_id and not s.sheet.class_id_doubt:
            seen.setdefault((s.quiz, s.sheet.class_id), []).append(s.number)
    return [f"{quiz}: class ID {class_id} is on sheets {', '.join(map(str, numbers))} "
            "(rows of scores.csv); neither is paired before/after: correct the class IDs"
            for (quiz, class_id), numbers in sorted(seen.items()) if len(numbers) > 1]


def default_keys_dir(config_path: Path | None) -> Path:
    """Where ``build`` and ``quiz`` write: the keys are there (``options.output_dir``)."""
    from osteo_print.config import load_config
    from osteo_print.options import BuildOptions, output_dir

    configured = load_config(config_path).defaults.out if config_path else None
    return output_dir(BuildOptions(config_path=config_path), configured)


def read_sheets(request: ScoreRequest, keys: KeySet
                ) -> tuple[list[Sheet], list[str], list[str]]:
    """The sheets of the scans, then of the typed files; the notices about pages; and
    the warnings about typed rows."""
    sheets: list[Sheet] = []
    notices: list[str] = []
    warnings: list[str] = []
    if request.scans:
        sheets, notices = read_scanned(request.scans, keys)
    if request.answers:
        sheets += read_typed(request.answers, keys, warnings, _grid_digits(keys))
    if not sheets:
        raise ScoreError("No sheets to score were found; nothing was written.",
                         _why_none(request, notices))
    return sheets, notices, warnings


def _grid_digits(keys: KeySet) -> dict[tuple[str, str, str], int]:
    """How many digits each printed version's class ID grid has, from the sheet maps
    beside the keys (the keys do not say); empty when there are no usable maps."""
    from osteo_print.scan import load_maps

    try:
        maps = load_maps(keys.path)
    except OsteoPrintError:
        return {}
    return {(m.quiz, m.version, str(m.code).upper()): m.class_id_digits
            for m in maps.values()}


def _why_none(request: ScoreRequest, notices: Sequence[str]) -> list[Problem]:
    """Each reason found for each file (the notices, located), else "no sheet in it"."""
    problems = []
    said: set[str] = set()
    for notice in notices:
        where, _, message = notice.partition(": ")
        problems.append(Problem(where, None, "", message) if message
                        else Problem(notice, None, "", ""))
        said.update(shown for shown in map(display_path, request.scans)
                    if notice.startswith(shown))
    for path in (*request.scans, *request.answers):
        if display_path(path) not in said:
            problems.append(Problem(display_path(path), None, "", (
                "no sheet in it" if path in request.scans else
                "no row with a name, a class ID or an answer in it")))
    return problems


def _printer(request: ScoreRequest, scored: Sequence[Scored]) -> Printer:
    from osteo_print.project import check_names, open_project

    keys_lang = _most_common(s.sheet.key.lang for s in scored)
    lang = request.lang or keys_lang
    check_names("language", [lang])
    project = open_project(request.config_path, request.content_dir, audiences=[AUDIENCE],
                           langs=[keys_lang])
    return Printer(project, lang, _most_common(s.sheet.key.paper for s in scored))


def _most_common(values: Iterable[str]) -> str:
    counts = Counter(values)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def build_outputs(scored: Sequence[Scored], notices: Sequence[str], printer: Printer,
                  anonymous: bool) -> tuple[list[OutputFile], list[str]]:
    """Every results file, in memory; and what the renderer warned."""
    words = printer.words
    info = _info(printer)
    files = [OutputFile("scores.csv", scores_csv(scored, anonymous), info("scores", "csv")),
             OutputFile("items.csv", items_csv(item_stats(scored), FORMS), info("items", "csv"))]
    view = report_view(scored, notices, words, printer.width_in)
    report = printer.print("report.html", "report", view, view.title)
    files.append(OutputFile("report.pdf", report.pdf, info("report", "pdf", report.pages)))
    warnings = list(report.warnings)
    review = review_view(scored, words, anonymous, "review.csv")
    if review is not None:
        printed = printer.print("review.html", "review", review, review.title)
        files.append(OutputFile("review.pdf", printed.pdf,
                                info("review", "pdf", printed.pages)))
        warnings += printed.warnings
    table = review_csv(scored)
    if table is not None:
        files.append(OutputFile("review.csv", table, info("review", "csv")))
    return files, warnings


def _info(printer: Printer) -> Callable[..., FileInfo]:
    """What the manifest says of each file: files and hashes, never a person."""
    def info(document: str, fmt: str, pages: int | None = None) -> FileInfo:
        return FileInfo("score", fmt, document, AUDIENCE, printer.lang, printer.paper, pages)
    return info


def guard_results_folder(out_dir: Path, resolve: Path | None = None) -> None:
    """Refuse, before any work, a results folder that holds files osteo-print did not
    write, or a review.csv with decisions typed into it that this run would overwrite
    (unless it is the file given to ``--resolve``)."""
    from osteo_print.writer import check_output_folder

    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise OutputError("The results cannot be written.", [Problem(
            display_path(out_dir), None, "", "is a file, not a folder; choose a folder")])
    check_output_folder(out_dir)
    recorded = _recorded(out_dir)
    foreign = sorted(p.name for p in out_dir.iterdir() if not p.name.startswith(".")
                     and p.name != MANIFEST and p.name not in recorded
                     and not _same(p, resolve))
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise OutputError("The results folder holds files osteo-print did not write; "
                          "nothing was written.", [Problem(display_path(out_dir), None, "", (
                              f"holds {shown}; write the results into a new folder, or one "
                              "that holds only earlier results"))])
    _guard_decisions(out_dir, recorded, resolve)


def _guard_decisions(out_dir: Path, recorded: dict[str, str], resolve: Path | None) -> None:
    path = out_dir / "review.csv"
    if "review.csv" not in recorded or not path.is_file() or _same(path, resolve):
        return
    if hashlib.sha256(path.read_bytes()).hexdigest() != recorded["review.csv"]:
        shown = display_path(path)
        raise OutputError("Decisions were written into the review file since it was made; "
                          "this run would lose them, so nothing was written.", [Problem(
                              shown, None, "", f"apply them with --resolve {shown}, or move "
                              "the file away")])


def _recorded(out_dir: Path) -> dict[str, str]:
    """name -> sha256 of each file the folder's manifest lists."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return {f["path"]: str(f.get("sha256")) for f in files or []
            if isinstance(f, dict) and isinstance(f.get("path"), str)}


def _same(path: Path, other: Path | None) -> bool:
    if other is None:
        return False
    try:
        return os.path.samefile(path, other)
    except OSError:
        return False
