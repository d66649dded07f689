"""Collect the fixed words of the templates into templates/locales/messages.pot.

Run after changing a template, then update each language's catalog, for example:

    python scripts/extract_messages.py
    pybabel update -i templates/locales/messages.pot -o templates/locales/es.po -l es

(or copy new entries by hand). A new language: copy es.po to <lang>.po, translate every
msgstr, and add content/<lang>/.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


def main() -> None:
    catalog = Catalog(project="osteo-print", charset="utf-8")
    method_map = [("**.html", "jinja2"), ("**.css", "jinja2")]
    options = {"**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"},
               "**.css": {"extensions": "jinja2.ext.i18n"}}
    for filename, lineno, message, comments, context in extract_from_dir(
            TEMPLATES, method_map, options):
        catalog.add(message, locations=[(filename, lineno)], auto_comments=comments,
                    context=context)
    with (TEMPLATES / "locales" / "messages.pot").open("wb") as out:
        write_po(out, catalog, width=100, omit_header=False, sort_output=True)
    print(f"{len(catalog)} messages")


if __name__ == "__main__":
    main()
