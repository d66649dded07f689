"""``osteo-print list``: what a project can build, read from its content and templates."""

from __future__ import annotations

from collections.abc import Iterator

from osteo_print.audiences import available, load_audience
from osteo_print.content import block_types_in
from osteo_print.i18n import catalog_path, locale_dirs
from osteo_print.paths import BUILTIN_TEMPLATES
from osteo_print.project import Project


def describe(project: Project) -> Iterator[str]:
    """The lines of the listing: handouts, block types, quizzes, audiences, languages."""
    content = project.content
    langs = sorted({lang for (lang, _, _) in content.handouts},
                   key=lambda lang: (lang != "en", lang))
    lang = langs[0]
    names = content.names()
    width = max(map(len, names), default=8)
    yield f"Handouts (osteo-print build NAME), from {content.root}:"
    for name in names:
        first = next(lg for lg in langs if content.has(lg, name))
        handout = content.handout(first, name)
        missing = [lg for lg in langs if not content.has(lg, name)]
        note = f"  (not in {', '.join(missing)})" if missing else ""
        gens = f"; {len(handout.generators)} quiz generator(s)" if handout.generators else ""
        yield f"  {name:<{width}}  {handout.order:>4}  {handout.title}{note}"
        yield f"  {'':<{width}}        blocks: {', '.join(_types(handout))}{gens}"
    known = block_types_in([*project.template_dirs("general"), BUILTIN_TEMPLATES])
    yield "Block types (templates/blocks/TYPE.html; a project adds its own there):"
    yield "  " + ", ".join(sorted(known))
    yield "Quizzes (osteo-print quiz):"
    bank = content.quiz(lang).bank
    for form in ("all", "pre", "post"):
        if form in bank.forms:
            items = len(bank.forms[form].items)
            yield f"  --form {form:<5}  {bank.forms[form].title} ({items} questions)"
    yield "  --handout NAME  a quiz on one handout"
    yield "Audiences (--audience NAME):"
    for name in available(project.audience_roots):
        audience = load_audience(name, project.audience_roots)
        version = f"  [content: {audience.content}]" if audience.content else ""
        yield f"  {audience.name:<12}  {audience.description or audience.label}{version}"
    yield "Languages (--lang CODE):"
    folders = project.template_dirs("general")
    for code in langs:
        ready = code == "en" or catalog_path(code, locale_dirs(folders))
        count = len(content.names(code))
        notes = [f"{count} of {len(names)} handouts"]
        if not ready:
            notes.append("no message catalog yet")
        yield f"  {code}  ({'; '.join(notes)})"


def _types(handout) -> list[str]:
    return list(dict.fromkeys(block.type for _, block, _ in handout.walk_blocks()))
