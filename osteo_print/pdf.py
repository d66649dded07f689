"""Turn rendered HTML into a tagged PDF with WeasyPrint, reading only allowed files.

This module imports WeasyPrint (slow), so import it only when a PDF is needed.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import weasyprint
from weasyprint.text import ffi as _weasy_ffi
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

PDF_VARIANT = "pdf/ua-1"
MAX_RESOURCE_BYTES = 20_000_000
HAS_HARFBUZZ_SUBSET = _weasy_ffi.harfbuzz_subset is not None


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
    """A finished PDF and what WeasyPrint said while making it."""

    pdf: bytes
    pages: int
    warnings: list[str] = field(default_factory=list)


class Renderer:
    """Render many documents in one process, reusing one font configuration."""

    def __init__(self, roots: Sequence[Path]) -> None:
        self.font_config = FontConfiguration()
        self.fetcher = ProjectFetcher(roots)
        self.image_cache: dict = {}

    def render(self, html: str, base_url: str, identifier: bytes) -> Rendered:
        """Lay out ``html`` and return the tagged PDF; raises RefusedURL."""
        with _captured_warnings() as warnings:
            page = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=self.fetcher)
            document = page.render(font_config=self.font_config, pdf_variant=PDF_VARIANT,
                                   cache=self.image_cache)
            pdf = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=identifier)
        return Rendered(pdf, len(document.pages), warnings)


# Said once per machine by build._notices, not once per document.
QUIET_PREFIXES = ("Using fontTools instead of HarfBuzz",)


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(QUIET_PREFIXES):
            self.messages.append(message)


@contextmanager
def _captured_warnings() -> Iterator[list[str]]:
    logger = logging.getLogger("weasyprint")
    handler = _ListHandler()
    logger.addHandler(handler)
    old_propagate = logger.propagate
    logger.propagate = False
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = old_propagate
