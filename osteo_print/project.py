"""A project: the content, the clinic's settings and templates, and the audiences.

Resolved once per run from the command line and ``osteo-print.toml``; every job of a
build reads what it needs from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from osteo_print import fonts
from osteo_print.audiences import (
    Audience,
    audience_dirs,
    available,
    find_audience_folder,
    load_audience,
)
from osteo_print.config import ProjectConfig, load_config, logo_path
from osteo_print.content import LANG_RE, Content, block_types_in, load_content
from osteo_print.context import PAPERS, Clinic
from osteo_print.errors import UsageError
from osteo_print.options import CONFIG_NAME
from osteo_print.paths import BUILTIN_CONTENT, BUILTIN_TEMPLATES, PACKAGE_DIR

PAPER_NAMES = tuple(PAPERS)  # "letter", "a4": defined once, with their margins


@dataclass
class Project:
    """Everything one run reads."""

    content: Content
    audiences: dict[str, Audience]
    config: ProjectConfig = field(default_factory=ProjectConfig)
    config_path: Path | None = None
    clinic: Clinic | None = None
    override_dir: Path | None = None  # the clinic's templates/, searched first
    audience_roots: list[Path] = field(default_factory=audience_dirs)

    def template_dirs(self, audience: str) -> tuple[Path, ...]:
        """Folders searched for templates, before the built-in ones, for an audience."""
        dirs = [self.override_dir] if self.override_dir else []
        for root in self.audience_roots:
            folder = root / audience
            if (folder / "audience.toml").is_file():
                dirs.append(folder)
                break
        return tuple(dirs)

    @property
    def roots(self) -> tuple[Path, ...]:
        """Folders that pages may read files from.

        The logo's folder is not one of them: pages embed the logo's bytes, read once
        when the config was loaded (see ``Clinic.logo_url``).
        """
        extra = [self.override_dir] if self.override_dir else []
        return (BUILTIN_TEMPLATES, BUILTIN_CONTENT, PACKAGE_DIR, fonts.FONT_DIR,
                self.content.root, *self.audience_roots, *extra)


def check_names(kind: str, names: list[str], allowed: list[str] | None = None,
                where: str | None = None) -> None:
    """Refuse names that could reach outside a folder, and unknown ones."""
    origin = f" (in {where})" if where else ""
    for name in names:
        if "/" in name or "\\" in name or ".." in name or not name.strip():
            raise UsageError(f"The {kind} name {name!r}{origin} is not allowed: use letters, "
                             "digits and hyphens, with no '/' or '..'.")
        if kind == "language" and not LANG_RE.match(name):
            raise UsageError(f"{name!r}{origin} is not a language code; use one such as en "
                             "or es.")
        if allowed is not None and name not in allowed:
            raise UsageError(f"Unknown {kind} {name!r}{origin}. Known: {', '.join(allowed)}.")


def open_project(config_path: Path | None = None, content_dir: Path | None = None,
                 audiences: list[str] | None = None, langs: list[str] | None = None
                 ) -> Project:
    """Read the config (if any), the audiences asked for and the content."""
    config = load_config(config_path) if config_path else ProjectConfig()
    base = config_path.parent if config_path else None
    roots = audience_dirs([base / "audiences"] if base and (base / "audiences").is_dir()
                          else [])
    names = audiences or config.defaults.audiences
    if "all" in names:
        names = available(roots)
    where = None if audiences or config_path is None else f"{config_path} [defaults]"
    check_names("audience", names, available(roots), where)
    loaded = {name: load_audience(name, roots) for name in names}
    langs = langs or config.defaults.languages
    check_names("language", langs)
    if content_dir is None and config.defaults.content and base:
        content_dir = base / config.defaults.content
    override = base / "templates" if base and (base / "templates").is_dir() else None
    shared = [override] if override else []
    # A type that only one audience's folder has would fail to render for the others.
    per_audience = [block_types_in([f]) for name in loaded
                    if (f := find_audience_folder(name, roots))]
    audience_types = frozenset.intersection(*per_audience) if per_audience else frozenset()
    content = load_content(content_dir or BUILTIN_CONTENT, langs,
                           block_types_in([*shared, BUILTIN_TEMPLATES]) | audience_types,
                           roots=[base] if base else [])
    for audience in loaded.values():
        variants = {v for (_, _, v) in content.handouts if v}
        if audience.content and audience.content not in variants:
            content.warnings.append(
                f"audience {audience.name!r} asks for content {audience.content!r}, but no "
                f"handouts/{audience.content}/ folder has any: it gets the base handouts")
    clinic = None
    if config.clinic:
        logo = logo_path(config, config_path) if config_path else None
        clinic = Clinic(config.clinic.name, config.clinic.phone, config.clinic.address,
                        config.clinic.website, str(logo) if logo else None,
                        config.clinic.accent_color, logo_data=config.logo_data,
                        digital_url=config.clinic.digital_url)
    return Project(content, loaded, config, config_path, clinic, override, roots)


__all__ = ["CONFIG_NAME", "PAPER_NAMES", "Project", "check_names", "open_project"]
