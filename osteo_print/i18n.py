"""The message catalogs for the fixed words of the templates.

Each language other than English has ``templates/locales/<lang>.po`` (gettext's PO
format, edited with any PO editor). It is read with Babel when a build starts, so a
new language needs only files: the catalog here and the content in ``content/<lang>``.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from osteo_print.errors import ContentError, Problem, display_path
from osteo_print.paths import BUILTIN_TEMPLATES

LOCALES = BUILTIN_TEMPLATES / "locales"
SOURCE_LANG = "en"


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


@cache
def translations(lang: str, folders: tuple[Path, ...] = ()) -> gettext.NullTranslations:
    """Translations for a language, the most specific catalog first.

    An audience's or a clinic's catalog may hold only the messages it changes (the
    caregiver audience's ``en.po`` says "their care team" for "your care team"); the
    rest come from the next catalog, then the built-in one. English, the source
    language, needs no catalog of its own.
    """
    base = lang.split("-")[0]
    paths = list(dict.fromkeys(p for code in (lang, base) for folder in (*folders, LOCALES)
                               if (p := folder / f"{code}.po").is_file()))
    if not paths and base != SOURCE_LANG:
        raise ContentError(f"There is no message catalog for language {lang!r}.", [Problem(
            f"templates/locales/{lang}.po", None, "",
            "add this file to your project (copy the built-in es.po and translate each "
            "msgstr) to print in this language")])
    chain: gettext.NullTranslations | None = None
    for path in reversed(paths):
        current = _read_catalog(path, lang)
        if chain is not None:
            current.add_fallback(chain)
        chain = current
    return chain or gettext.NullTranslations()


def _read_catalog(path: Path, lang: str) -> gettext.NullTranslations:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import PoFileError, read_po
    from babel.support import Translations

    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang.replace("-", "_"), abort_invalid=True)
    except (PoFileError, ValueError, UnicodeDecodeError) as exc:
        raise ContentError("A message catalog is broken.",
                           [Problem(display_path(path), None, "", str(exc))]) from None
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def template_messages(folder: Path = BUILTIN_TEMPLATES):
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
