"""A real cluster: the README's Dask example on a local two-process cluster gives the
bytes of ``--jobs 1``; workers get the project as the caller holds it and refuse a tree
that differs from the client's; pool workers die with a build killed by ``kill -9``."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from conftest import TINY_HANDOUTS, write_tiny_project
from osteo_print.build import BuildOptions, build
from osteo_print.errors import SetupError
from osteo_print.plan import Job
from osteo_print.project import open_project
from osteo_print.runner import ProjectSpec, run_plan

README = Path(__file__).resolve().parent.parent / "README.md"
PROJECT = """[defaults]
audiences = ["general"]
languages = ["en"]
papers = ["letter"]
"""


def tiny_clinic(folder: Path) -> Path:
    """A clinic project (PROJECT) on the tiny content of conftest, whose handouts bear
    the README example's names; returns its config."""
    config = write_tiny_project(folder)
    text = config.read_text("utf-8").replace("[defaults]\n", PROJECT, 1)
    config.write_text(text, "utf-8")
    return config


# The tests without a cluster come first: the cluster (module-scoped) then starts
# after them and lives only as long as the tests that use it.


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_for(check: Any, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    return check()


# osteo-print with every layout held for good: the build is still running, whatever the
# machine's speed, when the test kills it.
HELD = """\
import sys, threading
import weasyprint
def render(self, *args, **kwargs):
    threading.Event().wait()
weasyprint.HTML.render = render
from osteo_print.cli import main
sys.argv = ["osteo-print", *sys.argv[1:]]
main()
"""


@pytest.mark.process
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_pool_workers_die_with_a_build_killed_outright(tmp_path: Path) -> None:
    """Five jobs of the tiny content (three handouts, the quiz and its key), --jobs 2."""
    config = write_tiny_project(tmp_path / "clinic")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    build_process = subprocess.Popen(
        [sys.executable, "-c", HELD, "build", "--config", str(config), "--jobs", "2",
         "--force", "--out", str(tmp_path / "out")], stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, env=env)
    workers: Sequence[int] = []
    try:
        # Both workers (--jobs 2): a worker still starting up is not yet waiting for work.
        workers = _wait_for(lambda: len(_children(build_process.pid)) >= 2
                            and _children(build_process.pid), 120)
        assert workers, "the build did not start its two worker processes"
        assert build_process.poll() is None, "the build ended before it could be killed"
        build_process.kill()  # SIGKILL: no cleanup of any kind in the main process
        assert build_process.wait(10) == -signal.SIGKILL

        # The caller's pipe closes once every process holding it is gone.
        eof = threading.Event()

        def drain() -> None:
            assert build_process.stdout is not None
            build_process.stdout.read()
            eof.set()

        threading.Thread(target=drain, daemon=True).start()
        assert eof.wait(10), "workers outlived their parent and hold the caller's pipe"
        assert _wait_for(lambda: not any(_alive(p) for p in workers), 10), workers
    finally:
        for pid in workers:  # never leave a stray worker behind, whatever happened
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if build_process.poll() is None:
            build_process.kill()
        if build_process.stdout is not None:
            build_process.stdout.close()


class Recorder(Executor):
    """Records the batches it is given and renders nothing."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def map(self, fn: Any, *iterables: Any, timeout: float | None = None,
            chunksize: int = 1) -> Iterator[Any]:
        works, batches, _ = iterables
        self.batches = [len(batch) for batch in batches]
        return iter([[] for _ in batches])


def test_an_executor_gets_small_tasks_whatever_the_local_cpu_count() -> None:
    project = open_project(None, None, ["general"], ["en"])
    jobs = [Job("handout", f"doc{i}", "general", "en", "letter") for i in range(112)]
    spec = ProjectSpec(None, None, (), ())
    recorder = Recorder()
    list(run_plan(project, spec, jobs, workers=2, executor=recorder))
    assert recorder.batches == [1] * 112  # one document per task: every worker has work
    list(run_plan(project, spec, jobs, workers=2, executor=recorder, chunksize=4))
    assert recorder.batches == [4] * 28
    with pytest.raises(ValueError, match="chunksize"):
        list(run_plan(project, spec, jobs, executor=recorder, chunksize=0))


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A Dask client of a local cluster: two worker processes, one thread each.

    Its processes are spawned (Dask's default), so they import osteo-print from the
    caller's own sys.path: a fork server would start with the working folder first on its
    path, and import a source checkout there instead of the installed package (the
    workers then rightly refuse to render, their built-in files differing). Dask's
    sampling profiler and its dashboard's monitors, which only cost CPU here, are off or
    slowed down."""
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is not installed (pip install '.[cluster]')")
    import dask

    quiet = {"distributed.worker.profile.enabled": False,
             "distributed.admin.system-monitor.interval": "5s",
             "distributed.worker.memory.monitor-interval": "5s"}
    with dask.config.set(quiet), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as dask_client:
        yield dask_client


def readme_example() -> str:
    """The ```python block under the README's "Running on a cluster" heading."""
    text = README.read_text("utf-8")
    section = text.split("### Running on a cluster", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README's cluster section has no python example"
    return match.group(1)


def manifest_hashes(out: Path) -> dict[str, str]:
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    return {entry["path"]: entry["sha256"] for entry in manifest["files"]}


@pytest.mark.process
def test_the_readme_example_on_a_cluster_gives_the_bytes_of_one_process(
        client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "clinic"
    tiny_clinic(project)
    code = readme_example()
    address = re.search(r'Client\("([^"]+)"\)', code)
    assert address, code
    documents = re.search(r"documents=\(([^)]*)\)", code)
    assert documents, code
    names = re.findall(r'"([^"]+)"', documents.group(1))
    assert set(names) <= set(TINY_HANDOUTS), names

    monkeypatch.chdir(project)
    namespace: dict[str, Any] = {}
    try:
        exec(code.replace(address.group(1), client.scheduler.address), namespace)
    finally:
        if "client" in namespace:
            namespace["client"].close()
    result = namespace["result"]
    # --jobs 1: the same options, rendered in this process
    build(replace(namespace["options"], out_dir=tmp_path / "one", jobs=1))

    assert len(result.rendered) == 4
    assert all(client.run(_rendered_here).values())  # both workers got work
    assert result.out_dir == Path("output")  # the client writes; workers get full paths
    cluster = manifest_hashes(project / "output")
    assert cluster == manifest_hashes(tmp_path / "one")
    assert sorted(p for p in cluster if p.endswith(".pdf")) == sorted(
        [*(f"{name}_general_en_letter.pdf" for name in names),
         "quiz_general_en_letter_A.pdf", "quiz-key_general_en_letter_A.pdf"])


def _rendered_here() -> bool:
    """Run on a worker: has this process rendered for a build?"""
    from osteo_print import runner

    return bool(runner._WORKERS)


@pytest.mark.process
def test_workers_render_the_project_the_caller_holds(client: Any, tmp_path: Path) -> None:
    """Edits made in memory reach every worker: no worker reopens the project."""
    project = open_project(tiny_clinic(tmp_path / "clinic"), None, ["general", "large-print"],
                           ["en"])
    key = ("en", "stages", None)
    handouts = project.content.handouts
    handouts[key] = handouts[key].model_copy(update={"title": "Edited in memory only"})
    jobs = [Job("handout", "stages", audience, "en", paper)
            for audience in ("general", "large-print") for paper in ("letter", "a4")]
    spec = ProjectSpec(None, None, (), ())
    results = list(run_plan(project, spec, jobs, executor=client.get_executor()))
    assert [r.job for r in results] == jobs
    for result in results:
        assert "Edited in memory only" in result.html, result.job


class EditingExecutor(Executor):
    """Hands the work to another executor, but first edits a file of the project, as a
    worker with a stale or different copy of the folder would see it."""

    def __init__(self, inner: Executor, edit: Path) -> None:
        self.inner, self.edit = inner, edit

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        raise AssertionError("run_plan maps")

    def map(self, fn: Any, *iterables: Any, timeout: float | None = None,
            chunksize: int = 1) -> Iterator[Any]:
        self.edit.write_text(self.edit.read_text("utf-8") + "\n<!-- edited -->\n", "utf-8")
        return self.inner.map(fn, *iterables)


@pytest.mark.process
def test_a_worker_that_sees_other_files_refuses(client: Any, tmp_path: Path) -> None:
    project = tmp_path / "clinic"
    (project / "templates").mkdir(parents=True)
    (project / "osteo-print.toml").write_text(PROJECT, "utf-8")
    extra = project / "templates" / "notes.html"
    extra.write_text("<p>notes</p>\n", "utf-8")
    options = BuildOptions(config_path=project / "osteo-print.toml", out_dir=tmp_path / "out",
                           documents=("stages", "falls"), audiences=("general", "large-print"),
                           quizzes=())
    executor = EditingExecutor(client.get_executor(), extra)
    with pytest.raises(SetupError) as caught:
        build(options, executor=executor)  # four jobs: more than the inline limit of 3
    message = "\n".join(caught.value.lines())
    assert re.search(r"The worker at \S+ sees different files under .*clinic than the "
                     "client", message), message
    assert not (tmp_path / "out").exists()  # nothing written
