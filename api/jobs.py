"""Runs executed outside the requests: a small thread pool, progress, cancellation.

A job is a scenario or a nowcast handed to :func:`twin.run.run_scenario` or
:func:`twin.nowcast.run_nowcast`. Its id (hex) is the run's one id: the name of its output
folder ``<data_dir>/runs/<id>`` and the id of its record in the twin's ``runs`` table
(:mod:`twin.runs`), so a run is still listed (with its summary) after the service restarts.
Progress and cancellation of the runs under way live here, in memory.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.metrics import RUNS_FAILED, RUNS_FINISHED, RUNS_STARTED

__all__ = ["Job", "JobQueue", "RunCancelledError"]

_log = logging.getLogger("api.jobs")


class RunCancelledError(Exception):
    """Raised inside a run's progress callback to stop it when it was cancelled."""


@dataclass
class Job:
    """A run submitted through the API.

    Attributes
    ----------
    job_id
        The run's id in the API (also its folder name).
    kind
        ``scenario`` or ``nowcast``.
    name
        Scenario name (or ``nowcast``).
    status
        ``queued``, ``running``, ``finished``, ``failed`` or ``cancelled``.
    stage, progress
        The stage under way and the fraction done (0-1).
    """

    job_id: str
    kind: str
    name: str
    out_dir: Path
    submitted: datetime
    status: str = "queued"
    stage: str = "queued"
    progress: float = 0.0
    error: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    future: Future[Any] | None = None

    def report(self, stage: str, fraction: float) -> None:
        """Progress callback for the twin (raises :class:`RunCancelledError` once cancelled)."""
        if self.cancel.is_set():
            raise RunCancelledError(f"run {self.job_id} was cancelled")
        self.stage = stage
        self.progress = max(self.progress, min(1.0, float(fraction)))


class JobQueue:
    """The pool of worker threads and the jobs it knows.

    Parameters
    ----------
    runs_dir
        Folder under which each job writes ``<job_id>/``.
    workers
        Runs executed at once.
    on_finished
        Called with (job, result) when a run finishes (e.g. to hand a nowcast to dispatch).
    """

    def __init__(
        self,
        runs_dir: Path,
        workers: int = 1,
        on_finished: Callable[[Job, Any], None] | None = None,
    ) -> None:
        self.runs_dir = Path(runs_dir)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="twin-run")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._on_finished = on_finished

    def submit(self, kind: str, name: str, work: Callable[[Job], Any]) -> Job:
        """Queue ``work(job)``; it runs in a worker thread and reports through ``job.report``."""
        job_id = uuid.uuid4().hex
        job = Job(job_id, kind, name, (self.runs_dir / job_id).resolve(), datetime.now(UTC))
        with self._lock:
            self._jobs[job_id] = job
        job.future = self._pool.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Callable[[Job], Any]) -> None:
        if job.cancel.is_set():
            job.status = "cancelled"
            return
        job.status, job.stage = "running", "starting"
        RUNS_STARTED.labels(job.kind).inc()
        try:
            result = work(job)
        except RunCancelledError:
            job.status, job.stage = "cancelled", "cancelled"
            return
        except Exception as exc:
            job.status, job.stage = "failed", "failed"
            job.error = str(exc) or type(exc).__name__
            RUNS_FAILED.labels(job.kind).inc()
            _log.warning(
                "run %s (%s %s) failed: %s: %s",
                job.job_id,
                job.kind,
                job.name,
                type(exc).__name__,
                exc,
                exc_info=exc,
                extra={"run_id": job.job_id, "kind": job.kind},
            )
            return
        job.status, job.stage, job.progress = "finished", "done", 1.0
        RUNS_FINISHED.labels(job.kind).inc()
        if self._on_finished is not None:
            try:
                self._on_finished(job, result)
            except Exception as exc:
                _log.warning(
                    "after run %s: %s: %s",
                    job.job_id,
                    type(exc).__name__,
                    exc,
                    exc_info=exc,
                    extra={"run_id": job.job_id, "kind": job.kind},
                )

    def get(self, job_id: str) -> Job | None:
        """The job with this id, if it was submitted since the service started."""
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        """Every job known, newest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.submitted, reverse=True)

    def cancel(self, job_id: str) -> Job | None:
        """Ask a job to stop: a queued one never starts, a running one stops at its next
        progress report. Returns the job, or None when unknown."""
        job = self.get(job_id)
        if job is None:
            return None
        if job.status in ("queued", "running"):
            job.cancel.set()
            if job.future is not None and job.future.cancel():
                job.status = job.stage = "cancelled"
        return job

    def shutdown(self) -> None:
        """Cancel what waits and stop the threads (runs under way are asked to stop)."""
        for job in self.jobs():
            job.cancel.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
