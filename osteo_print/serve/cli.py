"""The ``osteo-print serve`` command: parse options, run a ``Preview`` until Ctrl-C.

The command is made by ``serve_command()``, called by ``osteo_print.cli`` once its shared
options and error handling exist (this module imports nothing of it at import time, so
either module may be imported first).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import click


def serve_command() -> click.Command:
    """Build the ``serve`` command with the main group's options and error handling."""
    from osteo_print.cli import (
        audience_option,
        config_option,
        content_option,
        lang_option,
        paper_option,
        reports_errors,
    )

    @click.command(name="serve")
    @config_option
    @content_option
    @click.option("--out", "-o", "out_dir", type=click.Path(path_type=Path), default=None,
                  metavar="DIR", help="Folder to build the preview in [default: preview/ "
                                      "in the output folder].")
    @audience_option
    @lang_option
    @paper_option
    @click.option("--port", type=click.IntRange(0, 65535), default=0, metavar="N",
                  help="Port to listen on, on 127.0.0.1 only [default: 0, any free one].")
    @click.option("--no-pdf", is_flag=True,
                  help="Make the web pages only, not the PDFs (quicker).")
    @reports_errors
    def serve(config_path: Path | None, content_dir: Path | None, out_dir: Path | None,
              audiences: tuple[str, ...], langs: tuple[str, ...], papers: tuple[str, ...],
              port: int, no_pdf: bool) -> None:
        """Preview the handouts and the quiz in a browser, rebuilt as you edit.

        Builds the web pages and the PDFs into a preview folder and serves them on
        127.0.0.1 (this machine only), with an index of every document. On each change
        to the content, the templates, the catalogs or the project file, it rebuilds
        what changed (the web pages first, then the PDFs) and the open pages reload. A
        mistake shows in the page, and the last good build stays served.
        """
        from osteo_print.options import BuildOptions, find_config
        from osteo_print.serve.preview import Preview, ServeOptions

        options = BuildOptions(config_path=find_config(config_path), content_dir=content_dir,
                               out_dir=out_dir, audiences=audiences, langs=langs,
                               papers=papers)
        preview = Preview(ServeOptions(options, port=port, pdf=not no_pdf), say=_say)
        try:
            preview.start()
            click.echo(f"Serving on {preview.url}  (Ctrl-C to stop)")
            click.echo(f"Preview folder: {preview.folder}", err=True)
            forever = threading.Event()
            while not forever.wait(3600):  # Ctrl-C and SIGTERM end it (KeyboardInterrupt)
                pass
        except KeyboardInterrupt:
            click.echo("Stopped.", err=True)
        finally:
            preview.stop()

    return serve


def _say(text: str, error: bool) -> None:
    """Print a builder's line on stderr, with the time (red for an error)."""
    stamp = time.strftime("%H:%M:%S")
    click.secho(f"{stamp} {text}", fg="red" if error else None, err=True)

