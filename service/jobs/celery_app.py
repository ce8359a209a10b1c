"""Brief jobs on Celery workers (`SUMMARY_JOB_BACKEND=celery`), with Redis as the broker.

    celery -A service.jobs.celery_app worker --queues briefs --concurrency 2

A job runs as three kinds of task over the shared steps of `service.jobs.steps`, the code the
embedded worker runs: `briefs.start` claims the job and reuses what is stored, then sends one
`briefs.summarise` (the map step) per `SUMMARY_CELERY_MAP_BATCH` documents left; the map step that
completes the job's last document sends `briefs.merge` (the reduce step). Progress and the brief
live in the store, not in a result backend, so the API reports on the job whichever worker runs it.

Tasks are acknowledged only when done (`acks_late`) and given back to the broker when their worker
process dies (`reject_on_worker_lost`), so another worker redoes them; every step is safe to redo.
Transient errors (the database restarting) are retried a few times before the job fails. Models
load lazily in each worker process, after Celery's fork.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from celery import Celery, Task, signals

from service.config import Settings
from service.jobs.observe import JobObserver
from service.jobs.run import run_step
from service.jobs.steps import (
    JobContext,
    PipelineLike,
    describe_exception,
    merge,
    start,
    summarise_documents,
)
from service.logs import configure_logging
from service.store import RUNNING, Store

if TYPE_CHECKING:
    from service.pipeline.engine import Pipeline

log = logging.getLogger(__name__)

START, SUMMARISE, MERGE = "briefs.start", "briefs.summarise", "briefs.merge"
MAX_RETRIES = 3


def make_celery(settings: Settings) -> Celery:
    """A Celery app for `settings`, with the brief tasks registered on it."""
    app = Celery("summary-service", broker=settings.celery_broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,  # state lives in the store
        task_default_queue=settings.celery_queue,
        worker_prefetch_multiplier=1,  # a long map step must not hold others hostage
        broker_transport_options={"visibility_timeout": settings.celery_visibility_seconds},
        broker_connection_retry_on_startup=True,
        task_publish_retry_policy={"max_retries": 3, "interval_start": 0.2},
    )
    _register(app, settings)

    @signals.after_setup_logger.connect(weak=False)
    def _json_logs(**_kwargs: Any) -> None:
        # The service's own records as JSON lines with their job's context, as under gunicorn.
        configure_logging(settings.log_level, own_handler=True)

    return app


def build_pipeline(settings: Settings) -> PipelineLike:
    """The pipeline of one worker process, its models loaded (replaceable in tests)."""
    from service.pipeline.engine import Pipeline

    pipeline: Pipeline = Pipeline(settings)
    pipeline.load()
    return pipeline


def build_observer() -> JobObserver:
    """The observer of one worker process's jobs: the same metrics and log context as the
    embedded worker's (metrics are shared with other processes under PROMETHEUS_MULTIPROC_DIR)."""
    from service.observability.jobs import JobMetrics

    return JobMetrics()


_lock = threading.Lock()
_resources: dict[int, tuple[Store, PipelineLike, JobObserver]] = {}


def resources(settings: Settings) -> tuple[Store, PipelineLike, JobObserver]:
    """This process's store, pipeline and job observer, made on first use (after the fork)."""
    with _lock:
        pid = os.getpid()
        if pid not in _resources:
            _resources.clear()  # inherited from the parent: not ours to use
            store = Store(settings.database_url)
            store.create_all()
            _resources[pid] = (store, build_pipeline(settings), build_observer())
        return _resources[pid]


def _register(app: Celery, settings: Settings) -> None:
    options: dict[str, Any] = {"bind": True, "max_retries": MAX_RETRIES}

    def context(job_id: str, owner: str) -> JobContext:
        store, pipeline, observer = resources(settings)
        return JobContext(store, pipeline, job_id, owner, observer=observer)

    @app.task(name=START, **options)
    def start_brief(task: Task, job_id: str) -> None:
        owner = f"celery:{task.request.id}"  # a redelivered start resumes its own claim
        ctx = context(job_id, owner)
        claimed = ctx.store.claim_job(job_id, owner)
        if not claimed:
            job = ctx.store.get_job(job_id)
            if job is None or (job.status, job.worker) != (RUNNING, owner):
                log.info("job %s: not queued any more; start ignored", job_id)
                return

        def step() -> None:
            pending = start(ctx)
            if pending is None:
                return
            batch = settings.celery_map_batch
            for at in range(0, len(pending), batch):
                app.send_task(SUMMARISE, args=[job_id, owner, pending[at : at + batch]])
            if not pending:
                app.send_task(MERGE, args=[job_id, owner])

        _guarded(task, ctx, step, claimed=claimed)

    @app.task(name=SUMMARISE, **options)
    def summarise_batch(task: Task, job_id: str, owner: str, document_ids: list[str]) -> None:
        ctx = context(job_id, owner)

        def step() -> None:
            ctx.running_job()
            done = summarise_documents(ctx, document_ids)
            if done >= ctx.running_job().progress_total:
                app.send_task(MERGE, args=[job_id, owner])

        _guarded(task, ctx, step)

    @app.task(name=MERGE, **options)
    def merge_brief(task: Task, job_id: str, owner: str) -> None:
        ctx = context(job_id, owner)
        _guarded(task, ctx, lambda: merge(ctx))


def _guarded(
    task: Task, ctx: JobContext, step: Callable[[], None], *, claimed: bool = False
) -> None:
    """Run a step as `run_step` runs every step; an unexpected error is retried (the database may
    be restarting) and, after `MAX_RETRIES`, fails the job."""

    def retry(exc: Exception) -> None:
        retries = int(task.request.retries or 0)
        if retries < MAX_RETRIES:
            log.warning("job %s: %s; retrying", ctx.job_id, describe_exception(exc))
            raise task.retry(exc=exc, countdown=2**retries) from exc

    run_step(ctx, step, claimed=claimed, retry=retry)


def __getattr__(name: str) -> Any:
    """`app`, for `celery -A service.jobs.celery_app`: built from the environment on first use."""
    if name != "app":
        raise AttributeError(name)
    celery = make_celery(Settings.from_env())
    globals()["app"] = celery
    return celery
