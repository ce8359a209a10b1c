"""Hand queued brief jobs to Celery (`SUMMARY_JOB_BACKEND=celery`).

`CeleryDispatcher` is the service's background thread for this back end (see
`service.jobs.worker`): where the embedded worker runs jobs, it sends them. Each
job is marked as dispatched in the store before its `briefs.start` task is sent, so that of several
service processes only one sends it; a job still queued long after it was sent (the broker lost the
message) is sent again, and the claim in the store keeps a duplicate from running it twice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from service.jobs.worker import BackgroundWorker

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger(__name__)


class CeleryDispatcher(BackgroundWorker):
    _celery: Celery | None = None

    @property
    def stale_seconds(self) -> float:
        # A Celery job is silent while its tasks wait in the queue; its lost tasks come back after
        # the broker's visibility timeout. Only a job silent for longer is lost.
        return max(self.settings.job_stale_seconds, 2 * self.settings.celery_visibility_seconds)

    def run_pending(self) -> int:
        """Requeue stale jobs, then send the queued ones to Celery; how many were sent."""
        self._requeue_stale()
        return self.dispatch_pending()

    @property
    def celery(self) -> Celery:
        if self._celery is None:
            from service.jobs.celery_app import make_celery

            self._celery = make_celery(self.settings)
        return self._celery

    def dispatch_pending(self, limit: int = 50) -> int:
        """Send every queued job not yet sent to Celery; how many were sent."""
        from service.jobs.celery_app import START

        resend_after = self.settings.job_stale_seconds
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
