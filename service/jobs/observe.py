"""`JobObserver`: what a brief job tells whoever watches it, passed to the job runner by both back
ends (the embedded worker and Celery), as `on_progress` is.

The steps call it where a job changes (`service.jobs.steps`); each call carries the job as the
store has it, so that an observer in any process can time a stage another process began (the
store keeps when each stage began). This base class observes nothing; `service.observability.jobs`
turns the calls into Prometheus metrics and log context. An observer must never fail a job: the
runner logs what it raises and carries on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from service.pipeline.types import Summary
from service.store import JobRecord

log = logging.getLogger(__name__)

REQUEST_ID = "request_id"  # the key of a job's `request` that names the request that queued it
STARTING = "starting"  # the stage from the claim to the first stage the steps report


class JobObserver:
    """Observes nothing; override what you watch."""

    @contextmanager
    def running(self, job: JobRecord) -> Iterator[None]:
        """Around every step of `job` that runs in this process (logs inside name the job)."""
        yield

    def claimed(self, job: JobRecord) -> None:
        """A worker claimed the queued `job` (its `started_at` is the claim)."""

    def stage_ended(self, job: JobRecord) -> None:
        """`job`, read before it moved on, leaves its stage (`job.stage`, None: starting)."""

    def summarised(self, job_id: str, summary: Summary) -> None:
        """A summary was made (not found in the cache) for a document of the job."""

    def cache_hits(self, job_id: str, count: int) -> None:
        """`count` documents of the job had their summary cached already."""

    def ended(self, job: JobRecord) -> None:
        """The job is done or failed (`job`, as read after it ended)."""

    def work_lost(self, step: str) -> None:
        """Work whose worker vanished was found (its lease expired): a whole job (`job`, the
        embedded back end) or a Celery task (`start`, `map`, `merge`)."""

    def work_resent(self, reason: str, count: int) -> None:
        """`count` pieces of work were sent again: `lost_worker` (redone elsewhere),
        `unanswered` (a message that may be lost), `broker_restart` (the broker lost them)."""


NO_OBSERVER = JobObserver()


def observe(observer: JobObserver, event: str, *args: Any) -> None:
    """Call `observer.<event>(*args)`; what it raises is logged, never passed on to the job."""
    try:
        getattr(observer, event)(*args)
    except Exception:
        log.exception("job observer failed on %s", event)
