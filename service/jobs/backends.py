"""The background thread a process runs for `settings.job_backend`: the embedded worker, or the
dispatcher that hands jobs to Celery (apart from both, which it chooses between)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.config import Settings
from service.jobs.observe import NO_OBSERVER, JobObserver
from service.jobs.worker import BackgroundWorker, EmbeddedWorker
from service.store import Store

if TYPE_CHECKING:
    from service.pipeline.runner import Pipeline


def background_worker(
    store: Store, pipeline: Pipeline, settings: Settings, observer: JobObserver = NO_OBSERVER
) -> BackgroundWorker:
    """The background thread this process needs for `settings.job_backend`."""
    if settings.job_backend == "celery":
        from service.jobs.dispatch import CeleryDispatcher

        return CeleryDispatcher(store, pipeline, settings, observer)
    return EmbeddedWorker(store, pipeline, settings, observer)
