"""The embedded worker: a daemon thread in each service process that runs queued brief jobs.

With `SUMMARY_JOB_BACKEND=celery` the same thread hands queued jobs to Celery workers instead
(`service.jobs.dispatch`), and Celery runs them.

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
from service.jobs.dispatch import CeleryDispatcher
from service.jobs.run import run_job
from service.store import Store

if TYPE_CHECKING:
    from service.pipeline.engine import Pipeline

log = logging.getLogger(__name__)

MAX_HEARTBEAT_SECONDS = 30.0
ERROR_BACKOFF_SECONDS = 5.0


class EmbeddedWorker:
    def __init__(self, store: Store, pipeline: Pipeline, settings: Settings) -> None:
        self.store = store
        self.pipeline = pipeline
        self.settings = settings
        self.name: str | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._current_job: str | None = None
        self._last_stale_check = float("-inf")
        self._dispatcher: CeleryDispatcher | None = None

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
        """Run queued jobs, oldest first, until none is left for this worker; how many ran (with
        the Celery backend: how many were sent to Celery)."""
        self._requeue_stale()
        if self.settings.job_backend == "celery":
            return self.dispatcher.dispatch_pending()
        ran = 0
        while not self._stop.is_set():
            for job_id in self.store.queued_job_ids(limit=5):
                if self._run(job_id):
                    ran += 1
                    break
            else:
                return ran  # nothing queued, or every queued job was claimed elsewhere
        return ran

    @property
    def dispatcher(self) -> CeleryDispatcher:
        if self._dispatcher is None:
            self._dispatcher = CeleryDispatcher(self.store, self.settings)
        return self._dispatcher

    def _run(self, job_id: str) -> bool:
        heartbeat = min(MAX_HEARTBEAT_SECONDS, self.settings.job_stale_seconds / 4)
        self._current_job = job_id
        try:
            job = run_job(
                self.store, self.pipeline, job_id, worker=self.name, heartbeat_seconds=heartbeat
            )
        finally:
            self._current_job = None
        return job is not None

    def _requeue_stale(self) -> None:
        """At most every half stale period: requeue jobs whose worker went silent."""
        stale = self.settings.job_stale_seconds
        if self.settings.job_backend == "celery":
            # A Celery job is silent while its tasks wait in the queue; its lost tasks come back
            # after the broker's visibility timeout. Only a job silent for longer is lost.
            stale = max(stale, 2 * self.settings.celery_visibility_seconds)
        now = time.monotonic()
        if now - self._last_stale_check < stale / 2:
            return
        self._last_stale_check = now
        touched = self.store.requeue_stale(stale, self.settings.job_max_attempts)
        if touched:
            log.warning("requeued or failed stale jobs: %s", ", ".join(touched))
