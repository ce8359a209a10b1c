"""Brief jobs as clients see them: validate and enqueue a request, represent a job, wait for one."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from service.brief_request import DEFAULT_MAX_WORDS, BriefRequest
from service.errors import EmptyCorpus, NotFound, UnknownDocuments
from service.jobs.observe import REQUEST_ID
from service.jobs.steps import DocumentGone, PipelineLike, brief_keys
from service.logs import current_context
from service.pipeline.documents.language import normalise_language
from service.store import JobRecord, Store

SHOWN_UNKNOWN_IDS = 20  # in the error message; `details.unknown_ids` lists them all


def create_brief_job(
    store: Store,
    request: BriefRequest,
    *,
    default_max_words: int = DEFAULT_MAX_WORDS,
    pipeline: PipelineLike | None = None,
) -> JobRecord:
    """Queue a brief as `request` asks (of every stored document when it names none, optionally
    only those in its language), with `default_max_words` (the
    `default_max_words` setting) when it names no length. Raises
    UnknownDocuments naming the IDs that are not stored, EmptyCorpus when no document is selected.

    Given the `pipeline`, a request whose brief is stored already (same documents, same texts,
    same models and settings, same length) gets that finished job back instead of a new one; see
    `create_or_reuse_brief_job`. Without it, the worker finds the stored brief at once.
    """
    job, _reused = create_or_reuse_brief_job(
        store, request, default_max_words=default_max_words, pipeline=pipeline
    )
    return job


def create_or_reuse_brief_job(
    store: Store,
    request: BriefRequest,
    *,
    default_max_words: int = DEFAULT_MAX_WORDS,
    pipeline: PipelineLike | None = None,
) -> tuple[JobRecord, bool]:
    """Like `create_brief_job`; also says whether the job is an earlier one (True), finished or
    still queued or running for the same brief, rather than a new one."""
    if request.since is not None:
        earlier = store.get_job(request.since)
        if earlier is None or earlier.status != "done":
            raise NotFound(f"no finished brief {request.since!r}", field="since")
    language = normalise_language(request.language) if request.language else None
    request = request.completed(default_max_words, language)  # the one place defaults apply
    selected = _select_documents(store, request.document_ids, language)
    key: str | None = None
    if pipeline is not None:
        try:
            _keys, key = brief_keys(store, pipeline, selected, request)
        except DocumentGone:
            pass  # deleted since it was selected: no finished brief can match; the job decides
        else:
            stored = store.done_job_for_brief(key)
            if stored is not None:
                return stored, True
    queued = request.to_stored()
    active = store.active_job_for(queued, selected, key, ignore=(REQUEST_ID,))
    if active is not None:  # the same brief is queued or running: one job, not one per request
        return active, True
    request_id = current_context().get(REQUEST_ID)  # the request's, bound by the HTTP layer
    if request_id is not None:
        queued[REQUEST_ID] = request_id  # the job's logs name it (see JobObserver.running)
    job = store.create_job(request=queued, document_ids=selected)
    return job, False


def _select_documents(store: Store, requested: list[str] | None, language: str | None) -> list[str]:
    if requested is None:
        selected = store.document_ids(language)
        if not selected:
            where = f" in language {language!r}" if language else ""
            raise EmptyCorpus(
                f"there is no stored document{where} to brief",
                field="language" if language else None,
            )
        return selected
    unique = list(dict.fromkeys(requested))
    stored = store.document_digests(unique)
    unknown = [i for i in unique if i not in stored]
    if unknown:
        shown = ", ".join(unknown[:SHOWN_UNKNOWN_IDS])
        more = (
            f" and {len(unknown) - SHOWN_UNKNOWN_IDS} more"
            if len(unknown) > SHOWN_UNKNOWN_IDS
            else ""
        )
        raise UnknownDocuments(
            f"unknown document IDs: {shown}{more}",
            field="document_ids",
            details={"unknown_ids": unknown},
        )
    if language is None:
        return unique
    selected = [i for i in unique if stored[i].language == language]
    if not selected:
        raise EmptyCorpus(
            f"none of the {len(unique)} documents is in language {language!r}",
            field="language",
        )
    return selected


def _timestamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def job_to_dict(job: JobRecord, include_brief: bool = True) -> dict[str, Any]:
    """The job as the API returns it; `brief` is null until the job is done (left out entirely
    when `include_brief` is false). Once work of the job had to be redone because its worker
    vanished, `progress` also says how often (`retries`) and why (`note`)."""
    progress: dict[str, Any] = {
        "done": job.progress_done,
        "total": job.progress_total,
        "stage": job.stage,
    }
    if job.retries or job.note:
        progress.update(retries=job.retries, note=job.note)
    body: dict[str, Any] = {
        "id": job.id,
        "status": job.status,
        "progress": progress,
        "request": job.request,
        "document_ids": job.document_ids,
        "error": None if job.error is None else {"reason": job.error},
        "created_at": _timestamp(job.created_at),
        "started_at": _timestamp(job.started_at),
        "finished_at": _timestamp(job.finished_at),
    }
    if include_brief:
        body["brief"] = job.result
    return body


def wait_for_job(store: Store, job_id: str, seconds: float) -> JobRecord | None:
    """Poll the store until the job finishes or `seconds` pass; the job as last read.

    Polling the store (not an in-process signal) lets any process answer, whichever ran the job.
    """
    deadline = time.monotonic() + seconds
    delay = 0.05
    while True:
        job = store.get_job(job_id)
        if job is None or job.finished:
            return job
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return job
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.5)
