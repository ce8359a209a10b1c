"""Hand queued brief jobs to Celery (`SUMMARY_JOB_BACKEND=celery`).
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/jobs/dispatch.py`) says how and
why.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from service.jobs.leases import (
    MAP_PREFIX,
    MERGE,
    START,
    describe,
    lease_seconds,
    renew_seconds,
    unanswered_seconds,
)
from service.jobs.observe import observe
from service.jobs.worker import BackgroundWorker
from service.store.records import TAKEN, TaskRecord

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger(__name__)

MARKER_TIMEOUT_SECONDS = 2.0


def step_of(name: str) -> str:
    """The step a task name is of: start, map or merge."""
    return "map" if name.startswith(MAP_PREFIX) else name


class CeleryDispatcher(BackgroundWorker):
    _celery: Celery | None = None
    _redis: Any = None
    _last_lease_check = float("-inf")

    @property
    def stale_seconds(self) -> float:
        # A Celery job is silent while its tasks wait in the queue, and its lost tasks are sent
        # again under their leases (`recover`); a job silent for twice the broker's visibility
        # timeout is queued again only as a last resort.
        return float(2 * self.settings.celery_visibility_seconds)

    def run_pending(self) -> int:
        """Requeue stale jobs, send again the tasks whose worker vanished, then send the queued
        jobs to Celery; how many jobs were sent."""
        self._requeue_stale()
        self.recover()
        return self.dispatch_pending()

    def recover(self) -> int:
        """At most every lease renewal period: send again the tasks of running jobs whose lease
        expired (their worker vanished) or that went unanswered (their message may be lost), and
        every waiting task when the broker lost its data. How many were sent."""
        now = time.monotonic()
        if now - self._last_lease_check < renew_seconds(self.settings):
            return 0
        self._last_lease_check = now
        overdue = self.store.overdue_tasks(
            lease_seconds(self.settings), unanswered_seconds(self.settings)
        )
        sent = self._resend(overdue)
        for job_id in self.store.requeue_taskless(lease_seconds(self.settings)):
            log.warning(
                "job %s: its start was lost; queued again", job_id, extra={"job_id": job_id}
            )
            observe(self.observer, "work_lost", "start")
        if self.broker_restarted():
            log.warning("the broker lost its queues (restarted?): sending waiting tasks again")
            sent += self._resend(self.store.waiting_tasks(), reason="broker_restart")
            self.store.redispatch_queued()
        return sent

    def _resend(self, tasks: Sequence[TaskRecord], reason: str | None = None) -> int:
        sent = 0
        for task in tasks:
            if task.owner is None:
                continue
            what = describe(task.name, len(task.document_ids or []))
            lost = task.state == TAKEN
            if lost and task.sends >= self.settings.job_max_attempts:
                self._give_up(task, what)
                continue
            note = (
                f"the worker running {what} vanished (its lease was not renewed for "
                f"{lease_seconds(self.settings):g} s); sent again to another worker"
                if lost
                else None
            )
            if not self.store.resend_task(task, note):
                continue  # taken, renewed or sent again meanwhile
            if lost:
                log.warning(
                    "job %s: the worker running %s vanished (%s); sent again",
                    task.job_id,
                    what,
                    task.taken_by,
                    extra={"job_id": task.job_id},
                )
                observe(self.observer, "work_lost", step_of(task.name))
            self._send_task(task)
            why = reason or ("lost_worker" if lost else "unanswered")
            observe(self.observer, "work_resent", why, 1)
            sent += 1
        return sent

    def _give_up(self, task: TaskRecord, what: str) -> None:
        assert task.owner is not None
        reason = (
            f"gave up after {task.sends} attempts: the worker running {what} vanished each time"
        )
        if self.store.give_up_job(task.job_id, task.owner, reason):
            log.warning("job %s: %s", task.job_id, reason, extra={"job_id": task.job_id})
            observe(self.observer, "work_lost", step_of(task.name))

    def _send_task(self, task: TaskRecord) -> None:
        from service.jobs import celery_app

        args: list[Any]
        if task.name == START:
            name, args = celery_app.START, [task.job_id, task.owner]
        elif task.name == MERGE:
            name, args = celery_app.MERGE, [task.job_id, task.owner, task.name]
        else:
            name = celery_app.SUMMARISE
            args = [task.job_id, task.owner, task.document_ids or [], task.name]
        self.celery.send_task(name, args=args, queue=self.settings.celery_queue)

    def broker_restarted(self) -> bool:
        """Whether the broker lost its data since it was last looked at: a marker key in Redis
        is gone (a Redis restarted without persistence loses its queues with it). Of several
        service processes, only the one that sets the marker again says so. False when the
        broker is not Redis or cannot be reached now."""
        url = self.settings.celery_broker_url
        if not url.startswith(("redis://", "rediss://")):
            return False
        try:
            if self._redis is None:
                import redis

                self._redis = redis.Redis.from_url(
                    url,
                    socket_timeout=MARKER_TIMEOUT_SECONDS,
                    socket_connect_timeout=MARKER_TIMEOUT_SECONDS,
                )
            key = f"summary-service:{self.settings.celery_queue}:broker-marker"
            if self._redis.exists(key):
                return False
            return bool(self._redis.set(key, uuid.uuid4().hex, nx=True))
        except Exception as exc:
            log.warning("broker marker not readable: %s", type(exc).__name__)
            return False

    @property
    def celery(self) -> Celery:
        if self._celery is None:
            from service.jobs.celery_app import make_celery

            self._celery = make_celery(self.settings)
        return self._celery

    def dispatch_pending(self, limit: int = 50) -> int:
        """Send every queued job not yet sent to Celery; how many were sent."""
        from service.jobs.celery_app import START

        resend_after = self.settings.job_stale_seconds  # sent, never started: the message lost?
        sent = 0
        for job_id in self.store.dispatchable_job_ids(resend_after, limit=limit):
            if not self.store.mark_dispatched(job_id, resend_after):
                continue  # another service process sent it
            try:
                self.celery.send_task(START, args=[job_id], queue=self.settings.celery_queue)
            except Exception:
                self.store.undo_dispatch(job_id)
                raise
            log.info("job %s: sent to Celery", job_id, extra={"job_id": job_id})
            sent += 1
        return sent
