"""Input files: only regular files of bounded size, only inside the project's folders,
never a hang, a runaway read or "stopped unexpectedly"; and output that does not depend
on the folder the project lies in.
"""

from __future__ import annotations

import json
import logging
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import write_tiny_content
from osteo_print import yamlfile
from osteo_print.audiences import load_audience
from osteo_print.cli import cli
from osteo_print.config import load_config
from osteo_print.content import load_content
from osteo_print.errors import ConfigError, ContentError
from osteo_print.paths import BUILTIN_CONTENT
from osteo_print.project import open_project
from osteo_print.safefile import InputFileError, read_input

STAGES = Path("en/handouts/stages.yaml")
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")


def png(width: int, height: int, idat: bytes | None = None) -> bytes:
    """A PNG file; by default a valid one of red pixels, else ``idat`` as its data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    if idat is None:
        idat = zlib.compress((b"\x00" + b"\xc0\x10\x10" * width) * height)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


# A 20000 x 20000 image in a few dozen bytes: its header says 400 megapixels.
BOMB = png(20_000, 20_000, zlib.compress(b"\x00" * 4_000))


def content_problems(root: Path, roots: tuple[Path, ...] = ()) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_content(root, roots=roots)
    return [str(p) for p in info.value.problems]


@dataclass(frozen=True)
class Ran:
    returncode: int
    stderr: str


CLI_SECONDS = 60  # a hang is a failure, not a stuck test run
CLI_MEMORY = 2 << 30  # bytes of address space the CLI may add: a runaway read stops


def run_cli(cwd: Path, *args: str) -> Ran:
    """The CLI in a child process that may neither hang (timeout) nor eat memory (limit).

    The child is a fork of this process, where the CLI is loaded already: a new
    interpreter would spend a second starting, for commands that stop at once. Where
    there is no fork, a new interpreter it is."""
    if not hasattr(os, "fork"):
        done = subprocess.run([sys.executable, "-m", "osteo_print", *args], cwd=cwd,
                              capture_output=True, text=True, timeout=CLI_SECONDS)
        return Ran(done.returncode, done.stderr)
    import osteo_print.build  # noqa: F401  (imported here once; a child's imports die with it)

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run the command, send back its exit code and stderr
        status = 70
        try:
            os.close(read)
            _limit_memory(CLI_MEMORY)
            os.chdir(cwd)
            result = CliRunner().invoke(cli, list(args))
            with os.fdopen(write, "wb") as pipe:
                pipe.write(json.dumps([result.exit_code, result.stderr]).encode("utf-8"))
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    received = b""
    deadline = time.monotonic() + CLI_SECONDS
    with os.fdopen(read, "rb", buffering=0) as pipe:
        while True:
            if not select.select([pipe], [], [], max(0.0, deadline - time.monotonic()))[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail(f"osteo-print {' '.join(args)} still ran after {CLI_SECONDS} s")
            chunk = pipe.read(1 << 16)
            if not chunk:
                break
            received += chunk
    _, status = os.waitpid(pid, 0)
    assert received, f"the command's process died (status {status})"
    code, stderr = json.loads(received)
    return Ran(code, stderr)


def _limit_memory(extra: int) -> None:
    """Let this process grow by ``extra`` bytes of address space at most."""
    import resource

    try:  # what the process holds now (a fork holds its parent's memory)
        held = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        held = 1 << 30
    resource.setrlimit(resource.RLIMIT_AS, (held + extra, held + extra))


# --- Inputs that hang or eat memory --------------------------------------------------


def _fifo_stages(tmp: Path) -> list[str]:
    (tmp / "c" / STAGES).unlink()
    os.mkfifo(tmp / "c" / STAGES)
    return ["build", "--content", "c", "--out", "o"]


def _fifo_sources(tmp: Path) -> list[str]:
    (tmp / "c" / "sources.yaml").unlink()
    os.mkfifo(tmp / "c" / "sources.yaml")
    return ["build", "--content", "c", "--out", "o"]


def _fifo_config(tmp: Path) -> list[str]:
    os.mkfifo(tmp / "fifo.toml")
    return ["build", "--config", "fifo.toml", "--out", "o"]


def _zero_config(tmp: Path) -> list[str]:
    return ["build", "--config", "/dev/zero", "--out", "o"]


def _zero_link(tmp: Path) -> list[str]:
    (tmp / "c" / STAGES).unlink()
    (tmp / "c" / STAGES).symlink_to("/dev/zero")
    return ["build", "--content", "c", "--out", "o"]


@pytest.mark.process  # each command runs in a fork (run_cli), which may not hang the run
@needs_fifo
@pytest.mark.parametrize(("make", "expected"), [
    (_fifo_stages, "c/en/handouts/stages.yaml: is not a regular file (a pipe)"),
    (_fifo_sources, "c/sources.yaml: is not a regular file (a pipe)"),
    (_fifo_config, "fifo.toml: is not a regular file (a pipe)"),
    (_zero_config, "/dev/zero: is not a regular file (a device)"),
    (_zero_link, "c/en/handouts/stages.yaml: is not a regular file (a device)"),
], ids=["fifo-stages", "fifo-sources", "fifo-config", "config-dev-zero", "link-dev-zero"])
def test_a_pipe_or_a_device_is_refused_at_once_and_located(
        tmp_path: Path, make: Callable[[Path], list[str]], expected: str) -> None:
    write_tiny_content(tmp_path / "c")
    result = run_cli(tmp_path, *make(tmp_path))  # a hang is a failure
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "unexpectedly" not in result.stderr and not (tmp_path / "o").exists()


def test_read_input_refuses_a_device_before_reading_and_caps_the_size(tmp_path: Path
                                                                      ) -> None:
    with pytest.raises(InputFileError, match=r"not a regular file \(a device\)"):
        read_input(Path("/dev/zero"), 10)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" * 100)
    with pytest.raises(InputFileError, match="must be under"):
        read_input(big, 100)
    assert read_input(big, 500) == b"a: 1\n" * 100
    with pytest.raises(InputFileError, match="is a folder"):
        read_input(tmp_path, 100)


@pytest.mark.parametrize("text", ["a = " + "[" * 3000 + "]" * 3000,
                                  "a = " + "{ b = " * 3000 + "}" * 3000],
                         ids=["arrays", "inline-tables"])
def test_toml_nested_thousands_deep_is_a_located_config_error(tmp_path: Path,
                                                              text: str) -> None:
    config = tmp_path / "osteo-print.toml"
    config.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(config)
    [problem] = info.value.problems
    assert problem.file.endswith("osteo-print.toml") and "nested too deeply" in problem.message


def test_deep_toml_through_the_cli_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "osteo-print.toml").write_text("a = " + "[" * 3000 + "]" * 3000, "utf-8")
    result = CliRunner().invoke(cli, ["build", "--config", str(tmp_path / "osteo-print.toml"),
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "osteo-print.toml: broken TOML: values are nested too deeply" in result.output
    assert "unexpectedly" not in result.output


def test_an_audience_file_nested_too_deeply_is_a_located_error(tmp_path: Path) -> None:
    folder = tmp_path / "audiences" / "deep"
    folder.mkdir(parents=True)
    (folder / "audience.toml").write_text("a = " + "[" * 3000 + "]" * 3000, "utf-8")
    with pytest.raises(ContentError) as info:
        load_audience("deep", [tmp_path / "audiences"])
    [problem] = info.value.problems
    assert "audience.toml" in problem.file and "nested too deeply" in problem.message


def test_yaml_nested_too_deeply_for_the_parser_is_a_located_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # libyaml stops at its own depth limit; the pure-Python parser (PyYAML without
    # libyaml) recurses until Python's limit instead.
    monkeypatch.setattr(yamlfile, "_Loader", yaml.SafeLoader)
    path = tmp_path / "deep.yaml"
    # Deep enough for the parser's own recursion to fail (shallower, it is the data's
    # depth check that stops it), and no deeper: each level costs the parser time.
    path.write_text("a: " + "[" * 800 + "]" * 800, "utf-8")
    with pytest.raises(yamlfile.YamlFileError) as info:
        yamlfile.load_yaml(path)
    assert info.value.problem.file.endswith("deep.yaml")
    assert info.value.problem.message == "data is nested too deeply"


# --- Links in the content folder ------------------------------------------------------


def test_a_content_file_linking_outside_is_refused_by_name(content_copy: Path,
                                                           tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.move(content_copy / STAGES, outside / "stages.yaml")
    (content_copy / STAGES).symlink_to(outside / "stages.yaml")
    found = content_problems(content_copy)
    assert any(p.startswith(str(content_copy / STAGES)) and "is a link to" in p
               and "outside the content folder" in p for p in found), found


def test_a_content_folder_linking_outside_is_refused_by_name(content_copy: Path,
                                                             tmp_path: Path) -> None:
    variant = content_copy / "en" / "handouts" / "easy-read"
    shutil.move(variant, tmp_path / "easy-read")
    variant.symlink_to(tmp_path / "easy-read")
    found = content_problems(content_copy)
    assert found == [f"{variant}: is a link to {tmp_path / 'easy-read'}, outside the content "
                     "folder; osteo-print reads only files inside it: copy the file in "
                     "instead of linking to it"]


def test_the_handouts_folder_linking_outside_is_refused(content_copy: Path,
                                                        tmp_path: Path) -> None:
    handouts = content_copy / "en" / "handouts"
    shutil.move(handouts, tmp_path / "handouts")
    handouts.symlink_to(tmp_path / "handouts")
    found = content_problems(content_copy)
    assert any(p.startswith(f"{handouts}: is a link to") for p in found), found


def test_links_inside_the_content_or_project_folder_are_fine(tmp_path: Path) -> None:
    project = tmp_path / "project"
    content = project / "content"
    shutil.copytree(BUILTIN_CONTENT, content)
    (project / "shared").mkdir()
    shutil.move(content / STAGES, project / "shared" / "stages.yaml")
    (content / STAGES).symlink_to(project / "shared" / "stages.yaml")
    shutil.move(content / "sources.yaml", content / "en" / "sources.yaml")
    (content / "sources.yaml").symlink_to("en/sources.yaml")
    loaded = load_content(content, roots=(project,))
    assert loaded.has("en", "stages")
    # The project's folder is allowed only when it is given.
    assert any("stages.yaml: is a link to" in p for p in content_problems(content))


def test_a_loop_of_links_is_a_located_error(content_copy: Path) -> None:
    folder = content_copy / "en" / "handouts"
    (folder / "a.yaml").symlink_to("b.yaml")
    (folder / "b.yaml").symlink_to("a.yaml")
    found = content_problems(content_copy)
    assert f"{folder / 'a.yaml'}: a loop of symbolic links" in found
    assert f"{folder / 'b.yaml'}: a loop of symbolic links" in found


@pytest.mark.parametrize("target", [".", "..", "../.."])
def test_a_folder_linking_to_a_folder_that_holds_it_is_a_located_error(
        content_copy: Path, target: str) -> None:
    link = content_copy / "en" / "handouts" / "again"
    link.symlink_to(target)
    found = content_problems(content_copy)
    assert found == [f"{link}: is a link to {os.path.realpath(link)}, a folder that holds "
                     "it: a loop; remove the link"]


def test_a_link_in_a_project_through_the_cli_names_the_link(tmp_path: Path) -> None:
    project = tmp_path / "clinic"
    shutil.copytree(BUILTIN_CONTENT, project / "content")
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2\n", "utf-8")
    (project / "content" / "en" / "handouts" / "secret.yaml").symlink_to(secret)
    (project / "osteo-print.toml").write_text('[defaults]\ncontent = "content"\n', "utf-8")
    result = CliRunner().invoke(cli, ["build", "--config", str(project / "osteo-print.toml"),
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "handouts/secret.yaml: is a link to" in result.output
    assert "hunter2" not in result.output and not (tmp_path / "o").exists()


# --- The logo ---------------------------------------------------------------------------


def _project_with_logo(folder: Path, logo: bytes, name: str = "logo.png") -> Path:
    folder.mkdir(parents=True)
    (folder / name).write_bytes(logo)
    config = folder / "osteo-print.toml"
    config.write_text(f'[clinic]\nname = "Riverside"\nlogo = "{name}"\n', "utf-8")
    return config


def test_a_huge_png_logo_is_refused_from_its_header(tmp_path: Path) -> None:
    config = _project_with_logo(tmp_path / "p", BOMB)
    with pytest.raises(ConfigError) as info:
        load_config(config)
    [problem] = info.value.problems
    assert problem.key == "clinic.logo" and problem.line == 3
    assert "20000 × 20000 pixels (400 megapixels)" in problem.message
    assert "at most 40 megapixels" in problem.message


def test_a_huge_png_logo_through_the_cli_is_a_located_error(tmp_path: Path) -> None:
    config = _project_with_logo(tmp_path / "p", BOMB)
    result = CliRunner().invoke(cli, ["build", "--config", str(config),
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "osteo-print.toml:3: clinic.logo:" in result.output
    assert "20000 × 20000" in result.output and "unexpectedly" not in result.output


@needs_fifo
def test_a_logo_that_is_a_pipe_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    os.mkfifo(folder / "logo.png")
    (folder / "osteo-print.toml").write_text('[clinic]\nname = "R"\nlogo = "logo.png"\n')
    with pytest.raises(ConfigError, match="mistakes") as info:
        load_config(folder / "osteo-print.toml")
    assert "logo.png: is not a regular file (a pipe)" in str(info.value.problems[0])


def test_a_logo_outside_the_project_does_not_widen_what_pages_may_read(
        tmp_path: Path) -> None:
    pdf = pytest.importorskip("osteo_print.pdf")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "logo.png").write_bytes(png(4, 4))
    (shared / "secret.txt").write_text("patient list", "utf-8")
    config = _project_with_logo(tmp_path / "clinic", png(2, 2), "unused.png")
    config.write_text(f'[clinic]\nname = "R"\nlogo = "{shared / "logo.png"}"\n', "utf-8")
    project = open_project(config)
    assert not any(root == shared or shared.is_relative_to(root) for root in project.roots)
    fetcher = pdf.ProjectFetcher(project.roots)
    with pytest.raises(pdf.RefusedURL, match="outside"):
        fetcher.fetch((shared / "secret.txt").as_uri())
    # The page gets the logo's bytes, named by their content.
    assert project.clinic is not None and project.clinic.logo_url is not None
    assert project.clinic.logo_url.startswith("data:image/png;base64,")
    assert str(shared) not in project.clinic.logo_url
    response = fetcher.fetch(project.clinic.logo_url)
    assert response.read() == png(4, 4)


def test_the_same_project_in_two_folders_gives_the_same_pdf(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from osteo_print.build import build
    from osteo_print.options import BuildOptions

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    first = _project_with_logo(tmp_path / "one" / "riverside", png(40, 20))
    write_tiny_content(first.parent / "content")  # the project's own (tiny) content
    # A picture of the clinic's own templates, read from its folder, too.
    (first.parent / "templates" / "blocks").mkdir(parents=True)
    (first.parent / "templates" / "badge.png").write_bytes(png(8, 8))
    (first.parent / "templates" / "blocks" / "paragraph.html").write_text(
        '<p>{{ block.text }}</p><img src="badge.png" alt="" style="width: 8pt">\n', "utf-8")
    second = tmp_path / "two" / "elsewhere" / "riverside"
    shutil.copytree(first.parent, second)
    pdfs = []
    for config in (first, second / "osteo-print.toml"):
        out = config.parent / "output"
        build(BuildOptions(config_path=config, content_dir=config.parent / "content",
                           out_dir=out, documents=("stages",), quizzes=(), jobs=1))
        [pdf] = sorted(out.glob("*.pdf"))
        pdfs.append(pdf.read_bytes())
    assert pdfs[0].count(b"/Subtype /Image") == 2  # the logo and the badge
    assert pdfs[0] == pdfs[1]


# --- The fetcher: real paths, SVGs, bombs ---------------------------------------------


@pytest.fixture
def fetcher(tmp_path: Path):
    pdf = pytest.importorskip("osteo_print.pdf")
    (tmp_path / "root").mkdir()
    return pdf.ProjectFetcher([tmp_path / "root"])


def test_the_fetcher_refuses_a_link_inside_a_root_that_points_outside(
        fetcher, tmp_path: Path) -> None:
    from osteo_print.pdf import RefusedURL

    (tmp_path / "outside.css").write_text("p { color: red }", "utf-8")
    (tmp_path / "root" / "style.css").symlink_to(tmp_path / "outside.css")
    (tmp_path / "root" / "inside.css").write_text("p { color: blue }", "utf-8")
    (tmp_path / "root" / "alias.css").symlink_to("inside.css")
    with pytest.raises(RefusedURL, match="is a link to .*outside"):
        fetcher.fetch((tmp_path / "root" / "style.css").as_uri())
    assert fetcher.fetch((tmp_path / "root" / "alias.css").as_uri()).read() == \
        b"p { color: blue }"


def test_the_fetcher_refuses_loops_pipes_and_bombs(fetcher, tmp_path: Path) -> None:
    from osteo_print.pdf import RefusedURL

    root = tmp_path / "root"
    (root / "loop.png").symlink_to("loop.png")
    with pytest.raises(RefusedURL, match="loop of symbolic links"):
        fetcher.fetch((root / "loop.png").as_uri())
    (root / "bomb.png").write_bytes(BOMB)
    with pytest.raises(RefusedURL, match="20000 × 20000 pixels"):
        fetcher.fetch((root / "bomb.png").as_uri())
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "pipe.png")
        with pytest.raises(RefusedURL, match=r"not a regular file \(a pipe\)"):
            fetcher.fetch((root / "pipe.png").as_uri())
    assert len(fetcher.refused) == 3 if hasattr(os, "mkfifo") else 2


def test_a_bomb_that_pillow_refuses_while_rendering_is_a_refusal() -> None:
    pdf = pytest.importorskip("osteo_print.pdf")
    from PIL import Image
    from weasyprint.images import ImageLoadingError

    error = ImageLoadingError()
    error.__cause__ = Image.DecompressionBombError("Image size (400000000 pixels) exceeds")
    refused: list = []
    with pdf._captured_warnings(refused) as said:
        logging.getLogger("weasyprint").error("Failed to load image at %r: %s",
                                              "file:///x/big.gif", error)
    assert [r.url for r in refused] == ["file:///x/big.gif"] and said == []


def _svg_project(tmp_path: Path, href: str) -> Path:
    project = tmp_path / "clinic"
    blocks = project / "templates" / "blocks"
    blocks.mkdir(parents=True)
    (project / "templates" / "chart.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        ' width="40" height="40"><rect width="40" height="40" fill="#0b5394"/>'
        f'<image href="{href}" width="20" height="20"/></svg>', "utf-8")
    (blocks / "qa.html").write_text('<p>Chart</p>\n<img src="chart.svg" alt="chart">\n',
                                    "utf-8")
    config = project / "osteo-print.toml"
    config.write_text("", "utf-8")
    return config


# Each renders a handout: the fast suite refuses a file, -m slow a network address too
# (test_fetcher.py refuses both from a template, fast).
@pytest.mark.parametrize("href", ["file:///etc/passwd",
                                  pytest.param("http://127.0.0.1:9/x.png",
                                               marks=pytest.mark.slow)])
def test_a_refused_fetch_inside_an_svg_stops_the_build(tmp_path: Path, href: str) -> None:
    config = _svg_project(tmp_path, href)
    result = CliRunner().invoke(cli, ["build", "lifestyle", "--config", str(config),
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code != 0, result.output
    assert "will not read" in result.output and href in result.output
    assert "Failed to render SVG" not in result.output
    assert not list((tmp_path / "o").glob("*.pdf")) if (tmp_path / "o").exists() else True
