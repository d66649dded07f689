"""Jinja environment: ordered template folders, autoescape, StrictUndefined, i18n.

Templates are looked up in the folders given (a clinic's overrides first), then in
the built-in templates. The built-in ones are also reachable as ``builtin/<name>``,
so an override can extend the very template it replaces::

    {% extends "builtin/handout.html" %}
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from markupsafe import Markup, escape

from osteo_print.errors import Problem, TemplateError, display_path
from osteo_print.paths import BUILTIN_TEMPLATES

BUILTIN_PREFIX = "builtin"
BOLD_RE = re.compile(r"\*\*(.+?)\*\*")


def make_env(folders: Sequence[Path] = (),
             translations: gettext.NullTranslations | None = None) -> jinja2.Environment:
    """Build the environment that renders every page."""
    builtin = jinja2.FileSystemLoader(BUILTIN_TEMPLATES)
    loader = jinja2.ChoiceLoader([
        *(jinja2.FileSystemLoader(f) for f in folders),
        jinja2.PrefixLoader({BUILTIN_PREFIX: builtin}),
        builtin,
    ])
    env = jinja2.Environment(
        loader=loader,
        bytecode_cache=_bytecode_cache(),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "xml", "svg"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(  # type: ignore[attr-defined]
        translations or gettext.NullTranslations(), newstyle=True)
    env.filters.update(rich=rich, css_string=css_string, counter_text=counter_text,
                       long_date=long_date, blank=blank, cited=cited, wrap_lines=wrap_lines)
    return env


def wrap_lines(text: str, width: int) -> list[str]:
    """Break ``text`` at spaces into lines of at most ``width`` letters (a long word
    keeps its own line), for text in drawings, which does not wrap by itself."""
    import textwrap

    return textwrap.wrap(str(text), max(1, int(width)), break_long_words=False,
                         break_on_hyphens=False) or [""]


@functools.cache
def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs (checked against each template's source)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "osteo-print", "jinja")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(folder)


def rich(text: str) -> Markup:
    """Escape plain content text, then turn **words** into bold."""
    return Markup(BOLD_RE.sub(r"<strong>\1</strong>", str(escape(text))))


@jinja2.pass_context
def long_date(context: jinja2.runtime.Context, value: dt.date) -> str:
    """Format a date the way the page's language writes it: 'November 1, 2026'."""
    if not isinstance(value, dt.date):
        raise TypeError(f"long_date needs a date, not {value!r}")
    return _long_date(value, context.get("lang", "en"))


@functools.cache
def _long_date(value: dt.date, lang: str) -> str:
    from babel.dates import format_date

    return format_date(value, format="long", locale=lang)


def cited(text: str, number: int | None) -> Markup:
    """Render content text with its source marker, which never starts a line.

    The no-break space sits inside the marker's span: a no-break space or a nowrap
    span joining the last word to the marker makes WeasyPrint 70 break some lines
    after their first word.
    """
    html = rich(text)
    if not number:
        return html
    return Markup(f'{html}<span class="cite">\u00a0[{int(number)}]</span>')


def blank(text: str, label: str = "blank") -> Markup:
    """Escape a fill-in-the-blank stem and draw its ___ as a line to write on."""
    return Markup(str(escape(text)).replace(
        "___", f'<span class="blank" aria-label="{escape(label)}"></span>'))


def css_string(text: str) -> Markup:
    """Quote text as a CSS string literal."""
    out = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return Markup(f'"{out}"')


def counter_text(message: str) -> Markup:
    """Turn 'Page {page} of {pages}' into CSS content with page counters."""
    parts = re.split(r"\{(page|pages)\}", str(message))
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"counter({part})")
        elif part:
            out.append(css_string(part))
    return Markup(" ".join(out))


CITE_RE = re.compile(r'<span class="cite">(?:&nbsp;|\u00a0)\[(\d+)\]</span>')
PART_RES = (re.compile(r"<section\b.*?</section>", re.S), re.compile(r"<aside\b.*?</aside>", re.S))


def cite_once_per_part(html: str) -> str:
    """Keep only the first marker of each source in a section or box (easy-read)."""
    def part(match: re.Match[str]) -> str:
        seen: set[str] = set()

        def marker(cite: re.Match[str]) -> str:
            if cite.group(1) in seen:
                return ""
            seen.add(cite.group(1))
            return cite.group(0)

        return CITE_RE.sub(marker, match.group(0))

    for pattern in PART_RES:
        html = pattern.sub(part, html)
    return html


def render(env: jinja2.Environment, names: Sequence[str], context: Mapping[str, Any]) -> str:
    """Render the first template of ``names`` that exists; raise a located TemplateError."""
    try:
        template = env.select_template(list(names))
        return template.render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = display_path(Path(exc.filename)) if exc.filename else (exc.name or "?")
        raise TemplateError("A template has a syntax error.",
                            [Problem(where, exc.lineno, "", exc.message or str(exc))]) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError("A template is missing.",
                            [Problem(str(exc.name), None, "", "template not found")]) from None
    except jinja2.TemplateError as exc:
        where, line = _template_frame(exc.__traceback__)
        raise TemplateError("A template could not be rendered.",
                            [Problem(where, line, "", str(exc))]) from None
    except RecursionError:
        raise TemplateError("A template extends or includes itself.", [Problem(
            "templates", None, "", 'an override that replaces a template must extend it as '
            '"builtin/NAME", not "NAME"')]) from None
    except UnicodeDecodeError as exc:
        raise TemplateError("A template is not UTF-8 text.",
                            [Problem("templates", None, "", str(exc))]) from None
    except Exception as exc:  # a filter or expression failed: still name the template line
        where, line = _template_frame(exc.__traceback__)
        raise TemplateError("A template could not be rendered.", [Problem(
            where, line, "", f"{type(exc).__name__}: {exc}")]) from None


def _template_frame(tb: TracebackType | None) -> tuple[str, int | None]:
    """Find the innermost traceback frame that Jinja mapped to a template line."""
    where, line = "template", None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".css", ".svg", ".txt")):
            where, line = display_path(Path(filename)), tb.tb_lineno
        tb = tb.tb_next
    return where, line
