"""Brief jobs with a fake pipeline: enqueue validation, run_job outcomes, the embedded worker."""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import timedelta

import numpy as np
import pytest

from service.config import Settings
from service.errors import EmptyCorpus, InvalidField, UnknownDocuments
from service.jobs import (
    EmbeddedWorker,
    create_brief_job,
    create_or_reuse_brief_job,
    job_to_dict,
    run_job,
)
from service.pipeline.merge import merge_summaries
from service.pipeline.types import (
    Citation,
    Document,
    DocumentFacts,
    ModelInfo,
    Summary,
    SummarySentence,
)
from service.store import DONE, FAILED, QUEUED, RUNNING, NewDocument, Store

MODEL = ModelInfo(name="fake-first-sentence", kind="extractive")


def bag_of_words(texts: list[str]) -> np.ndarray:
    """A deterministic stand-in for sentence embeddings: hashed words, unit length."""
    vectors = np.zeros((len(texts), 64))
    for row, text in enumerate(texts):
        for word in text.lower().split():
            vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


class FakePipeline:
    """Summarises a document by its first sentence; the merge is the real one."""

    def __init__(self, failing: set[str] | None = None, merge_error: Exception | None = None):
        self.failing = failing or set()
        self.merge_error = merge_error
        self.summarised: list[str] = []
        self.merges = 0
        self.before_summarise = lambda document: None

    def describe(self) -> dict:
        return {"summariser": "fake"}

    def summary_key(self, document: Document) -> str:
        return hashlib.sha256(f"fake:{document.text}".encode()).hexdigest()

    def summarise(self, document: Document) -> Summary:
        self.before_summarise(document)
        self.summarised.append(document.id)
        if document.id in self.failing:
            raise RuntimeError(f"cannot read {document.id}")
        end = document.text.find(".") + 1 or len(document.text)
        sentence = SummarySentence(
            text=document.text[:end],
            citations=[Citation(document.id, 0, end)],
            score=1.0,
            position=0,
        )
        facts = DocumentFacts(document.id, document.language, MODEL.name, 10, 1, False, 1)
        return Summary(document.id, MODEL, [sentence], facts)

    def merge(self, documents, summaries, max_words):
        self.merges += 1
        if self.merge_error is not None:
            raise self.merge_error
        return merge_summaries(summaries, documents, bag_of_words, max_words)


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/jobs.sqlite3")
    store.create_all()
    texts = {
        "a": "Troops crossed the river at dawn. Officials confirmed it later.",
        "b": "Heavy rain flooded the northern valley. Roads were closed.",
        "c": "Les prix du pain ont augmenté cette semaine. Les boulangers protestent.",
    }
    store.put_documents(
        [
            NewDocument(
                id=i,
                text=t,
                sha256=hashlib.sha256(t.encode()).hexdigest(),
                title=None,
                url=None,
                published=None,
                declared_language=None,
                language="fr" if i == "c" else "en",
                language_confidence=0.99,
                language_source="detected",
                chars=len(t),
                bytes=len(t.encode()),
            )
            for i, t in texts.items()
        ],
        replace=False,
    )
    yield store
    store.dispose()


def test_create_brief_job_selects_every_document_by_default(store):
    job = create_brief_job(store, None, None, 100)
    assert (job.status, job.document_ids, job.progress_total) == (QUEUED, ["a", "b", "c"], 3)
    assert job.request == {"document_ids": None, "language": None, "max_words": 100}


def test_create_brief_job_filters_by_language_and_drops_repeated_ids(store):
    assert create_brief_job(store, None, "FR", 100).document_ids == ["c"]
    assert create_brief_job(store, ["b", "a", "b", "c"], "en", 100).document_ids == ["b", "a"]


def test_unknown_ids_are_named(store):
    with pytest.raises(UnknownDocuments) as caught:
        create_brief_job(store, ["a", "nope", "gone"], None, 100)
    assert caught.value.status == 422 and caught.value.field == "document_ids"
    assert caught.value.details == {"unknown_ids": ["nope", "gone"]}
    assert "nope, gone" in caught.value.message


def test_an_empty_selection_is_refused(store, tmp_path):
    with pytest.raises(EmptyCorpus) as caught:
        create_brief_job(store, None, "de", 100)
    assert caught.value.field == "language"
    with pytest.raises(EmptyCorpus):
        create_brief_job(store, ["a", "b"], "fr", 100)
    empty = Store(f"sqlite:///{tmp_path}/empty.sqlite3")
    empty.create_all()
    with pytest.raises(EmptyCorpus) as caught:
        create_brief_job(empty, None, None, 100)
    assert caught.value.status == 422 and caught.value.field is None


@pytest.mark.parametrize(
    ("document_ids", "max_words", "field"),
    [([], 100, "document_ids"), (["a"], 5, "max_words"), (["a b"], 100, "document_ids[0]")],
)
def test_malformed_requests_name_the_field(store, document_ids, max_words, field):
    with pytest.raises(InvalidField) as caught:
        create_brief_job(store, document_ids, None, max_words)
    assert caught.value.field == field


def test_run_job_summarises_merges_and_caches(store):
    pipeline = FakePipeline()
    job = create_brief_job(store, ["a", "b"], None, 100)
    finished = run_job(store, pipeline, job.id, worker="w1")
    assert finished.status == DONE and finished.error is None
    assert (finished.progress_done, finished.progress_total, finished.stage) == (2, 2, DONE)
    brief = finished.result
    assert brief["documents"] == ["a", "b"]
    cited = {c["document_id"] for s in brief["sentences"] for c in s["citations"]}
    assert cited == {"a", "b"}
    assert pipeline.summarised == ["a", "b"]

    again = create_brief_job(store, ["a", "b"], None, 100)
    assert run_job(store, pipeline, again.id).status == DONE
    assert pipeline.summarised == ["a", "b"]  # the second brief reused the cached summaries


def test_a_failing_document_is_noted_and_the_others_are_briefed(store, caplog):
    job = create_brief_job(store, ["a", "b"], None, 100)
    finished = run_job(store, FakePipeline(failing={"b"}), job.id)
    assert finished.status == DONE
    assert any(
        "b: not summarised" in note and "cannot read b" in note for note in finished.result["notes"]
    )
    failed_logs = [r for r in caplog.records if getattr(r, "document_id", None) == "b"]
    assert failed_logs and failed_logs[0].job_id == job.id


def test_the_job_fails_when_every_document_fails(store):
    job = create_brief_job(store, ["a", "b"], None, 100)
    finished = run_job(store, FakePipeline(failing={"a", "b"}), job.id)
    assert finished.status == FAILED
    assert finished.error.startswith("none of the 2 documents could be summarised")
    assert "cannot read a" in finished.error


def test_an_unexpected_error_fails_the_job_with_its_reason(store, caplog):
    job = create_brief_job(store, ["a"], None, 100)
    finished = run_job(store, FakePipeline(merge_error=ValueError("bad vectors")), job.id)
    assert finished.status == FAILED
    assert finished.error == "internal error: ValueError: bad vectors"
    assert finished.stage == "merging"
    assert any(r.exc_info and getattr(r, "job_id", None) == job.id for r in caplog.records)


def test_a_deleted_document_fails_the_job_clearly(store):
    job = create_brief_job(store, ["a", "b"], None, 100)
    store.delete_document("b")
    finished = run_job(store, FakePipeline(), job.id)
    assert finished.status == FAILED
    assert finished.error == "document 'b' was deleted after the brief was requested"


def test_several_deleted_documents_are_all_named(store):
    job = create_brief_job(store, ["a", "b", "c"], None, 100)
    store.delete_document("a")
    store.delete_document("c")
    finished = run_job(store, FakePipeline(), job.id)
    assert finished.error == "documents 'a', 'c' were deleted after the brief was requested"


def test_a_document_deleted_while_running_fails_the_job(store):
    pipeline = FakePipeline()
    pipeline.before_summarise = lambda d: store.delete_document("b") if d.id == "a" else None
    job = create_brief_job(store, ["a", "b"], None, 100)
    finished = run_job(store, pipeline, job.id)
    assert finished.status == FAILED and "'b' was deleted" in finished.error


def test_run_job_leaves_a_job_it_cannot_claim(store):
    job = create_brief_job(store, ["a"], None, 100)
    assert store.claim_job(job.id, "someone-else")
    assert run_job(store, FakePipeline(), job.id) is None
    assert store.get_job(job.id).worker == "someone-else"


def test_run_job_stops_when_the_job_is_taken_away(store):
    job = create_brief_job(store, ["a", "b"], None, 100)
    pipeline = FakePipeline()
    pipeline.before_summarise = lambda d: store.release_job(job.id, "w1")
    result = run_job(store, pipeline, job.id, worker="w1")
    assert result.status == QUEUED  # released, not finished or failed by the lost worker
    assert pipeline.summarised == ["a"]


def test_job_to_dict_has_the_documented_shape(store):
    job = create_brief_job(store, ["a"], None, 100)
    queued = job_to_dict(job)
    assert queued == {
        "id": job.id,
        "status": "queued",
        "progress": {"done": 0, "total": 1, "stage": None},
        "request": {"document_ids": ["a"], "language": None, "max_words": 100},
        "document_ids": ["a"],
        "error": None,
        "created_at": queued["created_at"],
        "started_at": None,
        "finished_at": None,
        "brief": None,
    }
    assert queued["created_at"].endswith("Z")
    finished = run_job(store, FakePipeline(), job.id)
    body = job_to_dict(finished)
    assert body["brief"]["documents"] == ["a"] and body["finished_at"].endswith("Z")
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


def test_the_embedded_worker_wakes_for_a_new_job(store, settings):
    worker = EmbeddedWorker(store, FakePipeline(), settings)
    assert worker.ensure_started()
    assert not worker.ensure_started()
    try:
        time.sleep(0.05)  # let it go idle: the next poll is 30 s away
        job = create_brief_job(store, ["a"], None, 100)
        worker.wake()
        wait_until(lambda: store.get_job(job.id).status == DONE)
        assert store.get_job(job.id).worker == worker.name
    finally:
        worker.stop(timeout=5)
    assert not worker.running


def test_the_embedded_worker_survives_errors(store, settings, monkeypatch):
    worker = EmbeddedWorker(store, FakePipeline(), settings)
    calls = []
    real_queued = store.queued_job_ids

    def flaky(limit=10):
        calls.append(limit)
        if len(calls) == 1:
            raise RuntimeError("database hiccup")
        return real_queued(limit)

    monkeypatch.setattr(store, "queued_job_ids", flaky)
    monkeypatch.setattr("service.jobs.worker.ERROR_BACKOFF_SECONDS", 0.01)
    job = create_brief_job(store, ["a"], None, 100)
    worker.ensure_started()
    try:
        wait_until(lambda: store.get_job(job.id).status == DONE)
    finally:
        worker.stop(timeout=5)
    assert len(calls) >= 2


def test_the_embedded_worker_requeues_stale_jobs_at_start(store, settings):
    job = create_brief_job(store, ["a"], None, 100)
    assert store.claim_job(job.id, "a-dead-process")
    real_clock = store.clock
    store.clock = lambda: real_clock() - timedelta(hours=1)
    store.beat(job.id, "a-dead-process")  # its last sign of life: an hour ago
    store.clock = real_clock
    worker = EmbeddedWorker(store, FakePipeline(), settings)
    worker.ensure_started()
    try:
        wait_until(lambda: store.get_job(job.id).status == DONE)
    finally:
        worker.stop(timeout=5)
    assert store.get_job(job.id).attempts == 2


def test_shutdown_hands_the_running_job_back(store, settings):
    started, release = threading.Event(), threading.Event()
    pipeline = FakePipeline()

    def block(document):
        started.set()
        release.wait(5)

    pipeline.before_summarise = block
    worker = EmbeddedWorker(store, pipeline, settings)
    job = create_brief_job(store, ["a"], None, 100)
    worker.ensure_started()
    assert started.wait(5)
    assert store.get_job(job.id).status == RUNNING
    worker.shutdown()
    assert store.get_job(job.id).status == QUEUED
    release.set()
    worker.stop(timeout=5)
    assert store.get_job(job.id).status == QUEUED  # the old thread did not finish it


# Caching, reuse and progress ----------------------------------------------------------------------


def put_document(store: Store, document_id: str, text: str, *, replace: bool = False) -> None:
    new = NewDocument(
        id=document_id,
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        title=None,
        url=None,
        published=None,
        declared_language=None,
        language="en",
        language_confidence=0.99,
        language_source="detected",
        chars=len(text),
        bytes=len(text.encode()),
    )
    store.put_documents([new], replace=replace)


def test_adding_one_document_summarises_exactly_one(store):
    pipeline = FakePipeline()
    first = create_brief_job(store, ["a", "b", "c"], None, 100)
    assert run_job(store, pipeline, first.id).status == DONE
    assert sorted(pipeline.summarised) == ["a", "b", "c"]
    put_document(store, "d", "A bridge opened in the capital on Monday. Traffic eased.")
    progress: list[tuple[int, int, str]] = []
    second = create_brief_job(store, None, None, 100)
    finished = run_job(store, pipeline, second.id, on_progress=lambda *p: progress.append(p))
    assert finished.status == DONE
    assert sorted(pipeline.summarised) == ["a", "b", "c", "d"]  # only `d` was new
    assert progress[0] == (3, 4, "summarising")  # the cached three count as done at once
    assert progress[1:] == [(4, 4, "summarising"), (4, 4, "merging"), (4, 4, DONE)]
    assert set(finished.result["documents"]) == {"a", "b", "c", "d"}


def test_a_repeated_request_gets_the_stored_brief(store):
    pipeline = FakePipeline()
    first = run_job(store, pipeline, create_brief_job(store, ["a", "b"], None, 100).id)
    assert pipeline.merges == 1
    # Without the pipeline at hand, the worker finds the stored brief: no summary, no merge.
    again = run_job(store, pipeline, create_brief_job(store, ["a", "b"], None, 100).id)
    assert again.id != first.id and again.status == DONE
    assert again.result == first.result and pipeline.merges == 1
    assert sorted(pipeline.summarised) == ["a", "b"]
    # With it, the request itself is answered by the finished job.
    job, reused = create_or_reuse_brief_job(store, ["a", "b"], None, 100, pipeline=pipeline)
    assert reused and job.id in {first.id, again.id} and job.status == DONE
    assert create_brief_job(store, ["a", "b"], None, 100, pipeline=pipeline).finished


@pytest.mark.parametrize("change", ["max_words", "order", "text", "model"])
def test_a_changed_input_makes_a_new_brief(store, change):
    pipeline = FakePipeline()
    run_job(store, pipeline, create_brief_job(store, ["a", "b"], None, 100).id)
    ids, words = ["a", "b"], 100
    if change == "max_words":
        words = 120
    elif change == "order":
        ids = ["b", "a"]
    elif change == "text":
        put_document(store, "b", "Heavy rain flooded the valley again.", replace=True)
    else:
        pipeline.summary_key = lambda d: hashlib.sha256(f"v2:{d.text}".encode()).hexdigest()
    job, reused = create_or_reuse_brief_job(store, ids, None, words, pipeline=pipeline)
    assert not reused and job.status == QUEUED
    assert run_job(store, pipeline, job.id).status == DONE
    assert pipeline.merges == 2


def test_the_celery_backend_hands_jobs_over_instead_of_running_them(store, tmp_path):
    settings = Settings.from_env({"database_url": "sqlite://", "job_backend": "celery"}, environ={})
    worker = EmbeddedWorker(store, FakePipeline(), settings)
    sent: list[tuple[str, list, str]] = []

    class FakeCelery:
        def send_task(self, name, args, queue):
            sent.append((name, args, queue))

    worker.dispatcher._celery = FakeCelery()
    job = create_brief_job(store, ["a"], None, 100)
    assert worker.run_pending() == 1 and worker.run_pending() == 0
    assert sent == [("briefs.start", [job.id], "briefs")]
    assert store.get_job(job.id).status == QUEUED  # a Celery worker will claim it


def test_the_pipeline_keys_a_summary_on_text_language_model_and_settings(tmp_path):
    from service.pipeline.engine import Pipeline

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


def test_a_brief_that_lost_a_document_is_made_again_next_time(store):
    flaky = FakePipeline(failing={"b"})
    first = run_job(store, flaky, create_brief_job(store, ["a", "b"], None, 100).id)
    assert first.status == DONE and first.brief_key is None  # never offered for reuse
    healed = FakePipeline()
    job, reused = create_or_reuse_brief_job(store, ["a", "b"], None, 100, pipeline=healed)
    assert not reused
    again = run_job(store, healed, job.id)
    assert all(f["error"] is None for f in again.result["document_facts"])
    assert healed.summarised == ["b"]  # `a` was cached; only the failed one is redone
