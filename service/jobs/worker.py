"""The service's background thread: in each service process, a daemon thread that runs queued
brief jobs (`EmbeddedWorker`) or, with `SUMMARY_JOB_BACKEND=celery`, hands them to Celery workers
(`service.jobs.dispatch.CeleryDispatcher`); `background_worker` picks one by the back end.

It needs no extra server: every gunicorn worker process runs one, and the store arbitrates (each
job is claimed atomically by exactly one of them). It starts lazily in the process that serves (on
its first request, or from gunicorn's `post_worker_init`), never at import or app creation, so that
nothing is started in a process that will fork (gunicorn's master with `preload_app`) and a forked
child starts its own thread instead of believing it has one.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from typing import TYPE_CHECKING

from service.config import Settings
from service.jobs.leases import lease_seconds, renew_seconds
from service.jobs.observe import NO_OBSERVER, JobObserver, observe
from service.jobs.run import run_job
from service.store import QUEUED, Store

if TYPE_CHECKING:
    from service.pipeline.runner import Pipeline

log = logging.getLogger(__name__)

ERROR_BACKOFF_SECONDS = 5.0


class BackgroundWorker:
    """The thread, its start, wake-up and stop, and the requeue of stale jobs; `run_pending` is
    what each kind does with the queued jobs."""

    def __init__(
        self,
        store: Store,
        pipeline: Pipeline,
        settings: Settings,
        observer: JobObserver = NO_OBSERVER,
    ) -> None:
        self.store = store
        self.pipeline = pipeline
        self.settings = settings
        self.observer = observer
        self.name: str | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._current_job: str | None = None
        self._last_stale_check = float("-inf")

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._pid == os.getpid()

    def ensure_started(self) -> bool:
        """Start the thread in this process unless it runs already; True when it was started."""
        if self.running:
            return False
        with self._lock:
            if self.running:
                return False
            self._pid = os.getpid()
            self._stop.clear()
            self.name = f"{socket.gethostname()}:{self._pid}:{uuid.uuid4().hex[:6]}"
            self._thread = threading.Thread(target=self._loop, name="brief-worker", daemon=True)
            self._thread.start()
        log.info("embedded worker %s started", self.name)
        return True

    def wake(self) -> None:
        """Look for queued jobs now (call after enqueueing one) instead of at the next poll."""
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the current job (waits up to `timeout` seconds for it)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and self._pid == os.getpid():
            thread.join(timeout)

    def shutdown(self) -> None:
        """Stop now: hand the running job back to the queue, for another process to redo."""
        self._stop.set()
        self._wake.set()
        job_id, name = self._current_job, self.name
        if job_id is not None and name is not None and self.store.release_job(job_id, name):
            log.info("embedded worker %s: job %s handed back to the queue", name, job_id)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.run_pending()
            except Exception:
                log.exception("embedded worker %s: error while looking for jobs", self.name)
                self._stop.wait(ERROR_BACKOFF_SECONDS)
                continue
            self._wake.wait(self.settings.worker_poll_seconds)
        log.info("embedded worker %s stopped", self.name)

    def run_pending(self) -> int:
        """Handle the queued jobs; how many were handled."""
        raise NotImplementedError

    @property
    def stale_seconds(self) -> float:
        """How long a running job may stay silent before it counts as lost: its lease."""
        return lease_seconds(self.settings)

    @property
    def stale_check_seconds(self) -> float:
        """How often to look for stale jobs."""
        return renew_seconds(self.settings)

    def _requeue_stale(self) -> None:
        """At most every `stale_check_seconds`: requeue jobs whose worker went silent."""
        now = time.monotonic()
        if now - self._last_stale_check < self.stale_check_seconds:
            return
        self._last_stale_check = now
        touched = self.store.requeue_stale(self.stale_seconds, self.settings.job_max_attempts)
        if touched:
            log.warning("requeued or failed stale jobs: %s", ", ".join(touched))
        for job_id in touched:
            job = self.store.get_job(job_id)
            observe(self.observer, "work_lost", "job")
            if job is not None and job.status == QUEUED:
                observe(self.observer, "work_resent", "lost_worker", 1)


class EmbeddedWorker(BackgroundWorker):
    """Runs queued jobs in this thread, one at a time (`run_job`)."""

    def run_pending(self) -> int:
        """Run queued jobs, oldest first, until none is left for this worker; how many ran."""
        self._requeue_stale()
        ran = 0
        while not self._stop.is_set():
            for job_id in self.store.queued_job_ids(limit=5):
                if self._run(job_id):
                    ran += 1
                    break
            else:
                return ran  # nothing queued, or every queued job was claimed elsewhere
        return ran

    def _run(self, job_id: str) -> bool:
        heartbeat = renew_seconds(self.settings)
        self._current_job = job_id
        try:
            job = run_job(
                self.store,
                self.pipeline,
                job_id,
                worker=self.name,
                heartbeat_seconds=heartbeat,
                observer=self.observer,
            )
        finally:
            self._current_job = None
        return job is not None
