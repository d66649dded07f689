"""The typed-answers template: a CSV to type a class's answers into, for clinics
without a scanner (``osteo-print score --answers typed.csv`` reads it back).

Columns: ``person, class_id, quiz, version, code, 1, 2, ... N``, one row per sheet. A
cell holds the letters ticked: ``B``; multiple select ``AC``; matching one letter per
prompt in printed order, ``BDA``; empty for no answer (docs/design/scoring.md).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from osteo_print.plan import Job

HEAD = ["person", "class_id", "quiz", "version", "code"]


def typed_answers_name(job: Job) -> str:
    """The template's file name beside the key, e.g.
    ``quiz-pre-answers_general_en_letter_A.csv``."""
    parts = [f"{job.document}-answers", job.audience, job.lang, job.paper]
    if job.version:
        parts.append(job.version)
    return "_".join(parts) + ".csv"


def typed_answers_csv(quiz: str, sheets: Iterable[tuple[str, str]], questions: int) -> bytes:
    """The header and one row per sheet, (version letter, code): the quiz, version and
    code filled in, the person and the answers left empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEAD + [str(n) for n in range(1, questions + 1)])
    for letter, code in sheets:
        writer.writerow(["", "", quiz, letter, code] + [""] * questions)
    return out.getvalue().encode("utf-8")
