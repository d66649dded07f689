"""The ``osteo-print export`` command: parse options, call ``export.run``, report.

The command is made by ``export_command()``, called by ``osteo_print.cli`` once its shared
options and error handling exist (this module imports nothing of it at import time, so
either module may be imported first).
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import click

FORMAT_NAMES = ("qti", "moodle", "gift")  # export.run.FORMATS, without importing it


def export_command() -> click.Command:
    """Build the ``export`` command with the main group's options and error handling."""
    from osteo_print.cli import (
        config_option,
        content_option,
        lang_option,
        out_option,
        quiet_option,
        reports_errors,
        seed_option,
        verbose_option,
    )

    @click.command(name="export")
    @click.option("--lms", "formats", multiple=True, required=True,
                  type=click.Choice(FORMAT_NAMES),
                  help="The format: qti (QTI 2.1 package), moodle (Moodle XML) or gift "
                       "(GIFT text). Repeat for several.")
    @click.option("--form", "forms", type=click.Choice(["all", "pre", "post"]), multiple=True,
                  help="Export a printed quiz: all (every handout), or the pre- or post-test. "
                       "Repeat for several.")
    @click.option("--handout", metavar="DOCUMENT", default=None,
                  help="Export the quiz on one handout.")
    @click.option("--versions", type=int, default=None, metavar="N",
                  help="Export versions A, B, C... of the quiz, each in its printed order, "
                       "as 'osteo-print quiz --versions N' prints them [default: 1 with "
                       "--form or --handout].")
    @click.option("--audience", "-a", "audiences", multiple=True, metavar="NAME",
                  help="The quiz of this audience's readers (an audience may have its own "
                       "bank). Repeat for several.")
    @config_option
    @content_option
    @out_option
    @lang_option
    @seed_option
    @quiet_option
    @verbose_option
    @reports_errors
    def export(formats: tuple[str, ...], forms: tuple[str, ...], handout: str | None,
               versions: int | None, audiences: tuple[str, ...], config_path: Path | None,
               content_dir: Path | None, out_dir: Path | None, langs: tuple[str, ...],
               seed: int | None, verbosity: int | None) -> None:
        """Export the quiz bank, a form or its versions for an LMS (QTI, Moodle XML, GIFT).

        Without --form, --handout or --versions: the whole question bank, in the bank's
        order. Otherwise the quiz 'osteo-print quiz' prints with the same options, one
        file per version, in its order and with its letters, so the right answers are
        those of its answer key. Files go to the output folder's lms/ folder, with a
        report per format of what that format cannot carry.
        """
        from osteo_print.export.run import ExportRequest
        from osteo_print.export.run import export as run_export
        from osteo_print.options import find_config

        result = run_export(ExportRequest(
            formats=formats, forms=forms, handout=handout, versions=versions, seed=seed,
            langs=langs, audiences=audiences, config_path=find_config(config_path),
            content_dir=content_dir, out_dir=out_dir))
        report(result, 1 if verbosity is None else verbosity)

    return export


def report(result: Any, verbosity: int) -> None:
    """Warn of what the formats could not carry, grouped by reason; list the files."""
    for warning in result.warnings:
        click.secho(f"Warning: {warning}", fg="yellow", err=True)
    grouped: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for note in result.notes:
        grouped[(note.format, note.family, note.message)].append(note.item or "every item")
    for (fmt, family, message), items in grouped.items():
        click.secho(f"Warning: {fmt}, {family}: {', '.join(items)}: {message}",
                    fg="yellow", err=True)
    if not verbosity:
        return
    exports = [e for e in result.entries if e.info.kind == "lms-export"]
    reports = len(result.entries) - len(exports)
    click.echo(f"{len(exports)} export file{'' if len(exports) == 1 else 's'} and {reports} "
               f"report{'' if reports == 1 else 's'} in {result.out_dir}{os.sep}"
               + (f" ({len(result.notes)} things the formats cannot carry: see the "
                  "warnings above and the reports)" if result.notes else "") + ".")
    for entry in result.entries:
        if verbosity > 1 or entry.info.kind == "lms-export":
            click.echo(f"  {entry.path}")
