"""Everything a build reads, listed once: the files with their content hashes, and the
settings that change what a page looks like.

``list_inputs`` reads the project file as plain TOML (no validation, no content model,
no WeasyPrint), finds the folders a build reads, and hashes every file in them, each
once. Links are followed, to folders as to files: an edit in the target of a linked
``content/`` or ``templates/blocks/`` counts like any other edit. Both the quick
up-to-date check (``uptodate``) and the key of each job (``cache.Keys``) are made from
what it returns, so the two cannot disagree about what the inputs are.

Only regular files are read (a FIFO or a device is skipped: it would block or never
end), and a project file that cannot be read or parsed makes the list incomplete,
which only means "not known to be up to date": the full build then says what is wrong.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from osteo_print import __version__
from osteo_print.options import BuildOptions, output_dir
from osteo_print.paths import BUILTIN_CONTENT, BUILTIN_TEMPLATES
from osteo_print.safefile import InputFileError, read_input

# (module, distribution) of the libraries whose version changes what a page looks like.
LIBRARIES = (("weasyprint", "weasyprint"), ("jinja2", "jinja2"), ("pydantic", "pydantic"),
             ("fontpkg_atkinson_hyperlegible", "fontpkg_atkinson_hyperlegible"),
             ("babel", "babel"), ("pydyf", "pydyf"), ("pypdf", "pypdf"),
             ("fontTools", "fonttools"))
# The names WeasyPrint's text.ffi tries for HarfBuzz's subsetter and for HarfBuzz.
SUBSETTER_NAMES = ("libharfbuzz-subset-0", "harfbuzz-subset", "harfbuzz-subset-0.0",
                   "libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib",
                   "libharfbuzz-subset-0.dll")
HARFBUZZ_NAMES = ("libharfbuzz-0", "harfbuzz", "harfbuzz-0.0", "libharfbuzz.so.0",
                  "libharfbuzz.0.dylib", "libharfbuzz-0.dll")
MAX_CONFIG_BYTES = 1_000_000  # a project file is a few hundred bytes
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class InputFile:
    """One file a build reads.

    ``role`` says which folder it is in ("content", "builtin-templates", "templates",
    "audiences") or what it is ("project", "logo"); ``name`` is its path inside that
    folder, with "/" between parts; ``path`` is where the build reads it (links not
    resolved) and ``sha256`` the hash of its bytes.
    """

    role: str
    name: str
    path: Path
    sha256: str


@dataclass
class Inputs:
    """The inputs of one build; see ``list_inputs``.

    ``settings`` holds the tool and library versions, the options, SOURCE_DATE_EPOCH
    and whether HarfBuzz's subsetter is present; ``folders`` the folders walked, by
    role; ``out_dir`` where the build writes (None when the project file is unreadable).
    ``complete`` is False when something could not be read: then nothing is up to date.
    """

    settings: dict[str, Any]
    files: list[InputFile] = field(default_factory=list)
    folders: dict[str, Path] = field(default_factory=dict)
    config_path: Path | None = None
    content_dir: Path | None = None  # None: the built-in content
    logo: Path | None = None
    out_dir: Path | None = None
    complete: bool = True
    _hashes: dict[Path, str] = field(default_factory=dict, repr=False)
    _real: dict[Path, str] = field(default_factory=dict, repr=False)  # by real path

    def digest(self) -> str | None:
        """One hash of every input (the cache's fingerprint), or None if incomplete."""
        if not self.complete:
            return None
        return _digest({"settings": self.settings, "folders": self.locations(),
                        "files": [(f.role, f.name, f.sha256) for f in self.files]})

    def locations(self) -> dict[str, str]:
        """Where each folder really is (links resolved): the same however it was named."""
        return {role: os.path.realpath(path) for role, path in self.folders.items()}

    def hash_of(self, path: Path) -> str:
        """The hash of a file's bytes, read once per build ("missing" if unreadable).

        A file listed under another name (relative, or through a link) is not read again.
        """
        if path in self._hashes:
            return self._hashes[path]
        if not self._real:
            self._real = {Path(os.path.realpath(f.path)): f.sha256 for f in self.files}
        real = Path(os.path.realpath(path))
        if real not in self._real:
            self._real[real] = file_hash(path) if _regular(path) else "missing"
        self._hashes[path] = self._real[real]
        return self._hashes[path]

    def role(self, role: str) -> InputFile | None:
        """The single file of a role ("project", "logo"), if it is an input."""
        return next((f for f in self.files if f.role == role), None)

    def files_in(self, folder: Path) -> list[tuple[str, str]]:
        """(name inside ``folder``, hash) of every file under it, in a stable order."""
        for role, root in self.folders.items():
            for base, inner in ((root, folder),
                                (Path(os.path.realpath(root)), Path(os.path.realpath(folder)))):
                if inner == base or inner.is_relative_to(base):
                    rel = inner.relative_to(base).as_posix()
                    prefix = "" if rel == "." else f"{rel}/"
                    return [(f.name[len(prefix):], f.sha256) for f in self.files
                            if f.role == role and f.name.startswith(prefix)]
        # A folder outside those listed: walk it now (each file still hashed once).
        return [(name, self.hash_of(path)) for name, path in walk(folder)]

    def _add(self, role: str, name: str, path: Path) -> None:
        digest = file_hash(path)
        if digest == UNREADABLE:
            self.complete = False
        self._hashes[path] = digest
        self.files.append(InputFile(role, name, path, digest))


def list_inputs(options: BuildOptions) -> Inputs:
    """Every input of the build ``options`` ask for, each file read and hashed once."""
    settings = {"tool": __version__, "libraries": versions(), "options": options.request(),
                "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH"),
                "harfbuzz_subset": harfbuzz_subset()}
    inputs = Inputs(settings, config_path=options.config_path)
    raw = _read_config(options.config_path)
    config = _parse_config(raw)
    if config is None:
        inputs.complete = False
        return inputs
    base = options.config_path.parent if options.config_path else None
    defaults = _table(config, "defaults")
    inputs.content_dir = content_dir(options, defaults)
    out = defaults.get("out")
    inputs.out_dir = output_dir(options, out if isinstance(out, str) and out else None)
    inputs.folders["content"] = inputs.content_dir or BUILTIN_CONTENT
    inputs.folders["builtin-templates"] = BUILTIN_TEMPLATES
    if base is not None:
        inputs.folders["templates"] = base / "templates"
        inputs.folders["audiences"] = base / "audiences"
    for role, folder in inputs.folders.items():
        try:
            for name, path in walk(folder, strict=True):
                inputs._add(role, name, path)
        except OSError:
            inputs.complete = False  # an unreadable folder: let the full build say so
    if options.config_path is not None and raw is not None:  # hashed as it was parsed
        digest = hashlib.sha256(raw).hexdigest()
        inputs._hashes[options.config_path] = digest
        inputs.files.append(InputFile("project", options.config_path.name,
                                      options.config_path, digest))
    clinic = _table(config, "clinic")
    if base is not None and isinstance(clinic.get("logo"), str) and clinic["logo"]:
        inputs.logo = base / clinic["logo"]
        if _regular(inputs.logo):
            inputs._add("logo", inputs.logo.name, inputs.logo)
        else:
            inputs.complete = False  # the full build explains a missing or odd logo
    return inputs


def _table(config: dict[str, Any], name: str) -> dict[str, Any]:
    table = config.get(name)
    return table if isinstance(table, dict) else {}


def content_dir(options: BuildOptions, defaults: dict[str, Any]) -> Path | None:
    """The content folder a build reads: --content, the project's, or None (built-in)."""
    if options.content_dir is not None:
        return options.content_dir
    folder = defaults.get("content")
    if options.config_path is not None and isinstance(folder, str) and folder:
        return options.config_path.parent / folder
    return None


def read_config(path: Path | None) -> dict[str, Any] | None:
    """The project file as plain TOML ({} without one), or None if it cannot be read.

    Only a regular file of sane size is read; anything odd (a FIFO, a device, a file
    nested too deep to parse) is left to the config loader to explain.
    """
    return {} if path is None else _parse_config(_read_config(path))


def _read_config(path: Path | None) -> bytes | None:
    if path is None:
        return b""
    try:
        return read_input(path, MAX_CONFIG_BYTES)
    except InputFileError:
        return None


def _parse_config(raw: bytes | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None


def walk(folder: Path, strict: bool = False) -> Iterator[tuple[str, Path]]:
    """(name inside ``folder``, path) of each regular file under it, in name order.

    Links to folders are followed (``rglob`` does not follow them, which hid every edit
    made in a linked folder), except a link back to a folder being walked, which would
    never end. A folder that is missing yields nothing; one that cannot be listed
    raises OSError when ``strict``, and is skipped otherwise.
    """

    def visit(directory: Path, prefix: str, above: frozenset[str]) -> Iterator[tuple[str, Path]]:
        try:
            real = os.path.realpath(directory)
            if real in above:
                return
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            if strict:
                raise
            return
        for entry in entries:
            path = directory / entry.name
            try:
                is_dir, is_file = entry.is_dir(), entry.is_file()  # both follow links
            except OSError:  # a link loop: nothing the build can read
                continue
            if is_dir:
                yield from visit(path, f"{prefix}{entry.name}/", above | {real})
            elif is_file:
                yield f"{prefix}{entry.name}", path

    if folder.is_dir():
        yield from visit(folder, "", frozenset())


def file_hash(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in chunks ("unreadable" on an error)."""
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return UNREADABLE


def _regular(path: Path) -> bool:
    try:
        return path.is_file()  # follows links; False for FIFOs, devices and folders
    except OSError:
        return False


@functools.cache
def harfbuzz_subset() -> bool:
    """Is HarfBuzz's subsetter (4.1 or later) present, as WeasyPrint decides it?

    WeasyPrint subsets fonts with it when it can and falls back to fontTools, which
    makes different bytes. The libraries are opened with ctypes, by the names WeasyPrint
    tries, so that this answer costs milliseconds and never imports WeasyPrint.
    """
    import ctypes

    def load(names: tuple[str, ...]) -> Any:
        for name in names:
            try:
                return ctypes.CDLL(name)
            except OSError:
                continue
        return None

    if load(SUBSETTER_NAMES) is None:
        return False
    harfbuzz = load(HARFBUZZ_NAMES)
    try:
        return harfbuzz is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))
    except AttributeError:
        return False


def versions() -> dict[str, str]:
    """Installed versions of the libraries, read from their dist-info folder names.

    (importlib.metadata would take longer than the whole up-to-date check.)
    """
    import importlib.util

    found = {}
    for module, distribution in LIBRARIES:
        found[module] = "?"
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.origin:
            continue
        site = Path(spec.origin).parent.parent
        for info in site.glob("*.dist-info"):
            name, _, version = info.name[: -len(".dist-info")].partition("-")
            if name.lower().replace("-", "_") == distribution:
                found[module] = version
                break
    return found


def _digest(parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str)
                          .encode("utf-8")).hexdigest()
