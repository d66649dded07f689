"""What a build is asked to do: plain data, quick to import (no pydantic, no Jinja).

The command line builds these before anything heavy is imported, so that an
up-to-date build can answer in a few milliseconds (see ``uptodate``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from osteo_print.packet import PacketRequest

CONFIG_NAME = "osteo-print.toml"
QUIZ_FORMS = {"all": "quiz", "pre": "quiz-pre", "post": "quiz-post"}
FORMATS = ("pdf", "html")  # what a build writes: print-ready PDFs, web pages
DEFAULT_SEED = 1
MAX_CLASS_SIZE = 500  # sheets in one class set (quiz --class-size)


@dataclass(frozen=True)
class QuizRequest:
    """A quiz to build: a form ("all", "pre", "post") or one handout, in N versions.

    ``seed`` None means: the project's default seed, else DEFAULT_SEED.
    """

    form: str | None = "all"
    handout: str | None = None
    versions: int = 1
    seed: int | None = None
    class_size: int | None = None  # also compose a class set of this many sheets

    @property
    def quiz_id(self) -> str:
        return f"quiz-{self.handout}" if self.handout else QUIZ_FORMS[self.form or "all"]

    @property
    def seed_from_default(self) -> bool:
        return self.seed is None

    def with_seed(self, seed: int) -> QuizRequest:
        return replace(self, seed=seed)



@dataclass(frozen=True)
class BuildOptions:
    """What to build and where. Unset choices come from osteo-print.toml, then defaults.

    audiences may hold "all". The defaults build every handout and the default quiz
    from the built-in content, for the general audience, in English, on Letter paper.
    ``jobs`` is the number of worker processes (None: one per CPU); ``force`` ignores
    the cache of earlier builds.
    """

    config_path: Path | None = None
    content_dir: Path | None = None
    out_dir: Path | None = None
    documents: tuple[str, ...] = ()
    html: bool = False  # also write each PDF's print HTML, for debugging
    formats: tuple[str, ...] = ("pdf",)  # "pdf" and/or "html" (web pages, osteo_print.web)
    audiences: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    papers: tuple[str, ...] = ()
    handouts: bool = True
    quizzes: tuple[QuizRequest, ...] = (QuizRequest(),)
    strict: bool = False  # run the checks and write nothing that fails them
    write: bool = True  # False: render and check only (osteo-print check)
    jobs: int | None = None
    force: bool = False
    packet: PacketRequest | None = None  # a class packet (osteo-print packet)



    def request(self) -> dict[str, Any]:
        """The choices that decide which files a build writes and what is in them."""
        data = asdict(self)
        for name in ("config_path", "content_dir", "out_dir", "write", "jobs", "force"):
            data.pop(name)
        return data


def find_config(explicit: Path | None, cwd: Path | None = None) -> Path | None:
    """The config file to use: the one given, or ./osteo-print.toml if there is one."""
    if explicit is not None:
        return explicit
    candidate = (cwd or Path.cwd()) / CONFIG_NAME
    return candidate if candidate.is_file() else None


def output_dir(options: BuildOptions, configured: str | None) -> Path:
    """Where a build writes: the one rule, for the quick up-to-date check and the build.

    ``options.out_dir`` (--out) when given, as given; else ``configured`` (``out`` under
    [defaults] in the project file), relative to the project file's folder; else the
    ``output`` folder next to the project file, or ./output without one.
    """
    if options.out_dir is not None:
        return options.out_dir
    base = options.config_path.parent if options.config_path is not None else Path()
    return base / (configured or "output")
