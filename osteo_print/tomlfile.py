"""Read TOML settings files, with mistakes located by file, line and key."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from osteo_print.errors import Problem, display_path
from osteo_print.yamlfile import Loc, YamlFileError, format_loc, read_text

MAX_BYTES = 200_000  # a settings file is a few kB


@dataclass
class TomlDoc:
    """Parsed TOML data and its text, to find the line of a key."""

    path: Path
    data: dict[str, Any]
    text: str

    def line_of(self, loc: Loc) -> int | None:
        """Find the line that sets ``loc`` (a table path then a key), if it can."""
        keys = [k for k in loc if isinstance(k, str)]
        if not keys:
            return None
        lines = self.text.splitlines()
        start, table = 0, keys[:-1]
        if table:
            header = re.compile(r"^\s*\[+\s*" + r"\s*\.\s*".join(map(re.escape, table)) + r"\s*\]")
            found = next((i for i, line in enumerate(lines) if header.match(line)), None)
            if found is None:
                return None
            start = found + 1
        key = re.compile(r"^\s*" + re.escape(keys[-1]) + r"\s*=")
        for i in range(start, len(lines)):
            if i > start and re.match(r"^\s*\[", lines[i]):
                break
            if key.match(lines[i]):
                return i + 1
        return start if table else None

    def problem(self, loc: Loc, message: str) -> Problem:
        return Problem(display_path(self.path), self.line_of(loc), format_loc(loc), message)


def load_toml(path: Path, roots: Sequence[Path] | None = None,
              shown_roots: str = "the project") -> TomlDoc:
    """Read and parse a TOML file; raise YamlFileError (a located problem) when it
    cannot be read (see ``safefile.read_input``; with ``roots``, real paths, it must lie
    inside them) or is broken."""
    return parse_toml(path, read_text(path, MAX_BYTES, roots, shown_roots))


def parse_toml(path: Path, text: str) -> TomlDoc:
    """Parse the text of the TOML file ``path``; raise YamlFileError when it is broken."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise YamlFileError(Problem(display_path(path), line, "",
                                    f"broken TOML: {message}")) from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise YamlFileError(Problem(display_path(path), None, "", (
            "broken TOML: values are nested too deeply (arrays or tables inside each "
            "other thousands of times)"))) from None
    return TomlDoc(path, data, text)
