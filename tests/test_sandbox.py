"""Templates and text cannot escape: the sandbox, CSS strings, escaped translations,
template links that stay inside the template folders, and catalogs keyed by content."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jinja2
import pytest
from click.testing import CliRunner
from markupsafe import Markup
from pypdf import PdfReader

from conftest import pdf_text, write_tiny_content
from osteo_print import i18n
from osteo_print.build import BuildResult, build
from osteo_print.cli import cli
from osteo_print.errors import ContentError, TemplateError
from osteo_print.i18n import translations
from osteo_print.options import BuildOptions
from osteo_print.templating import css_string, make_env, render

PO_HEAD = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def po(messages: dict[str, str], plurals: dict[tuple[str, str], tuple[str, str]] | None = None
       ) -> str:
    """A PO catalog of ``messages`` (msgid -> msgstr) and ``plurals``."""
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return PO_HEAD + "".join(f"msgid {quoted(k)}\nmsgstr {quoted(v)}\n\n"
                             for k, v in messages.items()) + "".join(
        f"msgid {quoted(one)}\nmsgid_plural {quoted(many)}\nmsgstr[0] {quoted(s1)}\n"
        f"msgstr[1] {quoted(s2)}\n\n" for (one, many), (s1, s2) in (plurals or {}).items())


def one_build(config: Path, out: Path, lang: str = "en") -> BuildResult:
    """Build the stages handout of the tiny content (conftest) alone, kept next to the
    project (one audience, one language, one paper): templates and catalogs are what
    these tests are about."""
    content = config.parent / "tiny-content"
    if not content.is_dir():
        write_tiny_content(content)
    return build(BuildOptions(config_path=config, content_dir=content, out_dir=out,
                              documents=("stages",), html=True, audiences=("general",),
                              langs=(lang,), papers=("letter",), quizzes=(), jobs=1,
                              force=True))


def style_count_is_whole(html: str) -> None:
    """Every <style> element closes where it should: one for the page's style sheet,
    one more if copyfitting added its own."""
    expected = 2 if "osteo-print copyfitting" in html else 1
    assert html.count("<style") == expected, html.count("<style")
    assert html.count("</style>") == expected


# --------------------------------------------------------------------------- sandbox
ATTACKS = [
    "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ self.__init__.__globals__.__builtins__.open('MARKER', 'w') }}",
    "{{ lipsum.__globals__['os'].popen('touch MARKER') }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ range.__subclasses__() }}",
    "{% set items = [1] %}{{ items.append(2) }}",
    "{% set d = {} %}{{ d.update(a=1) }}",
    "{{ '{0.__init__.__globals__}'.format(cycler) }}",
    "{{ joiner.__init__.__globals__ }}",
    # expressions that would stall the build or exhaust its memory
    "{{ 'a' * 10**10 }}",
    "{{ [1] * 10**9 }}",
    "{{ 10 ** 10000000 }}",
    "{{ ''|center(10**9) }}",
    "{{ 'x'|indent(10**9, true) }}",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_template_cannot_reach_python(tmp_path: Path, attack: str) -> None:
    marker = tmp_path / "MARKER"
    (tmp_path / "handout.html").write_text(
        "<p>first line</p>\n" + attack.replace("MARKER", str(marker)) + "\n", "utf-8")
    with pytest.raises(TemplateError) as info:
        render(make_env([tmp_path]), ["handout.html"], {})
    [problem] = info.value.problems
    assert problem.file.endswith("handout.html") and problem.line == 2
    assert not marker.exists()


def test_a_project_template_that_runs_a_command_stops_the_build(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "handout.html").write_text(
        '{% extends "builtin/handout.html" %}\n{% block masthead %}\n'
        "{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}\n"
        "{% endblock %}\n", "utf-8")
    (tmp_path / "osteo-print.toml").write_text("", "utf-8")
    result = CliRunner().invoke(cli, [
        "build", "stages", "--config", str(tmp_path / "osteo-print.toml"), "--content",
        str(write_tiny_content(tmp_path / "content")), "--out", str(tmp_path / "out"),
        "--jobs", "1"])
    assert result.exit_code == 2, result.output
    assert re.search(r"templates/handout\.html:3: access to attribute '__init__'",
                     result.stderr), result.stderr
    assert "sandbox" in result.stderr and "Traceback" not in result.stderr
    assert not marker.exists()
    assert not list((tmp_path / "out").glob("*.pdf")) if (tmp_path / "out").exists() else True


def test_stale_compiled_templates_never_skip_the_sandbox(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A template compiled outside the sandbox (an older osteo-print, another program
    sharing the cache folder) is never loaded: the sandbox's checks are compiled in."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "page.html").write_text("{{ thing.wipe() }}\n", "utf-8")

    class Thing:
        wiped = False

        def wipe(self) -> str:
            Thing.wiped = True
            return "wiped"

        wipe.alters_data = True  # type: ignore[attr-defined]  # the sandbox never calls it

    cache = tmp_path / "cache" / "osteo-print" / "jinja"
    cache.mkdir(parents=True)
    plain = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)),
                               bytecode_cache=jinja2.FileSystemBytecodeCache(str(cache)),
                               extensions=["jinja2.ext.i18n"], trim_blocks=True,
                               lstrip_blocks=True, keep_trailing_newline=True)
    assert plain.get_template("page.html").render(thing=Thing()) == "wiped\n"
    Thing.wiped = False
    assert list(cache.iterdir())  # the unsandboxed code is in the cache folder
    with pytest.raises(TemplateError) as info:
        render(make_env([folder]), ["page.html"], {"thing": Thing()})
    assert "page.html" in info.value.problems[0].file
    assert not Thing.wiped


def test_overrides_blocks_includes_macros_and_audience_templates_still_work(
        tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    (templates / "parts").mkdir(parents=True)
    (templates / "handout.html").write_text(
        '{% extends "builtin/handout.html" %}\n'
        '{% from "parts/macros.html" import stamp %}\n'
        '{% block masthead %}{{ super() }}{% include "parts/note.html" %}'
        '{{ stamp(doc.title) }}{% endblock %}\n', "utf-8")
    (templates / "parts" / "note.html").write_text(
        '<p class="ours">{{ _("Key points") }} · {{ doc.blocks | length }} blocks · '
        '{{ {"a": 1}.items() | list | length }} · {{ sources | map(attribute="number") '
        '| join(",") }}</p>\n', "utf-8")
    (templates / "parts" / "macros.html").write_text(
        '{% macro stamp(text) %}<p class="stamp">{{ text | upper }}</p>{% endmacro %}\n',
        "utf-8")
    audience = tmp_path / "audiences" / "front-desk"
    (audience / "blocks").mkdir(parents=True)
    (audience / "audience.toml").write_text('extends = "general"\nlabel = "Front desk"\n',
                                            "utf-8")
    (audience / "blocks" / "ask.html").write_text(
        '<div class="desk">{% include "builtin/blocks/ask.html" %}</div>\n', "utf-8")
    (tmp_path / "osteo-print.toml").write_text("", "utf-8")
    result = build(BuildOptions(
        config_path=tmp_path / "osteo-print.toml", out_dir=tmp_path / "out",
        content_dir=write_tiny_content(tmp_path / "content"), documents=("stages",),
        html=True, audiences=("front-desk",), langs=("es",), papers=("letter",), quizzes=(),
        jobs=1))
    assert result.rendered
    html = (tmp_path / "out" / "stages_front-desk_es_letter.html").read_text("utf-8")
    assert re.search(r'<p class="ours">Puntos clave · \d+ blocks · 1 · 1(,\d+)*</p>', html)
    assert '<p class="stamp">' in html
    assert re.search(r'<div class="desk">\s*<aside class="box questions"', html)


def test_every_builtin_template_renders_in_the_sandbox(tiny_config: Path,
                                                      tmp_path: Path) -> None:
    """A handout, a quiz, its answer key, a class set and a class packet (of the tiny
    content: the shared build renders every handout of the built-in one)."""
    out = tmp_path / "out"
    common = ["--config", str(tiny_config), "--out", str(out), "--jobs", "1", "--html"]
    runner = CliRunner()
    built = runner.invoke(cli, ["quiz", "--handout", "stages", "--class-size", "2",
                                *common])
    assert built.exit_code == 0, built.output
    packet = runner.invoke(cli, ["packet", "stages", *common])
    assert packet.exit_code == 0, packet.output
    names = {p.name for p in out.iterdir()}
    for prefix in ("quiz-stages_", "quiz-stages-key_", "quiz-stages-class_",
                   "quiz-stages-class-key_", "packet_"):
        assert any(n.startswith(prefix) and n.endswith(".pdf") for n in names), (prefix, names)
    packet_html = next(out.glob("packet_*.html")).read_text("utf-8")
    assert "Sign-in sheet" in packet_html and 'id="part-stages' in packet_html


# ---------------------------------------------------------------------- CSS strings
def test_css_string_escapes_everything_that_could_leave_the_string() -> None:
    out = css_string('a"b\'c\\d<e>f&g\nh\ti\u2028j\x00k · Ñ')
    assert out == ('"a\\22 b\\27 c\\5c d\\3c e\\3e f\\26 g\\a h\\9 i\\2028 j\\0 k · Ñ"')
    assert isinstance(out, Markup)
    assert css_string("</style><h1>X</h1><style>") == \
        '"\\3c /style\\3e \\3c h1\\3e X\\3c /h1\\3e \\3c style\\3e "'


def test_text_printed_raw_in_a_css_template_cannot_close_the_style(tmp_path: Path) -> None:
    """A clinic's own CSS template that forgets css_string still cannot break out."""
    (tmp_path / "page.html").write_text(
        '<style>\n{% include "extra.css" %}\n</style>\n<p>{{ phone }}</p>\n', "utf-8")
    (tmp_path / "extra.css").write_text('.x::after { content: "{{ phone }}"; }\n', "utf-8")
    html = render(make_env([tmp_path]), ["page.html"], {"phone": "</style><h1>X</h1>"})
    assert html.count("</style>") == 1 and "<h1>" not in html
    assert '"\\3c /style\\3e \\3c h1\\3e X\\3c /h1\\3e "' in html


HOSTILE_CONFIG = """[clinic]
name = 'Riverside "Bone" \\ Clinic </style><b>N'
phone = "</style><h1>X</h1><style>"
address = "12 River Rd </style><i>A</i>"
website = "riverside.example/</style>"

[defaults]
languages = ["es"]
"""
HOSTILE_MESSAGES = {
    "Questions? Talk to your care team": "<b>Q</b><script>alert(1)</script>",
    "Call": "Llame </style><em>C</em>",
    "Page {page} of {pages}": "</style><h2>P</h2> {page}/{pages}",
    "Key points": "Puntos & <clave>",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Spanish handout of a project whose clinic fields and catalog hold markup."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "templates" / "locales").mkdir(parents=True)
    (folder / "templates" / "locales" / "es.po").write_text(po(HOSTILE_MESSAGES), "utf-8")
    (folder / "osteo-print.toml").write_text(HOSTILE_CONFIG, "utf-8")
    one_build(folder / "osteo-print.toml", folder / "out", "es")
    return folder / "out"


def test_clinic_text_cannot_close_the_inline_style_sheet(hostile: Path) -> None:
    html = (hostile / "stages_general_es_letter.html").read_text("utf-8")
    style_count_is_whole(html)
    assert "<h1>X</h1>" not in html and "<b>N" not in html and "<i>A</i>" not in html
    assert "&lt;/style&gt;&lt;h1&gt;X&lt;/h1&gt;" in html  # the phone in the page's text
    assert '"Riverside \\22 Bone\\22  \\5c  Clinic \\3c /style\\3e \\3c b\\3e N' in html


def test_the_pdf_shows_the_clinic_phone_literally(hostile: Path) -> None:
    text = pdf_text(hostile / "stages_general_es_letter.pdf")
    header = ('Riverside "Bone" \\ Clinic </style><b>N · Llame </style><em>C</em> '
              "</style><h1>X</h1><style>")  # the page header, drawn from the style sheet
    pages = len(PdfReader(hostile / "stages_general_es_letter.pdf").pages)
    assert text.count(header) == pages, text  # on every page


def test_a_catalog_cannot_insert_html(hostile: Path) -> None:
    html = (hostile / "stages_general_es_letter.html").read_text("utf-8")
    assert "<script>" not in html and "<b>Q</b>" not in html and "<clave>" not in html
    assert "&lt;b&gt;Q&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Puntos &amp; &lt;clave&gt;" in html
    text = pdf_text(hostile / "stages_general_es_letter.pdf")
    assert "<b>Q</b><script>alert(1)</script>" in text and "Puntos & <clave>" in text


def test_a_catalog_cannot_close_the_style_sheet_from_a_footer(hostile: Path) -> None:
    html = (hostile / "stages_general_es_letter.html").read_text("utf-8")
    style_count_is_whole(html)
    assert "<h2>P</h2>" not in html and "<em>C</em>" not in html
    assert '"\\3c /style\\3e \\3c h2\\3e P\\3c /h2\\3e  " counter(page) "/" counter(pages)' \
        in html
    assert "</style><h2>P</h2> 1/" in pdf_text(hostile / "stages_general_es_letter.pdf")


def catalog_env(tmp_path: Path, messages: dict[str, str],
                plurals: dict[tuple[str, str], tuple[str, str]] | None = None,
                **templates: str) -> jinja2.Environment:
    (tmp_path / "locales").mkdir(exist_ok=True)
    (tmp_path / "locales" / "xx.po").write_text(po(messages, plurals), "utf-8")
    for name, text in templates.items():
        (tmp_path / name.replace("_", ".")).write_text(text, "utf-8")
    return make_env([tmp_path], translations("xx", (tmp_path / "locales",)))


def test_translations_are_escaped_in_every_form(tmp_path: Path) -> None:
    env = catalog_env(tmp_path, {
        "Hello": "<b>Hola</b>",
        "Use %(mark)s": "<i>Use</i> %(mark)s",
        "Block %(who)s": "<u>Bloque</u> %(who)s",
    }, {("%(num)s point", "%(num)s points"): ("<s>%(num)s punto</s>", "%(num)s puntos")},
        page_html=(
        '{{ _("Hello") }}|{{ gettext("Hello") }}|'
        '{{ _("Use %(mark)s", mark=("<strong>"|safe) ~ word ~ ("</strong>"|safe)) }}|'
        '{% trans who="<x>" %}Block {{ who }}{% endtrans %}|'
        '{{ ngettext("%(num)s point", "%(num)s points", 1) }}|'
        '{{ _("Not translated: \\"quoted\\" <em>kept</em>") }}\n'))
    html = render(env, ["page.html"], {"word": "A&B"})
    assert html == (
        "&lt;b&gt;Hola&lt;/b&gt;|&lt;b&gt;Hola&lt;/b&gt;|"
        "&lt;i&gt;Use&lt;/i&gt; <strong>A&amp;B</strong>|"
        "&lt;u&gt;Bloque&lt;/u&gt; &lt;x&gt;|"
        "&lt;s&gt;1 punto&lt;/s&gt;|"
        'Not translated: "quoted" <em>kept</em>\n')


def test_translations_in_css_are_css_strings_not_html(tmp_path: Path) -> None:
    env = catalog_env(tmp_path, {"Call": 'Llame "ya" </style>'},
                      page_html='<style>{% include "x.css" %}</style>\n',
                      x_css='a::after { content: {{ _("Call") | css_string }}; }')
    assert render(env, ["page.html"], {}) == (
        '<style>a::after { content: "Llame \\22 ya\\22  \\3c /style\\3e "; }</style>\n')


def test_class_set_words_are_plain_text_not_html(tmp_path: Path) -> None:
    """The class set's titles and stamps become PDF bookmarks: escaped text would show
    its &amp; there."""
    env = catalog_env(tmp_path, {
        "Class set: %(count)s quiz sheets": "Clase & grupo: %(count)s hojas",
        "Sheet %(number)s of %(total)s": "Hoja %(number)s <de> %(total)s"})
    words = json.loads(render(env, ["class-set.html"],
                              {"size": 2, "letters": ["A", "B"], "labels_only": True}))
    assert words["title"] == "Clase & grupo: 2 hojas"
    assert words["stamps"] == ["Hoja 1 <de> 2", "Hoja 2 <de> 2"]


# ----------------------------------------------------------------------------- links
def linked_templates(tmp_path: Path) -> tuple[Path, Path]:
    """A template folder and, outside it, a secret file and folder."""
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.txt").write_text("TOP SECRET\n", "utf-8")
    (outside / "folder" / "secret.html").write_text("TOP SECRET\n", "utf-8")
    templates = tmp_path / "project" / "templates"
    templates.mkdir(parents=True)
    return templates, outside


def test_a_file_link_out_of_the_templates_is_refused(tmp_path: Path) -> None:
    templates, outside = linked_templates(tmp_path)
    (templates / "secret.html").symlink_to(outside / "secret.txt")
    (templates / "page.html").write_text('{% include "secret.html" %}\n', "utf-8")
    with pytest.raises(TemplateError) as info:
        render(make_env([templates]), ["page.html"], {})
    [problem] = info.value.problems
    assert 'template "secret.html"' in info.value.message
    assert problem.file.endswith("templates/secret.html")
    assert "is a link pointing outside the project" in problem.message
    assert str(outside / "secret.txt") in problem.message
    assert "TOP SECRET" not in str(info.value.lines())


def test_a_folder_link_out_of_the_templates_is_refused(tmp_path: Path) -> None:
    templates, outside = linked_templates(tmp_path)
    (templates / "shared").symlink_to(outside / "folder", target_is_directory=True)
    (templates / "page.html").write_text('{% include "shared/secret.html" %}\n', "utf-8")
    with pytest.raises(TemplateError) as info:
        render(make_env([templates]), ["page.html"], {})
    [problem] = info.value.problems
    assert problem.file.endswith("templates/shared")
    assert "is a link pointing outside the project" in problem.message


def test_a_link_out_of_the_templates_stops_the_build(tmp_path: Path) -> None:
    templates, outside = linked_templates(tmp_path)
    (templates / "masthead.html").symlink_to(outside / "secret.txt")
    config = tmp_path / "project" / "osteo-print.toml"
    config.write_text("", "utf-8")
    result = CliRunner().invoke(cli, ["build", "stages", "--config", str(config), "--out",
                                      str(tmp_path / "out"), "--jobs", "1", "--html"])
    assert result.exit_code == 2, result.output
    assert "masthead.html: is a link pointing outside the project" in result.stderr
    assert "TOP SECRET" not in result.output + result.stderr
    assert not any((tmp_path / "out").glob("*.html")) if (tmp_path / "out").exists() \
        else True


def test_links_that_stay_inside_the_templates_are_followed(tmp_path: Path) -> None:
    templates, _ = linked_templates(tmp_path)
    (templates / "real").mkdir()
    (templates / "real" / "note.html").write_text("<p>{{ word }}</p>\n", "utf-8")
    (templates / "note.html").symlink_to(templates / "real" / "note.html")
    (templates / "alias").symlink_to("real", target_is_directory=True)
    (templates / "page.html").write_text(
        '{% include "note.html" %}{% include "alias/note.html" %}', "utf-8")
    assert render(make_env([templates]), ["page.html"], {"word": "<hi>"}) == \
        "<p>&lt;hi&gt;</p>\n<p>&lt;hi&gt;</p>\n"


def test_a_templates_folder_that_is_itself_a_link_is_fine(tmp_path: Path) -> None:
    """A clinic may keep its template pack elsewhere and link the folder to it."""
    templates, outside = linked_templates(tmp_path)
    (outside / "pack").mkdir()
    (outside / "pack" / "page.html").write_text("<p>pack</p>\n", "utf-8")
    (templates / "pack").symlink_to(outside / "pack", target_is_directory=True)
    assert render(make_env([templates / "pack"]), ["page.html"], {}) == "<p>pack</p>\n"


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_loop_of_links_is_a_located_error(tmp_path: Path, kind: str) -> None:
    templates, _ = linked_templates(tmp_path)
    (templates / "a").symlink_to(templates / "b")
    (templates / "b").symlink_to(templates / "a")
    name = "a" if kind == "file" else "a/page.html"
    with pytest.raises(TemplateError) as info:
        render(make_env([templates]), [name], {})
    [problem] = info.value.problems
    assert problem.file.endswith(("templates/a", "templates/b"))
    assert "loop of links" in problem.message


def test_a_link_to_nothing_is_a_located_error(tmp_path: Path) -> None:
    templates, _ = linked_templates(tmp_path)
    (templates / "handout.html").symlink_to(tmp_path / "gone.html")
    with pytest.raises(TemplateError) as info:
        render(make_env([templates]), ["handout.html"], {})
    [problem] = info.value.problems
    assert problem.file.endswith("templates/handout.html")
    assert "does not exist" in problem.message


def test_a_pipe_named_like_a_template_is_refused_without_waiting(tmp_path: Path) -> None:
    templates, _ = linked_templates(tmp_path)
    os.mkfifo(templates / "handout.html")
    with pytest.raises(TemplateError) as info:
        render(make_env([templates]), ["handout.html"], {})
    assert "not a regular file" in info.value.problems[0].message


def test_a_catalog_link_out_of_the_templates_is_refused(tmp_path: Path) -> None:
    templates, outside = linked_templates(tmp_path)
    (outside / "xx.po").write_text(po({"Hello": "TOP SECRET"}), "utf-8")
    (templates / "locales").mkdir()
    (templates / "locales" / "xx.po").symlink_to(outside / "xx.po")
    with pytest.raises(ContentError) as info:
        translations("xx", (templates / "locales",))
    [problem] = info.value.problems
    assert problem.file.endswith("locales/xx.po")
    assert "is a link pointing outside the project" in problem.message


def test_a_catalog_link_loop_is_a_located_error(tmp_path: Path) -> None:
    templates, _ = linked_templates(tmp_path)
    (templates / "locales").mkdir()
    (templates / "locales" / "xx.po").symlink_to(templates / "locales" / "xx.po")
    with pytest.raises(ContentError) as info:
        translations("xx", (templates / "locales",))
    assert "loop of links" in info.value.problems[0].message


# ---------------------------------------------------------------------------- caches
def test_an_edited_catalog_takes_effect_in_the_same_process(tmp_path: Path) -> None:
    folder = tmp_path / "locales"
    folder.mkdir()
    (folder / "xx.po").write_text(po({"Hello": "Hola"}), "utf-8")
    first = translations("xx", (folder,))
    assert first.gettext("Hello") == "Hola"
    assert translations("xx", (folder,)) is first  # the same bytes: parsed once
    (folder / "xx.po").write_text(po({"Hello": "Buenas"}), "utf-8")
    assert translations("xx", (folder,)).gettext("Hello") == "Buenas"
    assert len(i18n._CHAINS) <= i18n.CACHED_CHAINS


def test_two_builds_in_one_process_use_the_edited_catalog(tmp_path: Path) -> None:
    locales = tmp_path / "templates" / "locales"
    locales.mkdir(parents=True)
    catalog = locales / "es.po"
    catalog.write_text(po({"Questions? Talk to your care team": "Primera versión"}), "utf-8")
    config = tmp_path / "osteo-print.toml"
    config.write_text("", "utf-8")
    html = tmp_path / "out" / "stages_general_es_letter.html"
    one_build(config, tmp_path / "out", "es")
    assert "Primera versión" in html.read_text("utf-8")
    catalog.write_text(po({"Questions? Talk to your care team": "Segunda versión"}), "utf-8")
    one_build(config, tmp_path / "out", "es")
    text = html.read_text("utf-8")
    assert "Segunda versión" in text and "Primera versión" not in text
    assert "Segunda versión" in pdf_text(tmp_path / "out" / "stages_general_es_letter.pdf")
