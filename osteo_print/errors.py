"""The errors osteo-print reports to its user: each names where the mistake is."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One located mistake: a file, an optional line, an optional key path, a message."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class OsteoPrintError(Exception):
    """A mistake in the user's input or setup; reported without a traceback."""

    exit_code = 2

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = sorted(set(problems))

    def __reduce__(self):  # keep the problems when a worker process sends the error back
        return (type(self), (self.message, self.problems))

    def lines(self) -> list[str]:
        """Return the message and every problem, one line each."""
        return [self.message, *(f"  {p}" for p in self.problems)]


class ContentError(OsteoPrintError):
    """The content folder holds YAML that is broken, missing or does not fit the schema."""


class ConfigError(OsteoPrintError):
    """The project file (osteo-print.toml) is broken or names something unusable."""


class TemplateError(OsteoPrintError):
    """A template has a syntax error or uses something the context does not hold."""


class FetchRefused(OsteoPrintError):
    """A page referred to a URL outside the project's folders, or to the network."""


class OutputError(OsteoPrintError):
    """The output folder cannot be written."""


class SetupError(OsteoPrintError):
    """Something the machine must provide (a system library) is missing."""

    exit_code = 3


class UsageError(OsteoPrintError):
    """A choice asked of a build does not fit the content (an unknown document, say).

    The message is in the library's terms. Where it names a choice, it holds a
    ``{name}`` placeholder, and ``terms`` says each in the library's words (a form, the
    class date); a front end says them in its own with ``phrased`` (the command line:
    its flags, --form, --date).
    """

    def __init__(self, message: str, problems: Iterable[Problem] = (),
                 terms: Mapping[str, str] | None = None) -> None:
        self.template = message
        self.terms = dict(terms or {})
        super().__init__(self._fill(self.terms), problems)

    def __reduce__(self):  # keep the template and terms too
        return (type(self), (self.template, self.problems, self.terms))

    def _fill(self, words: Mapping[str, str]) -> str:
        text = self.template
        for name, word in words.items():
            text = text.replace("{" + name + "}", word)
        return text

    def phrased(self, words: Mapping[str, str]) -> list[str]:
        """``lines()``, with the terms said in ``words`` where it has them."""
        own = {name: words.get(name, word) for name, word in self.terms.items()}
        return [self._fill(own), *(f"  {p}" for p in self.problems)]


def display_path(path: Path) -> str:
    """Return ``path`` relative to the working directory when it lies inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, RuntimeError, OSError):  # outside, or a loop of symbolic links
        return str(path)
