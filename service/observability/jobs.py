"""`JobMetrics`: the job observer of the service's processes, gunicorn's and Celery's alike.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/observability/jobs.py`) says how
and why.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from service.jobs.observe import REQUEST_ID, STARTING, JobObserver
from service.logs import log_context
from service.observability import metrics
from service.pipeline.types import Summary
from service.store import DONE, JobRecord

MERGING = "merging"  # the stage a job is done from


def _seconds(since: datetime | None, until: datetime | None) -> float | None:
    if since is None or until is None:
        return None
    return max((until - since).total_seconds(), 0.0)


class JobMetrics(JobObserver):
    @contextmanager
    def running(self, job: JobRecord) -> Iterator[None]:
        with log_context(job_id=job.id, request_id=job.request.get(REQUEST_ID)):
            yield

    def claimed(self, job: JobRecord) -> None:
        waited = _seconds(job.created_at, job.started_at)
        if waited is not None:
            metrics.JOB_STAGE_SECONDS.labels("queued").observe(waited)

    def stage_ended(self, job: JobRecord) -> None:
        self._observe_stage(job.stage or STARTING, job.stage_started_at, datetime.now(UTC))

    def summarised(self, job_id: str, summary: Summary) -> None:
        metrics.SUMMARY_CACHE.labels("miss").inc()
        if summary.facts.truncated:
            metrics.DOCUMENTS_TRUNCATED.inc()

    def cache_hits(self, job_id: str, count: int) -> None:
        if count > 0:
            metrics.SUMMARY_CACHE.labels("hit").inc(count)

    def ended(self, job: JobRecord) -> None:
        # A done job ends from merging; a failed one in the stage it failed in.
        stage = MERGING if job.status == DONE else (job.stage or STARTING)
        self._observe_stage(stage, job.stage_started_at, job.finished_at)
        seconds = _seconds(job.started_at, job.finished_at)
        if seconds is not None:
            metrics.JOB_SECONDS.labels(job.status).observe(seconds)
        dropped = (job.result or {}).get("dropped_sentences")
        if isinstance(dropped, int) and dropped > 0:
            metrics.SENTENCES_DROPPED.inc(dropped)

    def work_lost(self, step: str) -> None:
        metrics.WORK_LOST.labels(step).inc()

    def work_resent(self, reason: str, count: int) -> None:
        if count > 0:
            metrics.WORK_RESENT.labels(reason).inc(count)

    @staticmethod
    def _observe_stage(stage: str, since: datetime | None, until: datetime | None) -> None:
        seconds = _seconds(since, until)
        if seconds is not None:
            metrics.JOB_STAGE_SECONDS.labels(stage).observe(seconds)
