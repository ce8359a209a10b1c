"""Brief jobs on the real pipeline (extractive, the real all-MiniLM-L6-v2, one per session, with
faults injected where a test needs them): enqueue validation, run_job outcomes, the embedded
worker, caching and reuse."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from service.brief_request import BriefRequest
from service.config import Settings
from service.errors import EmptyCorpus, InvalidField, UnknownDocuments
from service.jobs import (
    EmbeddedWorker,
    background_worker,
    create_brief_job,
    create_or_reuse_brief_job,
    job_to_dict,
    run_job,
)
from service.jobs.dispatch import CeleryDispatcher
from service.jobs.steps import JobContext, start, summarise_documents
from service.pipeline.types import Document
from service.store import DONE, FAILED, QUEUED, RUNNING, DocumentDigest, Store
from tests.faults.injected import InjectedFault
from tests.unit.test_store import new_document

TEXTS = {
    "a": "Government troops crossed the river at dawn on Tuesday, the regional governor said. "
    "Officials in the capital confirmed the crossing later in the day. "
    "Residents of nearby villages said they had heard artillery fire through the night.",
    "b": "Heavy rain flooded the northern valley on Sunday, forcing hundreds of families from "
    "their homes. Rescue teams used boats to reach villages cut off by the water. "
    "The main road to the coast was closed for two days while crews cleared mud and debris.",
    "c": "Les prix du pain ont augmenté de dix pour cent cette semaine dans toute la région. "
    "Les boulangers accusent la hausse du coût de la farine et de l'énergie. "
    "Plusieurs centaines d'artisans ont manifesté devant la préfecture mardi matin.",
}
LATER = (
    "A new bridge over the harbour opened in the capital on Monday after three years of work. "
    "Traffic on the old crossing eased within hours, the city's transport office said."
)


def _asked(
    document_ids: list[str] | None, language: str | None = None, max_words: int = 100, **more: str
) -> BriefRequest:
    """A brief request as a client sends it (validated: InvalidField names a bad field)."""
    fields = {"document_ids": document_ids, "language": language, "max_words": max_words}
    return BriefRequest.parse({**fields, **more})


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/jobs.sqlite3")
    store.create_all()
    store.put_documents(
        [new_document(i, t, language="fr" if i == "c" else "en") for i, t in TEXTS.items()],
        replace=False,
    )
    yield store
    store.dispose()


def assert_quotes_its_sources(brief: Mapping[str, Any], texts: Mapping[str, str]) -> set[str]:
    """Every sentence of an extractive brief is the very text of one of its citations, as is
    every story's headline, and every citation is a span of the document it names; returns the
    IDs of the documents cited (a story too small for a brief cites its source by headline)."""
    cited: set[str] = set()
    for sentence in brief["sentences"]:
        spans = []
        for citation in sentence["citations"]:
            text = texts[citation["document_id"]]
            assert 0 <= citation["start"] < citation["end"] <= len(text), citation
            spans.append(text[citation["start"] : citation["end"]])
            cited.add(citation["document_id"])
        assert sentence["text"] in spans, (sentence["text"], spans)
    for story in brief.get("stories") or []:  # a headline is quoted too, and cites its source
        citation = story["headline"]["citation"]
        quoted = texts[citation["document_id"]][citation["start"] : citation["end"]]
        assert quoted.strip() == story["headline"]["text"], (quoted, story["headline"])
        cited.add(citation["document_id"])
    return cited


def test_create_brief_job_selects_every_document_by_default(store):
    job = create_brief_job(store, _asked(None))
    assert (job.status, job.document_ids, job.progress_total) == (QUEUED, ["a", "b", "c"], 3)
    assert job.request == {
        "document_ids": None,
        "language": None,
        "max_words": 100,
        "stories": "auto",  # the default mode, recorded with the job
    }


def test_create_brief_job_filters_by_language_and_drops_repeated_ids(store):
    assert create_brief_job(store, _asked(None, language="FR")).document_ids == ["c"]
    assert create_brief_job(store, _asked(["b", "a", "b", "c"], language="en")).document_ids == [
        "b",
        "a",
    ]


def test_unknown_ids_are_named(store):
    with pytest.raises(UnknownDocuments) as caught:
        create_brief_job(store, _asked(["a", "nope", "gone"]))
    assert caught.value.status == 404 and caught.value.field == "document_ids"
    assert caught.value.details == {"unknown_ids": ["nope", "gone"]}
    assert "nope, gone" in caught.value.message


def test_an_empty_selection_is_refused(store, tmp_path):
    with pytest.raises(EmptyCorpus) as caught:
        create_brief_job(store, _asked(None, language="de"))
    assert caught.value.field == "language"
    with pytest.raises(EmptyCorpus):
        create_brief_job(store, _asked(["a", "b"], language="fr"))
    empty = Store(f"sqlite:///{tmp_path}/empty.sqlite3")
    empty.create_all()
    with pytest.raises(EmptyCorpus) as caught:
        create_brief_job(empty, _asked(None))
    assert caught.value.status == 409 and caught.value.field is None


@pytest.mark.parametrize(
    ("document_ids", "max_words", "field"),
    [([], 100, "document_ids"), (["a"], 5, "max_words"), (["a b"], 100, "document_ids[0]")],
)
def test_malformed_requests_name_the_field(store, document_ids, max_words, field):
    with pytest.raises(InvalidField) as caught:
        create_brief_job(store, _asked(document_ids, max_words=max_words))
    assert caught.value.field == field


def test_run_job_summarises_merges_and_caches(store, pipeline):
    job = create_brief_job(store, _asked(["a", "b"]))
    finished = run_job(store, pipeline, job.id, worker="w1")
    assert finished.status == DONE and finished.error is None
    assert (finished.progress_done, finished.progress_total, finished.stage) == (2, 2, DONE)
    brief = finished.result
    assert brief["documents"] == ["a", "b"] and brief["notes"] == []
    assert assert_quotes_its_sources(brief, TEXTS) == {"a", "b"}
    leads = {TEXTS[i].split(". ")[0] + "." for i in ("a", "b")}
    assert leads <= {s["text"] for s in brief["sentences"]}  # each document's lead is quoted
    assert 0 < brief["words"] <= 100
    assert [f["document_id"] for f in brief["document_facts"]] == ["a", "b"]
    assert all(f["error"] is None and f["sentences"] == 3 for f in brief["document_facts"])
    assert pipeline.summarised == ["a", "b"]

    again = create_brief_job(store, _asked(["a", "b"]))
    assert run_job(store, pipeline, again.id).status == DONE
    assert pipeline.summarised == ["a", "b"]  # the second brief reused the cached summaries


def test_a_failing_document_is_noted_and_the_others_are_briefed(store, pipeline, caplog):
    pipeline.faults = {"b": InjectedFault("cannot read b")}
    job = create_brief_job(store, _asked(["a", "b"]))
    finished = run_job(store, pipeline, job.id)
    assert finished.status == DONE
    assert any(
        "b: not summarised" in note and "cannot read b" in note for note in finished.result["notes"]
    )
    assert assert_quotes_its_sources(finished.result, TEXTS) == {"a"}
    facts = {f["document_id"]: f["error"] for f in finished.result["document_facts"]}
    assert facts["a"] is None and facts["b"] == "InjectedFault: cannot read b"
    failed_logs = [r for r in caplog.records if getattr(r, "document_id", None) == "b"]
    assert failed_logs and failed_logs[0].job_id == job.id and failed_logs[0].exc_info
    assert pipeline.summarised == ["a", "b", "a", "b"]  # the batch failed: each tried alone


def test_the_map_step_works_a_batch_at_a_time(store, pipeline, monkeypatch):
    """One cached-summary query, one pipeline call, one summary write and one progress write per
    batch of `documents_per_call` documents; documents cached meanwhile are not summarised."""
    store.put_documents([new_document("d", LATER)], replace=False)
    assert run_job(store, pipeline, create_brief_job(store, _asked(["b"])).id).status == DONE
    pipeline.reset()
    monkeypatch.setattr(pipeline, "documents_per_call", lambda document: 2)
    calls: dict[str, list[list[str]]] = {}

    def spy(owner: Any, name: str, ids: Any) -> None:
        real = getattr(owner, name)
        calls[name] = []

        def spying(first: Any, *args: Any) -> Any:
            calls[name].append(ids(first))
            return real(first, *args)

        monkeypatch.setattr(owner, name, spying)

    spy(pipeline, "summarise_many", lambda documents: [d.id for d in documents])
    spy(store, "put_summaries", lambda rows: [row[1] for row in rows])
    spy(store, "cached_keys", lambda keys: keys)
    job = create_brief_job(store, _asked(["a", "b", "c", "d"]))
    assert store.claim_job(job.id, "w1")
    progress: list[tuple[int, int, str]] = []
    ctx = JobContext(store, pipeline, job.id, "w1", on_progress=lambda *p: progress.append(p))
    assert start(ctx) == ["a", "c", "d"] and progress == [(1, 4, "summarising")]
    # As a map task sent again would: `b` among them, cached since.
    assert summarise_documents(ctx, ["a", "b", "c", "d"]) == 4
    assert calls["summarise_many"] == [["a"], ["c", "d"]]
    assert calls["put_summaries"] == [["a"], ["c", "d"]]
    assert len(calls["cached_keys"]) == 1 + 2  # the job's start, then one per batch
    assert progress[1:] == [(2, 4, "summarising"), (4, 4, "summarising")]
    assert {o.document_id for o in store.job_outcomes(job.id).values() if o.summary_key} == {
        "a",
        "b",
        "c",
        "d",
    }


def test_the_job_fails_when_every_document_fails(store, pipeline):
    pipeline.faults = {i: InjectedFault(f"cannot read {i}") for i in ("a", "b")}
    job = create_brief_job(store, _asked(["a", "b"]))
    finished = run_job(store, pipeline, job.id)
    assert finished.status == FAILED
    assert finished.error.startswith("none of the 2 documents could be summarised")
    assert "cannot read a" in finished.error
    assert pipeline.merged == []


def test_an_unexpected_error_fails_the_job_with_its_reason(store, pipeline, caplog):
    pipeline.merge_fault = ValueError("bad vectors")
    job = create_brief_job(store, _asked(["a"]))
    finished = run_job(store, pipeline, job.id)
    assert finished.status == FAILED
    assert finished.error == "internal error: ValueError: bad vectors"
    assert finished.stage == "merging"
    assert any(r.exc_info and getattr(r, "job_id", None) == job.id for r in caplog.records)


def test_a_deleted_document_fails_the_job_clearly(store, pipeline):
    job = create_brief_job(store, _asked(["a", "b"]))
    store.delete_document("b")
    finished = run_job(store, pipeline, job.id)
    assert finished.status == FAILED
    assert finished.error == "document 'b' was deleted after the brief was requested"


def test_a_document_deleted_while_a_brief_is_requested_queues_the_job(store, pipeline, monkeypatch):
    """A deleter can remove a document between the request's selection and its brief key: the
    request still queues the job (no stored brief can match), which then names the document."""
    from service.jobs import briefs

    selected = briefs._select_documents

    def select_then_delete(*args: Any, **kwargs: Any) -> list[str]:
        found = selected(*args, **kwargs)
        store.delete_document("b")
        return found

    monkeypatch.setattr(briefs, "_select_documents", select_then_delete)
    job, reused = briefs.create_or_reuse_brief_job(
        store,
        _asked(None),
        pipeline=pipeline,
    )
    assert not reused and job.status == QUEUED and "b" in job.document_ids
    finished = run_job(store, pipeline, job.id)
    assert finished.error == "document 'b' was deleted after the brief was requested"


def test_several_deleted_documents_are_all_named(store, pipeline):
    job = create_brief_job(store, _asked(["a", "b", "c"]))
    store.delete_document("a")
    store.delete_document("c")
    finished = run_job(store, pipeline, job.id)
    assert finished.error == "documents 'a', 'c' were deleted after the brief was requested"


def test_a_document_deleted_while_running_fails_the_job(store, pipeline):
    pipeline.before_summarise = lambda d: store.delete_document("b") if d.id == "a" else None
    job = create_brief_job(store, _asked(["a", "b"]))
    finished = run_job(store, pipeline, job.id)
    assert finished.status == FAILED and "'b' was deleted" in finished.error


def test_run_job_leaves_a_job_it_cannot_claim(store, pipeline):
    job = create_brief_job(store, _asked(["a"]))
    assert store.claim_job(job.id, "someone-else")
    assert run_job(store, pipeline, job.id) is None
    assert store.get_job(job.id).worker == "someone-else"
    assert pipeline.summarised == []


def test_run_job_stops_when_the_job_is_taken_away(store, pipeline):
    job = create_brief_job(store, _asked(["a", "b"]))
    pipeline.before_summarise = lambda d: store.release_job(job.id, "w1")
    result = run_job(store, pipeline, job.id, worker="w1")
    assert result.status == QUEUED  # released, not finished or failed by the lost worker
    assert pipeline.summarised == ["a", "b"]  # one batch: the loss is seen as it is recorded
    assert store.job_outcomes(job.id) == {}  # and nothing of it counts for the lost job


def test_job_to_dict_has_the_documented_shape(store, pipeline):
    job = create_brief_job(store, _asked(["a"]))
    queued = job_to_dict(job)
    assert queued == {
        "id": job.id,
        "status": "queued",
        "progress": {"done": 0, "total": 1, "stage": None},
        "request": {
            "document_ids": ["a"],
            "language": None,
            "max_words": 100,
            "stories": "auto",  # the default, recorded
        },
        "document_ids": ["a"],
        "error": None,
        "created_at": queued["created_at"],
        "started_at": None,
        "finished_at": None,
        "brief": None,
    }
    assert queued["created_at"].endswith("Z")
    finished = run_job(store, pipeline, job.id)
    body = job_to_dict(finished)
    assert body["brief"]["documents"] == ["a"] and body["finished_at"].endswith("Z")
    assert body["progress"] == {"done": 1, "total": 1, "stage": "done"}
    assert "brief" not in job_to_dict(finished, include_brief=False)


def wait_until(predicate, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def settings(tmp_path):
    return Settings.from_env(
        {"database_url": f"sqlite:///{tmp_path}/jobs.sqlite3", "worker_poll_seconds": 30.0},
        environ={},
    )


def test_the_embedded_worker_wakes_for_a_new_job(store, settings, pipeline):
    worker = EmbeddedWorker(store, pipeline, settings)
    assert worker.ensure_started()
    assert not worker.ensure_started()
    try:
        time.sleep(0.05)  # let it go idle: the next poll is 30 s away
        job = create_brief_job(store, _asked(["a"]))
        worker.wake()
        wait_until(lambda: store.get_job(job.id).status == DONE)
        assert store.get_job(job.id).worker == worker.name
        assert assert_quotes_its_sources(store.get_job(job.id).result, TEXTS) == {"a"}
    finally:
        worker.stop(timeout=5)
    assert not worker.running


def test_the_embedded_worker_survives_errors(store, settings, pipeline, monkeypatch):
    worker = EmbeddedWorker(store, pipeline, settings)
    calls = []
    real_queued = store.queued_job_ids

    def flaky(limit=10):
        calls.append(limit)
        if len(calls) == 1:
            raise RuntimeError("database hiccup")
        return real_queued(limit)

    monkeypatch.setattr(store, "queued_job_ids", flaky)
    monkeypatch.setattr("service.jobs.worker.ERROR_BACKOFF_SECONDS", 0.01)
    job = create_brief_job(store, _asked(["a"]))
    worker.ensure_started()
    try:
        wait_until(lambda: store.get_job(job.id).status == DONE)
    finally:
        worker.stop(timeout=5)
    assert len(calls) >= 2


def test_the_embedded_worker_requeues_stale_jobs_at_start(store, settings, pipeline):
    job = create_brief_job(store, _asked(["a"]))
    assert store.claim_job(job.id, "a-dead-process")
    real_clock = store.clock
    store.clock = lambda: real_clock() - timedelta(hours=1)
    store.beat(job.id, "a-dead-process")  # its last sign of life: an hour ago
    store.clock = real_clock
    worker = EmbeddedWorker(store, pipeline, settings)
    worker.ensure_started()
    try:
        wait_until(lambda: store.get_job(job.id).status == DONE)
    finally:
        worker.stop(timeout=5)
    assert store.get_job(job.id).attempts == 2
    assert pipeline.summarised == ["a"]


def test_shutdown_hands_the_running_job_back(store, settings, pipeline):
    started, release = threading.Event(), threading.Event()

    def block(document):
        started.set()
        release.wait(5)

    pipeline.before_summarise = block
    worker = EmbeddedWorker(store, pipeline, settings)
    job = create_brief_job(store, _asked(["a"]))
    worker.ensure_started()
    assert started.wait(5)
    assert store.get_job(job.id).status == RUNNING
    worker.shutdown()
    assert store.get_job(job.id).status == QUEUED
    release.set()
    worker.stop(timeout=5)
    assert store.get_job(job.id).status == QUEUED  # the old thread did not finish it


# Caching, reuse and progress ----------------------------------------------------------------------


def test_adding_one_document_summarises_exactly_one(store, pipeline):
    first = create_brief_job(store, _asked(["a", "b", "c"]))
    assert run_job(store, pipeline, first.id).status == DONE
    assert sorted(pipeline.summarised) == ["a", "b", "c"]
    store.put_documents([new_document("d", LATER)], replace=False)
    progress: list[tuple[int, int, str]] = []
    second = create_brief_job(store, _asked(None))
    finished = run_job(store, pipeline, second.id, on_progress=lambda *p: progress.append(p))
    assert finished.status == DONE
    assert sorted(pipeline.summarised) == ["a", "b", "c", "d"]  # only `d` was new
    assert progress[0] == (3, 4, "summarising")  # the cached three count as done at once
    assert progress[1:] == [(4, 4, "summarising"), (4, 4, "merging"), (4, 4, DONE)]
    assert set(finished.result["documents"]) == {"a", "b", "c", "d"}
    assert "d" in assert_quotes_its_sources(finished.result, {**TEXTS, "d": LATER})


def test_a_repeated_request_gets_the_stored_brief(store, pipeline):
    first = run_job(store, pipeline, create_brief_job(store, _asked(["a", "b"])).id)
    assert pipeline.merged == [["a", "b"]]
    # Without the pipeline at hand, the worker finds the stored brief: no summary, no merge.
    again = run_job(store, pipeline, create_brief_job(store, _asked(["a", "b"])).id)
    assert again.id != first.id and again.status == DONE
    assert again.result == first.result and pipeline.merged == [["a", "b"]]
    assert sorted(pipeline.summarised) == ["a", "b"]
    # With it, the request itself is answered by the finished job.
    job, reused = create_or_reuse_brief_job(
        store,
        _asked(["a", "b"]),
        pipeline=pipeline,
    )
    assert reused and job.id in {first.id, again.id} and job.status == DONE
    assert create_brief_job(
        store,
        _asked(["a", "b"]),
        pipeline=pipeline,
    ).finished


def test_each_text_is_read_only_where_it_is_needed(store, pipeline, monkeypatch):
    """The request and the job's start name documents by their stored hashes; the map step
    reads the texts it summarises, the merge every text once."""
    reads: list[list[str]] = []
    real = store.pipeline_documents

    def pipeline_documents(document_ids):
        reads.append(list(document_ids))
        return real(document_ids)

    monkeypatch.setattr(store, "pipeline_documents", pipeline_documents)
    first = create_brief_job(
        store,
        _asked(["a", "b"]),
        pipeline=pipeline,
    )
    assert reads == []  # the request thread reads no text
    assert run_job(store, pipeline, first.id).status == DONE
    assert reads == [["a", "b"], ["a", "b"]]  # summarised, then merged
    reads.clear()
    again = create_brief_job(
        store,
        _asked(["a", "b"], max_words=120),
        pipeline=pipeline,
    )
    assert run_job(store, pipeline, again.id).status == DONE
    assert reads == [["a", "b"]]  # both cached: only the merge reads them


@pytest.mark.parametrize("change", ["max_words", "order", "text", "settings"])
def test_a_changed_input_makes_a_new_brief(store, pipeline, monkeypatch, change):
    run_job(store, pipeline, create_brief_job(store, _asked(["a", "b"])).id)
    ids, words, summarised = ["a", "b"], 100, ["a", "b"]
    if change == "max_words":
        words = 120
    elif change == "order":
        ids = ["b", "a"]
    elif change == "text":
        rain = TEXTS["b"].replace("on Sunday", "again on Monday")
        store.put_documents([new_document("b", rain)], replace=True)
        summarised.append("b")
    else:  # the same text read otherwise: every summary is made again
        chunks = pipeline.settings.max_chunks_per_document + 1
        changed = dataclasses.replace(pipeline.settings, max_chunks_per_document=chunks)
        monkeypatch.setattr(pipeline, "settings", changed)
        summarised += ["a", "b"]
    job, reused = create_or_reuse_brief_job(
        store,
        _asked(ids, max_words=words),
        pipeline=pipeline,
    )
    assert not reused and job.status == QUEUED
    assert run_job(store, pipeline, job.id).status == DONE
    assert pipeline.merged == [["a", "b"], ids]
    assert pipeline.summarised == summarised  # only what the change touched


def test_the_celery_backend_hands_jobs_over_instead_of_running_them(store, pipeline):
    """The real Celery app, on kombu's in-process broker: what it sends is read back from there."""
    broker = {"job_backend": "celery", "celery_broker_url": "memory://"}
    settings = Settings.from_env({"database_url": "sqlite://", **broker}, environ={})
    worker = background_worker(store, pipeline, settings)
    assert isinstance(worker, CeleryDispatcher)
    job = create_brief_job(store, _asked(["a"]))
    assert worker.run_pending() == 1 and worker.run_pending() == 0
    with worker.celery.connection_for_read() as connection:
        queue = connection.SimpleQueue(settings.celery_queue)
        message = queue.get(timeout=5)
        message.ack()
        assert len(queue) == 0  # sent once
        queue.close()
    assert (message.headers["task"], message.payload[0]) == ("briefs.start", [job.id])
    assert message.delivery_info["routing_key"] == "briefs"
    assert store.get_job(job.id).status == QUEUED  # a Celery worker will claim it
    assert pipeline.summarised == []


def test_the_pipeline_keys_a_summary_on_text_language_model_and_settings(tmp_path):
    from service.pipeline.runner import Pipeline

    def key(document: Document, **overrides) -> str:
        values = {"summariser": "extractive", "database_url": "sqlite://", **overrides}
        return Pipeline(Settings.from_env(values, environ={})).summary_key(document)

    document = Document("a", "Troops crossed the river at dawn.", "en")
    base = key(document)
    assert base == key(document)
    variants = {
        key(Document("other-id", document.text, "en")),  # its citations name its own ID
        key(Document("a", document.text + " Later.", "en")),
        key(Document("a", document.text, "fr")),
        key(document, max_chunks_per_document=4),
        key(document, chunk_overlap_sentences=0),
        key(document, summary_sentences=2),
    }
    assert base not in variants and len(variants) == 6
    # The text is named by the SHA-256 that ingest stored with it, not hashed again.
    stored = DocumentDigest("a", document.sha256, "en")
    assert key(stored) == base
    assert document.sha256 == hashlib.sha256(document.text.encode("utf-8")).hexdigest()
    assert key(Document("a", document.text, "en", sha256="f" * 64)) == key(
        dataclasses.replace(stored, sha256="f" * 64)
    )


def test_a_brief_that_lost_a_document_is_made_again_next_time(store, pipeline):
    pipeline.faults = {"b": InjectedFault("a passing fault")}
    first = run_job(store, pipeline, create_brief_job(store, _asked(["a", "b"])).id)
    assert first.status == DONE and first.brief_key is None  # never offered for reuse
    pipeline.reset()  # healed
    job, reused = create_or_reuse_brief_job(
        store,
        _asked(["a", "b"]),
        pipeline=pipeline,
    )
    assert not reused
    again = run_job(store, pipeline, job.id)
    assert all(f["error"] is None for f in again.result["document_facts"])
    assert assert_quotes_its_sources(again.result, TEXTS) == {"a", "b"}
    assert pipeline.summarised == ["b"]  # `a` was cached; only the failed one is redone
