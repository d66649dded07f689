"""The library API of the live preview: start it, read its URL, stop it.

    from osteo_print.serve.preview import Preview, ServeOptions
    with Preview(ServeOptions(BuildOptions(config_path=Path("osteo-print.toml")))) as p:
        print(p.url)        # http://127.0.0.1:PORT/
        ...                 # edit files: the pages rebuild and reload

``start`` listens on 127.0.0.1 (``PortInUse`` if the port is taken), starts the watcher,
builds the web pages once (raising what stops a start, see
``builder.FATAL_AT_START``), then serves while the builder makes the PDFs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType

from osteo_print.errors import ConfigError, Problem, display_path
from osteo_print.inputs import list_inputs, read_config
from osteo_print.options import BuildOptions, output_dir
from osteo_print.serve.builder import Builder, Say
from osteo_print.serve.server import PreviewServer
from osteo_print.serve.state import State
from osteo_print.serve.watch import Watcher

PREVIEW_FOLDER = "preview"  # under the project's output folder, unless --out says


@dataclass(frozen=True)
class ServeOptions:
    """What to preview and how.

    ``build`` says what to build, as for ``osteo-print build`` (its ``formats`` are
    set here: the web pages always, the PDFs unless ``pdf`` is False); its ``out_dir``
    is the preview folder, by default ``preview/`` in the project's output folder.
    ``port`` 0 picks a free one. ``step_ms`` is how long the files must stay quiet
    before a build starts (several saves at once make one build).
    """

    build: BuildOptions
    port: int = 0
    pdf: bool = True
    step_ms: int = 50


def preview_folder(options: BuildOptions) -> Path:
    """Where a preview writes: ``options.out_dir``, else preview/ in the folder that
    ``osteo-print build`` writes to (``options.output_dir``'s rule)."""
    if options.out_dir is not None:
        return options.out_dir
    defaults = (read_config(options.config_path) or {}).get("defaults")
    out = defaults.get("out") if isinstance(defaults, dict) else None
    return output_dir(options, out if isinstance(out, str) and out else None) / PREVIEW_FOLDER


def check_config(path: Path | None) -> None:
    """Refuse to start on a project file that cannot be read or parsed, as ``build``
    does (the message, with its line, comes from the config loader)."""
    if path is None or read_config(path) is not None:
        return
    from osteo_print.config import load_config

    load_config(path)  # raises the located ConfigError
    raise ConfigError("The config file cannot be read.",
                      [Problem(display_path(path), None, "", "not a readable TOML file")])


class Preview:
    """A running preview: the HTTP server, the file watcher and the builder."""

    def __init__(self, options: ServeOptions, say: Say | None = None) -> None:
        check_config(options.build.config_path)
        self.options = options
        self.folder = preview_folder(options.build)
        self.state = State()
        build = replace(options.build, out_dir=self.folder)
        self.watcher = Watcher(self._changed, options.step_ms)
        self.builder = Builder(build, self.state, pdf=options.pdf, say=say,
                               inputs_seen=lambda inputs: self.watcher.follow(inputs,
                                                                              self.folder))
        self.server: PreviewServer | None = None
        self._serving: threading.Thread | None = None

    def _changed(self, paths: set[Path]) -> None:
        self.builder.request(paths)

    @property
    def url(self) -> str:
        if self.server is None:
            raise RuntimeError("the preview is not started")
        return self.server.url

    def start(self) -> None:
        """Listen, watch, build the web pages, then serve (in a thread) and go on with
        the PDFs. Raises ``PortInUse``, or an error that stops a start."""
        self.server = PreviewServer(self.options.port, self.folder, self.state)
        try:
            self.watcher.follow(list_inputs(replace(self.options.build,
                                                    out_dir=self.folder)), self.folder)
            self.watcher.start()  # before the first build: no edit goes unseen
            ok = self.builder.first_build()
        except BaseException:
            self.stop()
            raise
        self.builder.start(pdfs_first=ok)
        self._serving = threading.Thread(target=self.server.serve_forever,
                                         kwargs={"poll_interval": 0.2},
                                         name="osteo-print-server", daemon=True)
        self._serving.start()

    def stop(self) -> None:
        """Stop serving, watching and building (a web build in progress finishes, the
        PDF child is stopped); the preview folder keeps its last good build."""
        self.state.stop()
        self.watcher.stop()
        self.builder.stop()
        if self.server is not None:
            if self._serving is not None:
                self.server.shutdown()
            self.server.server_close()

    def __enter__(self) -> Preview:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
