"""osteo-print serve: the live preview (osteo_print/serve).

Each test starts a preview in this process (``serving``) on a copy of a project, waits
for its first build, then edits files and waits, with a timeout, for the builds to say
so: in the files, in what the server sends, and in a real browser. One audience and
language; web pages only, except where a test needs the PDFs. The default suite works
on the tiny content (tests/conftest.py); ``pytest -m "browser and not slow"`` opens
one page in the browser; under ``pytest -m slow`` the built-in content, the error banner
in an open page, the PDFs made in the background, and a stop by SIGTERM as well as by
Ctrl-C.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import ctrl_c_as_on_a_terminal, pdf_text, write_tiny_project
from osteo_print.inputs import list_inputs
from osteo_print.options import BuildOptions
from osteo_print.paths import BUILTIN_CONTENT
from osteo_print.serve.page import BANNER_ID
from osteo_print.serve.preview import Preview, ServeOptions
from osteo_print.serve.server import resolve
from osteo_print.serve.state import State
from osteo_print.serve.watch import target

TIMEOUT = 60.0  # seconds for a build to be seen: generous, the machine may be busy
ONE = {"audiences": ("general",), "langs": ("en",)}


# --- Helpers -----------------------------------------------------------------------------


@contextlib.contextmanager
def serving(config: Path, pdf: bool = False, **choices) -> Iterator[Preview]:
    """A started preview of the project ``config``; stopped on the way out."""
    options = BuildOptions(config_path=config, **{**ONE, **choices})
    # What the builder says goes to stdout: pytest shows it when a test fails.
    preview = Preview(ServeOptions(options, pdf=pdf), say=lambda text, error: print(text))
    preview.start()
    try:
        yield preview
    finally:
        preview.stop()


def wait_for(preview: Preview, test: Callable[[State], bool], what: str) -> None:
    assert preview.state.wait_until(test, TIMEOUT), f"timed out waiting for {what}"


def get(preview: Preview, path: str, headers: dict[str, str] | None = None
        ) -> tuple[int, dict[str, str], bytes]:
    """Send ``path`` exactly as given (no normalising of ``..``); status, headers, body."""
    connection = http.client.HTTPConnection("127.0.0.1", preview.server.port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def served_text(preview: Preview, name: str) -> str:
    status, _, body = get(preview, f"/{name}")
    assert status == 200, name
    return body.decode("utf-8")


def wait_for_text(preview: Preview, name: str, text: str) -> None:
    """Wait until the built page ``name`` holds ``text``; then it must be served too."""
    page = preview.folder / name
    wait_for(preview, lambda s: page.is_file() and text in page.read_text("utf-8"),
             f"{text!r} in {name}")
    assert text in served_text(preview, name)


def first_event(preview: Preview, since: int) -> dict:
    """The first message of the event stream, for a client that saw generation ``since``."""
    connection = http.client.HTTPConnection("127.0.0.1", preview.server.port, timeout=30)
    try:
        connection.request("GET", f"/__events?since={since}")
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type").startswith("text/event-stream")
        while True:
            line = response.fp.readline().decode("utf-8")
            if line.startswith("data: "):
                return json.loads(line[len("data: "):])
    finally:
        connection.close()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


@pytest.fixture
def real_project(tmp_path: Path) -> Path:
    """A project with its own copy of the built-in content; returns its config."""
    shutil.copytree(BUILTIN_CONTENT, tmp_path / "content")
    config = tmp_path / "osteo-print.toml"
    config.write_text('[defaults]\ncontent = "content"\n', "utf-8")
    return config


# --- In a real browser -------------------------------------------------------------------


@pytest.mark.parametrize("content", ["tiny", pytest.param("built-in", marks=pytest.mark.slow)])
def test_an_open_page_reloads_itself_with_the_edit(request: pytest.FixtureRequest,
                                                   tmp_path: Path, content: str,
                                                   browser_page) -> None:
    if content == "tiny":  # a page long enough to scroll 700 px at 800 x 600
        config, title = write_tiny_project(tmp_path), "About stages"
    else:
        config, title = request.getfixturevalue("real_project"), "The stages of bone loss"
    handout = config.parent / "content" / "en" / "handouts" / "stages.yaml"
    with serving(config) as preview:
        page = browser_page
        page.set_viewport_size({"width": 800, "height": 600})
        page.goto(preview.url + "stages_general_en.html", wait_until="load")
        assert page.text_content("h1") == title
        page.evaluate("() => { window.scrollTo(0, 700); window.notReloaded = true; }")
        page.wait_for_function("() => window.scrollY >= 690")
        edit(handout, f"title: {title}", "title: How bone loss grows")
        page.wait_for_function(
            "() => document.querySelector('h1').textContent === 'How bone loss grows'",
            timeout=TIMEOUT * 1000)
        assert page.evaluate("() => window.notReloaded") is None  # a reload, not a patch
        # The scroll position is kept across the reload.
        page.wait_for_function("() => document.readyState === 'complete' && "
                               "window.scrollY >= 690", timeout=TIMEOUT * 1000)
        # The script is in what the server sent, never in the file on disk.
        on_disk = (preview.folder / "stages_general_en.html").read_text("utf-8")
        assert "How bone loss grows" in on_disk and "osteo-print serve" not in on_disk
        assert "/__events" in served_text(preview, "stages_general_en.html")


@pytest.mark.slow  # the banner needs the browser; the error, served: the tests below
def test_a_broken_file_shows_its_error_in_the_open_page(tmp_path: Path,
                                                        browser_page) -> None:
    config = write_tiny_project(tmp_path)
    handout = tmp_path / "content" / "en" / "handouts" / "stages.yaml"
    good = handout.read_text("utf-8")
    with serving(config) as preview:
        page = browser_page
        page.goto(preview.url + "stages_general_en.html", wait_until="load")
        index = page.context.new_page()  # the index, in another tab: reloads on any build
        index.goto(preview.url, wait_until="load")
        assert index.query_selector("#errors") is None
        handout.write_text(good.replace("title: About stages", "title: [About stages"), "utf-8")
        banner = page.wait_for_selector(f"#{BANNER_ID}", timeout=TIMEOUT * 1000)
        shown = index.wait_for_selector("#errors", timeout=TIMEOUT * 1000).text_content()
        assert re.search(r"stages\.yaml:\d+: broken YAML", shown), shown
        text = banner.text_content()
        assert re.search(r"stages\.yaml:\d+: broken YAML", text), text
        # The error says what the command line says, and the last good page stays.
        assert "Error: The content has 1 problem; nothing was written." in text
        assert page.text_content("h1") == "About stages"
        assert served_text(preview, "stages_general_en.html")  # still served
        handout.write_text(good.replace("About stages", "About the stages"), "utf-8")
        page.wait_for_function(
            "() => document.querySelector('h1').textContent === 'About the stages'",
            timeout=TIMEOUT * 1000)
        page.wait_for_selector(f"#{BANNER_ID}", state="detached", timeout=TIMEOUT * 1000)
        index.wait_for_selector("#errors", state="detached", timeout=TIMEOUT * 1000)


# --- Edits of every kind of input, while the server runs ----------------------------------

CATALOG = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
           '"Language: es\\n"\n\nmsgid "Key points"\nmsgstr "{}"\n')
OVERRIDE = ('{{% extends "builtin/web/handout.html" %}}\n{{% block footer %}}'
            '<p class="clinic-note">{}</p>{{{{ super() }}}}{{% endblock %}}\n')


def test_edits_to_a_catalog_a_template_and_the_config_are_each_seen(tmp_path: Path) -> None:
    config = write_tiny_project(tmp_path, '\n[clinic]\nname = "Clínica Uno"\n'
                                          'phone = "555-0101"\n')
    locales = tmp_path / "templates" / "locales"
    locales.mkdir(parents=True)
    catalog = locales / "es.po"
    catalog.write_text(CATALOG.format("Lo esencial, uno"), "utf-8")
    page = "stages_general_es.html"
    with serving(config, langs=("es",)) as preview:
        text = served_text(preview, page)
        assert "Lo esencial, uno" in text and "Clínica Uno" in text
        catalog.write_text(CATALOG.format("Lo esencial, dos"), "utf-8")  # a catalog
        wait_for_text(preview, page, "Lo esencial, dos")
        override = tmp_path / "templates" / "web" / "handout.html"  # a new template
        override.parent.mkdir()
        override.write_text(OVERRIDE.format("Clases los martes"), "utf-8")
        wait_for_text(preview, page, "Clases los martes")
        override.write_text(OVERRIDE.format("Clases los jueves"), "utf-8")  # edited
        wait_for_text(preview, page, "Clases los jueves")
        edit(config, "Clínica Uno", "Clínica Dos")  # the project file
        wait_for_text(preview, page, "Clínica Dos")
        assert "Lo esencial, dos" in served_text(preview, page)
        assert not preview.state.errors


def test_an_error_is_shown_until_it_is_fixed_and_the_server_keeps_serving(
        tmp_path: Path) -> None:
    config = write_tiny_project(tmp_path)
    override = tmp_path / "templates" / "web" / "handout.html"
    with serving(config, audiences=()) as preview:  # the audiences of the project file
        built = preview.folder / "stages_general_en.html"
        before = built.read_bytes()
        gen = preview.state.gen
        # A template mistake: located with the template's line.
        override.parent.mkdir(parents=True)
        override.write_text('{% extends "builtin/web/handout.html" %}\n\n{% block main %}'
                            "{% if %}{% endblock %}\n", "utf-8")
        wait_for(preview, lambda s: "web" in s.errors, "the template error")
        error = preview.state.errors["web"]
        assert error.startswith("Error: ") and re.search(r"handout\.html:3", error), error
        status, _, index = get(preview, "/")
        assert status == 200 and "handout.html:3" in index.decode("utf-8")
        assert first_event(preview, gen)["errors"] == [error]
        assert built.read_bytes() == before  # the last good page, still served
        assert "About stages" in served_text(preview, "stages_general_en.html")
        override.unlink()
        wait_for(preview, lambda s: not s.errors, "the fix")
        # An unknown audience in the project file, while the server runs.
        edit(config, "[defaults]\n", '[defaults]\naudiences = ["nobody"]\n')
        wait_for(preview, lambda s: "web" in s.errors, "the config error")
        error = preview.state.errors["web"]
        assert "Unknown audience 'nobody'" in error and "osteo-print.toml" in error, error
        assert "Unknown audience &#x27;nobody&#x27;" in get(preview, "/")[2].decode("utf-8")
        edit(config, 'audiences = ["nobody"]\n', "")
        wait_for(preview, lambda s: not s.errors, "the config fix")
        assert built.read_bytes() == before
        assert first_event(preview, preview.state.gen)["errors"] == []


def test_a_session_that_starts_on_a_mistake_shows_the_earlier_build(tmp_path: Path) -> None:
    config = write_tiny_project(tmp_path)
    with serving(config):
        pass
    edit(tmp_path / "content" / "en" / "handouts" / "stages.yaml", "title: About stages",
         "title: [About stages")
    with serving(config) as preview:  # a mistake in the content does not stop the start
        index = get(preview, "/")[2].decode("utf-8")
        assert "stages.yaml:" in index and "broken YAML" in index
        assert 'href="stages_general_en.html"' in index  # the earlier session's pages
        assert "About stages" in served_text(preview, "stages_general_en.html")


def test_only_what_changed_is_built_again(tmp_path: Path) -> None:
    config = write_tiny_project(tmp_path)
    falls = tmp_path / "content" / "en" / "handouts" / "falls.yaml"
    with serving(config) as preview:
        gen = preview.state.gen
        assert first_event(preview, 0)["changed"]  # the first build made every page
        edit(falls, "title: About falls", "title: About falling")
        wait_for_text(preview, "falls_general_en.html", "About falling")
        # Its page, and the quiz's (a quiz is made from every handout); not the others.
        assert first_event(preview, gen)["changed"] == ["falls_general_en.html",
                                                        "quiz_general_en_A.html"]
        # The preview folder is inside the project: its own writes start no build.
        watched = target(list_inputs(preview.builder.options), preview.folder)
        assert str(tmp_path) in watched.roots
        assert watched.wants(str(falls)) and watched.wants(str(config))
        assert watched.wants(str(tmp_path / "templates" / "web" / "handout.html"))
        assert not watched.wants(str(preview.folder / "falls_general_en.html"))
        assert not watched.wants(str(tmp_path / "notes.txt"))


# --- The PDFs, in the background ----------------------------------------------------------


@pytest.mark.slow  # rendering PDFs: the costly path, and the only way to show it
def test_the_index_links_every_document_and_the_pdfs_follow_the_edits(tmp_path: Path) -> None:
    config = write_tiny_project(tmp_path)
    stages = tmp_path / "content" / "en" / "handouts" / "stages.yaml"
    with serving(config, pdf=True) as preview:
        wait_for(preview, lambda s: s.pdf_state == "done", "the first PDFs")
        index = get(preview, "/")[2].decode("utf-8")
        links = re.findall(r'href="([^"]+)"', index)
        pages = [link for link in links if link.endswith(".html")]
        pdfs = [link for link in links if link.endswith(".pdf")]
        assert sorted(pages) == ["exercises_general_en.html", "falls_general_en.html",
                                 "quiz_general_en_A.html", "stages_general_en.html"]
        assert sorted(pdfs) == sorted([
            "exercises_general_en_letter.pdf", "falls_general_en_letter.pdf",
            "quiz-key_general_en_letter_A.pdf", "quiz_general_en_letter_A.pdf",
            "stages_general_en_letter.pdf"])
        assert re.search(r">stages_general_en_letter\.pdf</a> \(letter, \d+ pages?\)", index)
        assert re.search(r">quiz-key_general_en_letter_A\.pdf</a> \(answer key, letter, "
                         r"\d+ pages?\)", index)
        for link in links:
            status, headers, body = get(preview, "/" + link)
            assert status == 200, link
            assert headers["Cache-Control"] == "no-store"
            kind = "application/pdf" if link.endswith(".pdf") else "text/html; charset=utf-8"
            assert headers["Content-Type"] == kind, link
            if link.endswith(".pdf"):
                assert body.startswith(b"%PDF-") and b"osteo-print serve" not in body
        # An edit: the web page first, then the PDFs, in the background; an edit made
        # while they are being made stops them, and they follow the newest edit.
        edit(stages, "title: About stages", "title: About the four stages")
        wait_for_text(preview, "stages_general_en.html", "About the four stages")
        seen = preview.state.gen
        wait_for(preview, lambda s: s.pdf_state == "building", "the PDFs to start")
        edit(stages, "title: About the four stages", "title: About the five stages")
        wait_for_text(preview, "stages_general_en.html", "About the five stages")
        pdf = preview.folder / "stages_general_en_letter.pdf"
        wait_for(preview, lambda s: s.pdf_state == "done"
                 and "About the five stages" in pdf_text(pdf), "the PDF of the edit")
        changed = first_event(preview, seen)["changed"]  # what the browser is told
        assert {"stages_general_en.html", "stages_general_en_letter.pdf"} <= set(changed)
        assert not preview.state.errors
    child = preview.builder.child
    assert child is not None and child.poll() is not None  # no PDF child left running


# --- Security ------------------------------------------------------------------------------


def test_only_the_preview_folder_is_served_on_127_0_0_1(tmp_path: Path, run) -> None:
    config = write_tiny_project(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the browser", "utf-8")
    with serving(config) as preview:
        assert preview.server.socket.getsockname()[0] == "127.0.0.1"
        assert preview.url.startswith("http://127.0.0.1:")
        folder = preview.folder
        assert folder == tmp_path / "output" / "preview"
        (folder / "link.txt").symlink_to(secret)
        (folder / "outside").symlink_to(tmp_path)
        refused = ["/../secret.txt", "/../../../../../../etc/passwd", "/%2e%2e/secret.txt",
                   "/%2E%2E/%2e%2e/etc/passwd", "/..%2fsecret.txt", "/assets/../../secret.txt",
                   "//etc/passwd", "/etc/passwd", str(secret), f"/{secret}", "/link.txt",
                   "/outside/secret.txt", "/outside/osteo-print.toml",
                   "/.osteo-print-cache.json", "/assets/", "/%00", "/stages_general_en.html%00",
                   f"http://127.0.0.1:{preview.server.port}/../secret.txt", "/..\\secret.txt"]
        for path in refused:
            status, _, body = get(preview, path)
            assert status == 404, path
            assert b"not for the browser" not in body
        status, headers, body = get(preview, "/stages_general_en.html")
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["Cache-Control"] == "no-store"
        status, headers, _ = get(preview, "/assets/osteo-print.css")
        assert (status, headers["Content-Type"]) == (200, "text/css; charset=utf-8")
        # A page of another site whose name was made to point here gets nothing.
        assert get(preview, "/", {"Host": "evil.example"})[0] == 403
    assert resolve(folder, "/stages_general_en.html") == folder.resolve() / \
        "stages_general_en.html"
    # No way to listen elsewhere: serve has no --host.
    result = run("serve", "--host", "0.0.0.0", "--config", str(config))
    assert result.exit_code == 2 and "No such option '--host'" in result.output


# --- Starting and stopping -----------------------------------------------------------------


def test_a_project_that_cannot_start_says_why(tmp_path: Path, run) -> None:
    config = tmp_path / "osteo-print.toml"
    config.write_text('[defaults]\ncontent = "content"\n[clinic\n', "utf-8")
    result = run("serve", "--config", str(config))
    assert result.exit_code == 2
    assert "Error: The config file is broken." in result.stderr
    assert "osteo-print.toml:3" in result.stderr and "Traceback" not in result.stderr
    config = write_tiny_project(tmp_path / "ok")
    result = run("serve", "--config", str(config), "--audience", "nobody", "--no-pdf")
    assert result.exit_code == 2 and "Unknown audience 'nobody'" in result.stderr


@pytest.mark.process
def test_serve_help_loads_nothing_heavy() -> None:
    code = ("import sys\nfrom osteo_print.cli import cli\ntry:\n"
            "    cli(['serve', '--help'], prog_name='osteo-print')\nexcept SystemExit:\n"
            "    pass\nprint('LOADED', sorted(m for m in ('weasyprint', 'pydantic', 'jinja2', "
            "'watchfiles') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert "--no-pdf" in result.stdout and "LOADED []" in result.stdout, result.stderr


def test_a_port_in_use_is_said_clearly(tmp_path: Path, run) -> None:
    config = write_tiny_project(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--config", str(config), "--port", str(port), "--no-pdf")
    assert result.exit_code == 2
    assert f"Error: Port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "--port" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.process
@pytest.mark.parametrize("stop", [
    pytest.param(signal.SIGINT, id="ctrl-c"),
    pytest.param(signal.SIGTERM, id="sigterm", marks=pytest.mark.slow)])
def test_the_command_serves_until_stopped_without_a_traceback(tmp_path: Path,
                                                              stop: signal.Signals) -> None:
    config = write_tiny_project(tmp_path)
    server = subprocess.Popen(
        [sys.executable, "-m", "osteo_print", "serve", "--config", str(config), "-a",
         "general", "-l", "en", "--no-pdf"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=ctrl_c_as_on_a_terminal)
    try:
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(server.stdout.readline()))
        reader.start()
        reader.join(TIMEOUT)
        found = re.match(r"Serving on (http://127\.0\.0\.1:(\d+)/)  \(Ctrl-C to stop\)$",
                         first[0].rstrip("\n") if first else "")
        assert found, first
        with urllib.request.urlopen(found.group(1) + "stages_general_en.html",
                                    timeout=30) as response:
            assert response.status == 200
        server.send_signal(stop)
        _, err = server.communicate(timeout=TIMEOUT)
        assert server.returncode == 0, err
        assert "Stopped." in err and "Traceback" not in err
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
