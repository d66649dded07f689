"""Jinja: autoescape, StrictUndefined, located template errors, overrides with a prefix."""

from __future__ import annotations

from pathlib import Path

import pytest

from osteo_print.errors import TemplateError
from osteo_print.templating import counter_text, make_env, render, rich


def test_content_text_is_escaped_and_bold_markers_become_strong() -> None:
    assert str(rich("lift < 5 kg & **rest**")) == "lift &lt; 5 kg &amp; <strong>rest</strong>"


def test_counter_text_builds_css_content() -> None:
    assert counter_text("Page {page} of {pages}") == \
        '"Page " counter(page) " of " counter(pages)'
    assert counter_text('Página {page} de {pages}') == \
        '"Página " counter(page) " de " counter(pages)'


def test_undefined_variable_names_template_and_line(tmp_path: Path) -> None:
    (tmp_path / "broken.html").write_text("<p>ok</p>\n<p>{{ missing.value }}</p>\n", "utf-8")
    with pytest.raises(TemplateError) as info:
        render(make_env([tmp_path]), ["broken.html"], {})
    [problem] = info.value.problems
    assert problem.file.endswith("broken.html") and problem.line == 2
    assert "missing" in problem.message


def test_syntax_error_names_template_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.html").write_text("<p>\n{% if %}\n</p>\n", "utf-8")
    with pytest.raises(TemplateError) as info:
        render(make_env([tmp_path]), ["bad.html"], {})
    [problem] = info.value.problems
    assert problem.file.endswith("bad.html") and problem.line == 2


def test_override_extends_the_builtin_template_it_replaces(tmp_path: Path) -> None:
    (tmp_path / "macros.html").write_text(
        '{% extends "builtin/macros.html" %}\n', "utf-8")
    env = make_env([tmp_path])
    assert env.get_template("macros.html").module.cite(3).strip() == \
        '<span class="cite">&nbsp;[3]</span>'
