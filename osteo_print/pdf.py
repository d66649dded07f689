"""Turn rendered HTML into a tagged PDF with WeasyPrint, reading only allowed files.

This module imports WeasyPrint (slow), so import it only when a PDF is needed.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import mimetypes
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from osteo_print.errors import display_path
from osteo_print.fit import (
    LEVELS,
    MIN_FILL,
    WITHOUT_IF_ROOM,
    Fit,
    Measure,
    choose,
    has_if_room,
    inject,
    search,
)
from osteo_print.fit import measure as fit_measure
from osteo_print.safefile import InputFileError, pixel_problem, read_input, real_roots
from osteo_print.weasy import (  # WeasyPrint, imported fast (see there)
    FatalURLFetchingError,
    FontConfiguration,
    URLFetcher,
    URLFetcherResponse,
    weasyprint,
)
from osteo_print.weasy import ffi as _weasy_ffi

PDF_VARIANT = "pdf/ua-1"
MAX_RESOURCE_BYTES = 20_000_000
CONTENT_SCHEME = "osteo-print-sha256"
RASTER_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"BM", b"II*", b"MM\x00*")
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
    """Serve ``file:`` URLs inside the allowed folders and ``data:`` URLs; refuse the rest.

    A file is served when its real path (links followed) is inside a root, it is a
    regular file of bounded size and, if it is a raster image, it has a sane number of
    pixels. Every refusal is also kept in ``refused``: WeasyPrint swallows errors raised
    while it draws an SVG, so the renderer looks there after each render.
    """

    def __init__(self, roots: Sequence[Path]) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self.roots = real_roots(roots)
        self.refused: list[RefusedURL] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        try:
            return self._fetch(url, headers)
        except RefusedURL as exc:
            self.refused.append(exc)
            raise

    def _fetch(self, url: str, headers: dict[str, str] | None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            response = super().fetch(url, headers)
            body = response.read()
            mime = response.content_type
        elif scheme != "file":
            raise RefusedURL(url, "network and other URLs are not allowed; "
                                  "osteo-print never fetches anything while it builds")
        else:
            path = Path(url2pathname(urlsplit(url).path))
            try:
                body = read_input(path, MAX_RESOURCE_BYTES, self.roots,
                                  "the project's template, content and package folders")
            except InputFileError as exc:
                problem = exc.problem
                named = "" if problem.file == display_path(path) else f"{problem.file} "
                raise RefusedURL(url, named + problem.message) from None
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        raster = (mime.startswith("image/") and mime != "image/svg+xml") \
            or body.startswith(RASTER_SIGNATURES)
        if not raster:
            return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})
        if reason := pixel_problem(body):
            raise RefusedURL(url if scheme == "file" else url[:60] + "...", reason)
        # Given a file: URL, WeasyPrint would read the file again when it writes the PDF,
        # past these checks; under a URL named by its content it keeps these bytes.
        return URLFetcherResponse(f"{CONTENT_SCHEME}:{hashlib.sha256(body).hexdigest()}",
                                  body=body, headers={"Content-Type": mime})


@dataclass
class Rendered:
    """A finished PDF and what WeasyPrint said while making it.

    ``html`` is the page as laid out (with any copyfitting style sheet), ``fit`` the
    copyfitting attempt kept and ``measure`` how its last page ends. ``layout`` is what
    the caller's ``extract`` read from that layout (plain data), or None.
    """

    pdf: bytes
    pages: int
    warnings: list[str] = field(default_factory=list)
    html: str = ""
    fit: Fit = LEVELS[0]
    measure: Measure | None = None
    layout: Any = None


class Renderer:
    """Render many documents in one process, reusing one font configuration, the
    pictures fetched and the style sheets parsed (see ``StyleSheets``)."""

    def __init__(self, roots: Sequence[Path]) -> None:
        self.font_config = FontConfiguration()
        self.fetcher = ProjectFetcher(roots)
        self.image_cache: dict = {}
        self.sheets = StyleSheets(self.font_config, self.fetcher)

    def render(self, html: str | Callable[[Fit], str], base_url: str,
               identifier: bytes | None = None, copyfit: bool = True,
               target: int = 0, min_fill: float = MIN_FILL,
               extract: Callable[[Any], Any] | None = None) -> Rendered:
        """Lay out the page and return the tagged PDF; raises RefusedURL.

        ``html`` is the page, or a function giving the page for a copyfitting attempt
        (its paper margins change with the attempt). When the first layout ends on a
        nearly empty page, tighter attempts follow (see ``fit``). ``identifier`` is the
        PDF's file identifier; by default a hash of the page laid out. A document one
        page over its ``target`` page count, with that page less than half full, is
        tightened too, to save a sheet of paper. ``extract``, given the WeasyPrint
        ``Document`` kept, returns plain data for ``Rendered.layout`` (a quiz sheet's
        box positions, say): it sees the very layout the PDF is written from.
        """
        page_for = html if callable(html) else (lambda fit: html)
        documents: dict[tuple[Fit, bool], tuple[str, Any, list[str]]] = {}
        parsed: dict[str, Any] = {}  # the page's body parsed once for all its attempts
        self.fetcher.refused.clear()

        def attempt(fit: Fit, if_room: bool = True) -> Measure:
            page = fit_inject(page_for(fit), fit)
            if not if_room:
                page = inject(page, WITHOUT_IF_ROOM)
            with _captured_warnings(self.fetcher.refused) as said:  # the kept layout's
                document = self._layout(page, base_url, parsed)
            self._stop_if_refused()
            documents[fit, if_room] = (page, document, said)
            return replace(fit_measure(document), min_fill=min_fill)

        def best(if_room: bool) -> tuple[Fit, Measure]:
            def tried(fit: Fit) -> Measure:
                return attempt(fit, if_room)

            attempts = search(tried, target) if copyfit else [(LEVELS[0], tried(LEVELS[0]))]
            return attempts[choose(attempts)]

        fit, measure = best(True)
        kept = True  # the parts marked if-room, if any
        if has_if_room(page_for(LEVELS[0])):  # printed only where they cost no page
            fit_without, without = best(False)
            if without.pages < measure.pages:
                fit, measure, kept = fit_without, without, False
        page, document, warnings = documents[fit, kept]
        if not kept:
            warnings = [*warnings, IF_ROOM_LEFT_OUT]
        layout = extract(document) if extract is not None else None
        if identifier is None:
            identifier = page_identifier(page)
        _name_images_by_content(self.image_cache)
        with _captured_warnings(self.fetcher.refused) as written:
            pdf = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=identifier)
        self._stop_if_refused()  # SVGs are drawn (and their images fetched) only now
        warnings += [w for w in written if w not in warnings]
        return Rendered(pdf, len(document.pages), warnings, page, fit, measure, layout)

    def _stop_if_refused(self) -> None:
        """Raise the first refusal that WeasyPrint swallowed (inside an SVG, say)."""
        refused = self.fetcher.refused
        if refused:
            for exc in refused:  # fetched again next time, so refused again, not skipped
                self.image_cache.pop(exc.url, None)
            first = refused[0]
            refused.clear()
            raise first

    def _layout(self, html: str, base_url: str, parsed: dict[str, Any]):
        """Lay the page out. ``parsed`` keeps the parsed pages of one ``render`` by their
        text: a copyfitting attempt differs from the first only in the style sheets of
        its head, which are split off, so its body is parsed once. (WeasyPrint lays
        a parsed page out as often as asked, reading its tree and never changing it.)"""
        split = split_styles(html)
        if split is None or not all(self.sheets.usable(text) for text in split[1]):
            split = (html, [])
        body, texts = split
        page = parsed.get(body)
        if page is None:
            page = parsed[body] = weasyprint.HTML(string=body, base_url=base_url,
                                                  url_fetcher=self.fetcher)
        sheets = [self.sheets.get(text, page.base_url) for text in texts]
        return page.render(font_config=self.font_config, pdf_variant=PDF_VARIANT,
                           cache=self.image_cache, stylesheets=sheets)


# --- Style sheets parsed once per renderer ------------------------------------------------
#
# WeasyPrint parses a page's <style> elements on every render, and checks every
# declaration: for a short page that is a third of its layout time, and copyfitting lays
# one page out up to six times. A page whose head is plain (a doctype, <html>, <head>,
# <meta>, a <title> of text, and <style> elements without attributes) is laid out
# without those elements, with the same sheets given to ``render`` already parsed, in the
# same order. They then have the "user" origin of the cascade, not "author". What stays
# author-level: style="" attributes, which beat a sheet's normal declarations either way,
# and what WeasyPrint reads from attributes at the lowest specificity (lang and id, as
# -weasy-lang and -weasy-anchor; an inline <svg>'s width and height). So a page with an
# <svg width|height> in its body, or a sheet that sets anchor or lang on elements (on
# pseudo-elements alone it may: attributes never reach those), is laid out as it is, and
# so is one with anything else the split could change: a <link>, a <base>, a style sheet
# in the body, an @import, @layer, @counter-style or @color-profile rule. (The masthead
# takes its anchor from its id for this: style.css set it on the element until the
# review of the split made every page of ours laid out as it was, unnoticed for a day;
# ``test_the_builtin_pages_are_split`` now holds each kind of page to the split.)
# Left: a style attribute and a sheet that both say !important for one property (the
# sheet now wins); no page of ours does that. ``tests/test_pdf_styles.py`` checks that
# both ways give the same bytes.

STYLE = re.compile(r"<style>(.*?)</style>", re.S)
HEAD_END = re.compile(r"</head\s*>", re.I)
_ATTRIBUTES = r"""(?:\s+[\w:.-]+(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'<>=`]+))?)*\s*"""
# The head of a page that may be split: nothing but these, one after the other.
HEAD_PART = re.compile(
    r"\s+|<!doctype\s+html\s*>|<html" + _ATTRIBUTES + r">|<head\s*>|<meta" + _ATTRIBUTES
    + r"/?>|<title>[^<]*</title\s*>|(?-i:<style>)(?:(?!</style)[^\r\0])*(?-i:</style>)",
    re.I)
UNSAFE_BODY = re.compile(r"<\s*(?:style|link)\b|<svg\b[^>]*\s(?:width|height)\s*=", re.I)
UNSAFE_AT_RULES = frozenset({"import", "layer", "counter-style", "color-profile"})
UNSAFE_PROPERTIES = frozenset({"anchor", "lang", "-weasy-anchor", "-weasy-lang"})


def split_styles(html: str) -> tuple[str, list[str]] | None:
    """The page without the <style> elements of its head, and their texts in order;
    None when the page is to be laid out as it is (see above)."""
    end = HEAD_END.search(html)
    if end is None:
        return None
    head, body = html[:end.start()], html[end.start():]
    at = 0
    while at < len(head):
        part = HEAD_PART.match(head, at)
        if part is None:
            return None
        at = part.end()
    texts = STYLE.findall(head)
    if not texts or UNSAFE_BODY.search(body):
        return None
    return STYLE.sub("", head) + body, texts


@functools.lru_cache(maxsize=64)
def sheet_needs_its_page(text: str) -> bool:
    """Whether a style sheet holds a rule or property that the split could change (read
    with tinycss2, as WeasyPrint reads it, so escaped names are found too).

    Kept by the text alone (the answer depends on nothing else). An anchor or lang set
    on pseudo-elements only (``.masthead::after``) is no reason: WeasyPrint's attribute
    declarations apply to elements, never to their pseudo-elements."""
    import tinycss2

    def unsafe(nodes: list, pseudo_only: bool = False) -> bool:
        for node in nodes:
            if node.type == "at-rule":
                if node.lower_at_keyword in UNSAFE_AT_RULES:
                    return True
                if node.content is not None and unsafe(
                        tinycss2.parse_blocks_contents(node.content)):
                    return True
            elif node.type == "qualified-rule":
                if unsafe(tinycss2.parse_blocks_contents(node.content),
                          _pseudo_elements_only(node.prelude)):
                    return True
            elif node.type == "declaration" and node.lower_name in UNSAFE_PROPERTIES \
                    and not pseudo_only:
                return True
        return False

    return unsafe(tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True))


PSEUDO_ELEMENTS = frozenset({"before", "after", "marker"})


def _pseudo_elements_only(prelude: list) -> bool:
    """Whether every selector of a rule's prelude ends in ::before, ::after or ::marker
    (or the old one-colon :before and :after)."""
    selectors: list[list] = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            selectors.append([])
        elif token.type not in ("whitespace", "comment"):
            selectors[-1].append(token)
    for tokens in selectors:
        if len(tokens) < 2 or tokens[-1].type != "ident" \
                or tokens[-1].lower_value not in PSEUDO_ELEMENTS:
            return False
        colons = 0
        for token in reversed(tokens[:-1]):
            if token.type != "literal" or token.value != ":":
                break
            colons += 1
        if colons == 2 or (colons == 1 and tokens[-1].lower_value != "marker"):
            continue
        return False
    return True


def _pending_values(sheet: Any) -> list[Any]:
    """The values of a parsed sheet that WeasyPrint checks only at layout (those with
    var()). Each warns of its mistake once, then keeps quiet; ``StyleSheets.get`` lets
    every render of a kept sheet warn again, as a sheet parsed anew would."""
    try:
        from weasyprint.css.tokens import Pending
    except ImportError:  # another WeasyPrint: only such a warning of a later page is lost
        return []
    found, seen, todo = [], set(), [sheet]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, Pending):
            found.append(item)
        elif isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            todo.extend(item)
        elif type(item).__module__.split(".")[0] in ("weasyprint", "cssselect2") \
                and hasattr(item, "__dict__"):
            todo.extend(vars(item).values())
    return found


class _FaceRecorder:
    """Stands in for a renderer's FontConfiguration while a sheet is parsed: each
    @font-face is added to the real one, as WeasyPrint would, and its descriptors and
    warnings are kept, for another renderer to add it to its own (see StyleSheets)."""

    def __init__(self, font_config: FontConfiguration) -> None:
        self.font_config = font_config
        self.faces: list[dict] = []
        self.said: list[str] = []

    def add_font_face(self, descriptors: dict, url_fetcher: Any) -> Any:
        self.faces.append(descriptors)
        with _captured_warnings() as said:
            result = self.font_config.add_font_face(descriptors, url_fetcher)
        self.said += said
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.font_config, name)


@dataclass
class _Parsed:
    sheet: Any
    said: list[str]  # what the parse warned, but for its fonts
    pending: list[Any]  # see _pending_values
    faces: list[dict]  # the descriptors of its @font-face rules, in order


class _Store(threading.local):
    """The sheets parsed in this thread, the most recently used last."""

    def __init__(self) -> None:
        self.parsed: OrderedDict[tuple[str, str], _Parsed] = OrderedDict()


_STORE = _Store()


def kept_sheets() -> list[tuple[str, str]]:
    """The (text, base URL) of the sheets kept in this thread, oldest first."""
    return list(_STORE.parsed)


def forget_sheets() -> None:
    """Forget the sheets kept in this thread (they are parsed again when next used)."""
    _STORE.parsed.clear()


class StyleSheets:
    """Parsed style sheets by (text, base URL), for one renderer.

    Keyed by the text itself, so an edited sheet is parsed again. They are kept for
    the whole process (the last LIMIT, in each thread), so the next build, or the next
    test, need not parse them again. All that a sheet's parse reads besides its text
    is its @font-face fonts: their descriptors are kept, and the fonts are fetched and
    added to each renderer's own font configuration anew (through its own fetcher,
    so its allowed folders and the files' bytes of the day count), as a parse would.
    What WeasyPrint warned while parsing one (an unknown property, say) is said again
    on each use, and its var() values may warn again, so every document that uses the
    sheet reports what it would have alone. A sheet whose parse asked for a refused URL
    stops the render (WeasyPrint lets that error through) and is never kept.
    """

    LIMIT = 64  # a build of every audience and language on one paper uses 36

    def __init__(self, font_config: FontConfiguration, fetcher: ProjectFetcher) -> None:
        self.font_config = font_config
        self.fetcher = fetcher
        # The sheets whose fonts it has added, with what adding them warned (said again
        # on each use, as a copyfitting attempt's own capture must hear it too).
        self.registered: dict[tuple[str, str], list[str]] = {}
        self.parses: list[tuple[str, str]] = []  # the sheets it parsed, not found kept

    @staticmethod
    def usable(text: str) -> bool:
        """Whether the sheet may be given to WeasyPrint apart from its page."""
        return not sheet_needs_its_page(text)

    def get(self, text: str, base_url: str) -> Any:
        key = (text, base_url)
        store = _STORE.parsed
        kept = store.get(key)
        if kept is not None:
            store.move_to_end(key)
            if key not in self.registered:  # as the parse would have added them
                with _captured_warnings() as fonts_said:
                    for descriptors in kept.faces:
                        self.font_config.add_font_face(descriptors, self.fetcher)
                self.registered[key] = list(fonts_said)
            logger = logging.getLogger("weasyprint")
            for message in [*kept.said, *self.registered[key]]:  # to this render's capture
                logger.warning("%s", message)
            for value in kept.pending:
                value._reported_error = False
            return kept.sheet
        refused = len(self.fetcher.refused)
        fonts = _FaceRecorder(self.font_config)
        # Beside the render's own capture, which hears these warnings too.
        with _captured_warnings(self.fetcher.refused) as said:
            sheet = weasyprint.CSS(string=text, base_url=base_url, url_fetcher=self.fetcher,
                                   font_config=fonts)
        self.registered[key] = list(fonts.said)
        self.parses.append(key)
        if len(self.fetcher.refused) == refused:  # the render stops; nothing to keep
            store[key] = _Parsed(sheet, [m for m in said if m not in fonts.said],
                                 _pending_values(sheet), fonts.faces)
            while len(store) > self.LIMIT:
                store.popitem(last=False)
        return sheet


# A file: URL up to its last "/": the folder a font, picture or style sheet is read from.
FILE_FOLDER = re.compile(r"file://[^\s\"'()<>]*/")


def page_identifier(page: str) -> bytes:
    """The PDF's file identifier: a hash of the page laid out, without the folders of its
    file: URLs, so the same input gives the same bytes wherever osteo-print, its font
    package or the project is installed (the files' bytes are build inputs of their own)."""
    return hashlib.sha256(FILE_FOLDER.sub("file:", page).encode("utf-8")).hexdigest()[:32].encode()


def _name_images_by_content(cache: dict[str, Any]) -> None:
    """Name each picture in the PDF by a hash of its bytes.

    WeasyPrint names it by a hash of its URL, so the same project in another folder
    (or a picture moved within it) would give a different PDF.
    """
    from weasyprint.images import RasterImage

    for image in list(cache.values()):
        if isinstance(image, RasterImage) and not getattr(image, "named_by_content", False):
            image.id = hashlib.sha256(image.image_data.data).hexdigest()[:32]
            image.named_by_content = True


IF_ROOM_LEFT_OUT = ("no room on page 1 for the online link (QR code) of [clinic] digital_url: "
                    "it would add a page, so it is left out")


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
    def __init__(self, refused: list[RefusedURL] | None = None) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self.refused = refused

    def emit(self, record: logging.LogRecord) -> None:
        if self.refused is not None and (bomb := _image_bomb(record)):
            self.refused.append(bomb)  # a located error, not a missing picture
            return
        message = record.getMessage()
        if record.name.split(".")[0] in QUIET_LOGGERS or message.startswith(QUIET_PREFIXES):
            return
        if message not in self.messages:  # once per document, not once per layout attempt
            self.messages.append(message)


def _image_bomb(record: logging.LogRecord) -> RefusedURL | None:
    """WeasyPrint's "Failed to load image" when Pillow refused a decompression bomb."""
    from PIL import Image

    args = record.args
    if not isinstance(record.msg, str) or not record.msg.startswith("Failed to load image") \
            or not isinstance(args, tuple) or len(args) < 2:
        return None
    url, error = args[0], args[1]
    cause = getattr(error, "__cause__", None)
    if isinstance(cause, Image.DecompressionBombError):
        return RefusedURL(str(url), "the image has too many pixels to decode safely "
                          f"({cause}); scale it down")
    return None


@contextmanager
def _captured_warnings(refused: list[RefusedURL] | None = None) -> Iterator[list[str]]:
    """Collect WeasyPrint's warnings of one render; let nothing reach stderr raw.

    An image that Pillow refused as a decompression bomb is added to ``refused``.
    """
    handler = _ListHandler(refused)
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
