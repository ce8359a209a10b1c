"""The steps of a brief job, shared by every kind of worker: start, map (summarise), reduce (merge).

The embedded worker runs them one after the other in one thread (`run_job`); Celery runs `start`
in one task, `summarise_documents` in many tasks (a batch of documents each), and `merge` in a last
one. All state lives in the store (the job row and its per-document outcomes), so any process can
run any step and report on the job, and every step may be run again after a crash.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from service.brief_request import BriefRequest
from service.jobs.observe import NO_OBSERVER, JobObserver, observe
from service.pipeline.render import brief_to_dict
from service.pipeline.runner import each_alone_on_failure
from service.pipeline.stories.brief import Earlier
from service.pipeline.types import Brief, Document, DocumentFacts, DocumentHead, ModelInfo, Summary
from service.store import RUNNING, JobRecord, Outcome, Store

log = logging.getLogger(__name__)

SUMMARISING, MERGING = "summarising", "merging"
MAX_REASON_CHARS = 500
LOAD_BATCH = 500  # documents read from the store at a time
# Bump when the merge changes what a brief says for the same summaries (2: briefs of stories;
# 3: concepts weighed by reciprocal rank, headlines not quoted; 4: copies of one story merged as
# one source).
BRIEF_KEY_VERSION = "4"

ProgressCallback = Callable[[int, int, str], None]


class PipelineLike(Protocol):
    """What a job needs of the pipeline (tests pass fakes)."""

    def summary_key(self, document: DocumentHead) -> str: ...

    def documents_per_call(self, document: DocumentHead) -> int: ...

    def summarise(self, document: Document) -> Summary: ...

    def summarise_many(self, documents: Sequence[Document]) -> list[Summary | Exception]: ...

    def merge(
        self,
        documents: Sequence[Document],
        summaries: Sequence[Summary],
        request: BriefRequest,
        earlier: Earlier | None = None,
    ) -> Brief: ...


class JobLost(Exception):
    """The job was taken away from this worker (requeued as stale, or released)."""


class JobFailed(Exception):
    """The job cannot give a brief; the message is its reason."""


class DocumentGone(JobFailed):
    """Documents of the job were deleted after the brief was requested."""

    def __init__(self, document_ids: list[str]) -> None:
        names = ", ".join(repr(i) for i in document_ids)
        verb = "was" if len(document_ids) == 1 else "were"
        noun = "document" if len(document_ids) == 1 else "documents"
        super().__init__(f"{noun} {names} {verb} deleted after the brief was requested")


def describe_exception(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"


@dataclass(frozen=True)
class JobContext:
    """One running job as one step sees it: `owner` is the claim every write is made under."""

    store: Store
    pipeline: PipelineLike
    job_id: str
    owner: str
    on_progress: ProgressCallback | None = None
    observer: JobObserver = NO_OBSERVER

    def job(self) -> JobRecord:
        job = self.store.get_job(self.job_id)
        if job is None:
            raise JobLost(self.job_id)
        return job

    def running_job(self) -> JobRecord:
        """The job, while this owner still runs it (JobLost once it was requeued or finished)."""
        job = self.job()
        if (job.status, job.worker) != (RUNNING, self.owner):
            raise JobLost(self.job_id)
        return job

    def progress(self, done: int, total: int, stage: str) -> None:
        if not self.store.record_progress(self.job_id, self.owner, done, total, stage):
            raise JobLost(self.job_id)
        self.report(done, total, stage)

    def record(self, outcomes: Sequence[Outcome], total: int) -> int:
        done = self.store.record_outcomes(self.job_id, self.owner, outcomes, SUMMARISING)
        if done is None:
            raise JobLost(self.job_id)
        self.report(done, total, SUMMARISING)
        return done

    def report(self, done: int, total: int, stage: str) -> None:
        if self.on_progress is not None:
            self.on_progress(done, total, stage)

    def observe(self, event: str, *args: Any) -> None:
        observe(self.observer, event, *args)

    def entered(self, before: JobRecord, stage: str) -> None:
        """The job, read as `before`, has now entered `stage`: observe the end of the last one."""
        if before.stage != stage:
            self.observe("stage_ended", before)


def documents_in_order(store: Store, document_ids: Sequence[str]) -> Iterator[list[Document]]:
    """The job's documents, `LOAD_BATCH` at a time, in order; DocumentGone names the missing."""
    for start in range(0, len(document_ids), LOAD_BATCH):
        wanted = document_ids[start : start + LOAD_BATCH]
        found = store.pipeline_documents(wanted)
        missing = [i for i in wanted if i not in found]
        if missing:
            raise DocumentGone(missing)
        yield [found[i] for i in wanted]


def brief_keys(
    store: Store,
    pipeline: PipelineLike,
    document_ids: Sequence[str],
    request: BriefRequest,
) -> tuple[dict[str, str], str]:
    """Each document's summary key, by ID, and the key of their brief as the completed `request`
    asks: made from the hashes ingest stored, without reading a text. DocumentGone names
    documents not stored."""
    digests = store.document_digests(document_ids)
    missing = [i for i in document_ids if i not in digests]
    if missing:
        raise DocumentGone(missing)
    keys = {i: pipeline.summary_key(digests[i]) for i in document_ids}
    return keys, _brief_key([keys[i] for i in document_ids], request)


def _brief_key(summary_keys: Sequence[str], request: BriefRequest) -> str:
    """Names a brief by all it is made of: each document's summary (key) in order, its length,
    whether it is one story or a brief of stories, and the brief it follows."""
    max_words, story_mode = request.solver_options()
    parts = [BRIEF_KEY_VERSION, f"max_words={max_words}", f"stories={story_mode}"]
    parts += [f"since={request.since}"] if request.since else []
    parts += summary_keys
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


# Start --------------------------------------------------------------------------------------------


def start(ctx: JobContext) -> list[str] | None:
    """Begin a claimed job: the IDs of the documents left to summarise, or None when the job is
    finished already (its brief was stored by an earlier job over the same inputs).

    Documents whose summary is cached count as done at once, so adding one document to a corpus
    of N and asking again summarises one document, not N + 1.
    """
    job = ctx.running_job()
    total = len(job.document_ids)
    request = BriefRequest.from_stored(job.request)
    keys, key = brief_keys(ctx.store, ctx.pipeline, job.document_ids, request)
    if not ctx.store.set_brief_key(ctx.job_id, ctx.owner, key):
        raise JobLost(ctx.job_id)
    stored = ctx.store.done_job_for_brief(key)
    if stored is not None and stored.result is not None:
        ctx.progress(total, total, MERGING)
        ctx.entered(job, MERGING)
        facts = stored.result.get("document_facts") or []
        ctx.observe("cache_hits", ctx.job_id, len([f for f in facts if not f.get("error")]))
        finish(ctx, stored.result, f"reused the brief of job {stored.id}")
        return None
    cached = ctx.store.cached_keys(list(keys.values()))
    done = [Outcome(i, keys[i]) for i in job.document_ids if keys[i] in cached]
    ctx.record(done, total)
    ctx.entered(job, SUMMARISING)
    ctx.observe("cache_hits", ctx.job_id, len(done))
    return [i for i in job.document_ids if keys[i] not in cached]


# Map ----------------------------------------------------------------------------------------------


def summarise_documents(ctx: JobContext, document_ids: Sequence[str]) -> int:
    """Summarise these documents of the job (each one cached) a batch at a time, recording the
    outcomes of each batch as it ends; returns how many of the job's documents are done, all
    steps together."""
    total = ctx.running_job().progress_total
    done = 0
    for loaded in documents_in_order(ctx.store, document_ids):
        for batch in model_batches(ctx.pipeline, loaded):
            done = ctx.record(summarise_batch(ctx, batch), total)
    return done


def model_batches(pipeline: PipelineLike, documents: list[Document]) -> Iterator[list[Document]]:
    """`documents` in order, cut into batches of the size the summariser of each batch's first
    document is best given at once (`documents_per_call`)."""
    at = 0
    while at < len(documents):
        size = max(pipeline.documents_per_call(documents[at]), 1)
        yield documents[at : at + size]
        at += size


def summarise_batch(ctx: JobContext, documents: Sequence[Document]) -> list[Outcome]:
    """Summarise and cache those of `documents` not cached, in one pipeline call and one write;
    each document's outcome, in order. A failure is an outcome, not an exception (the merge
    names it in the brief's notes), and one document's failure is its own: when the call for
    the batch raises, each document is summarised alone."""
    keys: dict[str, str] = {}
    failures: dict[str, str] = {}
    for document in documents:
        try:
            keys[document.id] = ctx.pipeline.summary_key(document)
        except Exception as exc:
            failures[document.id] = _logged_failure(exc, document, ctx.job_id)
    cached = ctx.store.cached_keys(list(keys.values()))
    if cached:
        ctx.observe("cache_hits", ctx.job_id, len([i for i in keys if keys[i] in cached]))
    todo = [d for d in documents if d.id in keys and keys[d.id] not in cached]
    results = each_alone_on_failure(ctx.pipeline.summarise_many, todo)
    made: list[Summary] = []
    for document, result in zip(todo, results, strict=True):
        if isinstance(result, Exception):
            failures[document.id] = _logged_failure(result, document, ctx.job_id)
        else:
            made.append(result)
    # False for a document deleted meanwhile: nothing is cached for it, and the merge sees it.
    ctx.store.put_summaries([(keys[s.document_id], s.document_id, s.to_dict()) for s in made])
    for summary in made:
        ctx.observe("summarised", ctx.job_id, summary)
    return [
        Outcome(d.id, None, failures[d.id]) if d.id in failures else Outcome(d.id, keys[d.id])
        for d in documents
    ]


def _summarise_and_cache(ctx: JobContext, document: Document, key: str) -> Summary:
    summary = ctx.pipeline.summarise(document)
    # False: the document was deleted meanwhile; the merge sees it.
    ctx.store.put_summary(key, document.id, summary.to_dict())
    ctx.observe("summarised", ctx.job_id, summary)
    return summary


def _logged_failure(exc: Exception, document: Document, job_id: str) -> str:
    log.error(
        "job %s: document %s could not be summarised",
        job_id,
        document.id,
        exc_info=exc,
        extra={"job_id": job_id, "document_id": document.id},
    )
    return describe_exception(exc)


# Reduce -------------------------------------------------------------------------------------------


def make_brief(ctx: JobContext) -> None:
    """Merge the job's summaries into its brief and store it (or fail the job, when no document
    could be summarised)."""
    job = ctx.running_job()
    total = len(job.document_ids)
    outcomes = ctx.store.job_outcomes(ctx.job_id)
    documents = [d for batch in documents_in_order(ctx.store, job.document_ids) for d in batch]
    cached = ctx.store.get_summaries([o.summary_key for o in outcomes.values() if o.summary_key])
    summaries = [_summary_of(ctx, d, outcomes.get(d.id), cached) for d in documents]
    failed = [s for s in summaries if s.facts.error]
    if len(failed) == total:
        reason = f"none of the {total} documents could be summarised; first error: " + (
            f"{failed[0].document_id}: {failed[0].facts.error}"
        )
        raise JobFailed(reason)
    ctx.progress(total, total, MERGING)
    ctx.entered(job, MERGING)
    request = BriefRequest.from_stored(job.request)
    earlier = _earlier(ctx.store, request.since)
    brief = ctx.pipeline.merge(documents, summaries, request, earlier)
    finish(
        ctx,
        brief_to_dict(brief),
        f"{total - len(failed)} of {total} documents summarised",
        reusable=not failed,  # a failure may pass: the next request tries that document again
    )


def _earlier(store: Store, since: str | None) -> Earlier | None:
    """The earlier brief a brief "since" it is made against; JobFailed if it is gone."""
    if since is None:
        return None
    job = store.get_job(since)
    if job is None or job.result is None:
        raise JobFailed(f"the earlier brief {since!r} is gone")
    return Earlier.from_dict(job.result)


def finish(ctx: JobContext, result: dict[str, Any], how: str, *, reusable: bool = True) -> None:
    """Store the brief; one that is not `reusable` (a document failed in it, perhaps by a passing
    fault) loses its brief key first, so that no later request is answered with it."""
    if not reusable and not ctx.store.set_brief_key(ctx.job_id, ctx.owner, None):
        raise JobLost(ctx.job_id)
    if not ctx.store.finish_job(ctx.job_id, ctx.owner, result):
        raise JobLost(ctx.job_id)
    ctx.store.clear_outcomes(ctx.job_id)
    job = ctx.job()
    ctx.observe("ended", job)
    ctx.report(job.progress_done, job.progress_total, job.status)
    log.info("job %s: done, %s", ctx.job_id, how, extra={"job_id": ctx.job_id})


def _summary_of(
    ctx: JobContext, document: Document, outcome: Outcome | None, cached: dict[str, Any]
) -> Summary:
    if outcome is not None and outcome.error is not None:
        return failed_summary(document, outcome.error)
    if outcome is not None and outcome.summary_key in cached:
        summary = _readable(cached[outcome.summary_key], outcome.summary_key)
        if summary is not None:
            return summary
    # Not summarised by this job's map steps (its document was replaced meanwhile, or the cached
    # copy is unreadable): summarise it now rather than leave it out.
    try:
        return _summarise_and_cache(ctx, document, ctx.pipeline.summary_key(document))
    except Exception as exc:
        return failed_summary(document, _logged_failure(exc, document, ctx.job_id))


def _readable(data: dict[str, Any], key: str) -> Summary | None:
    try:
        return Summary.from_dict(data)
    except (KeyError, TypeError, ValueError):
        log.warning("cached summary %s is unreadable (an older format?); summarising again", key)
        return None


def failed_summary(document: Document, reason: str) -> Summary:
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
