"""Rate limits per key (429 with Retry-After) and the time limit of a request."""

from __future__ import annotations

import time

import pytest

from service.http.limits import RateLimiter

REMOTE = {"REMOTE_ADDR": "203.0.113.5"}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_each_key_has_its_own_rate_limit(make_app, expect_error):
    app = make_app(rate_limit="3/minute")
    client, keys = app.test_client(), app.extensions["keys"]
    first, second = keys.create("first").secret, keys.create("second").secret
    for _ in range(3):
        assert client.get("/v1/documents", headers=bearer(first)).status_code == 200
    response = client.get("/v1/documents", headers=bearer(first))
    error = expect_error(response, 429, "rate_limited")
    assert "3 per 1 minute" in error["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert client.get("/v1/documents", headers=bearer(second)).status_code == 200


def test_without_keys_the_limit_counts_per_client_address(make_app, expect_error):
    client = make_app(rate_limit="2/minute").test_client()
    assert client.get("/v1/documents").status_code == 200
    assert client.get("/v1/documents").status_code == 200
    expect_error(client.get("/v1/documents"), 429, "rate_limited")
    other = {"REMOTE_ADDR": "127.0.0.2"}
    assert client.get("/v1/documents", environ_base=other).status_code == 200


def test_probes_are_not_rate_limited(make_app):
    client = make_app(rate_limit="1/minute").test_client()
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 200


def test_refused_callers_spend_no_allowance(make_app, expect_error):
    """401/403 come before counting: a stranger cannot use up a key's allowance."""
    app = make_app(rate_limit="2/minute")
    client, key = app.test_client(), app.extensions["keys"].create("k").secret
    for _ in range(5):
        expect_error(client.get("/v1/documents", headers=bearer("sk_x")), 401, "unauthorized")
    assert client.get("/v1/documents", headers=bearer(key)).status_code == 200


def test_an_empty_rate_limit_turns_it_off(make_app):
    client = make_app(rate_limit="").test_client()
    assert all(client.get("/v1/documents").status_code == 200 for _ in range(50))


def test_a_short_window_lets_requests_through_again():
    limiter = RateLimiter("2/second", "memory://")
    limiter.check("k")
    limiter.check("k")
    with pytest.raises(Exception) as refused:
        limiter.check("k")
    assert refused.value.headers["Retry-After"] == "1"  # type: ignore[attr-defined]
    time.sleep(2.1)
    limiter.check("k")


def test_a_wait_never_outlasts_the_request_time_limit(make_app, monkeypatch):
    """?wait= is cut to the time left (less a margin to answer) of request_timeout_seconds.

    What the wait was cut to is read, not timed: a shared machine can hold the request up past any
    wall-clock bound without the cut being wrong."""
    from service.api import briefs
    from service.http.limits import DEADLINE_MARGIN_SECONDS

    given: list[float] = []

    def recorded(maximum: float) -> float:
        given.append(briefs_wait(maximum))
        return given[-1]

    briefs_wait = briefs.wait_seconds
    monkeypatch.setattr(briefs, "wait_seconds", recorded)
    client = make_app(request_timeout_seconds=2, max_wait_seconds=30).test_client()
    client.post("/v1/documents", json={"text": "The river flooded the valley. Roads closed."})
    response = client.post("/v1/briefs?wait=30", json={})  # no worker: it would wait 30 s
    assert response.status_code == 202 and response.get_json()["status"] == "queued"
    assert len(given) == 1 and 0 <= given[0] <= 2 - DEADLINE_MARGIN_SECONDS


REDIS = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379 (CI starts one)")
def test_with_redis_every_process_shares_one_count(make_app, expect_error):
    """Two apps on one database stand for two gunicorn workers."""
    first = make_app(rate_limit="3/minute", rate_limit_storage=REDIS)
    second = make_app(rate_limit="3/minute", rate_limit_storage=REDIS)
    key = bearer(first.extensions["keys"].create("shared").secret)
    answers = [
        app.test_client().get("/v1/documents", headers=key) for app in (first, second, first)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]
    expect_error(second.test_client().get("/v1/documents", headers=key), 429, "rate_limited")
