"""Read YAML files into plain data, keeping the line of every key for error messages."""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from osteo_print.errors import Problem, display_path
from osteo_print.safefile import MAX_TEXT_BYTES, InputFileError, read_input

try:  # the C loader is much faster where PyYAML was built with libyaml
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader

MAX_BYTES = MAX_TEXT_BYTES  # a handout is a few kB; anything this big is a mistake
MAX_NODES = 200_000  # stops alias bombs ("billion laughs") from blowing up memory
MAX_DEPTH = 60
Loc = tuple[str | int, ...]


@dataclass
class YamlDoc:
    """Parsed YAML data with the line (1-based) where each key path starts."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    nodes: int = 0

    def line_of(self, loc: Loc) -> int | None:
        """Return the line of ``loc``, or of its nearest parent that has one."""
        for end in range(len(loc), -1, -1):
            if (line := self.lines.get(tuple(loc[:end]))) is not None:
                return line
        return None

    def problem(self, loc: Loc, message: str) -> Problem:
        """Build a problem located at ``loc`` in this file."""
        return Problem(display_path(self.path), self.line_of(loc), format_loc(loc), message)


class YamlFileError(Exception):
    """A YAML file could not be read or parsed; carries the located problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def format_loc(loc: Loc) -> str:
    """Format a key path as ``sections[2].bullets[0].text``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_text(path: Path, max_bytes: int = MAX_BYTES,
              roots: Sequence[Path] | None = None, shown_roots: str = "the project") -> str:
    """Read a UTF-8 text file, refusing one that is huge, not UTF-8 or no plain file.

    With ``roots`` (real paths), a file whose real path is outside them is refused too.
    """
    shown = display_path(path)
    try:
        raw = read_input(path, max_bytes, roots, shown_roots)
    except InputFileError as exc:
        raise YamlFileError(exc.problem) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlFileError(Problem(shown, line, "", (
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"))) from None


def load_yaml(path: Path, roots: Sequence[Path] | None = None,
              shown_roots: str = "the content folder") -> YamlDoc:
    """Parse one YAML file, raising YamlFileError with its line on any mistake.

    With ``roots`` (real paths), a file reached through a link leading out of them is
    refused (see ``safefile.read_input``).
    """
    text = read_text(path, MAX_BYTES, roots, shown_roots)
    shown = display_path(path)
    parsed = _PARSED.get(text)  # keyed by content: an edit is never missed
    if parsed is not None:
        _PARSED.move_to_end(text)
        data, lines, nodes = parsed
        return YamlDoc(path, _copy(data), dict(lines), nodes)
    doc = _parse(path, text, shown)
    _PARSED[text] = (_copy(doc.data), dict(doc.lines), doc.nodes)
    while len(_PARSED) > PARSED_LIMIT:
        _PARSED.popitem(last=False)
    return doc


# Parsed files by their text, most recently used last: a long-lived process (osteo-print
# serve, a program using the library) that builds again and again parses only the files
# whose text changed, and a copy of a content folder (a clinic's own, made with
# 'osteo-print init --with-content') is not parsed again. What is kept does not depend
# on the file's path: a mistake is raised, never kept, and ``YamlDoc.path`` is the
# caller's.
PARSED_LIMIT = 512
_PARSED: OrderedDict[str, tuple[Any, dict[Loc, int], int]] = OrderedDict()


def _copy(data: Any) -> Any:
    """A copy of parsed data, for a caller that may change it. ``_build`` makes only
    dicts, lists and immutable scalars, and never shares one dict or list between two
    places (an alias is built again), so copying those two is enough; it is quicker
    than ``copy.deepcopy``, which keeps a memo of every object it copies."""
    if isinstance(data, dict):
        return {key: _copy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_copy(value) for value in data]
    if isinstance(data, str | int | float | bool | date | None):
        return data
    return copy.deepcopy(data)


def _parse(path: Path, text: str, shown: str) -> YamlDoc:
    if not text.strip():
        raise YamlFileError(Problem(shown, None, "", "file is empty"))
    try:
        node = yaml.compose(text, Loader=_Loader)
    except RecursionError:
        raise YamlFileError(Problem(shown, None, "", "data is nested too deeply")) from None
    except yaml.MarkedYAMLError as exc:
        raise YamlFileError(_parse_problem(shown, text, exc)) from None
    except yaml.YAMLError as exc:
        raise YamlFileError(Problem(shown, None, "", f"broken YAML: {exc}")) from None
    doc = YamlDoc(path, None)
    if node is None:
        raise YamlFileError(Problem(shown, None, "", "file holds no data"))
    try:
        doc.data = _build(node, (), doc, shown)
    except RecursionError:
        raise YamlFileError(Problem(shown, None, "", "data is nested too deeply")) from None
    return doc


def _parse_problem(shown: str, text: str, exc: yaml.MarkedYAMLError) -> Problem:
    """Say where YAML broke, in words a content editor can act on."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    what = " ".join(filter(None, [exc.context, exc.problem]))
    lines = text.splitlines()
    if line and line <= len(lines) and "\t" in lines[line - 1]:
        what = "a tab is used on this line; indent with spaces only"
    start = exc.context_mark.line + 1 if exc.context_mark else None
    if start and line and start != line:
        what += f" (the part that is not closed starts at line {start})"
    return Problem(shown, line, "", f"broken YAML: {what}")


_constructor = yaml.SafeLoader("")


def _build(node: yaml.Node, loc: Loc, doc: YamlDoc, shown: str) -> Any:
    doc.nodes += 1
    if doc.nodes > MAX_NODES or len(loc) > MAX_DEPTH:
        raise YamlFileError(Problem(shown, node.start_mark.line + 1, "",
                                    "data is too large or nested too deeply"))
    doc.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlFileError(Problem(shown, key_node.start_mark.line + 1,
                                            "", "a key must be plain text"))
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlFileError(Problem(shown, key_node.start_mark.line + 1,
                                            "", "YAML merge keys (<<) are not supported"))
            key = key_node.value
            if key in out:
                raise YamlFileError(Problem(shown, key_node.start_mark.line + 1,
                                            format_loc((*loc, key)), "key appears twice"))
            doc.lines[(*loc, key)] = key_node.start_mark.line + 1
            out[key] = _build(value_node, (*loc, key), doc, shown)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), doc, shown) for i, item in enumerate(node.value)]
    try:
        return _constructor.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        if node.tag == "tag:yaml.org,2002:timestamp":
            message = f"{node.value!r} is not a real date; write it like 2026-11-01"
        else:
            message = f"cannot read the value {node.value!r} ({exc})"
        raise YamlFileError(Problem(shown, node.start_mark.line + 1, format_loc(loc),
                                    message)) from None
