"""The command line: parse options, call the library, report errors without tracebacks.

Heavy modules (WeasyPrint, pydantic models) are imported inside commands so that
``--help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from osteo_print import __version__
from osteo_print.options import DEFAULT_SEED

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def reports_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn osteo-print errors into messages and exit codes; never show a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from osteo_print.errors import OsteoPrintError, UsageError

        try:
            return func(*args, **kwargs)
        except OsteoPrintError as exc:
            lines = exc.phrased(_words()) if isinstance(exc, UsageError) else exc.lines()
            click.secho(f"Error: {lines[0]}", fg="red", err=True)
            for line in lines[1:]:
                click.echo(line, err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Stopped. The earlier output is unchanged.", err=True)
            sys.exit(130)
        except BrokenPipeError:  # the reader went away (osteo-print list | head)
            _quiet_stdout()
            sys.exit(0)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # the last line of defence: a message, not a traceback
            if os.environ.get("OSTEO_PRINT_DEBUG"):
                raise
            click.secho(f"Error: osteo-print stopped unexpectedly: {type(exc).__name__}: {exc}",
                        fg="red", err=True)
            click.echo("The output folder holds either the earlier files or this build's, "
                       "never a mix. Please report this problem; set OSTEO_PRINT_DEBUG=1 to "
                       "see the details.", err=True)
            sys.exit(1)

    return wrapper


# How the command line says the choices that the library's UsageErrors name.
FLAG_WORDS = {"format_pdf": "--format pdf", "format_both": "--format pdf,html",
              "html": "--html", "form": "--form", "handout": "--handout", "versions": "--versions",
              "date": "--date", "title": "--title", "list": " (see 'osteo-print list')"}
COMMAND_WORDS = {"build": {"also": ", quiz"}, "check": {"also": ", quiz"}}  # 'quiz' names it


def _words() -> dict[str, str]:
    context = click.get_current_context(silent=True)
    command = context.info_name if context is not None else None
    return {**FLAG_WORDS, **COMMAND_WORDS.get(command or "", {})}


content_option = click.option(
    "--content", "content_dir", type=click.Path(path_type=Path), default=None,
    metavar="DIR", help="Build from this content folder instead of the built-in one.")
config_option = click.option(
    "--config", "config_path", type=click.Path(path_type=Path), default=None,
    metavar="PATH", help="Project file to use [default: ./osteo-print.toml if present].")
out_option = click.option(
    "--out", "-o", "out_dir", type=click.Path(path_type=Path), default=None,
    metavar="DIR", help="Folder to write the files to [default: ./output].")
html_option = click.option("--html", is_flag=True,
                           help="Also write the HTML each PDF is made from, for debugging "
                                "(it links to files on this machine: to share pages, use "
                                "--format html).")


def _formats(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
             ) -> tuple[str, ...]:
    """--format pdf, html or pdf,html (or repeated): the formats, in a fixed order."""
    from osteo_print.options import FORMATS

    asked = [part.strip().lower() for item in value for part in item.split(",")]
    unknown = [name for name in asked if name not in FORMATS]
    if unknown:
        raise click.BadParameter(f"{', '.join(map(repr, unknown))}: choose pdf, html or "
                                 "pdf,html.")
    return tuple(name for name in FORMATS if name in asked) or ("pdf",)


format_option = click.option(
    "--format", "formats", multiple=True, metavar="pdf|html|pdf,html", callback=_formats,
    help="pdf: print-ready PDFs [default]; html: accessible web pages with an assets/ "
         "folder, to send or put online; pdf,html: both.")
seed_option = click.option("--seed", type=int, default=None,
                           help=f"Seed for shuffling quizzes [default: {DEFAULT_SEED}]; "
                                "the same seed gives the same quizzes.")
audience_option = click.option(
    "--audience", "-a", "audiences", multiple=True, metavar="NAME",
    help="general, large-print, easy-read, caregiver, a clinic's own, or all. Repeat for "
         "several.")
lang_option = click.option("--lang", "-l", "langs", multiple=True, metavar="CODE",
                           help="Language, such as en or es. Repeat for several.")
paper_option = click.option("--paper", "papers", multiple=True,
                            type=click.Choice(["letter", "a4"]),
                            help="Paper size. Repeat for both.")


jobs_option = click.option(
    "--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
    envvar="OSTEO_PRINT_JOBS", show_envvar=True,
    help="Worker processes to render with [default: one per CPU].")
force_option = click.option("--force", is_flag=True,
                            help="Render everything again, even what is up to date.")
quiet_option = click.option("--quiet", "-q", "verbosity", flag_value=0,
                            help="Print nothing but errors.")
verbose_option = click.option("--verbose", "-v", "verbosity", flag_value=2,
                              help="Also list documents that were up to date, and timings.")


def matrix_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options every building command shares."""
    for option in reversed([config_option, content_option, out_option, audience_option,
                            lang_option, paper_option, format_option, html_option, seed_option,
                            jobs_option, force_option, quiet_option, verbose_option]):
        func = option(func)
    return func


class Progress:
    """A progress bar with counts on stderr, only when it is a terminal."""

    def __init__(self, verbosity: int) -> None:
        self.verbosity = verbosity
        self.bar: Any = None

    def planned(self, total: int) -> None:
        if total >= 2 and self.verbosity and sys.stderr.isatty():
            self.bar = click.progressbar(length=total, label="Rendering", show_pos=True,
                                         show_eta=total > 10, file=sys.stderr, width=30)
            self.bar.__enter__()

    def advance(self, count: int) -> None:
        if self.bar is not None:
            self.bar.update(count)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.group(name="osteo-print", context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="osteo-print")
def cli() -> None:
    """Print plain-language osteoporosis handouts and quizzes as print-ready PDFs."""


@cli.command()
@click.argument("documents", nargs=-1, metavar="[DOCUMENT]...")
@matrix_options
@click.option("--strict", is_flag=True,
              help="Run 'osteo-print check' on every document and write none that fails.")
@reports_errors
def build(documents: tuple[str, ...], seed: int | None, **options: Any) -> None:
    """Build the handouts and the default quiz with its answer key.

    Builds every handout and the quiz (version A), or only the DOCUMENTs named
    (see 'osteo-print list'; 'quiz' names the quiz), for each audience, language and
    paper size asked for, into the output folder, with a manifest.json that lists
    each file written.
    """
    from osteo_print.options import QuizRequest

    handouts = tuple(d for d in documents if d != "quiz")
    with_quiz = not documents or "quiz" in documents
    _run(documents=handouts, handouts=not documents or bool(handouts),
         quizzes=(QuizRequest(seed=seed),) if with_quiz else (), **options)


@cli.command()
@matrix_options
@click.option("--versions", type=int, default=1, show_default=True, metavar="N",
              help="How many versions (A, B, C...) to print, each shuffled differently.")
@click.option("--form", "forms", type=click.Choice(["all", "pre", "post"]), multiple=True,
              help="all: the quiz on every handout; pre / post: the parallel before "
                   "and after tests of a class. Repeat for several.")
@click.option("--handout", metavar="DOCUMENT", default=None,
              help="A quiz on one handout only.")
@click.option("--class-size", type=int, default=None, metavar="N",
              callback=lambda ctx, param, value: _class_size(value),
              help="Also write one PDF of N sheets for a class, cycling the versions, "
                   "each starting on a new sheet of paper, with the keys in one booklet.")
@reports_errors
def quiz(seed: int | None, versions: int, forms: tuple[str, ...], handout: str | None,
         class_size: int | None, **options: Any) -> None:
    """Build quiz sheets and their answer keys (PDF and JSON)."""
    from osteo_print.options import QuizRequest

    requests = tuple(QuizRequest(form=form if form or handout else "all", handout=handout,
                                 versions=versions, seed=seed, class_size=class_size)
                     for form in dict.fromkeys(forms or (None,)))
    _run(handouts=False, quizzes=requests, **options)


def _class_size(value: int | None) -> int | None:
    """Refuse a class set of no sheets, or of more than one print run should hold."""
    from osteo_print.options import MAX_CLASS_SIZE

    if value is not None and not 1 <= value <= MAX_CLASS_SIZE:
        raise click.BadParameter(
            f"a class set has 1 to {MAX_CLASS_SIZE} sheets, not {value}.")
    return value


@cli.command()
@click.argument("documents", nargs=-1, metavar="[DOCUMENT]...")
@matrix_options
@click.option("--title", default=None, metavar="TEXT",
              help='The class title on the cover [default: "Bone health class", translated].')
@click.option("--date", "date", default=None, metavar="DATE",
              help="The class date, as YYYY-MM-DD [default: a line to write it on].")
@click.option("--single-sided", is_flag=True,
              help="For one-sided printing: no blank pages between the parts.")
@reports_errors
def packet(documents: tuple[str, ...], title: str | None, date: str | None,
           single_sided: bool, seed: int | None, **options: Any) -> None:
    """Build one class packet PDF: cover, contents, handouts, facilitator guide, sign-in.

    Holds the DOCUMENTs named (default: every handout, by its order), for each
    audience, language and paper size asked for, as packet_AUDIENCE_LANG_PAPER.pdf.
    Printed on both sides, every part starts on a right-hand page.
    """
    from osteo_print.packet import PacketRequest, check_title, parse_date

    request = PacketRequest(tuple(dict.fromkeys(documents)), check_title(title),
                            parse_date(date), single_sided)
    _run(documents=request.documents, handouts=False, quizzes=(), packet=request, **options)


def _run(config_path: Path | None, audiences: tuple[str, ...], langs: tuple[str, ...],
         papers: tuple[str, ...], verbosity: int | None = None, **choices: Any) -> Any:
    import time

    from osteo_print.inputs import list_inputs
    from osteo_print.options import BuildOptions, find_config
    from osteo_print.uptodate import up_to_date

    verbosity = 1 if verbosity is None else verbosity
    started = time.perf_counter()
    options = BuildOptions(config_path=find_config(config_path), audiences=audiences,
                           langs=langs, papers=papers, **choices)
    inputs = list_inputs(options)  # every input file hashed once, for this and the build
    out_dir = inputs.out_dir
    source, hint = _content_summary(inputs.content_dir)
    if hint and verbosity:
        click.secho(f"Note: {hint}", fg="yellow", err=True)
    done = up_to_date(options, inputs) if verbosity < 2 else None
    if done is not None:  # nothing changed: answer without loading anything heavy
        if verbosity:
            pdfs = [e for e in done if e["info"]["format"] == "pdf"]
            use = [(e["info"]["pages"] or 0, e["info"].get("sheets")) for e in pdfs]
            click.echo(f"{_count(len(pdfs), 'PDF')} ({_paper_use(use)}) in "
                       f"{out_dir}{os.sep}: all up to date ({source}).")
        return None
    from osteo_print.build import build as run_build

    progress = Progress(verbosity)
    with _diagnostics(verbosity, progress.close):  # the build's warnings and notices
        try:
            result = run_build(options, progress=progress.advance,
                               planned=progress.planned, inputs=inputs)
        finally:
            progress.close()
    if not options.write:
        return result
    if result.failed:
        _report_failures(result)
    if verbosity:
        _report_written(result, verbosity, time.perf_counter() - started, source)
    if result.failed:
        sys.exit(1)
    return result


def _content_summary(folder: Path | None) -> tuple[str, str | None]:
    """Say which content a build reads, and a hint when a local content/ is not it."""
    from osteo_print.paths import BUILTIN_CONTENT

    if folder is not None:
        return f"content: {folder}", None
    local = Path("content")
    if (local / "sources.yaml").is_file() and local.resolve() != BUILTIN_CONTENT.resolve():
        return "content: built-in", (
            f"this folder has its own content ({local}{os.sep}), but the build read the "
            "built-in content. To build from yours, add --content content, or set "
            'content = "content" under [defaults] in osteo-print.toml.')
    return "content: built-in", None


class _Echo(logging.Handler):
    """Print the library's log: warnings always, other messages unless --quiet.

    ``first`` runs before anything is printed (it ends the progress bar's line)."""

    def __init__(self, verbosity: int, first: Callable[[], None]) -> None:
        super().__init__(logging.INFO)
        self.verbosity = verbosity
        self.first = first

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.first()
        if record.levelno >= logging.WARNING:
            click.secho(f"Warning: {message}", fg="yellow", err=True)
        elif self.verbosity:
            click.echo(message, err=True)


@contextlib.contextmanager
def _diagnostics(verbosity: int, first: Callable[[], None]) -> Iterator[None]:
    """Print what the ``osteo_print`` logger says while a command runs; then put the
    logger back as it was."""
    logger = logging.getLogger("osteo_print")
    handler, level = _Echo(verbosity, first), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _report_written(result: Any, verbosity: int, seconds: float, source: str) -> None:
    fresh = {job.stem for job in result.rendered}
    pdfs = [e for e in result.entries if e.info.format == "pdf"]
    use = [(e.info.pages or 0, e.info.sheets) for e in pdfs]
    rendered = sum(1 for e in pdfs if e.path[:-4] in fresh)
    up_to_date = len(pdfs) - rendered
    timing = f", in {seconds:.1f} s" if verbosity > 1 else ""
    web = [e for e in result.entries if e.info.kind.startswith("web-")
           and e.info.kind != "web-asset"]
    if pdfs or not web:
        click.echo(f"{_count(len(pdfs), 'PDF')} ({_paper_use(use)}) in "
                   f"{result.out_dir}{os.sep}: {rendered} rendered, {up_to_date} up to date"
                   + timing + f" ({source}).")
    if web:
        made = sum(1 for e in web if e.path[:-5] in fresh)
        click.echo(f"{_count(len(web), 'web page')} in {result.out_dir}{os.sep}, with their "
                   f"assets{os.sep} folder: {made} made, {len(web) - made} up to date"
                   + ("" if pdfs else timing) + f" ({source}).")
    for entry in result.entries:
        if entry.info.kind == "web-asset" and verbosity < 2:
            continue
        new = entry.path.split(".", 1)[0] in fresh  # stems have no dot: x.map.json too
        if new or verbosity > 1:
            pages_note = f"  ({entry.info.pages} p.)" if entry.info.pages else ""
            state = "" if new else "  (up to date)"
            click.echo(f"  {entry.path}{pages_note}{state}")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _paper_use(use: list[tuple[int, int | None]]) -> str:
    """'18 pages, 9 sheets printed on both sides': one copy of each document (pages,
    and the sheets the manifest records: a single-sided packet takes one a page)."""
    from osteo_print.writer import sheets

    paper = sum(count if count is not None else sheets(pages) for pages, count in use)
    duplex = paper == sum(sheets(pages) for pages, _ in use)
    return (f"{_count(sum(pages for pages, _ in use), 'page')}, "
            f"{_count(paper, 'sheet')} " + ("printed on both sides" if duplex else "of paper"))


def _report_failures(result: Any) -> None:
    from osteo_print.check import table

    click.secho(f"{len(result.failed)} document(s) failed the checks; they were not written, "
                "and earlier copies of them were removed:", fg="red", err=True)
    for line in table(result.failed):
        click.echo(line, err=True)
    for row in result.failed:
        for note in row.notes:
            click.echo(f"  {row.job.stem}: {note}", err=True)


@cli.command()
@click.argument("documents", nargs=-1, metavar="[DOCUMENT]...")
@config_option
@content_option
@audience_option
@lang_option
@paper_option
@jobs_option
@reports_errors
def check(documents: tuple[str, ...], **options: Any) -> None:
    """Check readability, PEMAT items, type sizes, tagging and sources.

    Renders every document (or the DOCUMENTs named) for each audience, language and
    paper size asked for, without writing anything, and prints one row per document.
    Exits with 1 when any check fails. Thresholds live in the [check] table of
    osteo-print.toml.
    """
    from osteo_print.check import summary, table
    from osteo_print.options import QuizRequest

    handouts = tuple(d for d in documents if d != "quiz")
    with_quiz = not documents or "quiz" in documents
    result = _run(documents=handouts, handouts=not documents or bool(handouts),
                  quizzes=(QuizRequest(),) if with_quiz else (), write=False, html=False,
                  out_dir=None, content_dir=options.pop("content_dir"), **options)
    for line in table(result.rows):
        click.echo(line)
    for row in result.rows:
        for note in row.notes:
            click.echo(f"  {row.job.stem}: {note}")
    click.echo(summary(result.rows))
    if result.failed:
        sys.exit(1)


@cli.command(name="list")
@config_option
@content_option
@reports_errors
def list_documents(config_path: Path | None, content_dir: Path | None) -> None:
    """Show the handouts, block types, quizzes, audiences and languages of a project.

    Every handout is a YAML file in the content folder (<lang>/handouts/NAME.yaml) and
    every block type a template (templates/blocks/TYPE.html): adding either needs no
    Python. See docs/content-model.md.
    """
    from osteo_print.listing import describe
    from osteo_print.options import find_config
    from osteo_print.project import open_project

    config = find_config(config_path)
    project = open_project(config, content_dir, langs=_all_langs(config, content_dir))
    for line in describe(project):
        click.echo(line)


def _all_langs(config: Path | None, content_dir: Path | None) -> list[str]:
    """Every language folder of the content a project reads."""
    from osteo_print.config import load_config
    from osteo_print.content import LANG_RE
    from osteo_print.paths import BUILTIN_CONTENT

    if content_dir is None and config is not None:
        folder = load_config(config).defaults.content
        content_dir = config.parent / folder if folder else None
    root = content_dir or BUILTIN_CONTENT
    found = sorted(p.name for p in root.iterdir() if (p / "handouts").is_dir()
                   and LANG_RE.match(p.name)) if root.is_dir() else []
    return sorted(found, key=lambda lang: (lang != "en", lang)) or ["en"]


@cli.command()
@config_option
@content_option
@lang_option
@click.option("--out", "-o", "out_file", type=click.Path(path_type=Path), default=None,
              metavar="FILE", help="Write the CSV to FILE [default: print it].")
@reports_errors
def facts(config_path: Path | None, content_dir: Path | None, langs: tuple[str, ...],
          out_file: Path | None) -> None:
    """Write every fact, with its source and the handouts that use it, as CSV.

    One row per fact and language, for a clinical reviewer to check and sign off:
    lang, fact, source, citation, used_in, reviewed, reviewed_by.
    """
    from osteo_print.facts import fact_rows, to_csv
    from osteo_print.options import find_config
    from osteo_print.project import open_project
    from osteo_print.writer import write_file

    config = find_config(config_path)
    project = open_project(config, content_dir,
                           langs=list(langs) or _all_langs(config, content_dir))
    text = to_csv(fact_rows(project.content))
    if out_file is None:
        click.echo(text, nl=False)
        return
    write_file(out_file, text.encode("utf-8"))
    click.echo(f"{text.count(chr(10)) - 1} facts in {out_file}.", err=True)


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--with-content", is_flag=True,
              help="Also copy the built-in content into DIRECTORY/content to edit (on an "
                   "existing project: add only that).")
@reports_errors
def init(directory: Path, with_content: bool) -> None:
    """Start a clinic project in DIRECTORY: a config file, an override, a logo folder."""
    from osteo_print.scaffold import init_project

    existed = {p for p in directory.iterdir()} if directory.is_dir() else set()
    for path in init_project(directory, with_content):
        click.echo(f"  {'updated' if path in existed else 'created'} {path}")
    click.echo(f"Next: edit {directory / 'osteo-print.toml'} and run 'osteo-print build' "
               "in that folder.")


@cli.command()
@click.argument("scans", nargs=-1, type=click.Path(path_type=Path), metavar="[SCAN]...")
@click.option("--answers", "answers", multiple=True, type=click.Path(path_type=Path),
              metavar="CSV", help="Typed answers, one row per sheet (columns person, class_id, "
                                  "quiz, version, code, 1, 2, ...). Repeat for several files.")
@click.option("--out", "-o", "out_dir", type=click.Path(path_type=Path), required=True,
              metavar="DIR", help="Folder for the results, written all at once.")
@click.option("--keys", "keys_dir", type=click.Path(path_type=Path), default=None,
              metavar="DIR", help="Folder of the answer keys (*-key_*.json) and sheet maps "
                                  "[default: the project's output folder].")
@click.option("--resolve", type=click.Path(path_type=Path), default=None, metavar="CSV",
              help="Apply the decisions written into a review.csv.")
@click.option("--anonymous", is_flag=True, help="Write no names anywhere.")
@click.option("--lang", "-l", "lang", default=None, metavar="CODE",
              help="Language of the report [default: the sheets' language].")
@config_option
@content_option
@quiet_option
@reports_errors
def score(scans: tuple[Path, ...], answers: tuple[Path, ...], out_dir: Path,
          keys_dir: Path | None, resolve: Path | None, anonymous: bool, lang: str | None,
          config_path: Path | None, content_dir: Path | None, verbosity: int | None) -> None:
    """Score a class's quiz sheets: scans (SCAN: PDF, JPEG, PNG) or typed answers in.

    Writes scores.csv (one row per sheet), items.csv (each question's difficulty and
    discrimination), report.pdf (what the class scored and learned) and, when some
    marks need a look, review.pdf and review.csv: write the decisions into review.csv
    and run again with --resolve. Names appear only in scores.csv and review.pdf;
    report.pdf names scans by number ("scan 1, page 3"), never by file name.

    \b
    Exit codes: 0 scored (marks to check by eye do not change it); 2 nothing was
    written (a mistake in the input, listed); 3 scored, but some pages were not read
    (listed above the summary): the results hold the sheets that were read.
    """
    from osteo_print.options import find_config
    from osteo_print.score import ScoreRequest
    from osteo_print.score import score as score_class

    if not scans and not answers:
        raise click.UsageError("give the scanned sheets (PDF, JPEG or PNG files), or "
                               "--answers with a CSV file of typed answers.")
    result = score_class(ScoreRequest(out_dir, scans, answers, keys_dir,
                                      find_config(config_path), content_dir, resolve,
                                      anonymous, lang))
    _report_scored(result, 1 if verbosity is None else verbosity)
    if result.unread:
        click.secho("Scored, but some pages were not read: see above (exit code 3).",
                    fg="yellow", err=True)
        sys.exit(3)


def _report_scored(result: Any, verbosity: int) -> None:
    names = {"quiz-pre": "pre-test", "quiz-post": "post-test"}
    for line in (*result.notices, *result.warnings):
        click.secho(f"Warning: {line}", fg="yellow", err=True)
    if not verbosity:
        return
    total = sum(result.sheets.values())
    each = ", ".join(f"{n} {names.get(q, q)}" for q, n in result.sheets.items())
    click.echo(f"Scored {_count(total, 'sheet')} ({each}) into {result.out_dir}{os.sep}: "
               f"{', '.join(result.written)}.")
    if result.earlier:
        click.echo(f"{_count(result.earlier, 'earlier decision')} applied (from "
                   f"{result.out_dir / 'review.csv'}).")
    if result.to_review:
        review = result.out_dir / "review.csv"
        click.echo(f"{_count(result.to_review, 'mark')} to check by eye: see review.pdf, "
                   f"write the decisions into {review}, then run again with --resolve "
                   f"{review}.")


# osteo-print export (LMS formats): its options and body are in osteo_print/export/cli.py.
from osteo_print.export.cli import export_command  # noqa: E402

cli.add_command(export_command())

# osteo-print serve (live preview): its options and body are in osteo_print/serve/cli.py.
from osteo_print.serve.cli import serve_command  # noqa: E402

cli.add_command(serve_command())


def _quiet_stdout() -> None:
    """Send what is left of stdout nowhere, so Python's exit does not complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # unwinds like Ctrl-C: temporary files are removed


def main() -> None:
    """Entry point of the ``osteo-print`` command."""
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        cli(prog_name="osteo-print")
    except BrokenPipeError:  # the reader went away before a command's body ran
        _quiet_stdout()
        sys.exit(0)
    except SystemExit as exc:
        # Click answers a closed pipe outside a command's body (--help | head) with exit
        # code 1, after wrapping stdout to silence the final flush; exit 0 like Unix tools.
        if exc.code == 1 and type(sys.stdout).__name__.lstrip("_") == "PacifyFlushWrapper":
            _quiet_stdout()
            sys.exit(0)
        raise
