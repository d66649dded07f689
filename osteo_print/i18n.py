"""The message catalogs for the fixed words of the templates.

Each language other than English has ``templates/locales/<lang>.po`` (gettext's PO
format, edited with any PO editor). It is read with Babel when a build starts, so a
new language needs only files: the catalog here and the content in ``content/<lang>``.
"""

from __future__ import annotations

import gettext
import hashlib
import io
import os
import re
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from osteo_print.errors import ContentError, Problem, display_path
from osteo_print.paths import BUILTIN_TEMPLATES

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

LOCALES = BUILTIN_TEMPLATES / "locales"
SOURCE_LANG = "en"
MAX_CATALOG_BYTES = 2_000_000  # the built-in es.po is about 30 kB
CACHED_CHAINS = 32  # catalog chains kept in a process (a few languages x audiences)
# (language, ((catalog path, sha256 of its bytes), ...)) -> translations: an edited
# catalog has a new key, so a long-lived process never prints its old words.
_CHAINS: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], gettext.NullTranslations] = \
    OrderedDict()


def locale_dirs(folders: tuple[Path, ...]) -> tuple[Path, ...]:
    """The catalog folders inside template folders (a clinic's, an audience's)."""
    return tuple(f / "locales" for f in folders if (f / "locales").is_dir())


def catalog_path(lang: str, folders: tuple[Path, ...] = ()) -> Path | None:
    """The first catalog for ``lang`` in the clinic's folders, then the built-in ones."""
    for folder in (*folders, LOCALES):
        path = folder / f"{lang}.po"
        if path.is_file():
            return path
    return None


def translations(lang: str, folders: tuple[Path, ...] = ()) -> gettext.NullTranslations:
    """Translations for a language, the most specific catalog first.

    An audience's or a clinic's catalog may hold only the messages it changes (the
    caregiver audience's ``en.po`` says "their care team" for "your care team"); the
    rest come from the next catalog, then the built-in one. English, the source
    language, needs no catalog of its own.

    The catalogs are read on every call and the parsed chain is kept by their content
    (sha256 of the bytes), so an edited catalog takes effect in the same process.
    A catalog must be a plain file whose real path lies in the template folders that
    hold ``folders`` (or the built-in ones).
    """
    base = lang.split("-")[0]
    paths = list(dict.fromkeys(p for code in (lang, base) for folder in (*folders, LOCALES)
                               if os.path.lexists(p := folder / f"{code}.po")))
    if not paths and base != SOURCE_LANG:
        raise ContentError(f"There is no message catalog for language {lang!r}.", [Problem(
            f"templates/locales/{lang}.po", None, "",
            "add this file to your project (copy the built-in es.po and translate each "
            "msgstr) to print in this language")])
    roots = _template_roots((*folders, LOCALES))
    blobs = [(path, _catalog_bytes(path, roots)) for path in paths]
    key = (lang, tuple((str(path), hashlib.sha256(data).hexdigest()) for path, data in blobs))
    if key in _CHAINS:
        _CHAINS.move_to_end(key)
        return _CHAINS[key]
    chain: gettext.NullTranslations | None = None
    for path, data in reversed(blobs):
        current = _read_catalog(path, data, lang)
        if chain is not None:
            current.add_fallback(chain)
        chain = current
    result = chain or gettext.NullTranslations()
    _CHAINS[key] = result
    while len(_CHAINS) > CACHED_CHAINS:
        _CHAINS.popitem(last=False)
    return result


def _template_roots(locale_folders: tuple[Path, ...]) -> tuple[Path, ...]:
    """The real paths of the template folders that hold these catalog folders."""
    out = []
    for folder in (*(f.parent for f in locale_folders), BUILTIN_TEMPLATES):
        try:
            out.append(Path(os.path.realpath(folder, strict=True)))
        except OSError:
            continue
    return tuple(dict.fromkeys(out))


def _catalog_bytes(path: Path, roots: tuple[Path, ...]) -> bytes:
    """A catalog's bytes: a plain file, not too big, not a link out of the templates."""
    from osteo_print.safefile import InputFileError, read_input
    from osteo_print.templating import link_problem

    if problem := link_problem(path, roots, "the template folders"):
        raise ContentError("A message catalog cannot be used.", [problem])
    try:
        return read_input(path, MAX_CATALOG_BYTES, roots, "the template folders")
    except InputFileError as exc:
        raise ContentError("A message catalog cannot be read.", [exc.problem]) from None


def _read_catalog(path: Path, data: bytes, lang: str) -> gettext.NullTranslations:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import PoFileError, read_po
    from babel.support import Translations

    try:
        catalog = read_po(io.BytesIO(data), locale=lang.replace("-", "_"), abort_invalid=True)
    except (PoFileError, ValueError, UnicodeDecodeError) as exc:
        raise ContentError("A message catalog is broken.",
                           [Problem(display_path(path), None, "", str(exc))]) from None
    problems = list(_format_problems(catalog, display_path(path)))
    if problems:
        raise ContentError("A message catalog has a translation that cannot be printed.",
                           problems)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


PLACEHOLDER_RE = re.compile(r"%(?:%|\((\w+)\)[sd]|.?)")


def _format_problems(catalog: Any, shown: str) -> Iterator[Problem]:
    """Translations the page could not print: templates fill every message's
    placeholders with ``%``, so a translation may hold only ``%%`` (a percent sign) and
    the ``%(name)s`` placeholders of its message, never a bare ``%`` or a width."""
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        names = {m.group(1) for text in ids for m in PLACEHOLDER_RE.finditer(text)
                 if m.group(1)}
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            for match in PLACEHOLDER_RE.finditer(text or ""):
                token = match.group(0)
                if token == "%%" or (match.group(1) and match.group(1) in names):
                    continue
                known = ", ".join(f"%({n})s" for n in sorted(names)) or "none"
                yield Problem(shown, message.lineno, f"msgstr for {ids[0][:40]!r}", (
                    f"{token!r} cannot be printed: write a percent sign as %%, and use only "
                    f"the message's own placeholders ({known})"))
                break


def template_messages(folder: Path = BUILTIN_TEMPLATES) -> Catalog:
    """Every translatable message in a template folder, as a Babel catalog."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="osteo-print", charset="utf-8")
    method_map = [("**.html", "jinja2"), ("**.css", "jinja2")]
    options = {"**.html": {"extensions": "jinja2.ext.i18n"},
               "**.css": {"extensions": "jinja2.ext.i18n"}}
    for filename, lineno, message, comments, context in extract_from_dir(
            folder, method_map, options):
        catalog.add(message, locations=[(filename, lineno)], auto_comments=comments,
                    context=context)
    return catalog
