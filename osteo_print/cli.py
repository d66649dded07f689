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


@cli.command()
@click.argument("documents", nargs=-1, metavar="[DOCUMENT]...")
@content_option
@click.option("--out", "-o", "out_dir", type=click.Path(path_type=Path), default=Path("output"),
              show_default=True, metavar="DIR", help="Folder to write the PDFs to.")
@click.option("--html", is_flag=True, help="Also write each page's HTML, for preview.")
@reports_errors
def build(documents: tuple[str, ...], content_dir: Path | None, out_dir: Path,
          html: bool) -> None:
    """Build the handouts as print-ready PDFs.

    Builds every handout, or only the DOCUMENTs named (see 'osteo-print list'),
    into the output folder, with a manifest.json that lists each file written.
    """
    from osteo_print.build import BuildOptions
    from osteo_print.build import build as run_build
    from osteo_print.paths import BUILTIN_CONTENT

    options = BuildOptions(content_dir=content_dir or BUILTIN_CONTENT, out_dir=out_dir,
                           documents=documents, html=html)
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
    click.echo("Handouts:")
    for name in HANDOUTS:
        title = content.handout("en", name).title
        click.echo(f"  {name:<{width}}  {title}")


def main() -> None:
    """Entry point of the ``osteo-print`` command."""
    cli(prog_name="osteo-print")
