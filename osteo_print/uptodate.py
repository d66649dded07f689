"""Answer "is everything already built?" without loading the content or WeasyPrint.

A build records a fingerprint of all its inputs (every content, template and catalog
file, the project file and logo, the options, the tool and library versions) in the
cache file of the output folder. When the fingerprint is the same and every output file
is still there with the hash the cache recorded, nothing needs doing. Anything else
(a changed byte, a missing or edited output, a corrupt cache) falls through to the
full build, which then decides job by job.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from pathlib import Path
from typing import Any

from osteo_print import __version__
from osteo_print.options import BuildOptions, default_out_dir
from osteo_print.paths import BUILTIN_CONTENT, BUILTIN_TEMPLATES

CACHE_NAME = ".osteo-print-cache.json"
# (module, distribution) of the libraries whose version changes what a page looks like.
LIBRARIES = (("weasyprint", "weasyprint"), ("jinja2", "jinja2"), ("pydantic", "pydantic"),
             ("fontpkg_atkinson_hyperlegible", "fontpkg_atkinson_hyperlegible"),
             ("babel", "babel"), ("pydyf", "pydyf"), ("pypdf", "pypdf"))


def content_dir(options: BuildOptions, config: dict | None = None) -> Path | None:
    """The content folder a build reads: --content, the project's, or None (built-in)."""
    if options.content_dir is not None:
        return options.content_dir
    config = _read_config(options.config_path) if config is None else config
    defaults = (config or {}).get("defaults", {})
    if options.config_path and isinstance(defaults, dict) \
            and isinstance(defaults.get("content"), str):
        return options.config_path.parent / defaults["content"]
    return None


def content_summary(options: BuildOptions) -> tuple[str, str | None]:
    """Say which content a build reads, and a hint when a local content/ is not it."""
    folder = content_dir(options)
    if folder is not None:
        return f"content: {folder}", None
    local = Path("content")
    if (local / "sources.yaml").is_file() and local.resolve() != BUILTIN_CONTENT.resolve():
        return "content: built-in", (
            f"this folder has its own content ({local}{os.sep}), but the build read the "
            "built-in content. To build from yours, add --content content, or set "
            'content = "content" under [defaults] in osteo-print.toml.')
    return "content: built-in", None


def fingerprint(options: BuildOptions) -> str | None:
    """A hash of every input of a build, or None if it cannot be worked out cheaply."""
    digest = hashlib.sha256()
    config = _read_config(options.config_path)
    if config is None:
        return None
    base = options.config_path.parent if options.config_path else None
    content = content_dir(options, config)
    roots = [content or BUILTIN_CONTENT, BUILTIN_TEMPLATES]
    if base:
        roots += [base / "templates", base / "audiences"]
    clinic = config.get("clinic") if isinstance(config.get("clinic"), dict) else {}
    extra = [options.config_path] if options.config_path else []
    if base and isinstance(clinic.get("logo"), str):
        extra.append(base / clinic["logo"])
    header = [__version__, versions(), options.request(), os.environ.get("SOURCE_DATE_EPOCH")]
    digest.update(json.dumps(header, sort_keys=True, default=str).encode())
    try:
        for root in roots:
            files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
            for path in files:
                digest.update(f"{root}|{path.relative_to(root)}|".encode())
                digest.update(path.read_bytes())
        for path in extra:
            digest.update(str(path).encode() + path.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


def expected_out_dir(options: BuildOptions) -> Path | None:
    """Where the build will write, as the full build works it out (None if unsure)."""
    if options.out_dir is not None:
        return options.out_dir
    config = _read_config(options.config_path)
    if config is None:
        return None
    defaults = config.get("defaults")
    out = defaults.get("out") if isinstance(defaults, dict) else None
    return default_out_dir(options.config_path, out if isinstance(out, str) and out else None)


def up_to_date(options: BuildOptions, out_dir: Path) -> list[dict[str, Any]] | None:
    """The manifest entries of a build that has nothing to do, or None."""
    if options.force or options.strict or not options.write:
        return None
    if any(out_dir.glob(".osteo-print-*.tmp")):
        return None  # a killed build left temporary files: the full build removes them
    try:
        cache = json.loads((out_dir / CACHE_NAME).read_text("utf-8"))
        if cache.get("fingerprint") != fingerprint(options) or not cache.get("fingerprint"):
            return None
        entries = []
        for record in cache["jobs_of_last_build"]:
            for item in cache["jobs"][record]["files"]:
                path = out_dir / item["path"]
                if "/" in item["path"] or hashlib.sha256(path.read_bytes()).hexdigest() \
                        != item["sha256"]:
                    return None
                entries.append(item)
        return entries
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _read_config(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return {}
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


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
