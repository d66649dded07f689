"""Incremental builds: skip a document whose inputs and output files have not changed.

Each job's key is a hash of everything its page is made from: the tool's and libraries'
versions, the font subsetter, the job itself, the content files it reads, every
template it can reach, the catalogs, the project file and logo, and the build options
that change output, all taken from the build's ``Inputs`` (each file hashed once). The
cache, kept in the output folder, maps each job to its key and the files it wrote with
their hashes. A job is skipped only when its key matches and every one of its files is still
there with the same hash; a corrupt or foreign cache is ignored, never trusted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, astuple
from pathlib import Path
from typing import Any

from osteo_print import __version__
from osteo_print.inputs import Inputs
from osteo_print.paths import BUILTIN_TEMPLATES
from osteo_print.plan import Job
from osteo_print.project import Project
from osteo_print.runner import source_date_epoch
from osteo_print.safefile import InputFileError, read_input
from osteo_print.uptodate import CACHE_LIMIT, CACHE_NAME
from osteo_print.writer import Entry, FileInfo

__all__ = ["CACHE_NAME", "BuildCache", "Keys"]

FORMAT = 1


class Keys:
    """Input hashes for the jobs of one build, from its ``Inputs``: no file read again."""

    def __init__(self, project: Project, inputs: Inputs, options: dict[str, Any]) -> None:
        self.project = project
        self.inputs = inputs
        self.options = options
        self._templates: dict[str, str] = {}
        settings = {k: v for k, v in inputs.settings.items() if k != "options"}
        logo = inputs.role("logo")
        self._shared = self._digest([
            settings, sorted(options.items()),
            inputs.locations(),
            settings["source_date_epoch"] or source_date_epoch(project),
            inputs.hash_of(project.config_path) if project.config_path else "",
            logo.sha256 if logo else "",
            inputs.hash_of(project.content.root / "sources.yaml")])

    def key(self, job: Job) -> str:
        """The hash of everything ``job``'s output depends on."""
        audience = self.project.audiences[job.audience]
        parts = [self._shared, list(astuple(job)), audience.model_dump(mode="json"),
                 self._template_digest(job.audience)]
        parts += [self.inputs.hash_of(p) for p in self._content_files(job, audience.content)]
        return self._digest(parts)

    def _content_files(self, job: Job, variant: str | None) -> list[Path]:
        content = self.project.content
        documents = [job.document] if job.kind == "handout" else content.names(job.lang)
        files: list[Path] = []
        for document in documents:
            files += content.files.get((job.lang, document, variant)) \
                or content.files.get((job.lang, document, None), ())
        if job.kind != "handout":
            files.append(content.root / job.lang / "quiz.yaml")
            if variant:
                files.append(content.root / job.lang / "quiz" / f"{variant}.yaml")
        return files

    def _template_digest(self, audience: str) -> str:
        """Every file of the audience's template folders, the built-in ones last."""
        if audience not in self._templates:
            folders = (*self.project.template_dirs(audience), BUILTIN_TEMPLATES)
            self._templates[audience] = self._digest(
                [(n, self.inputs.files_in(folder)) for n, folder in enumerate(folders)])
        return self._templates[audience]

    @staticmethod
    def _digest(parts: Any) -> str:
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str)
                              .encode("utf-8")).hexdigest()


class BuildCache:
    """The cache file of one output folder."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / CACHE_NAME
        self.out_dir = out_dir
        self.jobs: dict[str, dict[str, Any]] = self._read()
        self.fingerprint: str | None = None  # of the inputs of the build being run
        self.last_build: list[str] = []  # its jobs, in plan order
        self.touched: set[str] = set()  # jobs this build recorded or forgot

    def _read(self) -> dict[str, dict[str, Any]]:
        try:  # a plain file under the cap (never a pipe or /dev/zero), or no cache
            data = json.loads(read_input(self.path, CACHE_LIMIT).decode("utf-8"))
            if data.get("format") != FORMAT or not isinstance(data.get("jobs"), dict):
                return {}
            return {k: v for k, v in data["jobs"].items()
                    if isinstance(v, dict) and isinstance(v.get("key"), str)
                    and isinstance(v.get("files"), list)}
        except (InputFileError, ValueError, AttributeError, RecursionError):
            return {}

    def fresh(self, job: Job, key: str) -> list[Entry] | None:
        """The entries ``job`` wrote last time, if its key and files are unchanged."""
        record = self.jobs.get(job.stem)
        if not record or record.get("key") != key:
            return None
        entries = []
        try:
            for item in record["files"]:
                entry = Entry(item["path"], FileInfo(**item["info"]), item["sha256"])
                target = self.out_dir / entry.path
                if "/" in entry.path or not target.is_file() or \
                        hashlib.sha256(target.read_bytes()).hexdigest() != entry.sha256:
                    return None
                entries.append(entry)
        except (KeyError, TypeError, OSError):
            return None
        return entries or None

    def forget(self, job: Job) -> list[str]:
        """Drop a job's record; return the names of the files it may have written.

        Only names of the job's own files (its stem and a suffix) come back, whatever an
        edited cache says; the writer then deletes one only if the manifest records it
        with the hash the file still has.
        """
        self.touched.add(job.stem)
        record = self.jobs.pop(job.stem, None)
        items = record.get("files") if isinstance(record, dict) else None
        names: list[object] = [item.get("path") for item in items if isinstance(item, dict)
                               ] if isinstance(items, list) else []
        names += [f"{job.stem}.pdf", f"{job.stem}.html", f"{job.stem}.json"]
        own = f"{job.stem}."
        return sorted({n for n in names if isinstance(n, str) and n.startswith(own)
                       and len(n) > len(own) and "/" not in n and "\\" not in n})

    def record(self, job: Job, key: str, entries: Iterable[Entry]) -> None:
        self.touched.add(job.stem)
        self.jobs[job.stem] = {"key": key, "files": [
            {"path": e.path, "info": asdict(e.info), "sha256": e.sha256} for e in entries]}

    def payload(self) -> bytes:
        """The cache file's new bytes: this build's records, and the others as the file
        holds them now (call it with the folder locked: a build that ran alongside may
        have recorded jobs this one did not touch)."""
        jobs = {k: v for k, v in self._read().items() if k not in self.touched}
        jobs.update((k, v) for k, v in self.jobs.items() if k in self.touched)
        data = {"format": FORMAT, "tool": __version__, "fingerprint": self.fingerprint,
                "jobs_of_last_build": self.last_build, "jobs": dict(sorted(jobs.items()))}
        return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8")
