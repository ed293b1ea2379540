"""Indexing jobs: an upload is checked and stored while the client waits (a second or so), then
answered with a job (202); the indexing itself runs here, in the background, one job at a time
(embedding takes the CPU whole), so a slow scan or a big batch never holds a connection open until
a client gives up. A client follows the job at `GET /v1/knowledge_bases/{name}/jobs/{id}`.

A job that fails leaves the index as it was (the index is swapped in whole or not at all) and its
uploads are dropped again; the job says why, with the error's stable code."""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from rag.errors import RagError

KEPT = 500  # finished jobs remembered; the oldest are forgotten first


class UnknownJob(RagError):
    """No job of this id (in this knowledge base), or one finished long ago and forgotten."""


@dataclass
class Job:
    id: str
    knowledge_base: str
    files: tuple[str, ...]
    state: str = "queued"  # queued | running | done | failed
    stage: str = ""  # what the indexer is doing now: "read", "ocr NAME", "embed"
    done: int = 0
    total: int = 0
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # read, embed: (done, total) so far
    warnings: list[str] = field(default_factory=list)  # as they come, before the report
    report: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None

    @property
    def over(self) -> bool:
        return self.state in ("done", "failed")

    def to_json(self) -> dict[str, Any]:
        report = dict(self.report or {})
        report.pop("index_dir", None)  # the server's own folders are none of the client's business
        (read, files), (embedded, chunks) = self.counts.get("read", (0, 0)), self.counts.get("embed", (0, 0))
        return {
            "id": self.id,
            "object": "job",
            "knowledge_base": self.knowledge_base,
            "state": self.state,
            "files": list(self.files),
            "progress": {
                "stage": self.stage,
                "done": self.done,
                "total": self.total,
                "files_read": read,
                "files": files,
                "chunks_embedded": embedded,
                "chunks": chunks,
            },
            "report": report or None,
            "warnings": list(report["warnings"]) if "warnings" in report else list(self.warnings),
            "error": self.error,
            "created": int(self.created),
            "finished": int(self.finished) if self.finished else None,
        }


class Jobs:
    """The jobs of one server: a queue worked by one thread, and what each job has come to."""

    def __init__(self, describe_error: Callable[[Exception], tuple[str, str]]):
        """`describe_error(exc)` gives (message, code) for a job that failed."""
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rag-index")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._describe = describe_error

    def submit(
        self,
        knowledge_base: str,
        files: Sequence[str],
        index: Callable[[Callable[[str, int, int], None], Callable[[str], None]], Any],
    ) -> tuple[Job, Future]:
        """Queue `index(progress, warn)`, whose result has `to_json()` (an IndexReport); `files`
        names what the job takes in (file names, or web addresses)."""
        job = Job(uuid.uuid4().hex[:16], knowledge_base, tuple(files))
        with self._lock:
            self._jobs[job.id] = job
            self._forget()
        return job, self._pool.submit(self._run, job, index)

    def get(self, knowledge_base: str, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.knowledge_base != knowledge_base:
            raise UnknownJob(
                f"no job {job_id[:40]!r} in knowledge base {knowledge_base!r} (the last {KEPT} finished jobs are kept)"
            )
        return job

    def of(self, knowledge_base: str) -> list[Job]:
        with self._lock:
            return [j for j in self._jobs.values() if j.knowledge_base == knowledge_base]

    def _run(self, job: Job, index: Callable) -> Job:
        job.state = "running"

        def progress(stage: str, done: int, total: int) -> None:
            job.stage, job.done, job.total = stage, done, total
            if stage in ("read", "embed"):
                job.counts[stage] = (done, total)

        try:
            job.report = index(progress, job.warnings.append).to_json()
            job.state = "done"
        except Exception as exc:  # noqa: BLE001 - the job says what went wrong; the server stays up
            message, code = self._describe(exc)
            job.error, job.state = {"message": message, "code": code}, "failed"
        job.finished = time.time()
        return job

    def _forget(self) -> None:
        finished = [j.id for j in self._jobs.values() if j.over]
        for job_id in finished[: max(0, len(finished) - KEPT)]:
            del self._jobs[job_id]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
