"""Class sets: one PDF of a class's quiz sheets, and one booklet of their answer keys.

``osteo-print quiz --versions 3 --class-size 24`` renders versions A, B and C as usual
(ordinary quiz and answer-key jobs, in parallel, cached), then composes, without laying
anything out again:

* ``<quiz>-class_<audience>_<lang>_<paper>.pdf`` (manifest kind ``class-set``): 24
  sheets cycling A, B, C, A... Each copy is padded with a blank page ("This page is
  left blank on purpose") to an even number of pages, so printed on both sides every
  copy starts on a new sheet of paper. Every page of a copy is stamped "Sheet 5 of 24"
  in the top-right page margin, under the version mark that the quiz template prints
  there ("Version B · 7F3A"); the footer already says "Page 2 of 4".
* ``<quiz>-class-key_<audience>_<lang>_<paper>.pdf`` (kind ``class-set-key``): the
  answer key of each version once, in letter order, each padded the same way.
* ``<quiz>-class-answers_<audience>_<lang>_<paper>.csv`` (kind ``class-set-data``): the
  typed-answers template of the set, a row per sheet in the set's order
  (osteo_print/sheet/typed.py).

The copies carry the versions' scan marks (corner markers, each page's QR code, the
class ID grid) as they are: a copy's page N is its version's page N, which is what its
QR code says. The blank page that pads a copy carries none, so a scanner skips it.

The pages of the copies share the versions' content streams, fonts and images, so a set
of 500 sheets is hardly bigger than its versions. The stamps are laid out once per set
by WeasyPrint from ``templates/class-set.html``, a line each, top to bottom (a page per
stamp cost a page layout each: 500 sheets took 2.5 times as long); each line is cut out
as a form XObject and drawn onto its copy's pages, marked as a pagination artifact. The
quiz's margins, which copyfitting may have tightened, are read from its first page, so
the stamp follows the version mark.

What a composed PDF loses: the versions' structure tree (tags), so the set is a print
file, not an accessible one (the version PDFs beside it stay tagged, PDF/UA-1), and the
versions' XMP metadata. It keeps a title, the language (/Lang), the author and
bookmarks (one per sheet, one per key).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from osteo_print.options import MAX_CLASS_SIZE
from osteo_print.plan import Job
from osteo_print.quiz.versions import Version

SET_KIND = "class-set"
KEYS_KIND = "class-set-key"
COMPOSER = "2"  # change when the composition changes its output
TEMPLATE = "class-set.html"
STAMP = "/OsteoPrintSheet"  # the stamp's name in a page's XObject resources


def check_class_size(size: int) -> int:
    """The class size, or a UsageError (the command line says so before this)."""
    from osteo_print.errors import UsageError

    if not 1 <= size <= MAX_CLASS_SIZE:
        raise UsageError(f"A class set has 1 to {MAX_CLASS_SIZE} sheets, not {size}.")
    return size


@dataclass(frozen=True)
class SetJob:
    """One composed PDF: a class set (kind "class-set") or its keys booklet.

    It is planned like a Job, has a ``stem`` like one, and is cached like one, but is
    composed in the main process from the PDFs of its ``sources`` (its versions' quiz
    or answer-key jobs) rather than rendered.
    """

    kind: str
    document: str
    audience: str
    lang: str
    paper: str
    size: int
    letters: tuple[str, ...]
    seed: int

    @property
    def stem(self) -> str:
        part = "class" if self.kind == SET_KIND else "class-key"
        return f"{self.document}-{part}_{self.audience}_{self.lang}_{self.paper}"

    @property
    def sources(self) -> tuple[Job, ...]:
        kind = "quiz" if self.kind == SET_KIND else "answer-key"
        return tuple(Job(kind, self.document, self.audience, self.lang, self.paper, letter,
                         self.seed) for letter in self.letters)

    def sheet_letters(self) -> list[str]:
        """The version of each sheet, in order: A, B, C, A, B..."""
        return [self.letters[i % len(self.letters)] for i in range(self.size)]

    def key(self, job_keys: Mapping[Any, str]) -> str:
        """The cache key: the sources' keys, the size, and the composer's version."""
        size = self.size if self.kind == SET_KIND else 0  # a booklet ignores the size
        parts = [COMPOSER, self.kind, size, [job_keys[j] for j in self.sources],
                 _pypdf_version()]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def plan_class_sets(sizes: Mapping[str, int], jobs: Sequence[Job]) -> list[SetJob]:
    """The sets and booklets of the planned quiz jobs whose quiz id has a class size."""
    groups: dict[tuple, list[str]] = {}
    for job in jobs:
        if job.kind == "quiz" and job.document in sizes and job.version:
            key = (job.document, job.audience, job.lang, job.paper, job.seed)
            groups.setdefault(key, []).append(job.version)
    sets = []
    for (document, audience, lang, paper, seed), letters in groups.items():
        for kind in (SET_KIND, KEYS_KIND):
            sets.append(SetJob(kind, document, audience, lang, paper, sizes[document],
                               tuple(letters), seed))
    return sets


@dataclass
class Composed:
    """A composed PDF and its page count."""

    pdf: bytes
    pages: int


# ---------------------------------------------------------------------------- labels
class Labels:
    """The class-set template of one audience and language: its words and its stamps."""

    def __init__(self, project: Any, audience: str, lang: str) -> None:
        from osteo_print.i18n import locale_dirs, translations
        from osteo_print.templating import make_env

        self.project = project
        self.audience = audience
        self.lang = lang
        folders = project.template_dirs(audience)
        self.env = make_env(folders, translations(lang, locale_dirs(folders)))

    def context(self, size: int, letters: Sequence[str], paper: str,
                labels_only: bool) -> dict[str, Any]:
        from osteo_print.context import PAPERS, font_faces, points
        from osteo_print.fonts import FAMILY
        from osteo_print.sheet.marks import MARKER_MM, MARKER_ROOM_PT, MM

        # The version mark ends where the top-right scan marker's room begins.
        right = points(PAPERS[paper].margin_side) + MARKER_MM * MM + MARKER_ROOM_PT
        return {"size": size, "letters": list(letters), "lang": self.lang,
                "audience": self.project.audiences[self.audience], "paper": PAPERS[paper],
                "fonts": font_faces(), "font_family": FAMILY, "labels_only": labels_only,
                "stamp_right_pt": round(right, 3)}

    def words(self, size: int, letters: Sequence[str]) -> dict[str, Any]:
        template = self.env.get_template(TEMPLATE)
        return json.loads(template.render(self.context(size, letters, "letter", True)))

    def stamps_pdf(self, size: int, paper: str, renderer: Any) -> bytes:
        """Every sheet's "Sheet N of M", a line each, laid out by WeasyPrint."""
        import weasyprint

        from osteo_print.paths import BUILTIN_TEMPLATES

        html = self.env.get_template(TEMPLATE).render(
            self.context(size, (), paper, False))
        base = ((self.project.override_dir or BUILTIN_TEMPLATES).resolve().as_uri() + "/")
        page = weasyprint.HTML(string=html, base_url=base, url_fetcher=renderer.fetcher)
        # Untagged on purpose: the stamps are artifacts of the copies they go on.
        return page.write_pdf(font_config=renderer.font_config,
                              pdf_identifier=b"osteo-print-class-set-stamps")


# --------------------------------------------------------------------------- margins
_FIRST_RECT = re.compile(rb"([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) re")
PX = 0.75  # WeasyPrint draws in CSS pixels: 1 px = 0.75 pt


def page_margins(page: Any) -> tuple[float, float] | None:
    """The (top, side) page margins of a WeasyPrint page, in points, or None.

    WeasyPrint first paints the page area's background (the root element's white):
    its rectangle, in CSS pixels from the top-left corner, gives the margins that
    copyfitting may have tightened.
    """
    try:
        data = page.get_contents().get_data()[:4000]
    except Exception:  # noqa: BLE001 - an odd stream: the caller falls back
        return None
    found = _FIRST_RECT.search(data)
    if not found:
        return None
    x, y = float(found.group(1)) * PX, float(found.group(2)) * PX
    return y, x


def _offset(margins: tuple[float, float] | None, base: tuple[float, float],
            known: Iterable[tuple[float, float]]) -> tuple[float, float] | None:
    """How far to move a stamp laid out with ``base`` margins; None if unrecognised."""
    if margins is None:
        return None
    for candidate in known:
        if abs(candidate[0] - margins[0]) < 0.05 and abs(candidate[1] - margins[1]) < 0.05:
            top, side = candidate
            return base[1] - side, base[0] - top  # right and up, in PDF space
    return None


def known_margins(paper: str) -> list[tuple[float, float]]:
    """The (top, side) margins of every copyfitting attempt on ``paper``: as the
    attempt sets them, and as a quiz sheet has them (copyfitting narrows its top margin
    only so far: its QR code is printed there)."""
    from osteo_print.context import PAPERS, points
    from osteo_print.fit import LEVELS
    from osteo_print.sheet.marks import sheet_margin_top

    found = []
    for fit in LEVELS:
        p = fit.paper(PAPERS[paper])
        found += [(points(p.margin_top), points(p.margin_side)),
                  (points(sheet_margin_top(p.margin_top)), points(p.margin_side))]
    return list(dict.fromkeys(found))


# ----------------------------------------------------------------------- composition
def compose_set(job: SetJob, versions: Mapping[str, bytes], stamps: bytes,
                words: Mapping[str, Any], warnings: list[str], line: float) -> Composed:
    """The class set: each sheet a stamped copy of its version, padded to even pages.

    ``stamps`` is the stamps document, one stamp per ``line`` points (furniture_pt x
    1.2), top to bottom."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    from osteo_print.context import PAPERS, points

    writer = PdfWriter()
    paper = PAPERS[job.paper]
    base = (points(paper.margin_top), points(paper.margin_side))
    forms = stamp_forms(writer, PdfReader(io.BytesIO(stamps)), job.size + 1, line)
    note = forms.pop()[0]  # "This page is left blank on purpose"
    # Where the stamps go: the top of the second line of the version mark's box, a
    # top-right margin box as tall as the top margin, with 6pt of padding under it.
    target = base[0] - 6 - line
    known = known_margins(job.paper)
    readers = {letter: PdfReader(io.BytesIO(data)) for letter, data in versions.items()}
    open_q = writer._add_object(_stream(b"q\n"))
    first = readers[job.letters[0]]
    count = 0
    placed: dict[str, tuple[float, float]] = {}
    for letter, reader in readers.items():
        offset = _offset(page_margins(reader.pages[0]), base, known)
        if offset is None:
            warnings.append(f"{job.stem}: could not tell where version {letter}'s page "
                            "margin is; its sheet numbers may sit out of line")
            offset = (0.0, 0.0)
        placed[letter] = offset
    for index, letter in enumerate(job.sheet_letters()):
        form, top = forms[index]
        dx, dy = placed[letter]
        dy += top - target
        draw = writer._add_object(_stream(
            f"Q\nq 1 0 0 1 {dx:.4f} {dy:.4f} cm\n/Artifact <</Type /Pagination>> BDC\n"
            f"{STAMP} Do\nEMC\nQ\n".encode()))
        reader = readers[letter]
        start = count
        for source in reader.pages:
            page = writer.add_page(source)
            contents = page.raw_get("/Contents")
            parts = list(contents) if isinstance(contents, ArrayObject) else [contents]
            page[NameObject("/Contents")] = ArrayObject([open_q, *parts, draw])
            resources = DictionaryObject(cast(DictionaryObject, page["/Resources"]))
            xobjects = DictionaryObject(resources.get("/XObject", {}))
            xobjects[NameObject(STAMP)] = form
            resources[NameObject("/XObject")] = xobjects
            page[NameObject("/Resources")] = resources
            count += 1
        if len(reader.pages) % 2:
            box = reader.pages[-1].mediabox
            blank = writer.add_blank_page(box.width, box.height)
            blank[NameObject("/Contents")] = writer._add_object(_stream(
                f"q 1 0 0 1 0 {-0.45 * float(box.height):.4f} cm\n"
                f"/Artifact <</Type /Pagination>> BDC\n{STAMP} Do\nEMC\nQ\n".encode()))
            xobjects = DictionaryObject({NameObject(STAMP): note})
            blank[NameObject("/Resources")] = DictionaryObject(
                {NameObject("/XObject"): xobjects})
            count += 1
        title = f"{words['stamps'][index]} · {letter}"
        writer.add_outline_item(title=title, page_number=start)
    _metadata(writer, first, f"{_title(first)} · {words['title']}", job)
    return Composed(_write(writer, job, versions), count)


def compose_keys(job: SetJob, keys: Mapping[str, bytes], words: Mapping[str, Any]
                 ) -> Composed:
    """The keys booklet: each version's answer key once, padded to even pages."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    count = 0
    first = None
    for letter in job.letters:
        reader = PdfReader(io.BytesIO(keys[letter]))
        first = first or reader
        start = count
        for source in reader.pages:
            writer.add_page(source)
            count += 1
        if len(reader.pages) % 2:
            box = reader.pages[-1].mediabox
            writer.add_blank_page(box.width, box.height)
            count += 1
        writer.add_outline_item(title=f"{_title(reader)} · {letter}", page_number=start)
    _metadata(writer, first, f"{_title(first)} · {words['keys_title']}", job)
    return Composed(_write(writer, job, keys), count)


def _stream(data: bytes) -> Any:
    from pypdf.generic import DecodedStreamObject

    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


_TEXT = re.compile(rb"BT\s.*?\sET", re.S)
_TM_Y = re.compile(rb"[-\d.]+ [-\d.]+ [-\d.]+ [-\d.]+ [-\d.]+ ([-\d.]+) Tm")
_AT_TM = re.compile(rb"(?=(?:[-\d.]+ ){6}Tm)")
_TF = re.compile(rb"/[^\s/]+ [-\d.]+ Tf")
_CM = re.compile(rb"^(?:[-\d.]+ ){6}cm", re.M)
_RG = re.compile(rb"(?:[-\d.]+ ){3}rg")


def stamp_forms(writer: Any, reader: Any, count: int, line: float
                ) -> list[tuple[Any, float]]:
    """Cut the stamps' lines out of their pages: (form XObject, line top in points).

    Each line of the stamps document is one stamp, drawn by WeasyPrint as text blocks
    (BT ... ET) whose baselines lie within the line. Each stamp becomes a form that
    draws only its own blocks, in the page's coordinates, sharing the page's fonts.
    The last page holds one line, the blank pages' sentence, whatever its height.
    """
    from pypdf.generic import ArrayObject, FloatObject, NameObject, StreamObject

    found: list[tuple[Any, float]] = []
    last = len(reader.pages) - 1
    for index, page in enumerate(reader.pages):
        data = page.get_contents().get_data()
        setup = b"\n".join(m.group(0) for m in _CM.finditer(data.split(b"BT", 1)[0]))
        colour = _RG.search(data)
        resources = page["/Resources"].clone(writer)
        box = ArrayObject(FloatObject(v) for v in page.mediabox)
        lines: dict[int, list[bytes]] = {}
        for block in _TEXT.finditer(data):
            # One block may hold several lines, each from a Tm to the next; the font
            # set in one carries over to the next.
            font = b""
            for piece in _AT_TM.split(block.group(0)[2:-2]):
                y = _TM_Y.search(piece)
                tf = _TF.search(piece)
                font = tf.group(0) if tf else font
                if y is None:
                    continue
                baseline = float(y.group(1)) * PX  # from the top of the page, in points
                text = b"BT\n" + (b"" if tf else font + b"\n") + piece.strip() + b"\nET"
                number = 0 if index == last else int(baseline // line)
                lines.setdefault(number, []).append(text)
        for number in sorted(lines):
            content = b"q\n" + setup + b"\n" + (colour.group(0) if colour else b"") + \
                b"\n" + b"\n".join(lines[number]) + b"\nQ\n"
            form = StreamObject()
            form._data = zlib.compress(content)
            form[NameObject("/Filter")] = NameObject("/FlateDecode")
            form[NameObject("/Type")] = NameObject("/XObject")
            form[NameObject("/Subtype")] = NameObject("/Form")
            form[NameObject("/BBox")] = box
            form[NameObject("/Resources")] = resources
            found.append((writer._add_object(form), number * line))
    if len(found) != count:
        raise ValueError(f"the stamps document has {len(found)} lines, not {count}")
    return found


def _title(reader: Any) -> str:
    try:
        return str((reader.metadata or {}).get("/Title") or "")
    except Exception:  # noqa: BLE001
        return ""


def _metadata(writer: Any, first: Any, title: str, job: SetJob) -> None:
    from pypdf.generic import BooleanObject, DictionaryObject, NameObject, TextStringObject

    info = dict(first.metadata or {}) if first is not None else {}
    keep = {k: str(v) for k, v in info.items()
            if k in ("/Author", "/Creator", "/CreationDate", "/ModDate")}
    writer.add_metadata({**keep, "/Title": title, "/Subject": title,
                         "/Producer": "osteo-print (pypdf)"})
    root = writer._root_object
    root[NameObject("/Lang")] = TextStringObject(job.lang)
    root[NameObject("/ViewerPreferences")] = DictionaryObject(
        {NameObject("/DisplayDocTitle"): BooleanObject(True)})
    root[NameObject("/PageMode")] = NameObject("/UseOutlines")


def _write(writer: Any, job: SetJob, sources: Mapping[str, bytes]) -> bytes:
    """The PDF's bytes, with a file identifier made from its inputs (reproducible)."""
    from pypdf.generic import ArrayObject, ByteStringObject

    size = job.size if job.kind == SET_KIND else 0  # a keys booklet has no class size
    digest = hashlib.sha256(job.stem.encode() + str(size).encode())
    for letter in sorted(sources):
        digest.update(hashlib.sha256(sources[letter]).digest())
    ident = ByteStringObject(digest.digest()[:16])
    writer._ID = ArrayObject([ident, ident])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pypdf_version() -> str:
    import pypdf

    return pypdf.__version__


# ----------------------------------------------------------------------------- build
def compose(project: Any, jobs: Sequence[SetJob], pdfs: Mapping[Job, bytes],
            out_dir: Path, warnings: list[str], failed: Iterable[Job] = ()
            ) -> dict[SetJob, Composed]:
    """Compose ``jobs`` from their sources' PDFs: ``pdfs`` (just rendered) or, for
    sources that were up to date, the files in ``out_dir``. A set whose sources are
    missing or ``failed`` (--strict) is left out, with a warning."""
    from osteo_print.runner import import_pdf

    failed = set(failed)
    made: dict[SetJob, Composed] = {}
    labels: dict[tuple[str, str], Labels] = {}
    renderer = None
    for job in jobs:
        sources: dict[str, bytes] = {}
        for source in job.sources:
            data = pdfs.get(source)
            if data is None and source not in failed:
                try:
                    data = (out_dir / f"{source.stem}.pdf").read_bytes()
                except OSError:
                    data = None
            if data is None:
                break
            sources[source.version or "A"] = data
        else:
            label = labels.get((job.audience, job.lang))
            if label is None:
                label = labels[(job.audience, job.lang)] = Labels(project, job.audience,
                                                                  job.lang)
            words = label.words(job.size, job.letters)
            if job.kind == KEYS_KIND:
                made[job] = compose_keys(job, sources, words)
                continue
            if renderer is None:
                pdf = import_pdf()
                renderer = pdf.Renderer(project.roots)
            stamps = label.stamps_pdf(job.size, job.paper, renderer)
            line = float(project.audiences[job.audience].furniture_pt) * 1.2
            made[job] = compose_set(job, sources, stamps, words, warnings, line)
            continue
        warnings.append(f"{job.stem}: not composed, as a version it needs was not written")
    return made


def run_class_sets(project: Any, options: Any, jobs: Sequence[Job],
                   job_keys: dict[Any, str], cache: Any, written: dict[Any, list],
                   out_dir: Path, result: Any) -> tuple[list[SetJob], list[str]]:
    """The build's hook: compose the class sets the options ask for, after rendering.

    Adds each composed PDF to ``written`` (under its SetJob, which the cache records
    like a job) and each up-to-date one to ``result``; returns the sets planned and
    the names of earlier sets to remove (those whose versions failed --strict).
    """
    from osteo_print.writer import FileInfo, OutputFile

    sizes = {r.quiz_id: check_class_size(r.class_size) for r in options.quizzes
             if r.class_size is not None}
    if not sizes or not options.write:
        return [], []
    sets = plan_class_sets(sizes, jobs)
    rendered = {job for job in written}
    todo = []
    for job in sets:
        job_keys[job] = job.key(job_keys)
        fresh = None
        if cache is not None and not options.force \
                and not any(source in rendered for source in job.sources):
            fresh = cache.fresh(job, job_keys[job])
        if fresh:
            result.entries += fresh
            result.up_to_date.append(job)
        else:
            todo.append(job)
    pdfs = {job: f.data for job, outputs in written.items() for f in outputs
            if f.info.format == "pdf"}
    made = compose(project, todo, pdfs, out_dir, result.warnings,
                   failed=[row.job for row in result.failed])
    remove: list[str] = []
    for job in todo:
        if job not in made:
            if cache is not None:
                remove += [n for n in cache.forget(job) if n.endswith(".pdf")]
            continue
        composed = made[job]  # FileInfo works out the sheets of paper from the pages
        info = FileInfo(job.kind, "pdf", job.document, job.audience, job.lang, job.paper,
                        composed.pages, None)
        written[job] = [OutputFile(f"{job.stem}.pdf", composed.pdf, info)]
        if job.kind == SET_KIND:
            data = FileInfo(f"{SET_KIND}-data", "csv", job.document, job.audience, job.lang,
                            job.paper)
            written[job].append(OutputFile(class_answers_name(job),
                                           class_answers_csv(project, job), data))
        result.rendered.append(job)
    return sets, remove


def class_answers_name(job: SetJob) -> str:
    """The class's typed-answers template, e.g. ``quiz-pre-class-answers_general_en_
    letter.csv``."""
    return f"{job.document}-class-answers_{job.audience}_{job.lang}_{job.paper}.csv"


def class_answers_csv(project: Any, job: SetJob) -> bytes:
    """The typed-answers template of a class set: a row per sheet, in the set's order,
    with its quiz, version and code filled in (sheet.typed)."""
    from osteo_print.pages import quiz_version
    from osteo_print.sheet.typed import typed_answers_csv

    questions = len(quiz_version(project, job.sources[0]).version.questions)
    codes = {letter: Version(job.document, letter, job.seed, ()).code for letter in job.letters}
    return typed_answers_csv(job.document, [(letter, codes[letter])
                                            for letter in job.sheet_letters()], questions)
