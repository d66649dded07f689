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
    """Translations for a language; English (the source language) needs none."""
    if lang == SOURCE_LANG or lang.startswith(SOURCE_LANG + "-"):
        return gettext.NullTranslations()
    path = catalog_path(lang, folders) or catalog_path(lang.split("-")[0], folders)
    if path is None:
        raise ContentError(f"There is no message catalog for language {lang!r}.", [Problem(
            f"templates/locales/{lang}.po", None, "",
            "add this file to your project (copy the built-in es.po and translate each "
            "msgstr) to print in this language")])
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
