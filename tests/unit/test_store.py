"""The store against a real SQLite file: documents, summary cache, job claims and requeues."""

from __future__ import annotations

import ast
import hashlib
import multiprocessing
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from service.store import (
    CREATED,
    DONE,
    FAILED,
    QUEUED,
    REPLACED,
    RUNNING,
    UNCHANGED,
    NewDocument,
    Outcome,
    Store,
    StoreConflict,
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path}/nested/folder/store.sqlite3"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(db_url, clock):
    store = Store(db_url, clock=clock)
    store.create_all()
    yield store
    store.dispose()


def new_document(document_id: str, text: str, **metadata) -> NewDocument:
    values = {
        "title": None,
        "url": None,
        "published": None,
        "declared_language": None,
        "language": "en",
        "language_confidence": 0.99,
        "language_source": "detected",
    }
    values.update(metadata)
    return NewDocument(
        id=document_id,
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        chars=len(text),
        bytes=len(text.encode()),
        **values,
    )


def test_creates_the_database_folder_and_uses_wal(store, tmp_path):
    path = tmp_path / "nested" / "folder" / "store.sqlite3"
    assert path.exists()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.dialect == "sqlite"


def test_put_reports_created_unchanged_and_replaced(store):
    first = new_document("a", "Alpha text.", title="A")
    assert store.put_documents([first], replace=False) == [CREATED]
    assert store.put_documents([first], replace=False) == [UNCHANGED]
    assert store.put_documents([first], replace=True) == [UNCHANGED]
    changed = new_document("a", "Alpha text, revised.", title="A")
    assert store.put_documents([changed], replace=True) == [REPLACED]
    stored = store.get_document("a")
    assert stored is not None
    assert stored.text == "Alpha text, revised."
    assert stored.updated_at >= stored.created_at


@pytest.mark.parametrize(
    ("changes", "difference"),
    [
        ({"text": "Different text."}, "sha256"),
        ({"title": "Another title"}, "title"),
        ({"declared_language": "fr"}, "declared_language"),
    ],
)
def test_a_different_document_under_a_taken_id_conflicts(store, changes, difference):
    store.put_documents([new_document("a", "Alpha text.")], replace=False)
    text = changes.pop("text", "Alpha text.")
    with pytest.raises(StoreConflict) as caught:
        store.put_documents([new_document("a", text, **changes)], replace=False)
    assert caught.value.index == 0
    assert caught.value.differences == [difference]


def test_a_conflicting_batch_stores_nothing(store):
    store.put_documents([new_document("b", "Beta text.")], replace=False)
    batch = [new_document("a", "Alpha text."), new_document("b", "Other beta text.")]
    with pytest.raises(StoreConflict) as caught:
        store.put_documents(batch, replace=False)
    assert caught.value.index == 1
    assert store.get_document("a") is None
    assert store.get_document("b").text == "Beta text."


def test_data_survives_a_new_store_on_the_same_file(store, db_url):
    store.put_documents([new_document("a", "Alpha text.")], replace=False)
    job = store.create_job({"max_words": 50}, ["a"])
    store.dispose()
    reopened = Store(db_url)
    reopened.create_all()  # idempotent on existing tables
    assert reopened.get_document("a").text == "Alpha text."
    assert reopened.get_job(job.id).status == QUEUED
    reopened.dispose()


def test_list_documents_pages_by_id_and_filters_language(store):
    store.put_documents(
        [
            new_document(f"d{i}", f"Text number {i}.", language="fr" if i % 2 else "en")
            for i in range(5)
        ],
        replace=False,
    )
    page, after = store.list_documents(2)
    assert [d.id for d in page] == ["d0", "d1"] and after == "d1"
    assert all(d.text is None for d in page)
    page, after = store.list_documents(2, after=after)
    assert [d.id for d in page] == ["d2", "d3"]
    page, after = store.list_documents(2, after=after)
    assert [d.id for d in page] == ["d4"] and after is None
    french, _ = store.list_documents(10, language="fr")
    assert [d.id for d in french] == ["d1", "d3"]
    assert store.document_ids("en") == ["d0", "d2", "d4"]


def test_summary_cache_follows_its_document(store):
    store.put_documents([new_document("a", "Alpha text.")], replace=False)
    assert store.put_summary("k1", "a", {"sentences": []})
    assert store.put_summary("k1", "a", {"sentences": ["again"]})  # re-caching replaces
    assert store.get_summary("k1") == {"sentences": ["again"]}
    store.put_documents([new_document("a", "Alpha, replaced.")], replace=True)
    assert store.get_summary("k1") is None  # a replaced text drops its summaries
    assert store.put_summary("k2", "a", {"sentences": []})
    assert store.delete_document("a")
    assert store.get_summary("k2") is None
    assert not store.put_summary("k3", "a", {"sentences": []})  # the document is gone
    assert not store.delete_document("a")


def test_many_summaries_are_cached_in_one_write_skipping_deleted_documents(store):
    store.put_documents(
        [new_document("a", "Alpha text."), new_document("b", "Beta text.")], replace=False
    )
    assert store.put_summary("k1", "a", {"sentences": ["old"]})
    stored = store.put_summaries(
        [
            ("k1", "a", {"sentences": ["again"]}),  # re-caching replaces
            ("k2", "gone", {"sentences": []}),  # no such document: skipped, nothing written
            ("k3", "b", {"sentences": ["b"]}),
        ]
    )
    assert stored == [True, False, True]
    assert store.get_summaries(["k1", "k2", "k3"]) == {
        "k1": {"sentences": ["again"]},
        "k3": {"sentences": ["b"]},
    }
    assert store.put_summaries([]) == []


def test_only_one_of_two_claims_wins(store):
    job = store.create_job({"max_words": 50}, ["a"])
    assert store.claim_job(job.id, "worker-1")
    assert not store.claim_job(job.id, "worker-2")
    claimed = store.get_job(job.id)
    assert (claimed.status, claimed.worker, claimed.attempts) == (RUNNING, "worker-1", 1)


def test_concurrent_claims_from_separate_stores_have_one_winner(store, db_url):
    """Separate Store objects stand for separate processes sharing the file."""
    job = store.create_job({"max_words": 50}, ["a"])
    stores = [Store(db_url) for _ in range(8)]
    start = threading.Barrier(len(stores))
    wins: list[bool] = []

    def claim(index: int) -> None:
        start.wait()
        wins.append(stores[index].claim_job(job.id, f"worker-{index}"))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 7 + [True]
    for other in stores:
        other.dispose()


def test_stale_running_jobs_are_requeued_then_failed_after_max_attempts(store, clock):
    job = store.create_job({"max_words": 50}, ["a"])
    fresh = store.create_job({"max_words": 50}, ["a"])
    assert store.claim_job(job.id, "w1")
    clock.advance(200)
    assert store.claim_job(fresh.id, "w2")
    clock.advance(150)  # job silent for 350 s, fresh for 150 s
    assert store.requeue_stale(300, max_attempts=2) == [job.id]
    assert store.get_job(job.id).status == QUEUED
    assert store.get_job(fresh.id).status == RUNNING
    assert not store.record_progress(job.id, "w1", 1, 1, "summarising")  # w1 lost it

    assert store.claim_job(job.id, "w3")
    clock.advance(301)
    assert store.beat(fresh.id, "w2")  # a heartbeat keeps a job alive
    assert store.requeue_stale(300, max_attempts=2) == [job.id]
    failed = store.get_job(job.id)
    assert failed.status == FAILED and failed.attempts == 2
    assert "gave up after 2 attempts" in failed.error
    assert store.get_job(fresh.id).status == RUNNING


def test_progress_and_finish_only_for_the_owning_worker(store):
    job = store.create_job({"max_words": 50}, ["a", "b"])
    assert store.queued_job_ids() == [job.id]
    assert store.claim_job(job.id, "w1")
    assert store.queued_job_ids() == []
    assert not store.record_progress(job.id, "w2", 1, 2, "summarising")
    assert store.record_progress(job.id, "w1", 1, 2, "summarising")
    assert not store.finish_job(job.id, "w2", {"brief": 1})
    assert store.finish_job(job.id, "w1", {"brief": 1})
    done = store.get_job(job.id)
    assert (done.status, done.stage, done.result, done.progress_done) == (
        DONE,
        DONE,
        {"brief": 1},
        1,
    )
    assert done.finished and done.finished_at is not None and done.finished_at.tzinfo is not None


def test_release_puts_a_running_job_back_in_the_queue(store):
    job = store.create_job({"max_words": 50}, ["a"])
    assert store.claim_job(job.id, "w1")
    assert store.release_job(job.id, "w1")
    released = store.get_job(job.id)
    assert (released.status, released.worker) == (QUEUED, None)
    assert store.claim_job(job.id, "w2")
    assert store.get_job(job.id).attempts == 2


def test_fail_job_records_the_reason(store):
    job = store.create_job({"max_words": 50}, ["a"])
    store.claim_job(job.id, "w1")
    assert store.fail_job(job.id, "w1", "no luck")
    failed = store.get_job(job.id)
    assert (failed.status, failed.error) == (FAILED, "no luck")


def _open_and_enqueue(url: str, barrier, results) -> None:
    store = Store(url)
    barrier.wait()
    try:
        store.create_all()
        store.create_job({"max_words": 50}, ["a"])
        results.put("ok")
    except Exception as exc:  # reported to the test, which fails on it
        results.put(repr(exc))


@pytest.mark.parametrize("trial", range(3))
def test_processes_starting_at_once_on_a_new_database_all_succeed(tmp_path, trial):
    """Every gunicorn worker creates the tables and switches to WAL as it starts, together."""
    url = f"sqlite:///{tmp_path}/fresh.sqlite3"
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(6), context.Queue()
    processes = [
        context.Process(target=_open_and_enqueue, args=(url, barrier, results)) for _ in range(6)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join()
    assert outcomes == ["ok"] * 6
    assert len(Store(url).queued_job_ids(limit=10)) == 6


# Migrations ---------------------------------------------------------------------------------------


def assert_migrations_match_the_schema(store: Store) -> None:
    """What the migrations built is what `schema.py` declares: no difference for autogenerate."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from service.store.schema import metadata

    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_migrations_build_exactly_the_declared_schema(store):
    assert_migrations_match_the_schema(store)


def test_head_is_the_newest_migration():
    from alembic.script import ScriptDirectory

    from service.store.migrate import HEAD, alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [HEAD]


def test_a_database_made_before_migrations_is_stamped_and_upgraded(tmp_path):
    """Databases of the first release were made by create_all, without Alembic's version table."""
    from alembic import command
    from sqlalchemy import inspect, text

    from service.store.migrate import HEAD, alembic_config

    url = f"sqlite:///{tmp_path}/legacy.sqlite3"
    legacy = Store(url)
    with legacy.engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(
            text(
                "INSERT INTO jobs (id, status, request, document_ids, progress_done,"
                " progress_total, attempts, created_at) VALUES ('old', 'done', '{}', '[]',"
                " 0, 0, 1, '2025-01-01 00:00:00')"
            )
        )
    assert "job_outcomes" not in inspect(legacy.engine).get_table_names()
    legacy.create_all()
    with legacy.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    assert legacy.get_job("old").status == DONE  # the data survived
    assert_migrations_match_the_schema(legacy)
    legacy.dispose()


def _keys_of_0008(values: list[int]) -> set[str]:
    """The LSH band keys that 0008's ingest stored: 25 bands of 5 rows (datasketch's shape for a
    threshold of 0.5), each the SHA-1 of its rows as unsigned 64-bit integers."""
    import numpy as np

    rows = np.asarray(values, dtype=np.uint64)
    return {
        f"{b}:" + hashlib.sha1(rows[b * 5 : (b + 1) * 5].tobytes()).hexdigest() for b in range(25)
    }


def assert_copy_bands_are_rebuilt_without_loss(url: str) -> None:
    """0009 recomputes each document's MinHash signature and each original's LSH bands with the
    constants ingest now uses; nothing else of a document changes, a copy keeps no bands, a
    document stored before 0008 (no signature) gets both, a new top-half copy finds its stored
    original, and downgrading restores exactly what 0008 stored."""
    from alembic import command
    from sqlalchemy import insert, select

    from service.ingest.copies import bands, hash_values, signature
    from service.store.migrate import alembic_config
    from service.store.schema import document_bands, documents

    wire = (
        "GENEVA (Wire) - Health ministers from 40 countries agreed on Tuesday to share vaccine "
        "stocks during outbreaks, after two days of talks in Geneva.\n"
        "The agreement obliges each country to report a new outbreak within 48 hours and to "
        "release a tenth of its stock to the worst-hit country on request.\n"
        "Officials said the first transfers could take place before the end of the year, "
        "pending ratification by national parliaments.\n"
        "Critics said the share was too small to stop a large epidemic and that poorer "
        "countries had been left out of the talks."
    )
    other = "The council approved the budget for the new bridge over the river on Monday night."
    old = "A text stored before 0008, when no signature was kept, about the harbour's new cranes."
    texts = {"wire": wire, "copy": "Home | News\n" + wire, "other": other, "old": old}
    now = datetime(2026, 12, 1, tzinfo=UTC)
    engine = Store(url).engine
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0008")
        for document_id, text in texts.items():
            values = hash_values(signature(text, 5)) if document_id != "old" else None  # as 0008
            conn.execute(
                insert(documents).values(
                    id=document_id,
                    text=text,
                    sha256=hashlib.sha256(text.encode()).hexdigest(),
                    title=f"title of {document_id}",
                    url=None,
                    published="2026-11-30",
                    declared_language=None,
                    language="en",
                    language_confidence=0.99,
                    language_source="detected",
                    chars=len(text),
                    bytes=len(text.encode()),
                    created_at=now,
                    updated_at=now,
                    copy_of="wire" if document_id == "copy" else None,
                    minhash=values,
                    metadata_sources={"title": "request"},
                )
            )
            if values is not None and document_id != "copy":
                conn.execute(
                    insert(document_bands),
                    [{"band": k, "document_id": document_id} for k in _keys_of_0008(values)],
                )

    def state() -> tuple[dict[str, dict], dict[str, set[str]]]:
        with engine.connect() as conn:
            rows = {r.id: dict(r._mapping) for r in conn.execute(select(documents))}
            keyed: dict[str, set[str]] = {}
            for r in conn.execute(select(document_bands)):
                keyed.setdefault(r.document_id, set()).add(r.band)
        return rows, keyed

    before_rows, before_bands = state()
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0009")
    rows, keyed = state()
    for document_id, row in rows.items():  # nothing but the signature was written
        assert {k: v for k, v in row.items() if k != "minhash"} == {
            k: v for k, v in before_rows[document_id].items() if k != "minhash"
        }
        assert row["minhash"] == hash_values(signature(texts[document_id]))
    assert keyed == {i: set(bands(signature(texts[i]))) for i in ("wire", "other", "old")}
    assert keyed["wire"] == before_bands["wire"]  # 0008's shape, which ingest kept
    cut = "\n".join(wire.split("\n")[:-1])  # a site that cut the last paragraph
    store = Store(url)
    found = store.copy_candidates(list(bands(signature(cut))), [])
    assert "wire" in [document_id for document_id, _url, _values in found]
    store.dispose()

    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0008")
    rows, keyed = state()
    assert {i: r for i, r in rows.items() if i != "old"} == {
        i: r for i, r in before_rows.items() if i != "old"
    }
    assert keyed == {**before_bands, "old": _keys_of_0008(rows["old"]["minhash"])}
    engine.dispose()


def test_copy_bands_are_rebuilt_without_loss_on_sqlite(tmp_path):
    assert_copy_bands_are_rebuilt_without_loss(f"sqlite:///{tmp_path}/bands.sqlite3")


# Scale-out: outcomes, brief keys, dispatch --------------------------------------------------------


def test_outcomes_count_distinct_documents_for_the_owner_only(store):
    job = store.create_job({"max_words": 50}, ["a", "b", "c"])
    assert store.claim_job(job.id, "w1")
    assert store.record_outcomes(job.id, "w1", [Outcome("a", "ka")], "summarising") == 1
    assert store.record_outcomes(job.id, "w1", [Outcome("a", "ka"), Outcome("b", None, "x")], "s")
    assert store.get_job(job.id).progress_done == 2  # `a` twice counts once
    assert store.record_outcomes(job.id, "w2", [Outcome("c", "kc")], "s") is None
    assert store.job_outcomes(job.id) == {
        "a": Outcome("a", "ka"),
        "b": Outcome("b", None, "x"),
    }
    store.release_job(job.id, "w1")
    assert store.claim_job(job.id, "w3")
    assert store.job_outcomes(job.id) == {}  # a new attempt starts over


def test_a_done_job_is_found_by_its_brief_key(store, clock):
    older = store.create_job({"max_words": 50}, ["a"])
    newer = store.create_job({"max_words": 50}, ["a"])
    for job in (older, newer):
        store.claim_job(job.id, "w")
        assert store.set_brief_key(job.id, "w", "key-1")
        clock.advance(1)
        store.finish_job(job.id, "w", {"brief": job.id})
    assert store.done_job_for_brief("key-1").id == newer.id
    assert store.done_job_for_brief("key-2") is None
    running = store.create_job({"max_words": 50}, ["a"])
    store.claim_job(running.id, "w")
    store.set_brief_key(running.id, "w", "key-3")
    assert store.done_job_for_brief("key-3") is None  # only finished briefs are reused


def test_a_job_is_dispatched_once_and_again_only_when_lost(store, clock):
    job = store.create_job({"max_words": 50}, ["a"])
    assert store.dispatchable_job_ids(300) == [job.id]
    assert store.mark_dispatched(job.id, 300)
    assert not store.mark_dispatched(job.id, 300)
    assert store.dispatchable_job_ids(300) == []
    clock.advance(301)  # never claimed: the message was lost
    assert store.dispatchable_job_ids(300) == [job.id]
    store.undo_dispatch(job.id)
    assert store.get_job(job.id).dispatched_at is None
    assert store.mark_dispatched(job.id, 300) and store.claim_job(job.id, "celery:1")
    assert store.dispatchable_job_ids(300) == []


def test_jobs_are_counted_by_status(store):
    assert store.count_jobs([QUEUED, RUNNING]) == {QUEUED: 0, RUNNING: 0}
    store.put_documents([new_document("a", "Some text.")], replace=False)
    first = store.create_job({"max_words": 50}, ["a"])
    store.create_job({"max_words": 50}, ["a"])
    assert store.claim_job(first.id, "w1")
    assert store.count_jobs([QUEUED, RUNNING, DONE]) == {QUEUED: 1, RUNNING: 1, DONE: 0}


def test_api_keys_are_kept_by_id_with_their_hash(store, clock):
    key = store.add_api_key("0123456789ab", "bot", "read", "h" * 64)
    assert (key.id, key.name, key.scope, key.created_at, key.active) == (
        "0123456789ab",
        "bot",
        "read",
        clock.now,
        True,
    )
    assert store.api_keys() == [key] and store.any_active_api_key()
    assert store.api_key_with_hash(key.id) == (key, "h" * 64)
    assert store.api_key_with_hash("nope") is None
    clock.advance(5)
    assert store.revoke_api_key(key.id) and not store.revoke_api_key(key.id)
    (revoked,) = store.api_keys()
    assert revoked.revoked_at == clock.now and not revoked.active
    assert not store.any_active_api_key()


# The one gateway ----------------------------------------------------------------------------------

SERVICE = Path(__file__).resolve().parents[2] / "service"


def _database_access(path: Path) -> list[str]:
    """Where a module imports SQLAlchemy or reaches for an engine (`x.engine`)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        found += [f"{path.name}:{node.lineno} imports {n}" for n in names if _is_sqlalchemy(n)]
        if isinstance(node, ast.Attribute) and node.attr == "engine":
            found.append(f"{path.name}:{node.lineno} uses .engine")
    return found


def _is_sqlalchemy(module: str) -> bool:
    return module == "sqlalchemy" or module.startswith("sqlalchemy.")


def test_only_the_store_touches_the_database():
    outside = {
        str(path.relative_to(SERVICE)): _database_access(path)
        for path in sorted(SERVICE.rglob("*.py"))
        if path.relative_to(SERVICE).parts[0] != "store"
    }
    offenders = {name: where for name, where in outside.items() if where}
    assert offenders == {}, "catch service.store.DatabaseError; add a store method for the rest"


def test_a_document_is_read_back_with_the_date_ingest_gave_it(store):
    """The pipeline reads the stored date and its source; it does not date the text again."""
    new = NewDocument(
        id="d",
        text="2005/01/08 A dateline the store must not read again.",
        sha256="0" * 64,
        title=None,
        url=None,
        published=None,
        declared_language=None,
        language="en",
        language_confidence=1.0,
        language_source="detected",
        chars=10,
        bytes=10,
        dated="2024-12-27",
        dated_source="published",
    )
    store.put_documents([new], replace=False)
    document = store.pipeline_documents(["d"])["d"]
    assert (document.dated, document.dated_source) == ("2024-12-27", "published")
    stored = store.get_document("d")
    assert (stored.dated, stored.dated_source) == ("2024-12-27", "published")
