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

from sqlalchemy import Connection, Select, case, delete, func, insert, select, update

from service.store.base import StoreBase
from service.store.records import DONE, FAILED, QUEUED, RUNNING, SENT, TAKEN, JobRecord, TaskRecord
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

    # Tasks and their leases (Celery) ------------------------------------------------------------

    def add_tasks(
        self,
        job_id: str,
        owner: str,
        tasks: Sequence[tuple[str, list[str] | None]],
        *,
        taken_by: tuple[str, str] | None = None,
    ) -> list[str]:
        """Record tasks (name, document IDs) about to be sent for a job `owner` runs; those named
        already are left as they are. Returns the names added: only those are to be sent.
        `taken_by` (holder, host:pid): the caller takes them itself at once."""
        now = self.clock()
        with self._write() as conn:
            if self._lock_owned(conn, job_id, owner) is None:
                return []
            known = set(
                conn.execute(select(job_tasks.c.name).where(job_tasks.c.job_id == job_id)).scalars()
            )
            rows = [
                {
                    "job_id": job_id,
                    "name": name,
                    "document_ids": document_ids,
                    "state": SENT if taken_by is None else TAKEN,
                    "holder": None if taken_by is None else taken_by[0],
                    "taken_by": None if taken_by is None else taken_by[1],
                    "sent_at": now,
                    "renewed_at": None if taken_by is None else now,
                    "sends": 1,
                }
                for name, document_ids in tasks
                if name not in known
            ]
            if rows:
                conn.execute(insert(job_tasks), rows)
        return [name for name, _ in tasks if name not in known]

    @staticmethod
    def _lock_owned(conn: Connection, job_id: str, owner: str) -> str | None:
        """Lock the row of a job `owner` runs (PostgreSQL; SQLite serialises writers anyway), so
        that concurrent steps of the job add tasks one after the other; None if not owned."""
        owned = (jobs.c.id == job_id) & (jobs.c.status == RUNNING) & (jobs.c.worker == owner)
        return conn.execute(select(jobs.c.id).where(owned).with_for_update()).scalar()

    def job_tasks(self, job_id: str) -> list[TaskRecord]:
        query = _tasks().where(job_tasks.c.job_id == job_id).order_by(job_tasks.c.name)
        with self.engine.connect() as conn:
            return [TaskRecord.from_row(row) for row in conn.execute(query)]

    def take_task(self, job_id: str, name: str, holder: str, taken_by: str) -> bool:
        """Take a sent task's lease (or take back one's own, on a retry of the same delivery);
        False when it is done, gone, or held by another delivery."""
        now = self.clock()
        with self._write() as conn:
            taken = conn.execute(
                update(job_tasks)
                .where(
                    job_tasks.c.job_id == job_id,
                    job_tasks.c.name == name,
                    (job_tasks.c.state == SENT)
                    | ((job_tasks.c.state == TAKEN) & (job_tasks.c.holder == holder)),
                )
                .values(state=TAKEN, holder=holder, taken_by=taken_by, renewed_at=now)
            )
        return taken.rowcount == 1

    def renew_task(self, job_id: str, name: str, holder: str) -> bool:
        """Renew a lease `holder` holds; False when it lost it (the task was sent again)."""
        return self._update_task(job_id, name, holder, renewed_at=self.clock())

    def finish_task(self, job_id: str, name: str, holder: str) -> bool:
        return self._update_task(job_id, name, holder, state=DONE, renewed_at=self.clock())

    def _update_task(self, job_id: str, name: str, holder: str, /, **values: Any) -> bool:
        with self._write() as conn:
            updated = conn.execute(
                update(job_tasks)
                .where(
                    job_tasks.c.job_id == job_id,
                    job_tasks.c.name == name,
                    job_tasks.c.state == TAKEN,
                    job_tasks.c.holder == holder,
                )
                .values(**values)
            )
        return updated.rowcount == 1

    def overdue_tasks(self, lease_seconds: float, unanswered_seconds: float) -> list[TaskRecord]:
        """Tasks of running jobs to send again: taken under a lease not renewed for
        `lease_seconds` (the worker vanished), or sent and not taken for `unanswered_seconds`, or
        for half the time the job has run if longer (the message may be lost; a task waiting
        behind a long queue is sent again ever more rarely, each time to no harm)."""
        now = self.clock()
        lapsed = now - timedelta(seconds=lease_seconds)
        unanswered = now - timedelta(seconds=unanswered_seconds)
        query = (
            _tasks()
            .where(
                jobs.c.status == RUNNING,
                ((job_tasks.c.state == TAKEN) & (job_tasks.c.renewed_at < lapsed))
                | ((job_tasks.c.state == SENT) & (job_tasks.c.sent_at < unanswered)),
            )
            .order_by(job_tasks.c.sent_at)
        )
        with self.engine.connect() as conn:
            found = [TaskRecord.from_row(row) for row in conn.execute(query)]
        return [
            task
            for task in found
            if task.state == TAKEN
            or task.job_started_at is None
            or task.sent_at < now - (now - task.job_started_at) / 2
        ]

    def waiting_tasks(self) -> list[TaskRecord]:
        """Tasks of running jobs sent and not taken yet (lost with a broker that restarted)."""
        query = _tasks().where(jobs.c.status == RUNNING, job_tasks.c.state == SENT)
        with self.engine.connect() as conn:
            return [TaskRecord.from_row(row) for row in conn.execute(query)]

    def resend_task(self, task: TaskRecord, note_text: str | None = None) -> bool:
        """Mark `task`, as read, sent again (False when it changed meanwhile: taken, renewed,
        done, or sent again by another process). A task taken and lost counts one more send;
        with `note_text`, its work counts as redone: the job's `retries` grows by one and its
        note says why."""
        now = self.clock()
        same = (
            (job_tasks.c.job_id == task.job_id)
            & (job_tasks.c.name == task.name)
            & (job_tasks.c.state == task.state)
            & (job_tasks.c.sends == task.sends)
            & (job_tasks.c.sent_at == task.sent_at)
        )
        if task.renewed_at is not None:
            same &= job_tasks.c.renewed_at == task.renewed_at
        sends = task.sends + (1 if task.state == TAKEN else 0)
        with self._write() as conn:
            marked = conn.execute(
                update(job_tasks)
                .where(same)
                .values(state=SENT, holder=None, sent_at=now, renewed_at=None, sends=sends)
            )
            if marked.rowcount == 1 and note_text is not None:
                conn.execute(
                    update(jobs)
                    .where(jobs.c.id == task.job_id, jobs.c.status == RUNNING)
                    .values(retries=jobs.c.retries + 1, note=note(now, note_text))
                )
        return marked.rowcount == 1

    def give_up_job(self, job_id: str, owner: str, reason: str) -> bool:
        """Fail a job whose work kept losing its workers (whoever notices, not its owner)."""
        now = self.clock()
        return self._update_owned(
            job_id, owner, ends=True, status=FAILED, error=reason, finished_at=now
        )

    def requeue_taskless(self, lease_seconds: float) -> list[str]:
        """Queue again the running jobs that have no task yet and have been silent for
        `lease_seconds`: their start died between its claim and its first lease (Celery)."""
        now = self.clock()
        lost = (
            (jobs.c.status == RUNNING)
            & (jobs.c.heartbeat_at < now - timedelta(seconds=lease_seconds))
            & ~select(job_tasks.c.name).where(job_tasks.c.job_id == jobs.c.id).exists()
        )
        with self._write() as conn:
            found = list(conn.execute(select(jobs.c.id).where(lost)).scalars())
            if found:
                conn.execute(
                    update(jobs)
                    .where(jobs.c.id.in_(found), lost)
                    .values(
                        status=QUEUED,
                        worker=None,
                        stage=None,
                        dispatched_at=None,
                        retries=jobs.c.retries + 1,
                        note=note(now, "its start was lost with its worker; queued again"),
                    )
                )
        return found

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


def _tasks() -> Select[Any]:
    """Tasks with what a `TaskRecord` tells of their job: its owner, when it started."""
    return select(
        job_tasks, jobs.c.worker.label("owner"), jobs.c.started_at.label("job_started_at")
    ).join(jobs, jobs.c.id == job_tasks.c.job_id)


def note(now: datetime, text: str) -> str:
    """A job's note: when, then what."""
    stamp = now.isoformat(timespec="seconds").replace("+00:00", "Z")
    return f"{stamp}: {text}"[:MAX_NOTE_CHARS]
