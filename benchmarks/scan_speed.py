"""Time the scan reader (osteo_print.scan) on a synthetic class, at 150 and 300 dpi.

    python benchmarks/scan_speed.py              # a class of 24 pre + 24 post sheets
    python benchmarks/scan_speed.py --sheets 6   # a quick look

Builds the pre and post quizzes' sheets (osteo-print quiz), fills each copy's boxes with
pen-like marks (tests/scanlib.py: ticks, crosses, pencil; a few faint, partial or filled
ones), scans them as a copier would (askew up to 3 degrees, blurred, noisy, JPEG at
quality 60) into one PDF per form and resolution, then reads them with one process and
with a pool of two. Prints pages per second, the time for the whole class (goal: under
15 s on 2 cores), the CPU time it took (what other work on the machine changes least),
the marks read right, and the machine's load before and after, since other work on the
machine slows every wall-clock figure down.

auto-multiple-choice, when installed, is timed on as many pages of its own: a project of
8 three-option questions a copy, its sheets filled and scanned alike, then its
`getimages` and `analyse` (its default number of processes), and how its capture reads
the clear marks with its default threshold.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Only the standard library at the top: the reader's worker processes are spawned, and
# each imports this module again.
TESTS = Path(__file__).resolve().parents[1] / "tests"


def build_sheets(work: Path) -> Path:
    """The pre and post quizzes' sheets and layout maps, in ``work/quiz``."""
    from click.testing import CliRunner

    from osteo_print.cli import cli

    out = work / "quiz"
    result = CliRunner().invoke(cli, ["quiz", "--form", "pre", "--form", "post", "--jobs", "1",
                                      "--quiet", "--out", str(out)])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    return out


def make_class(folder: Path, maps: dict[str, Any], sheets: int, dpi: int, work: Path
               ) -> tuple[list[Path], dict[tuple[str, int], dict[int, str]]]:
    """One scanned PDF per form: ``sheets`` filled copies of its sheet at ``dpi``; and the
    marks drawn, by (file name, page index in the file)."""
    import numpy as np
    from scanlib import distort, fill, plan_marks, render_page, to_pdf

    rng = np.random.default_rng(dpi)
    paths, drawn = [], {}
    for map_path in sorted(folder.glob("*.map.json")):
        data = json.loads(map_path.read_text("utf-8"))
        assert data["hash"] in maps
        pdf = map_path.with_name(map_path.name.removesuffix(".map.json") + ".pdf")
        blank = [render_page(pdf, n, dpi) for n in range(1, len(data["pages"]) + 1)]
        pages: list[Any] = []
        name = f"{data['quiz']}-{dpi}.pdf"
        for _ in range(sheets):
            for number, image in enumerate(blank, 1):
                spec = data["pages"][number - 1]
                marks = plan_marks(spec, rng, ambiguous=1)
                drawn[name, len(pages) + 1] = marks
                page = fill(image, spec, marks, dpi, rng)
                pages.append(distort(page, rng, rotate=rng.uniform(-3, 3), blur=0.7 * dpi / 150,
                                     noise=5, jpeg=60))
        paths.append(work / name)
        to_pdf(pages, dpi, paths[-1], quality=60)
    return paths, drawn


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


def time_reading(paths: list[Path], maps: dict[str, Any], jobs: int
                 ) -> tuple[float, float, Any]:
    """Wall seconds, CPU seconds (this process and its workers) and the result."""
    import resource

    from osteo_print.scan import read_scans

    def cpu() -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    started, used = time.perf_counter(), cpu()
    result = read_scans(paths, maps, jobs=jobs)
    return time.perf_counter() - started, cpu() - used, result


def accuracy(result: Any, drawn: dict[tuple[str, int], dict[int, str]]) -> Any:
    from scanlib import Tally, tally

    total = Tally()
    for reading in result.readings:
        marks = drawn[Path(reading.file).name, reading.index]
        total.add(tally([(b.state, b.share) for b in reading.boxes], marks, str(reading)))
    return total


AMC_QUESTIONS = 8  # three options each: about as many boxes a page as the quiz sheets
AMC_THRESHOLD = 0.15  # auto-multiple-choice's default: a box this dark (share) is ticked


def amc_project(work: Path, copies: int) -> Path:
    """An auto-multiple-choice project of ``copies`` copies of a quiz (prepared: subject,
    layout), as /work/shared/STACK-NOTES.md describes its pipeline."""
    items = "\n".join(
        f"\\element{{all}}{{\\begin{{question}}{{q{n}}}Question {n}: which of these is "
        "right about bone health?\\begin{choices}\\correctchoice{The right answer}"
        "\\wrongchoice{A wrong answer}\\wrongchoice{Another wrong answer}"
        "\\end{choices}\\end{question}\\par}" for n in range(1, AMC_QUESTIONS + 1))
    tex = ("\\documentclass[letterpaper]{article}\\usepackage[T1]{fontenc}"
           "\\usepackage[box,completemulti]{automultiplechoice}\\begin{document}\n"
           f"{items}\n\\onecopy{{{copies}}}{{\\noindent{{\\bf Bone health quiz}}"
           "\\namefield{Name:}\\par\\shufflegroup{all}\\insertgroup{all}"
           "\\AMCcleardoublepage}\n\\end{document}\n")
    project = work / "amc"
    (project / "data").mkdir(parents=True)
    (project / "quiz.tex").write_text(tex, "utf-8")
    amc = ["auto-multiple-choice"]
    for mode in ("s", "b"):
        _quietly([*amc, "prepare", "--mode", mode, "--prefix", f"{project}/", "--data",
                  str(project / "data"), str(project / "quiz.tex")], work)
    _quietly([*amc, "meptex", "--src", str(project / "calage.xy"), "--data",
              str(project / "data")], work)
    return project


def _quietly(args: list[str], cwd: Path) -> None:
    import subprocess

    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # LaTeX's and AMC's logs


def amc_scans(project: Path, dpi: int) -> tuple[Path, dict[tuple[int, int], Any]]:
    """AMC's own sheets, filled and scanned as the class's were; and, by (copy, page),
    the boxes ticked and all the page's boxes, as (question, answer)."""
    import sqlite3

    import numpy as np
    from scanlib import CLEAR_MARKS, distort, fill, render_page, to_pdf

    rng = np.random.default_rng(dpi)
    layout = sqlite3.connect(project / "data" / "layout.sqlite")
    images, drawn = [], {}
    for student, page, subject, layout_dpi in layout.execute(
            "SELECT student, page, subjectpage, dpi FROM layout_page ORDER BY subjectpage"):
        k = 72 / layout_dpi
        boxes = layout.execute(
            "SELECT question, answer, xmin, xmax, ymin, ymax FROM layout_box WHERE student = ?"
            " AND page = ? AND role = 1 ORDER BY question, answer", (student, page)).fetchall()
        spec = {"boxes": [{"x": x0 * k, "y": y0 * k, "w": (x1 - x0) * k, "h": (y1 - y0) * k}
                          for _, _, x0, x1, y0, y1 in boxes]}
        marks = {}
        for question in sorted({b[0] for b in boxes}):
            members = [i for i, b in enumerate(boxes) if b[0] == question]
            marks[int(rng.choice(members))] = str(rng.choice(CLEAR_MARKS))
        image = fill(render_page(project / "sujet.pdf", subject, dpi), spec, marks, dpi, rng)
        images.append(distort(image, rng, rotate=rng.uniform(-3, 3), blur=0.7 * dpi / 150,
                              noise=5, jpeg=60))
        drawn[student, page] = ({boxes[i][:2] for i in marks}, [b[:2] for b in boxes])
    pdf = project / f"scans-{dpi}.pdf"
    to_pdf(images, dpi, pdf, quality=60)
    return pdf, drawn


def amc_read(project: Path, pdf: Path) -> tuple[float, float]:
    """Seconds AMC's getimages and analyse take on ``pdf`` (a fresh capture)."""
    for folder in ("scans", "cr"):
        shutil.rmtree(project / folder, ignore_errors=True)
        (project / folder).mkdir()
    (project / "data" / "capture.sqlite").unlink(missing_ok=True)
    amc = ["auto-multiple-choice"]
    started = time.perf_counter()
    _quietly([*amc, "getimages", "--copy-to", str(project / "scans"), "--list",
              str(project / "list.txt"), str(pdf)], project)
    middle = time.perf_counter()
    _quietly([*amc, "analyse", "--projet", str(project), "--data", str(project / "data"),
              "--cr", str(project / "cr"), "--liste-fichiers", str(project / "list.txt")],
             project)
    return middle - started, time.perf_counter() - middle


def amc_accuracy(project: Path, drawn: dict[tuple[int, int], Any]) -> str:
    """How AMC's capture reads the boxes, with its default threshold."""
    import sqlite3

    capture = sqlite3.connect(project / "data" / "capture.sqlite")
    dark = {(s, p, q, a): black / total for s, p, q, a, total, black in capture.execute(
        "SELECT student, page, id_a, id_b, total, black FROM capture_zone WHERE type = 4"
        " AND total > 0")}
    clear = right = empty = empty_right = 0
    for (student, page), (ticked, boxes) in drawn.items():
        for question, answer in boxes:
            seen = dark.get((student, page, question, answer), -1.0) > AMC_THRESHOLD
            if (question, answer) in ticked:
                clear, right = clear + 1, right + seen
            else:
                empty, empty_right = empty + 1, empty_right + (not seen)
    return (f"clear marks read right {right}/{clear}, empty read empty {empty_right}/{empty} "
            f"(its default threshold, {AMC_THRESHOLD})")


def amc_benchmark(work: Path, pages: int, dpis: list[int]) -> None:
    """auto-multiple-choice on as many pages of its own, filled and scanned alike."""
    if shutil.which("auto-multiple-choice") is None:
        print("\nauto-multiple-choice is not installed (apt-get install auto-multiple-choice):"
              " not compared")
        return
    started = time.perf_counter()
    project = amc_project(work, max(1, pages // 2))
    print(f"\nauto-multiple-choice (prepared in {time.perf_counter() - started:.1f} s):")
    for dpi in dpis:
        pdf, drawn = amc_scans(project, dpi)
        before = load()
        getimages, analyse = amc_read(project, pdf)
        count = len(drawn)
        print(f"  {dpi} dpi, {count} pages: getimages {getimages:4.1f} s + analyse "
              f"{analyse:5.1f} s = {(getimages + analyse) / count * 1000:4.0f} ms a page "
              f"(analyse alone {analyse / count * 1000:4.0f} ms)   [{before}; after: {load()}]")
        print(f"    marks: {amc_accuracy(project, drawn)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sheets", type=int, default=24, help="copies of each form")
    parser.add_argument("--dpi", type=int, action="append", help="150 and 300 by default")
    parser.add_argument("--no-amc", action="store_true", help="leave auto-multiple-choice out")
    args = parser.parse_args()
    sys.path.insert(0, str(TESTS))
    from osteo_print.scan import load_maps

    work = Path(tempfile.mkdtemp(prefix="osteo-scan-bench-"))
    try:
        folder = build_sheets(work)
        maps = load_maps(folder)
        print(f"scan reader benchmark: {args.sheets} pre + {args.sheets} post sheets, in {work}")
        for dpi in args.dpi or [150, 300]:
            paths, drawn = make_class(folder, maps, args.sheets, dpi, work)
            pages = len(drawn)
            print(f"\n{dpi} dpi: {pages} pages, {sum(p.stat().st_size for p in paths) / 1e6:.1f}"
                  " MB of PDF")
            for jobs in (1, 2):
                before = load()
                seconds, cpu, result = time_reading(paths, maps, jobs)
                print(f"  jobs {jobs}: {seconds:5.1f} s, {pages / seconds:5.1f} pages/s, "
                      f"{seconds / pages * 1000:4.0f} ms a page; CPU {cpu:5.1f} s "
                      f"({cpu / pages * 1000:3.0f} ms a page)   [{before}; after: {load()}]")
            print(f"  marks: {accuracy(result, drawn)}")
        if not args.no_amc:
            amc_benchmark(work, 2 * args.sheets * 4, args.dpi or [150, 300])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
