"""Task leases of brief jobs (Celery): a row per task sent, taken, renewed and finished.

A job's step runs under a lease its worker renews; the dispatcher sends again a task whose lease
lapsed, or that no worker answered, and gives up a job whose work keeps losing its workers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Select, insert, select, update

from service.store.jobs import JobStore, note
from service.store.records import DONE, FAILED, QUEUED, RUNNING, SENT, TAKEN, TaskRecord
from service.store.schema import job_tasks, jobs


class TaskStore(JobStore):
    """The tasks of jobs and their leases, on top of the jobs' own rows."""

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


def _tasks() -> Select[Any]:
    """Tasks with what a `TaskRecord` tells of their job: its owner, when it started."""
    return select(
        job_tasks, jobs.c.worker.label("owner"), jobs.c.started_at.label("job_started_at")
    ).join(jobs, jobs.c.id == job_tasks.c.job_id)
