"""The Celery worker's app, `celery -A service.celery_worker worker --queues briefs`: the brief
tasks of `service.jobs.celery_app` observed by the job metrics, composed here as `app.py` composes
the HTTP service (`jobs/` never imports `observability/`).
"""

from __future__ import annotations

from typing import Any

from service.config import Settings
from service.jobs.celery_app import make_celery
from service.observability.jobs import JobMetrics


def __getattr__(name: str) -> Any:
    """`app`, built from the environment on first use: the same metrics and log context as the
    embedded worker's (shared with other processes under PROMETHEUS_MULTIPROC_DIR)."""
    if name != "app":
        raise AttributeError(name)
    celery = make_celery(Settings.from_env(), JobMetrics)
    globals()["app"] = celery
    return celery
