"""``osteo-print check``: is each document readable, usable and well-made?

Each rendered document gets a row; each check a cell with pass/fail and the figure
behind it. The checks read the page's HTML (for text and structure) and the PDF (for
type sizes and tagging), never the templates, so they judge what a reader gets.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from osteo_print.audiences import Audience
from osteo_print.bodytext import body_units
from osteo_print.config import CheckSettings
from osteo_print.context import PAPERS, Paper, points
from osteo_print.layout import opened
from osteo_print.plan import Job
from osteo_print.readability import stats

CHECKS = ("readability", "pemat", "print", "layout", "tagged", "sources", "safety", "voice",
          "translated")


@dataclass(frozen=True)
class Cell:
    """One check's verdict on one document."""

    ok: bool
    figure: str
    warning: str = ""

    @property
    def label(self) -> str:
        if self.figure == "-":
            return "-"
        if not self.ok:
            return f"FAIL {self.figure}"
        return f"warn {self.figure}" if self.warning else f"pass {self.figure}"


NOT_APPLICABLE = Cell(True, "-")


@dataclass
class Row:
    """Every check's verdict on one document."""

    job: Job
    cells: dict[str, Cell] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(cell.ok for cell in self.cells.values())


def check_document(job: Job, audience: Audience, html: str, pdf: bytes,
                   settings: CheckSettings, today: dt.date | None = None,
                   translated: Cell = NOT_APPLICABLE, paper: Paper | None = None) -> Row:
    """Run every check on one rendered document.

    ``translated`` is the Translated cell, which needs the content folder to judge;
    ``paper`` the paper with the margins the layout used (copyfitting may narrow them).
    """
    paper = paper or PAPERS[job.paper]
    row = Row(job)
    page = _Structure.parse(html)
    handout = job.kind == "handout"
    row.cells["readability"] = (readability(html, job.lang, audience, settings, row.notes)
                                if handout else NOT_APPLICABLE)
    row.cells["pemat"] = pemat(page, job.lang, settings, row.notes) if handout \
        else NOT_APPLICABLE
    with opened(pdf) as doc:  # one reading of the PDF's pages for both checks
        row.cells["print"] = print_sizes(doc, audience, settings, row.notes, paper)
        row.cells["layout"] = layout(doc, job, audience, settings, paper, row.notes)
    row.cells["tagged"] = tagged(pdf, row.notes)
    row.cells["sources"] = sources(page, settings, today or dt.date.today(), row.notes) \
        if handout else NOT_APPLICABLE
    row.cells["safety"] = safety(page) if handout else NOT_APPLICABLE
    row.cells["voice"] = voice(page, job.lang, audience, row.notes)
    row.cells["translated"] = translated
    if translated.warning:
        row.notes.append(f"translated: {translated.warning}")
    return row


def layout(pdf: Any, job: Job, audience: Audience, settings: CheckSettings, paper: Paper,
           notes: list[str]) -> Cell:
    """The last page's fill, anything outside the content area, pages against the target.
    ``pdf``: the PDF's bytes, or an open pdfplumber document of it (``layout.opened``)."""
    from osteo_print.layout import describe, page_use

    use = page_use(pdf, paper)
    figure = f"{use.pages} p, last {use.fill:.0%}" if use.pages > 1 else "1 p"
    ok = True
    if use.pages > 1 and use.fill < settings.min_last_page_fill:
        ok = False
        notes.append(f"layout: the last page is {use.fill:.0%} full (at least "
                     f"{settings.min_last_page_fill:.0%}): a sheet printed for a few lines")
    if use.outside:
        ok = False
        figure += ", outside the margins"
        notes.extend(f"layout: {describe(o)}" for o in use.outside)
    warning = ""
    target = audience.target_pages
    if job.kind == "handout" and target and use.pages > target:
        warning = f"target {target}"
        figure += f" (target {target})"
        notes.append(f"layout: {use.pages} pages, more than the {audience.name} audience's "
                     f"target of {target} ({(target + 1) // 2} sheet"
                     f"{'s' if target > 2 else ''} printed on both sides)")
    return Cell(ok, figure, warning)


def safety(page: _Structure) -> Cell:
    """The safety parts a reader gets: medicines with their warnings, and precautions."""
    parts = []
    if medicines := page.count("medicine"):
        parts.append(f"{medicines} medicines, {page.count('medicine-warnings')} warned")
    if precautions := page.count("precautions"):
        parts.append(f"{precautions} precautions box{'es' if precautions > 1 else ''}")
    if not parts:
        return NOT_APPLICABLE
    ok = page.count("medicine-warnings") >= medicines
    return Cell(ok, "; ".join(parts))


def voice(page: _Structure, lang: str, audience: Audience, notes: list[str]) -> Cell:
    """Words the audience's ``voice`` setting rules out (a caregiver sheet's "your")."""
    words = audience.voice.get(lang) or audience.voice.get(lang.split("-")[0])
    if not words:
        return NOT_APPLICABLE
    # "I" only as a capital (not the letter i); every other word in any case ("Your").
    exact = [w for w in words if w == "I"]
    folded = [w for w in words if w != "I"]
    found: Counter[str] = Counter()
    for group, flags in ((exact, 0), (folded, re.IGNORECASE)):
        if group:
            pattern = re.compile(r"\b(" + "|".join(map(re.escape, group)) + r")\b", flags)
            found.update(m.group(0) for m in pattern.finditer(page.reader_text))
    if found:
        shown = ", ".join(f"{w!r} x{n}" for w, n in found.most_common())
        notes.append(f"voice: the {audience.name} audience's text must not use {shown}")
        return Cell(False, shown)
    return Cell(True, f"0 of {len(words)} words")


def translation_cell(present: bool, elsewhere: list[str], variant: str | None,
                     lang: str) -> Cell:
    """Whether an audience's version exists in this language (judged by the runner)."""
    if variant is None or present:
        return Cell(True, "yes")
    if elsewhere:
        return Cell(True, "base text", f"no {variant} version in {lang} (there is one in "
                                       f"{', '.join(elsewhere)}); the base text is used")
    return Cell(True, "base text", f"no {variant} version; the base text is used")


def readability(html: str, lang: str, audience: Audience, settings: CheckSettings,
                notes: list[str]) -> Cell:
    """Flesch-Kincaid and SMOG (English) or Fernandez-Huerta (Spanish) of the body text."""
    easy = audience.content == "easy-read"
    result = stats(body_units(html), lang)
    if lang == "en" or lang.startswith("en-"):
        limit = settings.max_grade_easy_read if easy else settings.max_grade
        ok = result.fkgl <= limit and result.smog <= settings.max_smog
        if not ok:
            notes.append(f"readability: grade {result.fkgl:.2f} (at most {limit}), "
                         f"SMOG {result.smog:.2f} (at most {settings.max_smog})")
        digits = 1 if ok else 2
        return Cell(ok, f"FK {result.fkgl:.{digits}f} SMOG {result.smog:.{digits}f}")
    if lang == "es" or lang.startswith("es-"):
        limit = (settings.min_fernandez_huerta_easy_read if easy
                 else settings.min_fernandez_huerta)
        ok = result.fernandez_huerta >= limit
        if not ok:
            notes.append(f"readability: Fernandez-Huerta {result.fernandez_huerta:.0f} "
                         f"(at least {limit:.0f})")
        return Cell(ok, f"F-H {result.fernandez_huerta:.0f}")
    code = lang.split("-")[0]
    notes.append(f"readability: no formula for {code}; read it with someone who speaks it")
    return Cell(True, f"no formula for {code}", f"no formula for {code}")


YOU = {"en": re.compile(r"\byou(r)?\b", re.I), "es": re.compile(r"\b(usted|su|sus)\b", re.I)}
GENERIC_HEADINGS = {"section", "information", "introduction", "more", "other", "details"}


def pemat(page: _Structure, lang: str, settings: CheckSettings, notes: list[str]) -> Cell:
    """The PEMAT-P understandability and actionability items a program can check."""
    you = YOU.get(lang.split("-")[0], YOU["en"])
    headings = page.texts("main h2")
    items = {
        "purpose at the top": bool(page.purpose) and len(page.purpose.split()) <= 40,
        "informative headers": len(headings) >= 3 and len(set(headings)) == len(headings)
            and all(h.lower() not in GENERIC_HEADINGS and len(h.split()) <= 12
                    for h in headings),
        "a summary": page.count("key-points li") >= 2,
        "bullet lists": page.count("main ul li") >= 3,
        "an action for 'you'": page.count("actions li") >= 1 and bool(
            you.search(" ".join(page.texts("actions")))),
        "a checklist or tracker": page.count("checklist") + page.count("tracker") >= 1,
        "visuals with caption and alt text": page.visuals_described,
        f"tables of at most {settings.max_table_columns} columns":
            page.widest_table <= settings.max_table_columns,
    }
    missing = [name for name, ok in items.items() if not ok]
    if missing:
        notes.append("PEMAT: missing " + "; ".join(missing))
    return Cell(not missing, f"{len(items) - len(missing)}/{len(items)}")


def print_sizes(pdf: Any, audience: Audience, settings: CheckSettings,
                notes: list[str], paper: Paper = PAPERS["letter"]) -> Cell:
    """Type sizes read from the PDF (its bytes, or an open pdfplumber document of it, see
    ``layout.opened``): the body size, and the smallest anywhere.

    The body size is the most common size on the first page (away from the furniture),
    where there are no source lists to outweigh it. Furniture is what starts in the top
    or bottom page margin, and the masthead (the clinic's logo and address, marked by two
    anchors, see style.css): it must be at least ``min_any_pt``, but is not body text.
    Text drawn inside the masthead's logo is part of a picture and is not measured.
    When a size fails, the note says which text, on which page and where.
    """
    large = audience.body_pt >= settings.min_body_pt_large_print
    body_min = settings.min_body_pt_large_print if large else settings.min_body_pt
    sizes: Counter[float] = Counter()
    smallest = smallest_body = 999.0
    too_small: list[tuple[int, list[dict]]] = []  # (page number, run of chars) too small
    top_margin, bottom_margin = points(paper.margin_top), points(paper.margin_bottom)
    with opened(pdf) as doc:
        masthead = _masthead(doc)
        for number, page in enumerate(doc.pages):
            follows = False  # the char before was too small, so this one may extend its run
            for char in page.chars:
                if not char["text"].strip():
                    continue
                in_masthead = masthead is not None and masthead.holds(number, char)
                if in_masthead and char.get("tag") == "Figure":
                    follows = False
                    continue  # text inside the logo: a picture, not type
                size = round(float(char["size"]), 1)
                smallest = min(smallest, size)
                furniture = (in_masthead or char["bottom"] <= top_margin
                             or char["top"] >= float(page.height) - bottom_margin)
                if not furniture:
                    smallest_body = min(smallest_body, size)
                    if number == 0:
                        sizes[size] += 1
                small = size < settings.min_any_pt or (large and not furniture
                                                       and size < body_min)
                if small and follows and too_small[-1][1][-1]["size"] == char["size"]:
                    too_small[-1][1].append(char)
                elif small:
                    too_small.append((number, [char]))
                follows = small
        body = sizes.most_common(1)[0][0] if sizes else 0.0
        ok = body >= body_min and smallest >= settings.min_any_pt
        if large:
            ok = ok and smallest_body >= body_min
        if not ok:
            rule = (f"every character outside the header, footer and masthead at least "
                    f"{body_min} pt" if large else f"body text at least {body_min} pt")
            notes.append(f"print: body text {body} pt, smallest {smallest} pt, smallest "
                         f"outside the header, footer and masthead {smallest_body} pt "
                         f"({rule}, nothing under {settings.min_any_pt} pt)")
            notes.extend(f"print: {where}" for where in _where(doc, too_small, paper,
                                                               top_margin, bottom_margin,
                                                               masthead))
    return Cell(ok, f"{body:g}/{smallest:g} pt")


MASTHEAD_ANCHORS = ("osteo-masthead", "osteo-masthead-end")  # masthead.html, style.css
SHOWN_PLACES = 3  # how many too-small runs of text a failing note names


@dataclass(frozen=True)
class _Box:
    """Where the masthead is: a page, its left edge, and its top and bottom (pt)."""

    page: int
    left: float
    top: float
    bottom: float

    def holds(self, number: int, char: dict) -> bool:
        return (number == self.page and char["x0"] >= self.left - 1
                and char["top"] >= self.top - 1 and char["bottom"] <= self.bottom + 1)


def _masthead(doc) -> _Box | None:
    """The masthead's box, from the named destinations its anchors leave in the PDF."""
    from pdfminer.pdftypes import resolve1

    pages = {page.page_obj.pageid: (number, page) for number, page in enumerate(doc.pages)}
    found = []
    for name in MASTHEAD_ANCHORS:
        try:
            dest = resolve1(doc.doc.get_dest(name.encode()))
        except Exception:  # no masthead (no clinic), or a PDF without the anchors
            return None
        if isinstance(dest, dict):
            dest = resolve1(dest.get("D"))
        try:
            ref, _, x, y = dest[:4]
            number, page = pages[ref.objid]
            found.append((number, float(x), float(page.mediabox[3]) - float(y)))
        except (TypeError, ValueError, KeyError, AttributeError):
            return None
    (number, left, top), (end_number, _, bottom) = found
    if end_number != number or bottom < top:
        return None
    return _Box(number, left, top, bottom)


def _where(doc, runs: list[tuple[int, list[dict]]], paper: Paper, top_margin: float,
           bottom_margin: float, masthead: _Box | None) -> list[str]:
    """Say which text is too small and where: its size, words, page, height and role."""
    runs = sorted(runs, key=lambda r: (round(float(r[1][0]["size"]), 1), r[0],
                                       r[1][0]["top"]))
    inches = paper.margin_top.endswith("in")
    roles: dict[int, dict[int, str]] = {}
    shown = []
    for number, run in runs[:SHOWN_PLACES]:
        first = run[0]
        page = doc.pages[number]
        text = run[0]["text"]
        for before, char in zip(run, run[1:], strict=False):  # spaces were skipped
            gap = (abs(char["top"] - before["top"]) >= 1  # the next line
                   or char["x0"] - before["x1"] > 0.2 * float(char["size"]))
            text += (" " if gap else "") + char["text"]
        text = text if len(text) <= 30 else text[:29].rstrip() + "…"
        down = first["top"] / 72
        height = f"{down:.1f} in" if inches else f"{down * 2.54:.1f} cm"
        if masthead is not None and masthead.holds(number, first):
            role = "in the masthead"
        elif first["bottom"] <= top_margin:
            role = "in the running header"
        elif first["top"] >= float(page.height) - bottom_margin:
            role = "in the running footer"
        else:
            if number not in roles:
                roles[number] = _roles(page)
            mcid = first.get("mcid")
            role = roles[number].get(mcid, "") if isinstance(mcid, int) else ""
        shown.append(f"{round(float(first['size']), 1):g} pt text {text!r} on page "
                     f"{number + 1}, {height} from the top" + (f" ({role})" if role else ""))
    if len(runs) > SHOWN_PLACES:
        shown[-1] += f"; and {len(runs) - SHOWN_PLACES} more"
    return shown


ROLE_NAMES = {"Figure": "in a picture", "H1": "in the title", "H2": "in a heading",
              "H3": "in a heading", "TD": "in a table cell", "TH": "in a table heading",
              "LI": "in a list item", "LBody": "in a list item", "Lbl": "in a list marker",
              "P": "in a paragraph", "Caption": "in a caption", "Link": "in a link"}


def _roles(page) -> dict[int, str]:
    """Each marked-content id of a page, with what holds it in the tag tree."""
    roles: dict[int, str] = {}

    def walk(elements: list, role: str) -> None:
        for element in elements:
            kind = element.get("type", "")
            here = ROLE_NAMES.get(kind, role)
            if kind == "Figure" and element.get("alt_text"):
                here = f"in a picture, {element['alt_text']!r}"
            for mcid in element.get("mcids") or ():
                roles[mcid] = here
            walk(element.get("children") or [], here)

    try:
        walk(page.structure_tree, "")
    except Exception:  # a broken or missing tag tree: say no more than where
        return {}
    return roles


def tagged(pdf: bytes, notes: list[str]) -> Cell:
    """Title, language, structure tree, embedded fonts, and alt text on figures."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    root = reader.root_object
    figures: list[bool] = []
    if "/StructTreeRoot" in root:
        _collect_figures(root["/StructTreeRoot"], figures)
    fonts_embedded = True
    font: Any  # a font dictionary, then its descendant
    for page in reader.pages:
        for font in page.get("/Resources", {}).get("/Font", {}).values():
            font = font.get_object()
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None or not any(
                    k in descriptor.get_object() for k in ("/FontFile", "/FontFile2",
                                                          "/FontFile3")):
                fonts_embedded = False
    items = {
        "title": bool(reader.metadata and reader.metadata.title),
        "language": bool(root.get("/Lang")),
        "structure tree": "/StructTreeRoot" in root,
        "fonts embedded": fonts_embedded,
        "alt text on figures": all(figures),
    }
    missing = [name for name, ok in items.items() if not ok]
    if missing:
        notes.append("tagged PDF: missing " + "; ".join(missing))
    return Cell(not missing, f"{len(items) - len(missing)}/{len(items)}")


def _collect_figures(node, found: list[bool], depth: int = 0) -> None:
    if depth > 200:
        return
    node = node.get_object()
    if isinstance(node, dict):
        if node.get("/S") == "/Figure":
            found.append(bool(str(node.get("/Alt", "")).strip()))
        kids = node.get("/K")
        if kids is not None:
            for kid in kids if isinstance(kids, list) else [kids]:
                _collect_figures(kid, found, depth + 1)
    elif isinstance(node, list):
        for kid in node:
            _collect_figures(kid, found, depth + 1)


def sources(page: _Structure, settings: CheckSettings, today: dt.date,
            notes: list[str]) -> Cell:
    """Every cited source is listed and every listed one cited; a late review warns."""
    cited, listed = page.cited, page.listed
    ok = cited == listed and (bool(cited) or page.unsourced)
    if not ok:
        notes.append(f"sources: cited {sorted(cited)}, listed {sorted(listed)}")
    warning = ""
    if not page.reviewed_by:
        warning = "no reviewed_by"
        notes.append("sources: say who reviewed the content (reviewed_by, a role or a name)")
    if page.reviewed:
        age = (today - page.reviewed).days
        if age > settings.max_review_age_days:
            warning = f"last reviewed {age} days ago"
            if not page.reviewed_by:
                warning += ", no reviewed_by"
            notes.append(f"sources: {warning} (review every {settings.max_review_age_days} "
                         "days)")
    return Cell(ok, f"{len(listed)} listed" + (f", {warning}" if warning else ""), warning)


class _Structure(HTMLParser):
    """The parts of a rendered page the checks look at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, set[str]]] = []
        self.counts: Counter[str] = Counter()
        self.text: dict[str, list[str]] = {}
        self.purpose = ""
        self.cited: set[int] = set()
        self.listed: set[int] = set()
        self.reviewed: dt.date | None = None
        self.reviewed_by = ""
        self.unsourced = False  # the handout says sourced: false (a class schedule)
        self.figures: list[dict[str, bool]] = []
        self.images_without_alt = 0
        self.widest_table = 0
        self._row_cells = 0
        self.reader: list[str] = []  # what the reader reads: the body and the questions

    @classmethod
    def parse(cls, html: str) -> _Structure:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser

    def _inside(self, cls: str) -> bool:
        return any(cls in classes or cls == tag for tag, classes in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        if tag == "meta" and attributes.get("name") == "sourced":
            self.unsourced = attributes.get("content") == "false"
        if tag == "meta" and attributes.get("name") == "reviewed-by":
            self.reviewed_by = attributes.get("content") or ""
        if tag == "meta" and attributes.get("name") == "dcterms.modified":
            try:
                self.reviewed = dt.date.fromisoformat(attributes.get("content") or "")
            except ValueError:
                self.reviewed = None
        if tag == "img":
            if not (attributes.get("alt") or "").strip():
                self.images_without_alt += 1
            elif self._inside("figure") and self.figures:
                self.figures[-1]["alt"] = True
        if tag in ("meta", "img", "br", "link", "input", "hr"):
            return
        self.stack.append((tag, classes))
        for cls in classes:
            self.counts[cls] += 1
        if tag == "li":
            for context in ("key-points", "actions", "main ul"):
                if context == "main ul" and self._inside("main") and self._inside("ul"):
                    self.counts["main ul li"] += 1
                elif context != "main ul" and self._inside(context):
                    self.counts[f"{context} li"] += 1
        if tag == "figure":
            self.figures.append({"caption": False, "alt": False})
        if tag == "tr":
            self._row_cells = 0
        if tag in ("td", "th"):
            colspan = attributes.get("colspan") or "1"
            self._row_cells += int(colspan) if colspan.isdigit() else 1
            self.widest_table = max(self.widest_table, self._row_cells)
        if tag == "figcaption" and self.figures:
            self.figures[-1]["caption"] = True

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not data.strip() or not self.stack:
            return
        tag, classes = self.stack[-1]
        if tag not in ("style", "title") and (self._inside("main") or self._inside(
                "end-matter") or self._inside("doc-header")) and not self._inside("masthead") \
                and not self._inside("sources"):  # titles of publications are not ours
            self.reader.append(data)
        if "purpose" in classes:
            self.purpose += data
        if tag == "title" and self._inside("svg") and self.figures:
            self.figures[-1]["alt"] = True
        if "cite" in classes and self._inside("main"):
            self.cited.update(int(n) for n in re.findall(r"\d+", data))
        if "num" in classes and self._inside("sources"):
            self.listed.update(int(n) for n in re.findall(r"\d+", data))
        if tag == "h2" and self._inside("main"):
            self.text.setdefault("main h2", []).append(data.strip())
        if self._inside("actions"):
            self.text.setdefault("actions", []).append(data)

    @property
    def reader_text(self) -> str:
        return " ".join(self.reader)

    def count(self, key: str) -> int:
        return self.counts[key]

    def texts(self, key: str) -> list[str]:
        return self.text.get(key, [])

    @property
    def visuals_described(self) -> bool:
        return self.images_without_alt == 0 and all(
            f["caption"] and f["alt"] for f in self.figures)


def summary(rows: Sequence[Row]) -> str:
    passed = sum(row.ok for row in rows)
    return f"{passed} of {len(rows)} documents pass every check."


def table(rows: Sequence[Row]) -> list[str]:
    """The check results as text lines: one row per document, one column per check."""
    head = ["Document", "Audience", "Lang", "Paper", *(c.capitalize() for c in CHECKS)]
    body = [[_name(row.job), row.job.audience, row.job.lang, row.job.paper,
             *(row.cells.get(c, NOT_APPLICABLE).label for c in CHECKS)] for row in rows]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
             for r in [head, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def _name(job: Job) -> str:
    name = f"{job.document}-key" if job.kind == "answer-key" else job.document
    return f"{name} {job.version}" if job.version else name
