"""Brief jobs on Celery workers (`SUMMARY_JOB_BACKEND=celery`), with Redis as the broker: a job is
three kinds of task (start, summarise a batch, merge) over the steps of `service.jobs.steps`,
each under a lease in the store. DEVELOPERS.md ("Jobs on Celery") says how a job runs there.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from celery import Celery, Task, signals

from service.config import Settings
from service.jobs.leases import MAP_PREFIX, held, map_name, renew_seconds
from service.jobs.leases import MERGE as MERGE_LEASE
from service.jobs.leases import START as START_LEASE
from service.jobs.observe import JobObserver
from service.jobs.run import run_step
from service.jobs.steps import (
    JobContext,
    PipelineLike,
    describe_exception,
    make_brief,
    start,
    summarise_documents,
)
from service.logs import configure_logging
from service.store import RUNNING, DatabaseError, Store
from service.store.records import SENT

if TYPE_CHECKING:
    from service.pipeline.runner import Pipeline

log = logging.getLogger(__name__)

START, SUMMARISE, MERGE = "briefs.start", "briefs.summarise", "briefs.merge"
TaskBody = Callable[..., None]
MAX_RETRIES = 5  # after 1, 2, 4, 8 and 16 s: a database restart takes a few seconds


def make_celery(
    settings: Settings, new_observer: Callable[[], JobObserver] = JobObserver
) -> Celery:
    """A Celery app for `settings`, with the brief tasks registered on it; each worker process
    observes its jobs with one `new_observer()` (the service's: `service.celery_worker`)."""
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
    _register(app, settings, new_observer)

    @signals.after_setup_logger.connect(weak=False)
    def _json_logs(**_kwargs: Any) -> None:
        # The service's own records as JSON lines with their job's context, as under gunicorn.
        configure_logging(settings.log_level, own_handler=True)

    return app


def build_pipeline(settings: Settings) -> PipelineLike:
    """The pipeline of one worker process, its models loaded (replaceable in tests)."""
    from service.pipeline.runner import Pipeline

    pipeline: Pipeline = Pipeline(settings)
    pipeline.load()
    return pipeline


_lock = threading.Lock()
_resources: dict[int, tuple[Store, PipelineLike, JobObserver]] = {}


def resources(
    settings: Settings, new_observer: Callable[[], JobObserver]
) -> tuple[Store, PipelineLike, JobObserver]:
    """This process's store, pipeline and job observer, made on first use (after the fork)."""
    with _lock:
        pid = os.getpid()
        if pid not in _resources:
            _resources.clear()  # inherited from the parent: not ours to use
            store = Store(settings.database_url)
            store.create_all()
            _resources[pid] = (store, build_pipeline(settings), new_observer())
        return _resources[pid]


def _register(app: Celery, settings: Settings, new_observer: Callable[[], JobObserver]) -> None:
    options: dict[str, Any] = {"bind": True, "max_retries": MAX_RETRIES}
    every = renew_seconds(settings)

    def context(job_id: str, owner: str) -> JobContext:
        store, pipeline, observer = resources(settings, new_observer)
        return JobContext(store, pipeline, job_id, owner, observer=observer)

    def send_batches(ctx: JobContext, pending: list[str]) -> None:
        """Lease and send a map task per batch of the documents left that no map task has yet
        (a start redone after its worker vanished keeps the batches sent before)."""
        known = [t for t in ctx.store.job_tasks(ctx.job_id) if t.name.startswith(MAP_PREFIX)]
        covered = {i for t in known for i in t.document_ids or []}
        left = [i for i in pending if i not in covered]
        size = settings.celery_map_batch
        batches = {
            map_name(len(known) + n): left[at : at + size]
            for n, at in enumerate(range(0, len(left), size))
        }
        for name in ctx.store.add_tasks(ctx.job_id, ctx.owner, list(batches.items())):
            send(SUMMARISE, ctx.job_id, ctx.owner, batches[name], name)
        for task in known:  # sent by a start that died before it was done: perhaps never sent
            if task.state == SENT:
                send(SUMMARISE, ctx.job_id, ctx.owner, task.document_ids or [], task.name)

    def send_merge(ctx: JobContext) -> None:
        """Lease and send the merge, once however many map steps find the job complete."""
        if ctx.store.add_tasks(ctx.job_id, ctx.owner, [(MERGE_LEASE, None)]):
            send(MERGE, ctx.job_id, ctx.owner, MERGE_LEASE)

    def send(task_name: str, *args: Any) -> None:
        app.send_task(task_name, args=list(args))

    @app.task(name=START, **options)
    @_database_retried
    def start_brief(task: Task, job_id: str, owner: str | None = None) -> None:
        # A redelivered start resumes its own claim; one sent again names the claim it resumes.
        holder = f"celery:{task.request.id}"
        owner = owner or holder
        ctx = context(job_id, owner)
        claimed = ctx.store.claim_job(job_id, owner)
        if not claimed:
            job = ctx.store.get_job(job_id)
            if job is None or (job.status, job.worker) != (RUNNING, owner):
                log.info("job %s: not queued any more; start ignored", job_id)
                return

        def step() -> None:
            ctx.store.add_tasks(job_id, owner, [(START_LEASE, None)])
            with held(ctx.store, job_id, START_LEASE, holder, every) as mine:
                if not mine:
                    log.info("job %s: its start is done or taken elsewhere", job_id)
                    return
                pending = start(ctx)
                if pending is None:
                    return  # finished: a stored brief was reused
                send_batches(ctx, pending)
                job = ctx.running_job()
                if job.progress_done >= job.progress_total:
                    send_merge(ctx)
                ctx.store.finish_task(job_id, START_LEASE, holder)

        _guarded(task, ctx, step, claimed=claimed)

    @app.task(name=SUMMARISE, **options)
    @_database_retried
    def summarise_batch(
        task: Task, job_id: str, owner: str, document_ids: list[str], name: str | None = None
    ) -> None:
        holder = f"celery:{task.request.id}"
        ctx = context(job_id, owner)

        def step() -> None:
            with _lease(ctx, name, holder, every) as mine:
                if not mine:
                    log.info("job %s: %s is done or taken elsewhere", job_id, name)
                    return
                ctx.running_job()
                done = summarise_documents(ctx, document_ids)
                if done >= ctx.running_job().progress_total:
                    send_merge(ctx)
                if name is not None:
                    ctx.store.finish_task(job_id, name, holder)

        _guarded(task, ctx, step)

    @app.task(name=MERGE, **options)
    @_database_retried
    def merge_brief(task: Task, job_id: str, owner: str, name: str | None = None) -> None:
        holder = f"celery:{task.request.id}"
        ctx = context(job_id, owner)

        def step() -> None:
            with _lease(ctx, name, holder, every) as mine:
                if mine:
                    make_brief(ctx)  # its end forgets the job's tasks

        _guarded(task, ctx, step)


@contextmanager
def _lease(ctx: JobContext, name: str | None, holder: str, every: float) -> Iterator[bool]:
    """The task's lease, held while it runs; a message from before leases carries no name."""
    if name is None:
        yield True
        return
    with held(ctx.store, ctx.job_id, name, holder, every) as mine:
        yield mine


def _guarded(
    task: Task, ctx: JobContext, step: Callable[[], None], *, claimed: bool = False
) -> None:
    """Run a step as `run_step` runs every step; an unexpected error is retried (the database may
    be restarting) and, after `MAX_RETRIES`, fails the job."""

    run_step(ctx, step, claimed=claimed, retry=lambda exc: _retry(task, ctx.job_id, exc))


def _retry(task: Task, job_id: str, exc: Exception) -> None:
    """Have Celery run the task again after 1, 2, 4... s, up to `MAX_RETRIES` times; returns
    (the caller gives up) after that."""
    retries = int(task.request.retries or 0)
    if retries < MAX_RETRIES:
        log.warning("job %s: %s; retrying", job_id, describe_exception(exc))
        raise task.retry(exc=exc, countdown=2**retries) from exc


def _database_retried(body: TaskBody) -> TaskBody:
    """A task body whose database errors outside its step (claiming the job, reading it before
    the step, taking the lease) are retried too, rather than losing the task: the database may
    be restarting."""

    @functools.wraps(body)
    def retried(task: Task, job_id: str, *args: Any) -> None:
        try:
            body(task, job_id, *args)
        except DatabaseError as exc:
            _retry(task, job_id, exc)
            raise

    return retried
