"""A full disk or a read-only database: writes fail with a clear 503, nothing half-written,
reads go on, and once the fault is gone the same request succeeds.

The faults are SQLite's own: `PRAGMA max_page_count` makes the database full exactly as a full
disk does (SQLITE_FULL, "database or disk is full"), and `PRAGMA query_only` makes every
connection read-only as a read-only file does (SQLITE_READONLY). They are set on every new
connection of the app's real engine.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import event

BATCH = [
    {"id": f"doc-{i}", "text": f"Report {i}: " + "The river rose again overnight. " * 55}
    for i in range(5)
]


@pytest.fixture
def fault(app) -> Iterator[Callable[[str], None]]:
    """`fault(pragma)` runs `pragma` on every connection from now on, until the test ends."""
    engine = app.extensions["store"].engine
    pragmas: list[str] = []

    def on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    event.listen(engine, "connect", on_connect)

    def apply(pragma: str) -> None:
        pragmas.append(pragma)
        engine.dispose()  # pooled connections reconnect, and get the fault

    yield apply
    pragmas.clear()
    engine.dispose()
    event.remove(engine, "connect", on_connect)


def page_count(app) -> int:
    with app.extensions["store"].engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())


def stored_ids(client) -> list[str]:
    return [d["id"] for d in client.get("/v1/documents?limit=500").get_json()["documents"]]


def test_a_full_disk_refuses_the_whole_batch_and_keeps_serving(app, client, fault, expect_error):
    assert client.post("/v1/documents", json={"id": "first", "text": "Roads closed. Rain fell."})
    fault(f"PRAGMA max_page_count = {page_count(app) + 1}")  # room for a page, not for a batch
    response = client.post("/v1/documents", json={"documents": BATCH})
    error = expect_error(response, 503, "store_unavailable")
    assert "full" in error["message"] and "nothing was written" in error["message"]
    assert stored_ids(client) == ["first"]  # not one of the five: the batch is one transaction
    assert client.get("/v1/documents/first").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_after_the_disk_is_freed_the_same_batch_succeeds(app, client, fault):
    fault(f"PRAGMA max_page_count = {page_count(app)}")
    assert client.post("/v1/documents", json={"documents": BATCH}).status_code == 503
    fault("PRAGMA max_page_count = 1073741823")  # SQLite's default: room again
    assert client.post("/v1/documents", json={"documents": BATCH}).status_code == 201
    assert stored_ids(client) == [d["id"] for d in BATCH]


def test_a_read_only_database_refuses_writes_and_serves_reads(app, client, fault, expect_error):
    client.post("/v1/documents", json={"documents": BATCH[:2]})
    fault("PRAGMA query_only = ON")
    for response in (
        client.post("/v1/documents", json={"id": "new", "text": "A new text arrives here."}),
        client.put("/v1/documents/doc-0", json={"text": "A replacement text for it."}),
        client.delete("/v1/documents/doc-1"),
        client.post("/v1/briefs", json={}),
    ):
        error = expect_error(response, 503, "store_unavailable")
        assert "read-only" in error["message"]
    assert stored_ids(client) == ["doc-0", "doc-1"]
    assert app.extensions["store"].queued_job_ids() == []
    assert client.get("/v1/documents/doc-0").get_json()["text"] == BATCH[0]["text"]


def test_a_busy_database_asks_the_client_to_retry(client, database_url, fault, expect_error):
    """A write lock held elsewhere past the busy timeout: 503 with Retry-After, nothing written."""
    fault("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    response = client.post("/v1/documents", json={"id": "x", "text": "Waiting on a lock."})
    other.execute("ROLLBACK")
    other.close()
    error = expect_error(response, 503, "store_unavailable")
    assert "busy" in error["message"] and response.headers["Retry-After"] == "1"
    assert stored_ids(client) == []
