"""The command line: parse options, call the library, report errors without tracebacks.

Heavy modules (WeasyPrint, pydantic models) are imported inside commands so that
``--help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from osteo_print import __version__

DEFAULT_SEED = 1  # keep in step with osteo_print.plan.DEFAULT_SEED (not imported: speed)

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def reports_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn osteo-print errors into messages and exit codes; never show a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from osteo_print.errors import OsteoPrintError

        try:
            return func(*args, **kwargs)
        except OsteoPrintError as exc:
            lines = exc.lines()
            click.secho(f"Error: {lines[0]}", fg="red", err=True)
            for line in lines[1:]:
                click.echo(line, err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Stopped. The earlier output is unchanged.", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # the last line of defence: a message, not a traceback
            if os.environ.get("OSTEO_PRINT_DEBUG"):
                raise
            click.secho(f"Error: osteo-print stopped unexpectedly: {type(exc).__name__}: {exc}",
                        fg="red", err=True)
            click.echo("Nothing was written. Please report this problem; set "
                       "OSTEO_PRINT_DEBUG=1 to see the details.", err=True)
            sys.exit(1)

    return wrapper


content_option = click.option(
    "--content", "content_dir", type=click.Path(path_type=Path), default=None,
    metavar="DIR", help="Build from this content folder instead of the built-in one.")


@click.group(name="osteo-print", context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="osteo-print")
def cli() -> None:
    """Print plain-language osteoporosis handouts as print-ready PDFs."""


out_option = click.option(
    "--out", "-o", "out_dir", type=click.Path(path_type=Path), default=Path("output"),
    show_default=True, metavar="DIR", help="Folder to write the files to.")
html_option = click.option("--html", is_flag=True,
                           help="Also write each page's HTML, for preview.")
seed_option = click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
                           help="Seed for shuffling; the same seed gives the same quizzes.")


@cli.command()
@click.argument("documents", nargs=-1, metavar="[DOCUMENT]...")
@content_option
@out_option
@html_option
@seed_option
@reports_errors
def build(documents: tuple[str, ...], content_dir: Path | None, out_dir: Path, html: bool,
          seed: int) -> None:
    """Build the handouts and the default quiz with its answer key.

    Builds every handout and the quiz (version A), or only the DOCUMENTs named
    (see 'osteo-print list'; 'quiz' names the quiz), into the output folder, with a
    manifest.json that lists each file written.
    """
    from osteo_print.plan import QuizRequest

    handouts = tuple(d for d in documents if d != "quiz")
    with_quiz = not documents or "quiz" in documents
    _run(content_dir, out_dir, html, documents=handouts,
         handouts=not documents or bool(handouts),
         quizzes=(QuizRequest(seed=seed),) if with_quiz else ())


@cli.command()
@content_option
@out_option
@html_option
@seed_option
@click.option("--versions", type=int, default=1, show_default=True, metavar="N",
              help="How many versions (A, B, C...) to print, each shuffled differently.")
@click.option("--form", type=click.Choice(["all", "pre", "post"]), default=None,
              help="all: the quiz on every handout; pre / post: the parallel before "
                   "and after tests of a class.")
@click.option("--handout", metavar="DOCUMENT", default=None,
              help="A quiz on one handout only.")
@reports_errors
def quiz(content_dir: Path | None, out_dir: Path, html: bool, seed: int, versions: int,
         form: str | None, handout: str | None) -> None:
    """Build quiz sheets and their answer keys (PDF and JSON)."""
    from osteo_print.plan import QuizRequest

    request = QuizRequest(form=form if form or handout else "all", handout=handout,
                          versions=versions, seed=seed)
    _run(content_dir, out_dir, html, handouts=False, quizzes=(request,))


def _run(content_dir: Path | None, out_dir: Path, html: bool, **choices: Any) -> None:
    from osteo_print.build import BuildOptions
    from osteo_print.build import build as run_build
    from osteo_print.paths import BUILTIN_CONTENT

    options = BuildOptions(content_dir=content_dir or BUILTIN_CONTENT, out_dir=out_dir,
                           html=html, **choices)
    result = run_build(options)
    for warning in result.warnings:
        click.secho(f"Warning: {warning}", fg="yellow", err=True)
    for notice in result.notices:
        click.echo(notice, err=True)
    pdfs = [e for e in result.entries if e.info.format == "pdf"]
    pages = sum(e.info.pages or 0 for e in pdfs)
    click.echo(f"Wrote {len(pdfs)} PDF{'s' if len(pdfs) != 1 else ''} ({pages} pages) "
               f"to {out_dir}{os.sep}")
    for entry in result.entries:
        pages_note = f"  ({entry.info.pages} p.)" if entry.info.pages else ""
        click.echo(f"  {entry.path}{pages_note}")


@cli.command(name="list")
@content_option
@reports_errors
def list_documents(content_dir: Path | None) -> None:
    """Show the documents osteo-print can build."""
    from osteo_print.content import load_content
    from osteo_print.models import HANDOUTS
    from osteo_print.paths import BUILTIN_CONTENT

    content = load_content(content_dir or BUILTIN_CONTENT)
    width = max(map(len, HANDOUTS))
    click.echo("Handouts (osteo-print build DOCUMENT):")
    for name in HANDOUTS:
        title = content.handout("en", name).title
        click.echo(f"  {name:<{width}}  {title}")
    bank = content.quizzes["en"].bank
    click.echo("Quizzes (osteo-print quiz):")
    for form, label in (("all", "--form all"), ("pre", "--form pre"), ("post", "--form post")):
        items = len(bank.forms[form].items)
        click.echo(f"  {label:<11}  {bank.forms[form].title} ({items} questions)")
    click.echo("  --handout DOCUMENT  a quiz on one handout")


def main() -> None:
    """Entry point of the ``osteo-print`` command."""
    cli(prog_name="osteo-print")
