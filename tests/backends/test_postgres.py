"""The store and the embedded job path on a real PostgreSQL: migrations, conflicts, claims,
concurrent map steps, and a whole brief job."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from service.brief_request import BriefRequest
from service.jobs import create_brief_job, run_job
from service.store import DONE, QUEUED, RUNNING, Outcome, Store, StoreConflict
from service.store.migrate import HEAD
from tests.backends.test_celery import TEXTS
from tests.faults.injected import FaultInjectingPipeline
from tests.unit.test_jobs import assert_quotes_its_sources
from tests.unit.test_store import (
    assert_copy_bands_are_rebuilt_without_loss,
    assert_migrations_match_the_schema,
    new_document,
)


@pytest.fixture
def store(pg_url):  # type: ignore[no-untyped-def]
    store = Store(pg_url)
    store.create_all()
    yield store
    store.dispose()


def test_migrations_build_exactly_the_declared_schema(store: Store) -> None:
    assert store.dialect == "postgresql"
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    assert_migrations_match_the_schema(store)
    store.create_all()  # idempotent


def test_copy_bands_are_rebuilt_without_loss(pg_url: str) -> None:
    assert_copy_bands_are_rebuilt_without_loss(pg_url)


def test_documents_conflicts_and_the_summary_cache(store: Store) -> None:
    store.put_documents([new_document("a", TEXTS["a"])], replace=False)
    with pytest.raises(StoreConflict):
        store.put_documents([new_document("a", TEXTS["b"])], replace=False)
    assert store.put_summary("k", "a", {"sentences": []})
    assert store.get_summaries(["k", "missing"]) == {"k": {"sentences": []}}
    stored = store.get_document("a")
    assert stored.text == TEXTS["a"] and stored.created_at.tzinfo is not None
    assert store.delete_document("a") and store.get_summary("k") is None
    assert not store.put_summary("k2", "a", {"sentences": []})  # foreign key: document gone
    store.put_documents([new_document("b", TEXTS["b"])], replace=False)
    rows = [("k3", "a", {"sentences": []}), ("k4", "b", {"sentences": ["b"]})]
    assert store.put_summaries(rows) == [False, True]  # `a` is gone: skipped, the rest written
    assert store.get_summaries(["k3", "k4"]) == {"k4": {"sentences": ["b"]}}


def test_one_of_many_concurrent_claims_wins(store: Store, pg_url: str) -> None:
    job = store.create_job({"max_words": 50}, ["a"])
    stores = [Store(pg_url) for _ in range(6)]
    barrier = threading.Barrier(len(stores))
    wins: list[bool] = []

    def claim(index: int) -> None:
        barrier.wait()
        wins.append(stores[index].claim_job(job.id, f"w{index}"))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 5 + [True]
    for other in stores:
        other.dispose()


def test_concurrent_map_steps_count_every_document_once(store: Store, pg_url: str) -> None:
    """The last of several map steps finishing together must see all outcomes (row lock)."""
    ids = [f"d{i}" for i in range(40)]
    job = store.create_job({"max_words": 50}, ids)
    assert store.claim_job(job.id, "celery:x")
    stores = [Store(pg_url) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    counts: list[int | None] = []

    def record(index: int) -> None:
        barrier.wait()
        mine = ids[index::4]
        for at in range(0, len(mine), 2):
            outcomes = [Outcome(i, f"key-{i}") for i in mine[at : at + 2]]
            counts.append(stores[index].record_outcomes(job.id, "celery:x", outcomes, "s"))

    threads = [threading.Thread(target=record, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert max(c or 0 for c in counts) == 40 and counts.count(40) == 1
    store.record_outcomes(job.id, "celery:x", [Outcome("d0", "key-d0")], "s")  # redone: same
    assert store.get_job(job.id).progress_done == 40
    assert store.record_outcomes(job.id, "someone-else", [], "s") is None
    for other in stores:
        other.dispose()


def test_a_brief_job_runs_to_done_on_postgresql(
    store: Store, pipeline: FaultInjectingPipeline
) -> None:
    texts = {i: t for i, t in TEXTS.items() if i != "c"}
    store.put_documents([new_document(i, t) for i, t in texts.items()], replace=False)
    job = create_brief_job(
        store, BriefRequest.parse({"document_ids": None, "language": None, "max_words": 100})
    )
    assert store.get_job(job.id).status == QUEUED
    progress: list[tuple[int, int, str]] = []
    finished = run_job(store, pipeline, job.id, on_progress=lambda *p: progress.append(p))
    assert finished.status == DONE and finished.progress_done == 4
    assert progress[-1] == (4, 4, DONE)
    assert pipeline.summarised == ["a", "b", "d", "e"]
    assert assert_quotes_its_sources(finished.result, texts) == set(texts)
    again = create_brief_job(
        store,
        BriefRequest.parse({"document_ids": None, "language": None, "max_words": 100}),
        pipeline=pipeline,
    )
    assert again.id == job.id  # the stored brief, at once
    assert store.get_job(job.id).status != RUNNING
