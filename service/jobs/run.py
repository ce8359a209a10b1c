"""`run_job`: a whole brief job in this thread, as the embedded worker and the command line run it.

It claims the job in the store (so that only one worker runs it), then runs the same steps a Celery
worker runs as separate tasks (`service.jobs.steps`): start (reuse a stored brief or cached
summaries), summarise the rest one document at a time, merge. All state lives in the store, so any
process can report on the job.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from service.jobs.leases import renewing
from service.jobs.observe import NO_OBSERVER, JobObserver
from service.jobs.steps import (
    JobContext,
    JobFailed,
    JobLost,
    PipelineLike,
    ProgressCallback,
    describe_exception,
    make_brief,
    start,
    summarise_documents,
)
from service.store import DatabaseError, JobRecord, Store

log = logging.getLogger(__name__)

# How often a running job tells the store it is alive: well within its lease, after which a silent
# job counts as lost. The embedded worker beats as often as a lease is renewed (`leases`); this
# default (a sixth of the default `SUMMARY_JOB_LEASE_SECONDS`) is for callers without settings.
HEARTBEAT_SECONDS = 5.0
# A database error (the server restarting) is tried again this many times, after 1, 2, 4... s.
TRANSIENT_RETRIES = 5


class TryAgain(Exception):
    """A step met an error that may pass; run it again after a pause."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


def run_job(
    store: Store,
    pipeline: PipelineLike,
    job_id: str,
    *,
    worker: str | None = None,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
    on_progress: ProgressCallback | None = None,
    observer: JobObserver = NO_OBSERVER,
) -> JobRecord | None:
    """Claim and run a queued job to `done` or `failed`; None when it was not ours to run.

    `on_progress(done, total, stage)` is called whenever the job's progress is recorded: documents
    done of the total, and the stage (`summarising`, `merging`, then `done` or `failed`).
    `observer` is told of the job's claim, stages, summaries and end (see `JobObserver`).

    A document whose summarisation raises is left out (and named in the brief's notes); the job
    fails only when every document fails, when a document was deleted meanwhile, or when anything
    else goes wrong. Never raises for a failure of the job itself.
    """
    worker = worker or worker_name()
    if not store.claim_job(job_id, worker):
        log.debug(
            "job %s: not claimed, another worker has it or it is not queued",
            job_id,
            extra={"job_id": job_id},
        )
        return None
    ctx = JobContext(store, pipeline, job_id, worker, on_progress, observer)
    for attempt in range(TRANSIENT_RETRIES + 1):
        last = attempt == TRANSIENT_RETRIES
        try:
            run_step(
                ctx,
                lambda: _run(ctx),
                heartbeat_seconds=heartbeat_seconds,
                claimed=attempt == 0,
                retry=None if last else _transient,
            )
            break
        except (TryAgain, DatabaseError) as exc:
            if last:
                raise
            # Every step is safe to run again: the summaries made so far are cached.
            log.warning(
                "job %s: %s; trying again",
                job_id,
                describe_exception(exc.__cause__ or exc),
                extra={"job_id": job_id},
            )
            time.sleep(2**attempt)
    return store.get_job(job_id)


def _transient(exc: Exception) -> None:
    if isinstance(exc, DatabaseError):
        raise TryAgain from exc


def _run(ctx: JobContext) -> None:
    pending = start(ctx)
    if pending is not None:
        summarise_documents(ctx, pending)
        make_brief(ctx)


def run_step(
    ctx: JobContext,
    step: Callable[[], None],
    *,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
    claimed: bool = False,
    retry: Callable[[Exception], None] | None = None,
) -> None:
    """Run one step of a job (the whole job, for the embedded worker) as every back end does: in
    the job's log context, beating its heartbeat, and turning what goes wrong into the job's
    failure. `claimed`: this step just claimed the job. `retry(exc)`, when given, may raise to
    have an unexpected error tried again (Celery) instead of failing the job at once."""
    job = ctx.store.get_job(ctx.job_id)
    if job is None:
        return
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(ctx.observer.running(job))
        except Exception:
            log.exception("job %s: observer failed", ctx.job_id, extra={"job_id": ctx.job_id})
        if claimed:
            log.info(
                "job %s: started by %s",
                ctx.job_id,
                ctx.owner,
                extra={"job_id": ctx.job_id, "worker": ctx.owner},
            )
            ctx.observe("claimed", job)
        with heartbeat(ctx.store, ctx.job_id, ctx.owner, heartbeat_seconds):
            _guarded(ctx, step, retry)


def _guarded(
    ctx: JobContext, step: Callable[[], None], retry: Callable[[Exception], None] | None
) -> None:
    try:
        step()
    except JobLost:
        log.warning(
            "job %s: taken away from %s (requeued as stale?); stopped",
            ctx.job_id,
            ctx.owner,
            extra={"job_id": ctx.job_id},
        )
    except JobFailed as exc:
        fail(ctx, str(exc))
    except Exception as exc:
        if retry is not None:
            retry(exc)  # raises to try again
        log.exception("job %s: failed unexpectedly", ctx.job_id, extra={"job_id": ctx.job_id})
        fail(ctx, f"internal error: {describe_exception(exc)}")


def fail(ctx: JobContext, reason: str) -> None:
    log.warning("job %s: failed: %s", ctx.job_id, reason, extra={"job_id": ctx.job_id})
    if ctx.store.fail_job(ctx.job_id, ctx.owner, reason):
        ctx.store.clear_outcomes(ctx.job_id)
        job = ctx.store.get_job(ctx.job_id)
        if job is not None:
            ctx.observe("ended", job)
            ctx.report(job.progress_done, job.progress_total, job.status)


@contextmanager
def heartbeat(store: Store, job_id: str, worker: str, seconds: float) -> Iterator[None]:
    """Beat in the background while the job runs: the job's lease, which one document can take
    longer than (see `service.jobs.leases`)."""
    with renewing(lambda: store.beat(job_id, worker), seconds, job_id):
        yield
