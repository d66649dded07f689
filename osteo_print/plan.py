"""The build plan: one independent job per output document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from osteo_print.errors import UsageError
from osteo_print.models import HANDOUTS


@dataclass(frozen=True, order=True)
class Job:
    """One document to render, for one audience, language and paper size."""

    kind: str
    document: str
    audience: str
    lang: str
    paper: str
    version: str | None = None

    @property
    def stem(self) -> str:
        """The output file name without extension; unique per job."""
        parts = [self.document, self.audience, self.lang, self.paper]
        if self.version:
            parts.append(self.version)
        return "_".join(parts)


def plan_handouts(documents: Sequence[str], audiences: Sequence[str], langs: Sequence[str],
                  papers: Sequence[str]) -> list[Job]:
    """Return one job per handout x audience x language x paper, in a stable order."""
    unknown = [d for d in documents if d not in HANDOUTS]
    if unknown:
        raise UsageError(
            f"Unknown document {', '.join(map(repr, unknown))}. "
            f"Known documents: {', '.join(HANDOUTS)} (see 'osteo-print list').")
    chosen = [d for d in HANDOUTS if not documents or d in documents]
    return [Job("handout", d, a, lang, p)
            for lang in langs for a in audiences for p in papers for d in chosen]
