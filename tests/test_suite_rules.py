"""The suite's own rules: what the default run (the README's ``pytest``) leaves out, and
that no test of it starts another process.

The default run leaves out the tests marked ``slow`` (exhaustive), ``browser`` (they
drive Chromium: tests/conftest.py marks every test that asks for it) and ``process``
(they start other processes: osteo-print run for real, a worker pool, a Dask cluster, a
server). CI's second run (.ci/run) takes exactly those. A test of the default run that
starts a process fails (``MAY_START_PROCESSES`` in tests/conftest.py)."""

from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.process
import os
import shlex
import subprocess
import tomllib
from collections.abc import Generator
from typing import Any

import pytest
from _pytest.mark.expression import Expression  # how pytest reads -m

from conftest import MAY_START_PROCESSES, _in_own_process, pytest_collection_modifyitems


class Item:
    """As much of a pytest item as the hooks read."""

    def __init__(self, *fixtures: str, marks: tuple[str, ...] = ()) -> None:
        self.nodeid = "tests/test_x.py::test_x"
        self.fixturenames, self.marks = fixtures, list(marks)

    def add_marker(self, mark: Any) -> None:
        self.marks.append(mark.name)

    def get_closest_marker(self, name: str) -> Any:
        return name if name in self.marks else None


def test_the_browser_tests_are_marked_and_left_to_their_own_run(
        request: pytest.FixtureRequest) -> None:
    """Every test that drives Chromium, in this run, carries the ``browser`` mark; the
    default run's -m leaves out every marked test, and CI runs them."""
    unmarked = [item.nodeid for item in request.session.items
                if "chromium" in getattr(item, "fixturenames", ())
                and item.get_closest_marker("browser") is None]
    assert not unmarked
    # The hook marks before -m selects (what this run selected is all the list above
    # sees): a test that asks for the browser, if indirectly, and one that does not.
    drives, reads = Item("tabs", "chromium", "web_fast"), Item("web_fast", "tmp_path")
    hook = pytest_collection_modifyitems(request.session, request.config, [drives, reads])
    next(hook)  # up to where the other hooks (-m among them) run
    hook.close()
    assert drives.marks == ["browser"] and reads.marks == []

    # The default run leaves out the marked tests, and CI's second run takes exactly what
    # the default run leaves out, whatever marks a test has.
    root = request.config.rootpath
    options = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))[
        "tool"]["pytest"]["ini_options"]
    addopts = shlex.split(options["addopts"])
    default = Expression.compile(addopts[addopts.index("-m") + 1])
    ci_lines = (root / ".ci" / "run").read_text("utf-8").splitlines()
    assert "pytest" in ci_lines  # the README's test command
    [ci_run] = [shlex.split(line) for line in ci_lines if line.startswith("pytest -m ")]
    ci = Expression.compile(ci_run[ci_run.index("-m") + 1])
    marks = [entry.split(":", 1)[0] for entry in options["markers"]]
    assert {"slow", "browser", "process"} <= set(marks)
    assert set(MAY_START_PROCESSES) <= set(marks)  # each left out of the default run
    for count in range(len(marks) + 1):
        for held in itertools.combinations(marks, count):
            def has(name: str, **kwargs: Any) -> bool:
                return name in held  # noqa: B023 (evaluated at once)
            assert default.evaluate(has) != ci.evaluate(has), held
            assert default.evaluate(has) == (not held), held


def _phase(item: Item, body: Any) -> Any:
    """Run ``body`` as a phase of ``item`` under the conftest's watch, as pytest does
    (the wrapper, then the hook's own work); return what it returns."""
    watch: Generator[None, Any, Any] = _in_own_process(item, "call")  # type: ignore[arg-type]
    next(watch)
    try:
        outcome = body()
    except BaseException as exc:
        watch.throw(exc)
        raise AssertionError("the watch swallowed the test's own failure") from None
    try:
        watch.send(outcome)
    except StopIteration as done:
        return done.value
    raise AssertionError("the watch did not stop")


def _exit_at_once() -> None:
    pass


def test_a_test_of_the_default_run_that_starts_a_process_fails_saying_what(
        request: pytest.FixtureRequest) -> None:
    """The watch's rules, with what a start reports (``_note_started``) and no process:
    every phase of every test is watched; an unmarked test that starts one fails, naming
    it once with a count; a marked test may; a test's own failure is its own; a skip or
    an expected failure after a start fails."""
    import conftest

    for name in ("pytest_runtest_setup", "pytest_runtest_call", "pytest_runtest_teardown"):
        impls = getattr(request.config.hook, name).get_hookimpls()
        assert any(impl.function is getattr(conftest, name) and impl.wrapper
                   for impl in impls), name
    # and every way of starting a process goes through the watch
    import _posixsubprocess

    for function in (subprocess.Popen._execute_child,  # type: ignore[attr-defined]
                     multiprocessing.process.BaseProcess.start, os.system, os.posix_spawn,
                     os.posix_spawnp, _posixsubprocess.fork_exec):
        assert function.__module__ == "conftest", function
    assert conftest._FORKS_WATCHED

    def starts(*what: str) -> Any:
        def body() -> str:
            for one in what:
                conftest._note_started(one)
            return "ran"
        return body

    with pytest.raises(pytest.fail.Exception) as caught:
        _phase(Item(), starts("the command 'true'"))
    message = str(caught.value)
    assert message.startswith("tests/test_x.py::test_x started other processes in its call "
                              "(the command 'true') without the mark to"), message
    assert "@pytest.mark.process" in message
    with pytest.raises(pytest.fail.Exception, match=r"\(the command 'true', 2 times; a fork"):
        _phase(Item(), starts("the command 'true'", "the command 'true'", "a fork"))
    for mark in MAY_START_PROCESSES:
        assert _phase(Item(marks=(mark,)), starts("the command 'true'")) == "ran"
    # Not watched for the marked ones: this (unmarked) test's own watch has them.
    assert conftest._started == ["the command 'true'"] * len(MAY_START_PROCESSES)
    conftest._started.clear()
    assert _phase(Item(), lambda: "nothing started") == "nothing started"
    with pytest.raises(ZeroDivisionError):
        _phase(Item(), lambda: 1 / 0)
    for outcome in (pytest.skip, pytest.xfail):
        def skipped(outcome: Any = outcome) -> None:
            conftest._note_started("the command 'true'")
            outcome("not here")
        with pytest.raises(BaseException) as raised:  # a skip let through must not skip
            _phase(Item(), skipped)
        assert raised.type is pytest.fail.Exception, raised.type
        assert "the command 'true'" in str(raised.value)
        with pytest.raises(BaseException) as raised:
            _phase(Item(), lambda outcome=outcome: outcome("not here"))
        assert raised.type is outcome.Exception  # type: ignore[attr-defined]
    assert conftest._started == [] and conftest._watched == [request.node.nodeid]  # ours


@pytest.mark.process
@pytest.mark.skipif(not hasattr(os, "posix_spawnp"), reason="POSIX processes")
def test_the_watch_sees_every_way_of_starting_a_process() -> None:
    """Marked itself, as it starts processes: a command, a multiprocessing process, a
    fork, a spawn and a shell, each named once."""
    def command() -> None:
        subprocess.run(["true"], check=True)

    def forked_process() -> None:
        process = multiprocessing.get_context("fork").Process(target=_exit_at_once,
                                                              name="the forked one")
        process.start()
        process.join(10)

    def fork() -> None:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)

    def spawn() -> None:
        os.waitpid(os.posix_spawnp("true", ["true"], os.environ), 0)

    def shell() -> None:
        assert os.system("true") == 0

    for body, said in [(command, r"the command 'true'"),
                       (forked_process, r"a ForkProcess \(the forked one\)"),
                       (fork, r"a fork of this process"),
                       (spawn, r"os.posix_spawnp\('true'\)"),
                       (shell, r"os.system\('true'\)")]:
        with pytest.raises(pytest.fail.Exception, match=rf"call \({said}\) without"):
            _phase(Item(), body)  # each named once (a fork inside a start is the start)
