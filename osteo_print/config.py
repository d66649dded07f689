"""The clinic's project file, ``osteo-print.toml``: branding and build defaults.

    [clinic]
    name = "Riverside Bone Health Clinic"
    phone = "(555) 010-4477"
    logo = "logo.png"          # PNG or SVG, relative to this file
    accent_color = "#0b5394"
    digital_url = "https://riverside.example/handouts/{document}-{lang}.html"

    [defaults]
    audiences = ["general", "large-print"]
    languages = ["en", "es"]
    papers = ["letter"]

    [quiz]
    class_id_digits = 2        # the class ID grid on pre/post tests; 0 hides it
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
)

from osteo_print import fonts
from osteo_print.context import LINK_PLACEHOLDERS, PLACEHOLDER, fill_link
from osteo_print.errors import ConfigError, Problem, display_path
from osteo_print.models import Model, Short, Slug, friendly_message
from osteo_print.safefile import MAX_IMAGE_BYTES, InputFileError, png_size, read_input
from osteo_print.sheet.marks import MAX_CLASS_ID_DIGITS
from osteo_print.tomlfile import MAX_BYTES as TOML_MAX_BYTES
from osteo_print.tomlfile import TomlDoc, parse_toml
from osteo_print.yamlfile import YamlFileError, read_text

LangCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
MAX_LOGO_BYTES = MAX_IMAGE_BYTES
MAX_LOGO_PIXELS = 40_000_000  # a logo is printed 14 mm high; this is a poster
MIN_CONTRAST = 4.5  # WCAG AA for normal text: the accent colours headings on white


ClinicName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=60)]
# [clinic] digital_url, as written (placeholders and all): it is printed in words beside
# its 18 mm QR code, in a column about 100 mm wide at body size (two lines; three in large
# print). Longer, it needs more lines than the code is high, and the code smaller modules
# (80 characters: QR version 5 or 6, modules of 0.5 mm).
MAX_LINK_CHARS = 80
LINK_EXAMPLE = "https://riverside.example/handouts/{document}-{lang}.html"


def _link_is_text(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError(f'expected text in quotes, like "{LINK_EXAMPLE}"')
    return value.strip()


def _link_checked(template: str) -> str:
    """A [clinic] digital_url that fills in and prints; else ValueError saying why."""
    if message := link_problem(template):
        raise ValueError(message)
    return template


def link_problem(template: str) -> str | None:
    """What is wrong with a digital_url template, or None."""
    allowed = ", ".join(f"{{{name}}}" for name in LINK_PLACEHOLDERS)
    for match in PLACEHOLDER.finditer(template):
        if match.group(1) not in LINK_PLACEHOLDERS:
            return f"unknown placeholder {match.group(0)} (allowed: {allowed})"
    if "{" in PLACEHOLDER.sub("", template) or "}" in PLACEHOLDER.sub("", template):
        return (f"a {{ or }} that is not part of a placeholder; write a placeholder like "
                f"{{document}} (allowed: {allowed})")
    url = fill_link(template, document="stages", lang="en", audience="general")
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in ("http", "https") or not rest:
        found = f", not {scheme}://" if rest and scheme else ""
        return (f"must start with https:// (or http://){found}: a web address that a "
                f'phone opens from the QR code, like "{LINK_EXAMPLE}"')
    if not re.fullmatch(r"[!-~]+", url):
        return ("may hold only ASCII letters, digits and URL punctuation, with no spaces: "
                "percent-encode anything else (a space is %20)")
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in host:
        return "may not hold a user name or password (the part before @)"
    if not re.fullmatch(r"([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?", host):
        shown = f"{host!r} is not a host name" if host else "the host name is missing"
        return f"{shown}: write it like https://riverside.example/..."
    if len(template) > MAX_LINK_CHARS:
        return (f"is {len(template)} characters long; at most {MAX_LINK_CHARS} print "
                "legibly beside its QR code: use a shorter address (a short link)")
    return None


DigitalUrl = Annotated[str, BeforeValidator(_link_is_text), AfterValidator(_link_checked)]


class ClinicConfig(Model):
    name: ClinicName
    phone: Short | None = None
    address: Short | None = None
    website: Short | None = None
    logo: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    accent_color: HexColor | None = None
    digital_url: DigitalUrl | None = None


class Defaults(Model):
    audiences: list[Slug] = Field(default=["general"], min_length=1)
    languages: list[LangCode] = Field(default=["en"], min_length=1)
    papers: list[Literal["letter", "a4"]] = Field(default=["letter"], min_length=1)
    content: Annotated[str, Field(min_length=1)] | None = None
    out: Annotated[str, Field(min_length=1)] | None = None
    seed: int | None = None


class CheckSettings(Model):
    """Thresholds of ``osteo-print check``."""

    max_grade: float = 6.0  # Flesch-Kincaid grade of English body text
    max_grade_easy_read: float = 5.0
    max_smog: float = 8.0
    min_fernandez_huerta: float = 70.0  # Spanish reading ease: 70-80 "fairly easy"
    min_fernandez_huerta_easy_read: float = 75.0
    min_body_pt: float = 12.0
    min_body_pt_large_print: float = 18.0
    min_any_pt: float = 9.0
    max_table_columns: int = 8
    max_review_age_days: int = 730
    min_last_page_fill: Annotated[float, Field(ge=0, le=1)] = 0.25  # share of the last page


class LayoutSettings(Model):
    """How documents are laid out."""

    # Lay out again, tighter, a document that ends on a nearly empty page (see fit.py).
    copyfit: bool = True


class QuizSettings(Model):
    """How quiz sheets are printed."""

    # Digit rows of the class ID grid on page 1 of a pre/post test (0: no grid): the
    # scorer pairs a person's pre and post sheets by it.
    class_id_digits: Annotated[int, Field(ge=0, le=MAX_CLASS_ID_DIGITS)] = 2


class ProjectConfig(Model):
    """The whole file."""

    clinic: ClinicConfig | None = None
    defaults: Defaults = Defaults()
    check: CheckSettings = CheckSettings()
    layout: LayoutSettings = LayoutSettings()
    quiz: QuizSettings = QuizSettings()
    # The logo's bytes, read once (and checked) by load_config: pages embed these, by
    # their content, so that no build reads the logo's folder (see context.Clinic).
    _logo: bytes | None = PrivateAttr(default=None)

    @property
    def logo_data(self) -> bytes | None:
        return self._logo


def load_config(path: Path) -> ProjectConfig:
    """Read and check a config file; raise ConfigError listing every mistake."""
    try:  # a regular file of bounded size only: never a pipe, a device or a folder
        text = read_text(path, TOML_MAX_BYTES)
    except YamlFileError as exc:
        raise ConfigError("The config file cannot be read.", [exc.problem]) from None
    try:
        doc = parse_toml(path, text)
    except YamlFileError as exc:
        raise ConfigError("The config file is broken.", [exc.problem]) from None
    try:
        config = ProjectConfig.model_validate(doc.data)
    except ValidationError as exc:
        problems = [doc.problem(tuple(e["loc"]), friendly_message(e, "setting"))
                    for e in exc.errors()]
        raise ConfigError("The config file has mistakes.", problems) from None
    logo: list[bytes] = []
    problems = list(_clinic_problems(config, doc, logo))
    if problems:
        raise ConfigError("The config file has mistakes.", problems)
    config._logo = logo[0] if logo else None
    return config


def logo_path(config: ProjectConfig, config_path: Path) -> Path | None:
    if config.clinic is None or config.clinic.logo is None:
        return None
    return (config_path.parent / config.clinic.logo).resolve()


def _clinic_problems(config: ProjectConfig, doc: TomlDoc, logo: list[bytes]
                     ) -> Iterator[Problem]:
    clinic = config.clinic
    if clinic is None:
        return
    for field in ("name", "phone", "address", "website"):
        value = getattr(clinic, field)
        if value and (missing := fonts.missing_chars(value)):
            shown = " ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in missing)
            yield doc.problem(("clinic", field), (
                f"the font cannot print {shown}; use other characters"))
    if clinic.accent_color:
        ratio = contrast_with_white(clinic.accent_color)
        if ratio < MIN_CONTRAST:
            yield doc.problem(("clinic", "accent_color"), (
                f"{clinic.accent_color} is too light to read on white paper (contrast "
                f"{ratio:.1f}:1; it needs {MIN_CONTRAST}:1); choose a darker colour"))
    if clinic.logo:
        path = logo_path(config, doc.path)
        assert path is not None
        try:  # once: pages embed these very bytes
            data = read_input(path, MAX_LOGO_BYTES)
        except InputFileError as exc:
            yield doc.problem(("clinic", "logo"), f"{exc.problem.file}: {exc.problem.message}")
            return
        if message := _logo_problem(display_path(path), data):
            yield doc.problem(("clinic", "logo"), message)
        else:
            logo.append(data)


def _logo_problem(shown: str, data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png_problem(shown, data)
    text = data.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if re.match(r"(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<svg[\s>]", text, re.S):
        return _svg_problem(shown, text)
    return f"{shown}: not a PNG or SVG image"


def _png_problem(shown: str, data: bytes) -> str | None:
    import io

    from PIL import Image, UnidentifiedImageError

    size = png_size(data)
    if size is None:
        return f"{shown}: the PNG file is damaged (its header is missing)"
    width, height = size
    if width * height > MAX_LOGO_PIXELS:  # decoding it could take gigabytes: look first
        return (f"{shown}: the logo is {width} × {height} pixels ({width * height / 1e6:.0f} "
                f"megapixels); a logo may have at most {MAX_LOGO_PIXELS // 1_000_000} "
                "megapixels: scale it down (1000 pixels wide is plenty)")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError) as exc:
        return f"{shown}: the PNG file is damaged ({exc})"
    return None


def _svg_problem(shown: str, text: str) -> str | None:
    import xml.etree.ElementTree as ET

    if "<!ENTITY" in text or "<!DOCTYPE" in text:
        return f"{shown}: SVG logos may not declare a DOCTYPE or entities"
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        return f"{shown}: the SVG file is broken ({exc})"
    for element in root.iter():
        for name, value in element.attrib.items():
            if name.rsplit("}", 1)[-1] == "href" and not value.startswith(("#", "data:")):
                return (f"{shown}: the SVG refers to another file ({value}); a logo must be "
                        "one self-contained file")
    return None


def contrast_with_white(color: str) -> float:
    """WCAG contrast ratio of a #rrggbb colour against white."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)
