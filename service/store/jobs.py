"""Brief jobs: a row each, moved between states by conditional UPDATEs.

Every state change is one conditional `UPDATE ... WHERE id = ? AND status = ...`, and once a job
runs, also `AND worker = ?`. So several processes can run workers against one database: exactly one
of them wins each job, and a worker that lost its job (requeued as stale) can no longer write to it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, insert, select, update

from service.store.base import StoreBase
from service.store.records import DONE, FAILED, QUEUED, RUNNING, JobRecord
from service.store.schema import job_outcomes, job_tasks, jobs, summaries

MAX_NOTE_CHARS = 500
ACTIVE_SCAN = 200  # queued jobs active_job_for compares with a new request


def stage_values(stage: str, now: datetime) -> dict[str, Any]:
    """The columns that move a running job to `stage`: it began now, unless the job is in it."""
    return {
        "stage": stage,
        "stage_started_at": case((jobs.c.stage == stage, jobs.c.stage_started_at), else_=now),
    }


class JobStore(StoreBase):
    def create_job(self, request: dict[str, Any], document_ids: list[str]) -> JobRecord:
        job_id = uuid.uuid4().hex
        with self._write() as conn:
            conn.execute(
                insert(jobs).values(
                    id=job_id,
                    status=QUEUED,
                    request=request,
                    document_ids=document_ids,
                    progress_done=0,
                    progress_total=len(document_ids),
                    attempts=0,
                    created_at=self.clock(),
                )
            )
        job = self.get_job(job_id)
        assert job is not None
        return job

    def get_job(self, job_id: str) -> JobRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return None if row is None else JobRecord.from_row(row)

    def count_jobs(self, statuses: Sequence[str]) -> dict[str, int]:
        """How many jobs are in each of `statuses` now (0 for none)."""
        counts = dict.fromkeys(statuses, 0)
        query = (
            select(jobs.c.status, func.count())
            .where(jobs.c.status.in_(list(counts)))
            .group_by(jobs.c.status)
        )
        with self.engine.connect() as conn:
            counts.update({status: int(n) for status, n in conn.execute(query)})
        return counts

    def done_job_for_brief(self, brief_key: str) -> JobRecord | None:
        """The most recently finished job that made the brief named by `brief_key`, if any."""
        query = (
            select(jobs)
            .where(jobs.c.brief_key == brief_key, jobs.c.status == DONE)
            .order_by(jobs.c.finished_at.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else JobRecord.from_row(row)

    def active_job_for(
        self,
        request: dict[str, Any],
        document_ids: Sequence[str],
        brief_key: str | None,
        ignore: Sequence[str] = (),
    ) -> JobRecord | None:
        """A job that will make the brief asked for, the newest first: a running one making
        `brief_key` (same texts, models and settings), or a queued one with the same `request`
        (its `ignore` keys aside, e.g. the request ID) and the same selected `document_ids`
        (it reads their texts when it runs). Only the newest ACTIVE_SCAN queued jobs are looked
        at: a duplicate is found while it waits, which is when it would pile up."""
        wanted = {k: v for k, v in request.items() if k not in ignore}
        with self.engine.connect() as conn:
            if brief_key is not None:
                running = conn.execute(
                    select(jobs)
                    .where(jobs.c.status == RUNNING, jobs.c.brief_key == brief_key)
                    .order_by(jobs.c.created_at.desc())
                    .limit(1)
                ).first()
                if running is not None:
                    return JobRecord.from_row(running)
            queued = conn.execute(
                select(jobs)
                .where(jobs.c.status == QUEUED)
                .order_by(jobs.c.created_at.desc())
                .limit(ACTIVE_SCAN)
            ).all()
        for row in queued:
            job = JobRecord.from_row(row)
            asked = {k: v for k, v in (job.request or {}).items() if k not in ignore}
            if asked == wanted and list(job.document_ids) == list(document_ids):
                return job
        return None

    def set_brief_key(self, job_id: str, worker: str, brief_key: str | None) -> bool:
        """Name the brief a running job makes (None: its brief must not be reused)."""
        return self._update_owned(job_id, worker, brief_key=brief_key, heartbeat_at=self.clock())

    def dispatchable_job_ids(self, redispatch_seconds: float, limit: int = 10) -> list[str]:
        """Queued jobs not yet handed to Celery, or handed over so long ago that the message
        must have been lost; the oldest first."""
        cutoff = self.clock() - timedelta(seconds=redispatch_seconds)
        query = (
            select(jobs.c.id)
            .where(
                jobs.c.status == QUEUED,
                (jobs.c.dispatched_at.is_(None)) | (jobs.c.dispatched_at < cutoff),
            )
            .order_by(jobs.c.created_at, jobs.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def mark_dispatched(self, job_id: str, redispatch_seconds: float) -> bool:
        """Mark a queued job as handed to Celery; False when another process did it first."""
        now = self.clock()
        cutoff = now - timedelta(seconds=redispatch_seconds)
        with self._write() as conn:
            marked = conn.execute(
                update(jobs)
                .where(
                    jobs.c.id == job_id,
                    jobs.c.status == QUEUED,
                    (jobs.c.dispatched_at.is_(None)) | (jobs.c.dispatched_at < cutoff),
                )
                .values(dispatched_at=now)
            )
        return marked.rowcount == 1

    def undo_dispatch(self, job_id: str) -> None:
        """The broker refused the job: let the next dispatcher try again."""
        with self._write() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status == QUEUED)
                .values(dispatched_at=None)
            )

    def queued_job_ids(self, limit: int = 10) -> list[str]:
        """The oldest queued jobs first."""
        query = (
            select(jobs.c.id)
            .where(jobs.c.status == QUEUED)
            .order_by(jobs.c.created_at, jobs.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def claim_job(self, job_id: str, worker: str) -> bool:
        """Move a queued job to running for `worker`; False when another worker got it first."""
        now = self.clock()
        with self._write() as conn:
            claimed = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status == QUEUED)
                .values(
                    status=RUNNING,
                    worker=worker,
                    started_at=now,
                    heartbeat_at=now,
                    progress_done=0,
                    stage=None,
                    stage_started_at=now,
                    attempts=jobs.c.attempts + 1,
                )
            )
            if claimed.rowcount == 1:  # a requeued job starts over: forget the last attempt's
                conn.execute(delete(job_outcomes).where(job_outcomes.c.job_id == job_id))
                conn.execute(delete(job_tasks).where(job_tasks.c.job_id == job_id))
        return claimed.rowcount == 1

    def _update_owned(self, job_id: str, owner: str, /, ends: bool = False, **values: Any) -> bool:
        """Update a running job only while `owner` still owns it (it may have been requeued).
        When the update `ends` the job, its tasks and outcomes go with it (a late duplicate of a
        task then finds nothing to do)."""
        with self._write() as conn:
            updated = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status == RUNNING, jobs.c.worker == owner)
                .values(**values)
            )
            if ends and updated.rowcount == 1:
                conn.execute(delete(job_tasks).where(job_tasks.c.job_id == job_id))
                conn.execute(delete(job_outcomes).where(job_outcomes.c.job_id == job_id))
        return updated.rowcount == 1

    def record_progress(self, job_id: str, worker: str, done: int, total: int, stage: str) -> bool:
        now = self.clock()
        return self._update_owned(
            job_id,
            worker,
            progress_done=done,
            progress_total=total,
            heartbeat_at=now,
            **stage_values(stage, now),
        )

    def beat(self, job_id: str, worker: str) -> bool:
        return self._update_owned(job_id, worker, heartbeat_at=self.clock())

    def finish_job(self, job_id: str, worker: str, result: dict[str, Any]) -> bool:
        now = self.clock()
        return self._update_owned(
            job_id,
            worker,
            ends=True,
            status=DONE,
            stage=DONE,
            result=result,
            finished_at=now,
            heartbeat_at=now,
        )

    def fail_job(self, job_id: str, worker: str, reason: str) -> bool:
        now = self.clock()
        return self._update_owned(
            job_id,
            worker,
            ends=True,
            status=FAILED,
            error=reason,
            finished_at=now,
            heartbeat_at=now,
        )

    def release_job(self, job_id: str, worker: str) -> bool:
        """Give a running job back to the queue (its worker is shutting down)."""
        return self._update_owned(
            job_id, worker, status=QUEUED, worker=None, stage=None, dispatched_at=None
        )

    def requeue_stale(self, stale_seconds: float, max_attempts: int) -> list[str]:
        """Queue again the running jobs whose worker has not reported for `stale_seconds`.

        A job that has already been tried `max_attempts` times fails instead, so that a document
        that kills its worker cannot take every worker down in turn. Returns the IDs touched.
        """
        now = self.clock()
        cutoff = now - timedelta(seconds=stale_seconds)
        stale = (jobs.c.status == RUNNING) & (jobs.c.heartbeat_at < cutoff)
        touched: list[str] = []
        with self._write() as conn:
            for job_id, attempts in conn.execute(select(jobs.c.id, jobs.c.attempts).where(stale)):
                if attempts >= max_attempts:
                    values: dict[str, Any] = {
                        "status": FAILED,
                        "finished_at": now,
                        "error": f"gave up after {attempts} attempts: "
                        f"the worker stopped reporting for over {stale_seconds:g} s each time",
                    }
                else:
                    values = {"status": QUEUED, "worker": None, "stage": None}
                    values["dispatched_at"] = None
                    values["retries"] = jobs.c.retries + 1
                    values["note"] = note(
                        now,
                        f"its worker stopped reporting for over {stale_seconds:g} s; "
                        "queued again, to be finished by another worker "
                        "(summaries made already are kept)",
                    )
                conn.execute(update(jobs).where(jobs.c.id == job_id, stale).values(**values))
                touched.append(job_id)
        return touched

    def forget_jobs(self) -> None:
        """Forget every job and cached summary, documents aside, so that the next brief starts
        from nothing (the chaos benchmark runs the same brief again and again)."""
        with self._write() as conn:
            for table in (job_tasks, job_outcomes, jobs, summaries):
                conn.execute(delete(table))

    def redispatch_queued(self) -> int:
        """Queued jobs count as not handed to Celery yet (the broker lost their messages)."""
        with self._write() as conn:
            updated = conn.execute(
                update(jobs)
                .where(jobs.c.status == QUEUED, jobs.c.dispatched_at.is_not(None))
                .values(dispatched_at=None)
            )
        return int(updated.rowcount)


def note(now: datetime, text: str) -> str:
    """A job's note: when, then what."""
    stamp = now.isoformat(timespec="seconds").replace("+00:00", "Z")
    return f"{stamp}: {text}"[:MAX_NOTE_CHARS]
