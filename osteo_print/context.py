"""The template context: every name a template may use, documented in one place."""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

from osteo_print import __version__, fonts
from osteo_print.audiences import Audience
from osteo_print.models import Source
from osteo_print.sheet.marks import data_url, qr_svg

UNITS_PT = {"in": 72.0, "mm": 72 / 25.4, "pt": 1.0}
WIDTHS_PT = {"letter": 612.0, "A4": 595.28}
FONT_FAMILY = fonts.FAMILY  # a name the Context fields below do not shadow


def points(length: str) -> float:
    """A CSS length such as '0.75in' or '19mm', in points."""
    return float(length[:-2]) * UNITS_PT[length[-2:]]


@dataclass(frozen=True)
class Paper:
    """A paper size and its margins, as CSS values."""

    name: str
    css_size: str
    margin_top: str
    margin_side: str
    margin_bottom: str

    @property
    def content_width_pt(self) -> float:
        return WIDTHS_PT[self.css_size] - 2 * points(self.margin_side)

    @property
    def svg_scale(self) -> float:
        """Units per point in a 504-unit-wide drawing set at full width (Letter: 1.0)."""
        return 504 / self.content_width_pt


PAPERS = {
    "letter": Paper("letter", "letter", "0.75in", "0.75in", "0.8in"),
    "a4": Paper("a4", "A4", "19mm", "19mm", "21mm"),
}


@dataclass(frozen=True)
class FontFace:
    weight: int
    style: str
    url: str


@dataclass(frozen=True)
class Clinic:
    """The clinic a document is printed for; None in the template when unbranded."""

    name: str
    phone: str | None = None
    address: str | None = None
    website: str | None = None
    logo: str | None = None  # absolute path of a PNG or SVG file
    accent: str | None = None
    # The logo's bytes, read once: pages embed them (never read the logo's folder).
    logo_data: bytes | None = field(default=None, repr=False, compare=False)
    # Where each handout can be read online: a URL with {document}, {lang} and
    # {audience} in it (checked by config.py); a handout's first page prints it as a
    # QR code and in words. None: nothing is printed.
    digital_url: str | None = None

    @property
    def logo_url(self) -> str | None:
        """A data: URL of the logo's bytes: named by its content, not by where the
        project lies, so the same project gives the same PDF in any folder."""
        return _data_url(self.logo_data) if self.logo_data else None

    def online(self, document: str, lang: str, audience: str) -> OnlineLink | None:
        """Where this document can be read online (``digital_url`` filled in), or None."""
        if not self.digital_url:
            return None
        return OnlineLink(fill_link(self.digital_url, document=document, lang=lang,
                                    audience=audience))


LINK_PLACEHOLDERS = ("audience", "document", "lang")  # what [clinic] digital_url may hold
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def fill_link(template: str, **values: str) -> str:
    """``template`` with each ``{name}`` replaced by ``values[name]`` (a checked
    template holds only LINK_PLACEHOLDERS; an unknown name is left as it is)."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


@dataclass(frozen=True)
class OnlineLink:
    """A handout's address online, printed on its first page in words and as a QR code."""

    url: str

    @property
    def qr_url(self) -> str:
        """The QR code of ``url`` (the quiz sheets' helper: vector SVG), as a data: URL."""
        return _qr_data_url(self.url)


@lru_cache(maxsize=64)
def _qr_data_url(text: str) -> str:
    return data_url(qr_svg(text))


@lru_cache(maxsize=4)
def _data_url(data: bytes) -> str:
    mime = "image/png" if data.startswith(b"\x89PNG") else "image/svg+xml"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


DEFAULT_ACCENT = "#0b3a63"


@dataclass(frozen=True)
class PageContext:
    """What a page template sees; each field is a top-level template variable.

    kind       "handout", "quiz", "answer-key" or "packet"
    document   the document id, e.g. "medicines"
    lang       the language code of the page, e.g. "en"
    audience   the Audience profile (osteo_print.audiences: type sizes, layout)
    paper      the Paper (size, margins)
    doc        the content printed: a Handout, a pages.QuizView for quizzes and keys, or
               a packet.PacketView for a class packet
    sources    the numbered sources the document cites, in number order
    clinic     the Clinic, or None for a neutral, unbranded page
    reviewed   the content's "last reviewed" date (reviewed_by: who reviewed it, or None)
    title, author, subject, keywords   PDF metadata
    fonts, font_family, accent, version   for the stylesheet and the footer
    medium     "print" (a page for WeasyPrint) or "web" (a web page, osteo_print.web;
               its fonts, stylesheet, script and logo are in ``assets``, a relative URL)
    """

    kind: str
    document: str
    lang: str
    audience: Audience
    paper: Paper
    doc: Any
    sources: list[Source]
    clinic: Clinic | None
    reviewed: dt.date
    title: str
    author: str
    subject: str
    keywords: list[str]
    fonts: list[FontFace]
    font_family: str = FONT_FAMILY
    accent: str = DEFAULT_ACCENT
    version: str = __version__
    reviewed_by: str | None = None
    medium: str = "print"
    assets: str = "assets/"

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def font_faces() -> list[FontFace]:
    """Return the bundled font faces with file URLs for @font-face."""
    return [FontFace(w, s, path.as_uri()) for w, s, path in fonts.faces()]
