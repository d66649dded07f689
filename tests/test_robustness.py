"""Interrupted builds, reproducible output, fuzzed loaders and no network at build time."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import string
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import write_tiny_content, write_tiny_project
from osteo_print.cli import cli
from osteo_print.config import load_config
from osteo_print.content import load_content
from osteo_print.errors import OsteoPrintError
from osteo_print.writer import TEMP_PREFIX


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def earlier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project on the tiny content, with an earlier build of it in ./output."""
    folder = tmp_path_factory.mktemp("earlier")
    config = write_tiny_project(folder)
    result = CliRunner().invoke(cli, ["build", "stages", "quiz", "--config", str(config)])
    assert result.exit_code == 0, result.output
    return folder


# Runs osteo-print with WeasyPrint's layout held at a known point: the second layout a
# process starts (the first document is under way or done) says MIDWAY on stderr and
# waits until the build is stopping. In a pool, the build's process closes the pipe its
# workers wait on as it shuts the pool down; with --jobs 1 it waits itself, in os.read,
# where the signal finds it. No sleeping, no guessing how far the build has gone.
HELD = """\
import concurrent.futures, os, signal, sys
import weasyprint
# Ctrl-C as on a terminal, even where this test runs with SIGINT ignored (a background
# job of a shell without job control), which the process would inherit.
signal.signal(signal.SIGINT, signal.default_int_handler)
held, release = os.pipe()
os.register_at_fork(after_in_child=lambda: os.close(release))  # only the main one holds it
layouts = 0
real_render = weasyprint.HTML.render

def render(self, *args, **kwargs):
    global layouts
    layouts += 1
    if layouts == 2:
        print("MIDWAY", file=sys.stderr, flush=True)
        os.read(held, 1)  # returns when the main process closes release (or a signal)
    return real_render(self, *args, **kwargs)

weasyprint.HTML.render = render
real_shutdown = concurrent.futures.ProcessPoolExecutor.shutdown

def shutdown(self, *args, **kwargs):
    os.close(release)  # the build is stopping: let the held workers finish
    return real_shutdown(self, *args, **kwargs)

concurrent.futures.ProcessPoolExecutor.shutdown = shutdown
from osteo_print.cli import main
sys.argv = ["osteo-print", *sys.argv[1:]]
main()
"""


# A fresh process that imports WeasyPrint and renders (marked process): `-m process` stops
# one that renders in its own process; `pytest -m slow` also one with two workers.
@pytest.mark.process
@pytest.mark.parametrize("signum, jobs", [
    pytest.param(signal.SIGTERM, "2", id="SIGTERM-workers", marks=pytest.mark.slow),
    pytest.param(signal.SIGINT, "1", id="SIGINT-in-process")])
def test_a_build_stopped_midway_leaves_the_earlier_output_whole(earlier: Path, signum: int,
                                                                jobs: str) -> None:
    out = earlier / "output"
    before = digests(out)
    # Five jobs (three handouts, the quiz and its key): --jobs 2 starts two workers.
    # --force: the earlier build's three are up to date, and two jobs take no workers.
    process = subprocess.Popen([sys.executable, "-c", HELD, "build", "stages", "exercises",
                                "falls", "quiz", "--jobs", jobs, "--force"], cwd=earlier,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    first = process.stderr.readline()  # blocks until a layout is held: rendering is under way
    assert first == "MIDWAY\n", first + process.stderr.read()
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Stopped. The earlier output is unchanged." in stderr
    assert "Traceback" not in stderr
    assert digests(out) == before
    assert not list(out.glob(f"{TEMP_PREFIX}*.tmp"))


@pytest.mark.process
def test_temp_files_of_a_killed_build_are_swept_by_the_next(earlier: Path) -> None:
    out = earlier / "output"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = out / f"{TEMP_PREFIX}{dead.pid}-abc123.tmp"
    stale.write_bytes(b"half a PDF")
    result = CliRunner().invoke(cli, ["build", "stages", "--config",
                                      str(earlier / "osteo-print.toml")])
    assert result.exit_code == 0, result.output
    assert not stale.exists()


@pytest.mark.slow  # quicker: test_cluster's spawned workers give one process's bytes (-m process)
def test_two_processes_build_byte_identical_files(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A handout, the quiz and its key (Spanish, large print) of the tiny content, built
    by a fresh process and by this one (another hash seed, and renderers that have built
    other projects before): the same bytes."""
    config = write_tiny_project(tmp_path)
    args = ["build", "stages", "quiz", "--lang", "es", "--audience", "large-print"]
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    result = subprocess.run([sys.executable, "-m", "osteo_print", *args, "--out", "one"],
                            cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    here = CliRunner().invoke(cli, [*args, "--config", str(config), "--out",
                                    str(tmp_path / "two")])
    assert here.exit_code == 0, here.output
    one = digests(tmp_path / "one")
    assert len([name for name in one if name.endswith(".pdf")]) == 3
    assert one == digests(tmp_path / "two")


class _Listener:
    """A TCP listener on loopback that records every connection attempt."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


def test_nothing_is_fetched_from_the_network(tmp_path: Path) -> None:
    listener = _Listener()
    try:
        config = write_tiny_project(tmp_path)
        blocks = tmp_path / "templates" / "blocks"  # every tiny handout has a qa block
        blocks.mkdir(parents=True)
        url = f"http://127.0.0.1:{listener.port}"
        (blocks / "qa.html").write_text(
            f'<link rel="stylesheet" href="{url}/style.css">\n'
            f'<img src="{url}/pixel.png" alt="pixel">\n', "utf-8")
        args = ["build", "stages", "--config", str(config), "--out", str(tmp_path / "out")]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert f"127.0.0.1:{listener.port}" in result.stderr
        # A normal build never opens a connection either.
        (blocks / "qa.html").unlink()
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
    finally:
        time.sleep(0.3)
        listener.close()
    assert listener.connections == 0


yaml_scalars = st.one_of(st.text(max_size=30), st.integers(), st.booleans(), st.none(),
                         st.floats(allow_nan=False), st.dates())
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(string.ascii_lowercase + "_-", min_size=1,
                                                    max_size=12), inner, max_size=5)),
    max_leaves=20)


@pytest.fixture
def fuzz_content(tmp_path: Path) -> Path:
    """The tiny content (conftest) with easy-read versions of both quizzed handouts and of
    the quiz bank, so that a fuzzed base is also merged with an overlay, for one fuzz test
    alone. Hypothesis runs every example of a test with the same copy; each example
    rewrites the whole of the one file its test fuzzes, so no example sees another test's
    leftovers (a broken stages.yaml would stop the loader before it read the exercises.yaml
    another test fuzzes)."""
    import yaml

    root = write_tiny_content(tmp_path / "content")
    kept = [{"id": "box-key-points"}, {"id": "know"}, {"id": "box-actions"},
            {"id": "box-questions"}]
    for name in ("stages", "exercises"):
        path = root / "en" / "handouts" / "easy-read" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump({"title": f"{name}, easy read", "blocks": kept}),
                        "utf-8")
    (root / "en" / "quiz").mkdir()
    (root / "en" / "quiz" / "easy-read.yaml").write_text(yaml.safe_dump(
        {"title": "Easy quiz", "items": [{"id": "t-stages"}, {"id": "t-exercises"},
                                         {"id": "t-pre"}, {"id": "t-post"}]}), "utf-8")
    content = load_content(root)  # whole before any fuzzing: every problem is the fuzz's
    assert ("en", "stages", "easy-read") in content.handouts
    assert ("en", "easy-read") in content.quizzes
    return root


def _loads_or_locates(root: Path) -> None:
    try:
        load_content(root)
    except OsteoPrintError as exc:
        assert exc.problems and all(p.file for p in exc.problems)


# Each fuzz test loads the whole content tree per example: the fast suite tries a few
# examples, `pytest -m slow` the full sixty.
EXAMPLES = [pytest.param(8, id="8-examples"),
            pytest.param(60, id="60-examples", marks=pytest.mark.slow)]
FUZZ = dict(deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("examples", EXAMPLES)
def test_any_text_in_a_content_file_is_loaded_or_located(fuzz_content: Path,
                                                         examples: int) -> None:
    @settings(max_examples=examples, **FUZZ)
    @given(text=st.text(max_size=400))
    def fuzz(text: str) -> None:
        (fuzz_content / "en/handouts/stages.yaml").write_text(text, "utf-8")
        _loads_or_locates(fuzz_content)

    fuzz()


@pytest.mark.parametrize("examples", EXAMPLES)
def test_any_yaml_structure_in_a_content_file_is_loaded_or_located(fuzz_content: Path,
                                                                   examples: int) -> None:
    import yaml

    @settings(max_examples=examples, **FUZZ)
    @given(data=yaml_values)
    def fuzz(data: object) -> None:
        (fuzz_content / "en/handouts/exercises.yaml").write_text(yaml.safe_dump(data), "utf-8")
        _loads_or_locates(fuzz_content)

    fuzz()


@pytest.mark.parametrize("examples", EXAMPLES)
def test_any_bytes_in_the_quiz_bank_are_loaded_or_located(fuzz_content: Path,
                                                          examples: int) -> None:
    @settings(max_examples=examples, **FUZZ)
    @given(raw=st.binary(max_size=300))
    def fuzz(raw: bytes) -> None:
        (fuzz_content / "en/quiz.yaml").write_bytes(raw)
        _loads_or_locates(fuzz_content)

    fuzz()


toml_keys = st.sampled_from(["name", "phone", "logo", "accent_color", "audiences",
                             "languages", "papers", "max_grade", "seed", "x"])
toml_values = st.one_of(st.text(max_size=20).map(lambda s: '"' + s.replace("\\", "")
                                                 .replace('"', "") + '"'),
                        st.integers().map(str), st.sampled_from(["true", "[1, 2]", '["en"]',
                                                                 "{a = 1}", "1.5", "#0b5394"]))


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(table=st.sampled_from(["clinic", "defaults", "check", "other"]),
       pairs=st.lists(st.tuples(toml_keys, toml_values), max_size=5),
       noise=st.text(max_size=40))
def test_any_config_is_loaded_or_located(tmp_path_factory, table, pairs, noise) -> None:
    folder = tmp_path_factory.mktemp("cfg")
    path = folder / "osteo-print.toml"
    body = "\n".join(f"{k} = {v}" for k, v in pairs)
    path.write_text(f"[{table}]\n{body}\n{noise}\n", "utf-8")
    try:
        load_config(path)
    except OsteoPrintError as exc:
        assert exc.problems and all("osteo-print.toml" in p.file for p in exc.problems)
