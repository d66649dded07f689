"""Jinja environment: a sandbox, ordered template folders, autoescape, StrictUndefined, i18n.

Templates are looked up in the folders given (a clinic's overrides first), then in
the built-in templates. The built-in ones are also reachable as ``builtin/<name>``,
so an override can extend the very template it replaces::

    {% extends "builtin/handout.html" %}

Every template, built-in or a clinic's, runs in Jinja's immutable sandbox: it can use
the page's data and call the filters, but never reach Python's internals (a template
pack shared between clinics cannot run a command). A template file is read only when
its real path (symbolic links followed) lies inside the template folders given.
Translated words are escaped like any other text: a catalog cannot insert HTML.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import gettext
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
import jinja2.sandbox
from jinja2.loaders import split_template_path
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from osteo_print.errors import OsteoPrintError, Problem, TemplateError, display_path
from osteo_print.paths import BUILTIN_TEMPLATES
from osteo_print.safefile import real_roots

BUILTIN_PREFIX = "builtin"
BOLD_RE = re.compile(r"\*\*(.+?)\*\*")
MAX_TEMPLATE_BYTES = 2_000_000  # the built-in templates are a few kB each
# Compiled templates depend on how the environment compiles them (the sandbox routes
# every call through its checks): bump this when make_env's settings change.
COMPILE_TAG = f"osteo-print-sandbox-1|jinja2-{jinja2.__version__}"


def make_env(folders: Sequence[Path] = (),
             translations: gettext.NullTranslations | None = None) -> jinja2.Environment:
    """Build the (sandboxed) environment that renders every page."""
    roots = real_roots((*folders, BUILTIN_TEMPLATES))
    builtin = FolderLoader(BUILTIN_TEMPLATES, roots)
    loader = jinja2.ChoiceLoader([
        *(FolderLoader(f, roots) for f in folders),
        jinja2.PrefixLoader({BUILTIN_PREFIX: builtin}),
        builtin,
    ])
    env = Sandbox(
        loader=loader,
        bytecode_cache=_bytecode_cache(_cache_folder()),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "xml", "svg"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    install_translations(env, translations or gettext.NullTranslations())
    env.filters.update(rich=rich, css_string=css_string, counter_text=counter_text,
                       long_date=long_date, blank=blank, cited=cited, wrap_lines=wrap_lines)
    for name in ("center", "indent"):
        env.filters[name] = _capped(name, env.filters[name])
    env.filters["format"] = _checked_format(env.filters["format"])
    return env


MAX_RESULT = 1_000_000  # items or characters one template expression may make


# %-formats and {}-formats whose width or precision is over MAX_WIDTH (or given by *).
PERCENT_WIDTH_RE = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
BRACE_WIDTH_RE = re.compile(r"\{[^{}]*:[^{}]*?(\d{6,})")  # 100000 or more
NESTED_FIELD_RE = re.compile(r"\{[^{}]*:[^{}]*\{")  # "{:>{}}": the width from a value
PADDING_METHODS = frozenset(["ljust", "rjust", "center", "zfill", "expandtabs"])


class Sandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, which also refuses expressions that would eat memory.

    The sandbox keeps templates away from Python's internals and caps ``range``; this
    also caps ``'a' * 10**10``, ``10 ** 10 ** 8``, format widths (``"%200000000d" % 1``,
    ``"{:>200000000}".format(x)``), padding (``ljust``, ``center``, ``indent``...) and
    ``lipsum``, and the size of all a template writes (``concat``), so a shared template
    pack cannot stall or exhaust a build.
    """

    intercepted_binops = frozenset(["*", "**", "%"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.concat = _capped_concat  # type: ignore[method-assign]
        self.globals["lipsum"] = _capped_lipsum

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any,
                   right: Any) -> Any:
        if operator == "**":
            if isinstance(right, int) and isinstance(left, int) \
                    and right * abs(left).bit_length() > 100_000:
                raise jinja2.sandbox.SecurityError(
                    f"{left} ** {right} is too large a number for a template")
        elif operator == "*":
            for count, thing in ((left, right), (right, left)):
                if isinstance(count, int) and isinstance(thing, str | list | tuple) \
                        and count * len(thing) > MAX_RESULT:
                    raise jinja2.sandbox.SecurityError(
                        "repeating text or a list this many times would make a page too "
                        "large")
        elif operator == "%" and isinstance(left, str):
            check_format(left)
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None and isinstance(value.__self__, str) and (
                BRACE_WIDTH_RE.search(value.__self__) or NESTED_FIELD_RE.search(value.__self__)):
            text = value.__self__

            def refuse(*args: Any, **kwargs: Any) -> str:
                raise jinja2.sandbox.SecurityError(
                    f"a format width over {MAX_WIDTH}, or taken from the values, in "
                    f"{text[:40]!r}")
            return refuse
        return wrapped

    def call(__self, __context: jinja2.runtime.Context, __obj: Any,  # noqa: N805
             *args: Any, **kwargs: Any) -> Any:
        if isinstance(getattr(__obj, "__self__", None), str) \
                and getattr(__obj, "__name__", "") in PADDING_METHODS \
                and any(isinstance(a, int) and a > MAX_WIDTH for a in args):
            raise jinja2.sandbox.SecurityError(
                f"{__obj.__name__}() wider than {MAX_WIDTH} characters")
        return super().call(__context, __obj, *args, **kwargs)


MAX_WIDTH = 100_000  # characters of padding or format width; a page line is under 100
MAX_OUTPUT = 20_000_000  # characters one template (or block, macro, set) may write


def check_format(text: str) -> None:
    """Refuse a %-format whose width or precision is huge or taken from the values."""
    for match in PERCENT_WIDTH_RE.finditer(text):
        for size in match.groups():
            if size == "*" or (size and int(size) > MAX_WIDTH):
                raise jinja2.sandbox.SecurityError(
                    f"a format width over {MAX_WIDTH} in {match.group(0)[:40]!r}")


def _capped_concat(parts: Any) -> str:
    """Join what a template writes, refusing more than MAX_OUTPUT characters."""
    out: list[str] = []
    size = 0
    for part in parts:
        size += len(part)
        if size > MAX_OUTPUT:
            raise jinja2.sandbox.SecurityError(
                f"the template writes more than {MAX_OUTPUT // 1_000_000} million characters")
        out.append(part)
    return "".join(out)


def _capped_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    """Jinja's placeholder text, at most a few pages of it."""
    from jinja2.utils import generate_lorem_ipsum

    if n > 50 or max > 1000 or min > max:
        raise jinja2.sandbox.SecurityError("lipsum() asks for more text than a page holds")
    return generate_lorem_ipsum(n, html, min, max)


def _capped(name: str, filter_: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose width argument may not exceed MAX_RESULT."""
    @functools.wraps(filter_)
    def capped(value: Any, width: Any = 80, *args: Any, **kwargs: Any) -> Any:
        if isinstance(width, int) and width > MAX_WIDTH:
            raise jinja2.sandbox.SecurityError(f"{name}({width}) is too wide for a template")
        return filter_(value, width, *args, **kwargs)
    return capped


def _checked_format(filter_: Callable[..., Any]) -> Callable[..., Any]:
    """Jinja's ``format`` filter (a %-format), with the widths checked first."""
    @functools.wraps(filter_)
    def checked(value: Any, *args: Any, **kwargs: Any) -> Any:
        check_format(str(value))
        return filter_(value, *args, **kwargs)
    return checked


def install_translations(env: jinja2.Environment,
                         translations: gettext.NullTranslations) -> None:
    """New-style gettext whose translated words are escaped where the page escapes.

    Jinja's own new-style gettext trusts a translation as markup; here a ``msgstr`` is
    text like any other: escaped in an HTML template (placeholders are filled after,
    so a ``%(mark)s`` that is markup stays markup), left as is in a CSS one (where
    ``css_string`` quotes it). A message that was not translated is the template's own
    words, and stays as the template wrote it.
    """
    def text(eval_ctx: EvalContext, translated: str, *sources: str) -> str:
        if eval_ctx.autoescape and translated not in sources:
            return escape(translated)
        return translated

    @jinja2.pass_eval_context
    def gettext_(eval_ctx: EvalContext, message: str) -> str:
        return text(eval_ctx, translations.gettext(message), message)

    @jinja2.pass_eval_context
    def ngettext_(eval_ctx: EvalContext, singular: str, plural: str, n: int) -> str:
        return text(eval_ctx, translations.ngettext(singular, plural, n), singular, plural)

    @jinja2.pass_eval_context
    def pgettext_(eval_ctx: EvalContext, context: str, message: str) -> str:
        return text(eval_ctx, translations.pgettext(context, message), message)

    @jinja2.pass_eval_context
    def npgettext_(eval_ctx: EvalContext, context: str, singular: str, plural: str,
                   n: int) -> str:
        return text(eval_ctx, translations.npgettext(context, singular, plural, n),
                    singular, plural)

    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext_, ngettext_, newstyle=True, pgettext=pgettext_, npgettext=npgettext_)


class FolderLoader(jinja2.BaseLoader):
    """The templates of one folder, each read only if its real path is inside ``roots``.

    A symbolic link (to a file or a folder) that stays inside the template folders is
    followed; one that leads outside them, a loop of links or a link to nothing stops
    the build with a located error, and a template that is no plain file (a pipe, a
    device) is refused before it is read.
    """

    def __init__(self, folder: Path, roots: tuple[Path, ...]) -> None:
        self.folder = os.path.abspath(folder)
        self.roots = roots

    def get_source(self, environment: jinja2.Environment, template: str
                   ) -> tuple[str, str, Callable[[], bool]]:
        path = os.path.normpath(os.path.join(self.folder, *split_template_path(template)))
        try:
            os.lstat(path)
        except OSError as exc:
            if exc.errno != errno.ELOOP:  # not here (or under a file): the next folder
                raise jinja2.TemplateNotFound(template) from None
        if problem := link_problem(Path(path), self.roots, "the template folders"):
            raise TemplateError(f'The template "{template}" cannot be used.', [problem])
        try:
            mode = os.stat(path).st_mode
        except OSError:
            mode = 0
        if stat.S_ISDIR(mode):
            raise jinja2.TemplateNotFound(template)
        from osteo_print.safefile import InputFileError, read_input

        try:
            raw = read_input(Path(path), MAX_TEMPLATE_BYTES, self.roots, "the template folders")
        except InputFileError as exc:
            raise TemplateError(f'The template "{template}" cannot be read.',
                                [exc.problem]) from None
        try:
            source = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TemplateError("A template is not UTF-8 text.", [Problem(
                shown_path(Path(path)), None, "",
                f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8")]) from None
        mtime = os.stat(path).st_mtime_ns

        def uptodate() -> bool:
            try:
                return os.stat(path).st_mtime_ns == mtime
            except OSError:
                return False

        return source, path, uptodate


def shown_path(path: Path) -> str:
    """A path for a message, its last part as written (a link is named, not its target)."""
    return os.path.join(display_path(path.parent), path.name)


def link_problem(path: Path, roots: Sequence[Path], shown_roots: str) -> Problem | None:
    """The problem with a file reached through symbolic links, or None.

    ``roots`` are real paths. Names the link at fault: one that leads outside ``roots``,
    one in a loop of links, or one whose target does not exist.
    """
    absolute = Path(os.path.abspath(path))
    try:
        real = Path(os.path.realpath(absolute, strict=True))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            link = _first_link(absolute, lambda _real: False) or absolute
            return Problem(shown_path(link), None, "", (
                "is a link in a loop of links (it leads back to itself); point it at a "
                "real file"))
        if os.path.islink(absolute):
            return Problem(shown_path(absolute), None, "", (
                f"is a link to {os.readlink(absolute)}, which does not exist"))
        return None
    if _inside(real, roots):
        return None
    link = _first_link(absolute, lambda target: not _inside(target, roots)) or absolute
    return Problem(shown_path(link), None, "", (
        f"is a link pointing outside the project (to {os.path.realpath(link)}); "
        f"only files inside {shown_roots} are used: copy the file in instead of "
        "linking to it"))


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _first_link(path: Path, leaves: Callable[[Path], bool]) -> Path | None:
    """The first symbolic link on the way to ``path`` whose real target ``leaves``
    (or that cannot be resolved)."""
    for candidate in (*reversed(path.parents), path):
        if not candidate.is_symlink():
            continue
        try:
            target = Path(os.path.realpath(candidate, strict=True))
        except OSError:
            return candidate
        if leaves(target):
            return candidate
    return None


@jinja2.pass_context
def _finalize(context: jinja2.runtime.Context, value: Any) -> Any:
    """In a CSS template, no text may close the <style> element it is printed in."""
    if isinstance(value, str) and not isinstance(value, Markup) \
            and (context.name or "").endswith(".css") and not context.eval_ctx.autoescape:
        return value.translate(_CSS_RAW)
    return value


_CSS_RAW = {ord("<"): "\\3c ", ord(">"): "\\3e "}


def wrap_lines(text: str, width: int) -> list[str]:
    """Break ``text`` at spaces into lines of at most ``width`` letters (a long word
    keeps its own line), for text in drawings, which does not wrap by itself."""
    import textwrap

    return textwrap.wrap(str(text), max(1, int(width)), break_long_words=False,
                         break_on_hyphens=False) or [""]


def _cache_folder() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "osteo-print", "jinja")


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates, each checked against its source (Jinja does) and kept apart
    by how they were compiled: code compiled outside the sandbox is never loaded."""

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return super().get_cache_key(f"{COMPILE_TAG}|{name}", filename)


@functools.cache
def _bytecode_cache(folder: str) -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs, in ``folder`` (made if need be)."""
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return None
    return _BytecodeCache(folder)


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
    """Quote text as a CSS string literal that is safe inside an HTML <style> element.

    Every character that could end the string, the element or an attribute (quotes,
    ``\\``, ``<``, ``>``, ``&``), and every one that is not printable (line breaks,
    controls, unusual spaces), is written as a CSS hex escape such as ``\\3c ``; the
    reader sees the very same text.
    """
    text = str(text)
    if text.isprintable() and _CSS_SPECIAL.isdisjoint(text):  # most text, and data: URLs
        return Markup('"' + text + '"')
    return Markup('"' + "".join(_css_char(c) for c in text) + '"')


_CSS_SPECIAL = frozenset('"\'\\<>&')


def _css_char(char: str) -> str:
    if char in _CSS_SPECIAL or not char.isprintable():
        return f"\\{ord(char):x} "
    return char


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


RENDER_SECONDS = 60.0  # a page's template takes milliseconds; a loop without end, forever


class TooLong(jinja2.sandbox.SecurityError):
    """A template ran longer than RENDER_SECONDS."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Stop a template that runs too long (a loop of loops), where a timer signal can:
    in a process's main thread, on a system with SIGALRM."""
    import signal
    import threading

    if not hasattr(signal, "setitimer") or threading.current_thread() is not \
            threading.main_thread() or signal.getitimer(signal.ITIMER_REAL)[0]:
        yield  # no timer here, or someone else's is running: leave it alone
        return

    def stop(signum: int, frame: Any) -> None:
        raise TooLong(f"the template ran for more than {seconds:g} seconds (a loop "
                      "without end, or loops inside loops)")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def render(env: jinja2.Environment, names: Sequence[str], context: Mapping[str, Any]) -> str:
    """Render the first template of ``names`` that exists; raise a located TemplateError."""
    template = None
    try:
        template = env.select_template(list(names))
        with _time_limit(RENDER_SECONDS):
            return template.render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = display_path(Path(exc.filename)) if exc.filename else (exc.name or "?")
        raise TemplateError("A template has a syntax error.",
                            [Problem(where, exc.lineno, "", exc.message or str(exc))]) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError("A template is missing.",
                            [Problem(str(exc.name), None, "", "template not found")]) from None
    except jinja2.sandbox.SecurityError as exc:
        where, line = _template_frame(exc.__traceback__)
        if where == "template" and template is not None and template.filename:
            where = shown_path(Path(template.filename))  # too much written in all
        raise TemplateError("A template tried something templates may not do.", [Problem(
            where, line, "", f"{exc} (templates run in a sandbox: they may use the "
            "page's data and filters, not Python's internals)")]) from None
    except OsteoPrintError:
        raise
    except jinja2.TemplateError as exc:
        where, line = _template_frame(exc.__traceback__)
        raise TemplateError("A template could not be rendered.",
                            [Problem(where, line, "", str(exc))]) from None
    except RecursionError as exc:
        where, line = _template_frame(exc.__traceback__)
        raise TemplateError("A template calls itself without end.", [Problem(
            where, line, "", "a macro that calls itself, or a template that includes or "
            'extends itself (an override that replaces a template must extend it as '
            '"builtin/NAME", not "NAME")')]) from None
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
