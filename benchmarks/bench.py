"""Time osteo-print's builds against WeasyPrint alone, in one run on this machine.

    python benchmarks/bench.py            # about two minutes on two cores

Measures:
  1. a cold build of the default documents (5 handouts, quiz, key) with --jobs 1,
     against WeasyPrint alone rendering the same HTML files in one process
     (target: at most 1.15 times as long);
  2. the full matrix (4 audiences x 2 languages x 2 papers, 112 PDFs) with --jobs 2
     against --jobs 1 (target: at most 0.6 times as long), and that both give the
     same bytes;
  3. a no-op rebuild against a cold build (target: at most 5 %);
  4. 26 quiz versions with their keys;
  5. `osteo-print --help` and `--version` (target: at most 0.15 s each);
  6. `quiz --versions 26` with its keys against auto-multiple-choice's `prepare` of 26
     shuffled copies of a quiz with as many questions (target: at most 2 times as
     long; the AMC row is left out when `auto-multiple-choice` is not installed:
     `apt-get install auto-multiple-choice`), and a class set of 24 sheets from 3
     versions, against the same 3 versions without the set (the composing's cost).
Every figure is the median of several runs of a fresh process. Timings never run in
the test suite.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
MATRIX = ["--audience", "all", "--lang", "en", "--lang", "es", "--paper", "letter",
          "--paper", "a4"]

WEASYPRINT_ALONE = r'''
import sys
from pathlib import Path
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from osteo_print.paths import BUILTIN_TEMPLATES
fonts = FontConfiguration()
for path in sorted(Path(sys.argv[1]).glob("*.html")):
    page = weasyprint.HTML(string=path.read_text("utf-8"),
                           base_url=BUILTIN_TEMPLATES.as_uri() + "/")
    page.write_pdf(font_config=fonts, pdf_variant="pdf/ua-1")
'''


def run(args: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def osteo(*args: str) -> list[str]:
    return [PYTHON, "-m", "osteo_print", *args, "--quiet"]


def amc_prepare(work: Path, questions: int, copies: int) -> float | None:
    """Seconds auto-multiple-choice's prepare takes for ``copies`` shuffled copies of a
    quiz of ``questions`` three-option questions (subject, solution and catalog), or
    None when AMC is not installed."""
    if shutil.which("auto-multiple-choice") is None:
        return None
    items = "\n".join(
        f"\\element{{all}}{{\\begin{{question}}{{q{n}}}Question {n}: which of these is "
        "right about bone health?\\begin{choices}\\correctchoice{The right answer}"
        "\\wrongchoice{A wrong answer}\\wrongchoice{Another wrong answer}"
        "\\end{choices}\\end{question}\\par}" for n in range(1, questions + 1))
    tex = ("\\documentclass[a4paper]{article}\\usepackage[T1]{fontenc}"
           "\\usepackage[box,completemulti]{automultiplechoice}\\begin{document}\n"
           f"{items}\n\\onecopy{{{copies}}}{{\\noindent{{\\bf Bone health quiz}}"
           "\\namefield{Name:}\\par\\shufflegroup{all}\\insertgroup{all}"
           "\\AMCcleardoublepage}\n\\end{document}\n")
    project = work / "amc"

    def setup() -> None:
        shutil.rmtree(project, ignore_errors=True)
        (project / "data").mkdir(parents=True)
        (project / "quiz.tex").write_text(tex, "utf-8")

    args = ["auto-multiple-choice", "prepare", "--mode", "s", "--prefix", f"{project}/",
            "--data", str(project / "data"), str(project / "quiz.tex")]
    times = []
    for _ in range(3):
        setup()
        started = time.perf_counter()
        subprocess.run(args, cwd=work, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)  # LaTeX's log goes to stderr
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def median_of(times: int, setup, args: list[str], cwd: Path) -> float:
    results = []
    for _ in range(times):
        setup()
        results.append(run(args, cwd))
    return statistics.median(results)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.iterdir() if p.suffix in (".pdf", ".json")}


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="osteo-bench-"))
    out = work / "out"

    def clean() -> None:
        shutil.rmtree(out, ignore_errors=True)

    print(f"osteo-print benchmark, Python {sys.version.split()[0]}, in {work}")
    run(osteo("build", "--html", "--out", str(work / "html")), work)  # warm disk caches
    rows = []

    alone = median_of(3, lambda: None, [PYTHON, "-c", WEASYPRINT_ALONE, str(work / "html")],
                      work)
    cold = median_of(3, clean, osteo("build", "--jobs", "1", "--out", str(out)), work)
    rows.append(("cold build (7 PDFs), --jobs 1", cold, "WeasyPrint alone", alone,
                 cold / alone, "<= 1.15"))
    cold_default = median_of(3, clean, osteo("build", "--out", str(out)), work)
    rows.append(("cold build (7 PDFs), default --jobs", cold_default, "WeasyPrint alone",
                 alone, cold_default / alone, "(for reference)"))

    noop = median_of(5, lambda: None, osteo("build", "--out", str(out)), work)
    rows.append(("no-op rebuild", noop, "cold build", cold_default, noop / cold_default,
                 "<= 0.05"))

    one, two = work / "jobs1", work / "jobs2"
    serial = run(osteo("build", *MATRIX, "--jobs", "1", "--out", str(one)), work)
    parallel = run(osteo("build", *MATRIX, "--jobs", "2", "--out", str(two)), work)
    same = digests(one) == digests(two)
    rows.append(("full matrix (112 PDFs), --jobs 2", parallel, "--jobs 1", serial,
                 parallel / serial, "<= 0.6"))

    script = str(Path(PYTHON).with_name("osteo-print"))
    command = [script] if Path(script).exists() else [PYTHON, "-m", "osteo_print"]
    help_time = median_of(7, lambda: None, [*command, "--help"], work)
    version_time = median_of(7, lambda: None, [*command, "--version"], work)

    quiz = run(osteo("quiz", "--versions", "26", "--jobs", "1", "--out", str(work / "q1")),
               work)
    quiz2 = median_of(3, lambda: shutil.rmtree(work / "q2", ignore_errors=True),
                      osteo("quiz", "--versions", "26", "--out", str(work / "q2")), work)
    key = json.loads((work / "q2" / "quiz-key_general_en_letter_A.json").read_text("utf-8"))
    amc = amc_prepare(work, len(key["questions"]), 26)
    if amc is not None:
        rows.append(("quiz --versions 26 with keys", quiz2, "AMC prepare, 26", amc,
                     quiz2 / amc, "<= 2.0"))
    three = median_of(3, lambda: shutil.rmtree(work / "q3", ignore_errors=True),
                      osteo("quiz", "--versions", "3", "--out", str(work / "q3")), work)
    class_set = median_of(3, lambda: shutil.rmtree(work / "q3", ignore_errors=True),
                          osteo("quiz", "--versions", "3", "--class-size", "24", "--out",
                                str(work / "q3")), work)
    rows.append(("class set, 3 versions x 24 sheets", class_set, "the 3 versions alone",
                 three, class_set / three, "(for reference)"))

    print()
    print(f"{'measure':38} {'seconds':>8}   {'against':18} {'seconds':>8}  {'ratio':>6}  target")
    for name, mine, other, theirs, ratio, target in rows:
        print(f"{name:38} {mine:8.2f}   {other:18} {theirs:8.2f}  {ratio:6.2f}  {target}")
    print(f"{'osteo-print --help':38} {help_time:8.2f}   {'':18} {'':8}  {'':6}  <= 0.15 s")
    print(f"{'osteo-print --version':38} {version_time:8.2f}   {'':18} {'':8}  {'':6}  <= 0.15 s")
    print(f"{'26 quiz versions + keys, --jobs 1':38} {quiz:8.2f}")
    print(f"{'26 quiz versions + keys, default --jobs':38} {quiz2:8.2f}")
    print(f"\n--jobs 1 and --jobs 2 wrote identical files: {same}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
