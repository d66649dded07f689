"""Collect the fixed words of the templates into templates/locales/messages.pot.

Run after changing a template, then bring each language's catalog up to date, e.g.

    python scripts/extract_messages.py
    pybabel update -i templates/locales/messages.pot -o templates/locales/es.po -l es

(or copy the new entries by hand). A new language: copy es.po to <lang>.po, translate
every msgstr, and add content/<lang>/. The tests fail while a msgstr is missing.
"""

from __future__ import annotations

from babel.messages.pofile import write_po

from osteo_print.i18n import LOCALES, template_messages


def main() -> None:
    catalog = template_messages()
    with (LOCALES / "messages.pot").open("wb") as out:
        write_po(out, catalog, width=100, sort_output=True)
    print(f"{len(catalog)} messages written to {LOCALES / 'messages.pot'}")


if __name__ == "__main__":
    main()
