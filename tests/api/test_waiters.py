"""`?wait=` holds a request thread, so each process lets only `max_waiters` requests wait at once,
and `max_waiters_per_key` of one caller: beyond, 429 `too_many_waiters` with Retry-After before
anything is done, and requests that do not wait are answered as ever (issue 15)."""

from __future__ import annotations

import threading
import time

import pytest

DOCUMENT = {"id": "a1", "text": "The river flooded the valley. Roads were closed."}


@pytest.fixture
def app(make_app):
    """No job worker: a brief stays queued, so a `?wait=` waits all its time."""
    return make_app(max_waiters=2, max_waiters_per_key=1, embedded_worker=False)


@pytest.fixture
def job_id(client) -> str:
    assert client.post("/v1/documents", json=DOCUMENT).status_code == 201
    return str(client.post("/v1/briefs", json={}).get_json()["id"])


def _address(number: int) -> dict[str, dict[str, str]]:
    """Another loopback client (with no key configured, callers are told apart by address)."""
    return {"environ_base": {"REMOTE_ADDR": f"127.0.0.{number}"}}


def _waiting(app, job_id: str, number: int, seconds: float = 3) -> threading.Thread:
    def wait() -> None:
        response = app.test_client().get(f"/v1/briefs/{job_id}?wait={seconds}", **_address(number))
        assert response.status_code == 200

    thread = threading.Thread(target=wait)
    thread.start()
    return thread


def _until_held(app, count: int) -> None:
    slots = app.extensions["wait_slots"]
    deadline = time.monotonic() + 5
    while sum(slots._held.values()) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sum(slots._held.values()) == count


def test_one_caller_waits_once_per_process(app, client, job_id, expect_error):
    waiter = _waiting(app, job_id, 1)
    _until_held(app, 1)
    started = time.monotonic()
    response = client.get(f"/v1/briefs/{job_id}?wait=3", **_address(1))
    assert time.monotonic() - started < 1
    error = expect_error(response, 429, "too_many_waiters", "wait")
    assert "this caller" in error["message"] and int(response.headers["Retry-After"]) >= 1
    assert client.get(f"/v1/briefs/{job_id}", **_address(1)).status_code == 200  # polling is fine
    store = app.extensions["store"]
    queued = store.count_jobs(["queued"])
    refused = client.post("/v1/briefs?wait=3", json={"max_words": 100}, **_address(1))
    expect_error(refused, 429, "too_many_waiters", "wait")
    assert store.count_jobs(["queued"]) == queued  # nothing was queued
    waiter.join()
    assert app.extensions["wait_slots"]._held == {}


def test_a_process_lets_max_waiters_wait_at_once(app, client, job_id, expect_error):
    waiters = [_waiting(app, job_id, number) for number in (1, 2)]
    _until_held(app, 2)
    response = client.get(f"/v1/briefs/{job_id}?wait=3", **_address(3))
    error = expect_error(response, 429, "too_many_waiters", "wait")
    assert "at most 2 per process" in error["message"]
    assert client.get("/v1/documents", **_address(3)).status_code == 200
    for waiter in waiters:
        waiter.join()
    answered = client.get(f"/v1/briefs/{job_id}?wait=0.1", **_address(3))
    assert answered.status_code == 200  # the places are free again


def test_no_waiters_allowed_means_no_waiting(make_app, expect_error):
    client = make_app(max_waiters=0, embedded_worker=False).test_client()
    assert client.post("/v1/documents", json=DOCUMENT).status_code == 201
    expect_error(client.post("/v1/briefs?wait=1", json={}), 429, "too_many_waiters", "wait")
    assert client.post("/v1/briefs", json={}).status_code == 202
