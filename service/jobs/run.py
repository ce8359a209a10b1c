"""`run_job`: the one task function every kind of worker runs for a brief job.

It claims the job in the store (so that only one worker runs it), summarises each document (reusing
cached summaries), records progress after each one, merges the summaries into a brief and stores
the result. All state lives in the store, so any process can report on the job.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from service.pipeline.render import brief_to_dict
from service.pipeline.types import Document, DocumentFacts, ModelInfo, Summary
from service.store import JobRecord, Store

if TYPE_CHECKING:
    from service.pipeline.engine import Pipeline

log = logging.getLogger(__name__)

SUMMARISING, MERGING = "summarising", "merging"
MAX_REASON_CHARS = 500


class JobLost(Exception):
    """The job was taken away from this worker (requeued as stale, or released)."""


class DocumentGone(Exception):
    """Documents of the job were deleted after the brief was requested."""

    def __init__(self, document_ids: list[str]) -> None:
        names = ", ".join(repr(i) for i in document_ids)
        verb = "was" if len(document_ids) == 1 else "were"
        noun = "document" if len(document_ids) == 1 else "documents"
        super().__init__(f"{noun} {names} {verb} deleted after the brief was requested")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


def describe_exception(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"


def run_job(
    store: Store,
    pipeline: Pipeline,
    job_id: str,
    *,
    worker: str | None = None,
    heartbeat_seconds: float = 30.0,
) -> JobRecord | None:
    """Claim and run a queued job to `done` or `failed`; None when it was not ours to run.

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
    log.info("job %s: started by %s", job_id, worker, extra={"job_id": job_id, "worker": worker})
    try:
        with _heartbeat(store, job_id, worker, heartbeat_seconds):
            _run(store, pipeline, job_id, worker)
    except JobLost:
        log.warning(
            "job %s: taken away from %s (requeued as stale?); stopped",
            job_id,
            worker,
            extra={"job_id": job_id},
        )
    except DocumentGone as exc:
        reason = str(exc)
        log.warning("job %s: failed: %s", job_id, reason, extra={"job_id": job_id})
        store.fail_job(job_id, worker, reason)
    except Exception as exc:
        log.exception("job %s: failed unexpectedly", job_id, extra={"job_id": job_id})
        store.fail_job(job_id, worker, f"internal error: {describe_exception(exc)}")
    return store.get_job(job_id)


def _run(store: Store, pipeline: Pipeline, job_id: str, worker: str) -> None:
    job = store.get_job(job_id)
    if job is None:
        raise JobLost(job_id)
    total = len(job.document_ids)
    stored_ids = store.document_heads(job.document_ids)
    missing = [i for i in job.document_ids if i not in stored_ids]
    if missing:
        raise DocumentGone(missing)
    _progress(store, job_id, worker, 0, total, SUMMARISING)
    documents: list[Document] = []
    summaries: list[Summary] = []
    for done, document_id in enumerate(job.document_ids, start=1):
        stored = store.get_document(document_id)
        if stored is None:
            raise DocumentGone([document_id])
        document = stored.to_document()
        documents.append(document)
        summaries.append(_summary(store, pipeline, document, job_id))
        _progress(store, job_id, worker, done, total, SUMMARISING)
    failed = [s for s in summaries if s.facts.error]
    if len(failed) == total:
        reason = f"none of the {total} documents could be summarised; first error: " + (
            f"{failed[0].document_id}: {failed[0].facts.error}"
        )
        log.warning("job %s: failed: %s", job_id, reason, extra={"job_id": job_id})
        store.fail_job(job_id, worker, reason)
        return
    _progress(store, job_id, worker, total, total, MERGING)
    brief = pipeline.merge(documents, summaries, int(job.request["max_words"]))
    if not store.finish_job(job_id, worker, brief_to_dict(brief)):
        raise JobLost(job_id)
    log.info(
        "job %s: done, %d of %d documents summarised",
        job_id,
        total - len(failed),
        total,
        extra={"job_id": job_id},
    )


def _progress(store: Store, job_id: str, worker: str, done: int, total: int, stage: str) -> None:
    if not store.record_progress(job_id, worker, done, total, stage):
        raise JobLost(job_id)


def _summary(store: Store, pipeline: Pipeline, document: Document, job_id: str) -> Summary:
    """The cached summary of `document`, else a fresh one (then cached); on failure, a summary
    with no sentences whose facts carry the error, which the merge reports in the brief's notes."""
    try:
        key = pipeline.summary_key(document)
        cached = _cached_summary(store, key)
        if cached is not None:
            return cached
        summary = pipeline.summarise(document)
        store.put_summary(key, document.id, summary.to_dict())
        return summary
    except Exception as exc:
        log.exception(
            "job %s: document %s could not be summarised",
            job_id,
            document.id,
            extra={"job_id": job_id, "document_id": document.id},
        )
        return _failed_summary(document, describe_exception(exc))


def _cached_summary(store: Store, key: str) -> Summary | None:
    data = store.get_summary(key)
    if data is None:
        return None
    try:
        return Summary.from_dict(data)
    except (KeyError, TypeError, ValueError):
        log.warning("cached summary %s is unreadable (an older format?); summarising again", key)
        return None


def _failed_summary(document: Document, reason: str) -> Summary:
    facts = DocumentFacts(
        document_id=document.id,
        language=document.language,
        model="",
        tokens=0,
        chunks=0,
        truncated=False,
        sentences=0,
        error=reason,
    )
    return Summary(document.id, ModelInfo(name="", kind="none"), [], facts)


@contextmanager
def _heartbeat(store: Store, job_id: str, worker: str, seconds: float) -> Iterator[None]:
    """Beat in the background while the job runs: one document can take longer than the time
    after which a silent job counts as stale."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(seconds):
            try:
                if not store.beat(job_id, worker):
                    return
            except Exception:
                log.exception("job %s: heartbeat failed", job_id, extra={"job_id": job_id})

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id[:8]}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
