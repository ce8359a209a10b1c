"""`ObservedStore`: the store, watched at the points where a brief job changes state.

The job runner moves a job through the store (claim, progress by stage, outcomes, finish or fail),
so the store is where its stages can be timed and its log context set without the runner knowing:

- the request ID of the request that queued a job travels with the job (in its `request`, which
  `GET /v1/briefs/<id>` shows), and the thread that runs the job logs with it and the job's ID;
- stage durations, job durations, summary-cache hits and misses, truncated documents and
  sentences dropped by the faithfulness check become Prometheus metrics.

Metrics are best effort: a failure to observe is logged and never fails the job.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Mapping
from contextvars import Token
from dataclasses import dataclass, field
from typing import Any

from service.logs import bind, current_context, unbind
from service.observability import metrics
from service.store import JobRecord, Store

log = logging.getLogger(__name__)

REQUEST_ID = "request_id"
STARTING = "starting"  # from the claim to the first stage the runner reports


@dataclass
class _RunningJob:
    """What this thread knows of the job it runs."""

    job_id: str
    stage: str
    stage_started: float
    claimed: float
    fresh_summaries: int = 0
    ended: bool = False
    log_token: Token[Mapping[str, Any]] | None = field(default=None, repr=False)


class ObservedStore(Store):
    """A `Store` that times brief jobs and carries request IDs into their logs (see module doc).

    Each job is observed in the thread that claimed it (the embedded worker runs a job in one
    thread); stages reported from other threads or processes are not timed.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    # Carry the request ID.

    def create_job(self, request: dict[str, Any], *args: Any, **kwargs: Any) -> JobRecord:
        request_id = current_context().get(REQUEST_ID)
        if request_id is not None:
            request = {**request, REQUEST_ID: request_id}
        return super().create_job(request, *args, **kwargs)

    # Follow the job.

    def queued_job_ids(self, *args: Any, **kwargs: Any) -> list[str]:
        """A worker looking for work is done with its last job: its logs stop naming it."""
        self._forget(None)
        return super().queued_job_ids(*args, **kwargs)

    def claim_job(self, job_id: str, worker: str) -> bool:
        claimed = super().claim_job(job_id, worker)
        if claimed:
            self._start(job_id)
        return claimed

    def record_progress(self, job_id: str, worker: str, done: int, total: int, stage: str) -> bool:
        owned = super().record_progress(job_id, worker, done, total, stage)
        if owned:
            self._enter(job_id, stage)
        return owned

    def record_outcomes(self, job_id: str, owner: str, *args: Any, **kwargs: Any) -> int | None:
        done = super().record_outcomes(job_id, owner, *args, **kwargs)
        stage = kwargs.get("stage", args[-1] if args else None)
        if done is not None and isinstance(stage, str):
            self._enter(job_id, stage)
        return done

    def put_summary(self, key: str, document_id: str, summary: dict[str, Any]) -> bool:
        stored = super().put_summary(key, document_id, summary)
        running = self._running()
        if running is not None:
            running.fresh_summaries += 1
        if (summary.get("facts") or {}).get("truncated"):
            metrics.DOCUMENTS_TRUNCATED.inc()
        return stored

    def finish_job(self, job_id: str, worker: str, result: dict[str, Any]) -> bool:
        finished = super().finish_job(job_id, worker, result)
        if finished:
            self._end(job_id, "done", result)
        return finished

    def fail_job(self, job_id: str, worker: str, reason: str) -> bool:
        failed = super().fail_job(job_id, worker, reason)
        if failed:
            self._end(job_id, "failed", None)
        return failed

    def release_job(self, job_id: str, worker: str) -> bool:
        released = super().release_job(job_id, worker)
        self._forget(job_id)
        return released

    # This thread's job.

    def _running(self, job_id: str | None = None) -> _RunningJob | None:
        running: _RunningJob | None = getattr(self._local, "job", None)
        if running is None or (job_id is not None and running.job_id != job_id):
            return None
        return running

    def _start(self, job_id: str) -> None:
        self._forget(None)  # a job this thread lost without finishing it
        now = time.monotonic()
        running = _RunningJob(job_id, STARTING, now, now)
        self._local.job = running
        try:
            job = self.get_job(job_id)
            request_id = None if job is None else job.request.get(REQUEST_ID)
            running.log_token = bind(job_id=job_id, request_id=request_id)
            if job is not None and job.started_at is not None:
                waited = (job.started_at - job.created_at).total_seconds()
                metrics.JOB_STAGE_SECONDS.labels("queued").observe(max(waited, 0.0))
        except Exception:
            log.exception("job %s: cannot observe its start", job_id, extra={"job_id": job_id})

    def _enter(self, job_id: str, stage: str) -> None:
        running = self._running(job_id)
        if running is None or running.ended or running.stage == stage:
            return
        now = time.monotonic()
        metrics.JOB_STAGE_SECONDS.labels(running.stage).observe(now - running.stage_started)
        running.stage, running.stage_started = stage, now

    def _end(self, job_id: str, status: str, result: dict[str, Any] | None) -> None:
        """Observe the job's end; its log context stays bound for the runner's last words, until
        this thread looks for its next job."""
        running = self._running(job_id)
        if running is None or running.ended:
            return
        running.ended = True
        now = time.monotonic()
        metrics.JOB_STAGE_SECONDS.labels(running.stage).observe(now - running.stage_started)
        metrics.JOB_SECONDS.labels(status).observe(now - running.claimed)
        if result is not None:
            self._count_brief(result, running.fresh_summaries)

    @staticmethod
    def _count_brief(result: dict[str, Any], fresh: int) -> None:
        facts = [f for f in result.get("document_facts") or [] if not f.get("error")]
        metrics.SUMMARY_CACHE.labels("miss").inc(min(fresh, len(facts)))
        metrics.SUMMARY_CACHE.labels("hit").inc(max(len(facts) - fresh, 0))
        dropped = result.get("dropped_sentences")
        if isinstance(dropped, int) and dropped > 0:
            metrics.SENTENCES_DROPPED.inc(dropped)

    def _forget(self, job_id: str | None) -> None:
        running = self._running(job_id)
        if running is None:
            return
        self._local.job = None
        if running.log_token is not None:
            with contextlib.suppress(ValueError, RuntimeError):  # another context's, or undone
                unbind(running.log_token)
