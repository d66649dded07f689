"""What an adversarial review found after the engine's integrity work: templates that
exhaust memory or time, catalog percent signs, audience links, and the output folder's
own files (lock, manifest, cache) read or written through pipes, devices and links."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from osteo_print import templating
from osteo_print.audiences import load_audience
from osteo_print.cache import CACHE_NAME, BuildCache
from osteo_print.cli import cli
from osteo_print.errors import ContentError, OutputError, TemplateError
from osteo_print.i18n import translations
from osteo_print.templating import make_env, render
from osteo_print.uptodate import CACHE_LIMIT
from osteo_print.writer import LOCK_NAME, MANIFEST, FileInfo, OutputFile, write_outputs

INFO = FileInfo("handout", "pdf", "stages", "general", "en", "letter", 1)

# ------------------------------------------------------------------ templates
MEMORY = [
    '{{ ("%200000000d" % 1)|length }}',
    '{{ "%200000000s"|format("a") }}',
    '{{ "%*d" % (10**9, 1) }}',
    '{{ "x".ljust(200000000) }}',
    '{{ "x".zfill(200000000) }}',
    '{{ "{:>200000000}".format("a") }}',
    '{{ "{:>{}}".format("a", 10**9) }}',
    '{% for i in range(2000) %}{{ "%90000d" % i }}{% endfor %}',  # 180 million in all
    "{{ lipsum(200000) }}",
]


@pytest.mark.parametrize("attack", MEMORY)
def test_a_template_cannot_make_text_without_bound(tmp_path: Path, attack: str) -> None:
    (tmp_path / "handout.html").write_text(f"<p>x</p>\n{attack}\n", "utf-8")
    with pytest.raises(TemplateError) as info:
        render(make_env([tmp_path]), ["handout.html"], {})
    [problem] = info.value.problems
    assert problem.file.endswith("handout.html"), problem
    # All a template writes is counted as it is joined, after its last line ran.
    assert problem.line == (None if "range(2000)" in attack else 2), problem


def test_ordinary_formatting_still_works(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        '{{ "%5.2f" % 3.14159 }}|{{ "%(a)s" % {"a": 1} }}|{{ "{:>5}".format("a") }}|'
        '{{ "ab".ljust(4) }}|{{ "%d%%"|format(50) }}|{{ lipsum(1, false, 5, 8)|length > 0 }}',
        "utf-8")
    assert render(make_env([tmp_path]), ["page.html"], {}) == " 3.14|1|    a|ab  |50%|True"


def test_a_template_that_runs_too_long_is_stopped_and_located(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(templating, "RENDER_SECONDS", 0.5)
    (tmp_path / "handout.html").write_text(
        "<p>x</p>\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
        "{% endfor %}\n", "utf-8")
    with pytest.raises(TemplateError) as info:
        render(make_env([tmp_path]), ["handout.html"], {})
    [problem] = info.value.problems
    assert problem.file.endswith("handout.html") and problem.line == 2
    assert "ran for more than 0.5 seconds" in problem.message


def test_a_macro_that_calls_itself_is_named_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "handout.html").write_text(
        "<p>x</p>\n{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}\n", "utf-8")
    with pytest.raises(TemplateError, match="calls itself without end") as info:
        render(make_env([tmp_path]), ["handout.html"], {})
    [problem] = info.value.problems
    assert problem.file.endswith("handout.html") and problem.line == 2
    assert "a macro that calls itself" in problem.message


# ------------------------------------------------------------------- catalogs
PO = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
      'msgid "Key points"\nmsgstr "{}"\n\n'
      'msgid "Version %(letter)s"\nmsgstr "{}"\n')


@pytest.mark.parametrize("key_points, version, bad", [
    ("100%", "Versión %(letter)s", "'%'"),
    ("F%300000000s", "Versión %(letter)s", "'%3'"),
    ("Puntos", "Versión %(letra)s", "'%(letra)s'"),
])
def test_a_translation_the_page_cannot_print_is_named_in_its_catalog(
        tmp_path: Path, key_points: str, version: str, bad: str) -> None:
    (tmp_path / "locales").mkdir()
    catalog = tmp_path / "locales" / "es.po"
    catalog.write_text(PO.replace("{}", key_points, 1).replace("{}", version, 1), "utf-8")
    with pytest.raises(ContentError, match="cannot be printed") as info:
        translations("es", (tmp_path / "locales",))
    [problem] = info.value.problems
    assert problem.file == str(catalog) and problem.line in (5, 8)
    assert bad in problem.message and "write a percent sign as %%" in problem.message


def test_percent_signs_written_as_the_catalog_format_wants_are_printed(tmp_path: Path) -> None:
    (tmp_path / "locales").mkdir()
    (tmp_path / "locales" / "es.po").write_text(
        PO.replace("{}", "100%%", 1).replace("{}", "Versión %(letter)s", 1), "utf-8")
    env = make_env([tmp_path], translations("es", (tmp_path / "locales",)))
    assert env.from_string('{{ _("Key points") }} {{ _("Version %(letter)s", letter="B") }}'
                           ).render() == "100% Versión B"


# ------------------------------------------------------------------ audiences
@pytest.mark.parametrize("linked", ["file", "folder"])
def test_an_audience_linked_from_outside_the_audiences_folder_is_refused(
        tmp_path: Path, linked: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "audience.toml").write_text('SECRET_TOKEN = "hunter2"\nlabel = "x"\n', "utf-8")
    audiences = tmp_path / "project" / "audiences"
    audiences.mkdir(parents=True)
    if linked == "file":
        (audiences / "mine").mkdir()
        (audiences / "mine" / "audience.toml").symlink_to(outside / "audience.toml")
    else:
        (audiences / "mine").symlink_to(outside)
    with pytest.raises(ContentError) as info:
        load_audience("mine", [audiences])
    [problem] = info.value.problems
    assert "outside the audiences folder" in problem.message
    assert "SECRET_TOKEN" not in str(info.value.lines())


def test_an_audiences_folder_that_is_itself_a_link_is_fine(tmp_path: Path) -> None:
    pack = tmp_path / "pack" / "mine"
    pack.mkdir(parents=True)
    (pack / "audience.toml").write_text('label = "Mine"\nextends = "general"\n', "utf-8")
    (tmp_path / "audiences").symlink_to(tmp_path / "pack")
    from osteo_print.audiences import audience_dirs

    assert load_audience("mine", audience_dirs([tmp_path / "audiences"])).label == "Mine"


# --------------------------------------------------------- the output folder
def one_file() -> list[OutputFile]:
    return [OutputFile("a.pdf", b"%PDF a", INFO)]


def test_a_lock_file_that_is_a_link_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"IMPORTANT USER DATA")
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_NAME).symlink_to(victim)
    (out / "missing").mkdir()
    (out / "missing" / LOCK_NAME).symlink_to(tmp_path / "created-by-lock")
    for folder in (out, out / "missing"):
        with pytest.raises(OutputError) as info:
            write_outputs(folder, one_file())
        assert "is a link" in info.value.problems[0].message
        assert not (folder / "a.pdf").exists()
    assert victim.read_bytes() == b"IMPORTANT USER DATA"
    assert not (tmp_path / "created-by-lock").exists()


def test_a_lock_file_with_another_name_is_not_truncated(tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_bytes(b"keep me")
    out = tmp_path / "out"
    out.mkdir()
    os.link(other, out / LOCK_NAME)
    with pytest.raises(OutputError, match="nothing was changed|unchanged"):
        write_outputs(out, one_file())
    assert other.read_bytes() == b"keep me"


@pytest.mark.parametrize("name", [MANIFEST, CACHE_NAME])
def test_a_pipe_for_the_manifest_or_the_cache_never_blocks_a_build(
        tmp_path: Path, name: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / name)
    if name == CACHE_NAME:
        assert BuildCache(out).jobs == {}  # read as no cache, at once
    with pytest.raises(OutputError) as info:  # and never replaced by the build
        write_outputs(out, one_file(), {CACHE_NAME: b"{}"} if name == CACHE_NAME else None)
    assert "pipe" in info.value.problems[0].message
    assert not (out / "a.pdf").exists()


def test_a_cache_linked_to_a_device_or_nested_too_deep_is_ignored(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / CACHE_NAME).symlink_to("/dev/zero")
    assert BuildCache(out).jobs == {}
    (out / CACHE_NAME).unlink()
    (out / CACHE_NAME).write_text('{"format": 1, "jobs": ' + "[" * 100_000 + "]" * 100_000
                                  + "}", "utf-8")
    assert BuildCache(out).jobs == {}
    (out / CACHE_NAME).write_bytes(b" " * (CACHE_LIMIT + 1))
    assert BuildCache(out).jobs == {}


def test_a_build_with_a_deeply_nested_cache_builds(tmp_path: Path, tiny_config: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / CACHE_NAME).write_text('{"format": 1, "jobs": ' + "[" * 100_000 + "]" * 100_000
                                  + "}", "utf-8")
    result = CliRunner().invoke(cli, ["build", "stages", "--audience", "general", "--lang",
                                      "en", "--paper", "letter", "--jobs", "1", "--config",
                                      str(tiny_config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "unexpectedly" not in result.output
    assert json.loads((out / MANIFEST).read_text("utf-8"))["files"][0]["path"] == \
        "stages_general_en_letter.pdf"


def test_output_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        write_outputs(tmp_path, one_file())
    finally:
        os.umask(old)
    assert (tmp_path / "a.pdf").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / MANIFEST).stat().st_mode & 0o777 == 0o600
