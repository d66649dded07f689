"""Turn rendered HTML into a tagged PDF with WeasyPrint, reading only allowed files.

This module imports WeasyPrint (slow), so import it only when a PDF is needed.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import weasyprint
from weasyprint.text import ffi as _weasy_ffi
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from osteo_print.fit import LEVELS, MIN_FILL, Fit, Measure, choose, inject, search
from osteo_print.fit import measure as fit_measure

PDF_VARIANT = "pdf/ua-1"
MAX_RESOURCE_BYTES = 20_000_000
# As WeasyPrint decides in pdf.fonts.Font.subset; otherwise it falls back to fontTools.
HAS_HARFBUZZ_SUBSET = (_weasy_ffi.harfbuzz_subset is not None
                       and bool(_weasy_ffi.harfbuzz.hb_version_atleast(4, 1, 0)))


class RefusedURL(FatalURLFetchingError):
    """Raised inside WeasyPrint to stop a render that asks for a forbidden URL."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class ProjectFetcher(URLFetcher):
    """Serve ``file:`` URLs inside the allowed folders and ``data:`` URLs; refuse the rest."""

    def __init__(self, roots: Sequence[Path]) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self.roots = tuple(Path(r).resolve() for r in roots)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise RefusedURL(url, "network and other URLs are not allowed; "
                                  "osteo-print never fetches anything while it builds")
        path = Path(url2pathname(urlsplit(url).path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise RefusedURL(url, "is outside the project's template, content and "
                                  "package folders")
        if not path.is_file():
            raise RefusedURL(url, "file not found")
        if path.stat().st_size > MAX_RESOURCE_BYTES:
            raise RefusedURL(url, "file is too large")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(),
                                  headers={"Content-Type": mime})


@dataclass
class Rendered:
    """A finished PDF and what WeasyPrint said while making it.

    ``html`` is the page as laid out (with any copyfitting style sheet), ``fit`` the
    copyfitting attempt kept and ``measure`` how its last page ends.
    """

    pdf: bytes
    pages: int
    warnings: list[str] = field(default_factory=list)
    html: str = ""
    fit: Fit = LEVELS[0]
    measure: Measure | None = None


class Renderer:
    """Render many documents in one process, reusing one font configuration."""

    def __init__(self, roots: Sequence[Path]) -> None:
        self.font_config = FontConfiguration()
        self.fetcher = ProjectFetcher(roots)
        self.image_cache: dict = {}

    def render(self, html: str | Callable[[Fit], str], base_url: str,
               identifier: bytes | None = None, copyfit: bool = True,
               target: int = 0, min_fill: float = MIN_FILL) -> Rendered:
        """Lay out the page and return the tagged PDF; raises RefusedURL.

        ``html`` is the page, or a function giving the page for a copyfitting attempt
        (its paper margins change with the attempt). When the first layout ends on a
        nearly empty page, tighter attempts follow (see ``fit``). ``identifier`` is the
        PDF's file identifier; by default a hash of the page laid out. A document one
        page over its ``target`` page count, with that page less than half full, is
        tightened too, to save a sheet of paper.
        """
        page_for = html if callable(html) else (lambda fit: html)
        documents: dict[Fit, tuple[str, Any, list[str]]] = {}

        def attempt(fit: Fit) -> Measure:
            page = fit_inject(page_for(fit), fit)
            with _captured_warnings() as said:  # only the kept layout's warnings count
                document = self._layout(page, base_url)
            documents[fit] = (page, document, said)
            return replace(fit_measure(document), min_fill=min_fill)

        attempts = search(attempt, target) if copyfit else [(LEVELS[0], attempt(LEVELS[0]))]
        fit, measure = attempts[choose(attempts)]
        page, document, warnings = documents[fit]
        if identifier is None:
            identifier = hashlib.sha256(page.encode("utf-8")).hexdigest()[:32].encode()
        with _captured_warnings() as written:
            pdf = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=identifier)
        warnings += [w for w in written if w not in warnings]
        return Rendered(pdf, len(document.pages), warnings, page, fit, measure)

    def _layout(self, html: str, base_url: str):
        page = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=self.fetcher)
        return page.render(font_config=self.font_config, pdf_variant=PDF_VARIANT,
                           cache=self.image_cache)


def fit_inject(html: str, fit: Fit) -> str:
    """The page with the copyfitting attempt's style sheet added last."""
    return inject(html, fit.css())


# Said once per machine by build._notices, not once per document.
QUIET_PREFIXES = ("Using fontTools instead of HarfBuzz",)
# fontTools is WeasyPrint's fallback subsetter. Its loggers have no handler, so what they
# warn would reach stderr raw through logging's last resort; it is about subsetting fonts,
# which the tip covers.
QUIET_LOGGERS = ("fontTools",)


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.name.split(".")[0] in QUIET_LOGGERS or message.startswith(QUIET_PREFIXES):
            return
        if message not in self.messages:  # once per document, not once per layout attempt
            self.messages.append(message)


@contextmanager
def _captured_warnings() -> Iterator[list[str]]:
    """Collect WeasyPrint's warnings of one render; let nothing reach stderr raw."""
    handler = _ListHandler()
    loggers = [logging.getLogger(name) for name in ("weasyprint", *QUIET_LOGGERS)]
    saved = [(logger, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.propagate = False
    try:
        yield handler.messages
    finally:
        for logger, propagate in saved:
            logger.removeHandler(handler)
            logger.propagate = propagate
