"""A local service is local (issue 23): `Host` (DNS rebinding), cross-site changes, and
redirects that never echo the `Host` the client sent (service/http/origin.py)."""

from __future__ import annotations

import pytest

DOCUMENT = {"id": "d1", "text": "The river flooded the valley. Roads were closed."}


@pytest.mark.parametrize("host", ["attacker.test", "attacker.test:8000", "127.0.0.1.evil.example"])
def test_without_keys_a_foreign_host_is_refused(client, expect_error, host):
    for method, path, body in (
        ("get", "/v1/documents", None),
        ("post", "/v1/documents", DOCUMENT),
        ("delete", "/v1/documents/d1", None),
    ):
        response = getattr(client, method)(path, json=body, headers={"Host": host})
        expect_error(response, 400, "host_not_allowed")
    assert client.get("/", headers={"Host": host}).status_code == 400  # the page, in HTML


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:8000", "app.localhost", "127.0.0.1:8000", "[::1]:8000"]
)
def test_without_keys_loopback_hosts_are_served(client, host):
    assert client.get("/v1/documents", headers={"Host": host}).status_code == 200


def test_the_probes_answer_any_host(client):
    assert client.get("/healthz", headers={"Host": "attacker.test"}).status_code == 200


def test_allowed_hosts_are_served_and_checked_with_keys(make_app, expect_error):
    app = make_app(allowed_hosts="summary.example, other.example")
    client = app.test_client()
    assert client.get("/v1/documents", headers={"Host": "summary.example"}).status_code == 200
    key = app.extensions["keys"].create("newsroom")
    bearer = {"Authorization": f"Bearer {key.secret}"}
    for host, status in (("summary.example:443", 200), ("attacker.test", 400)):
        response = client.get("/v1/documents", headers={**bearer, "Host": host})
        assert response.status_code == status, host


def test_with_keys_and_no_allowed_hosts_any_host_is_served(make_app):
    app = make_app()
    key = app.extensions["keys"].create("newsroom")
    headers = {"Authorization": f"Bearer {key.secret}", "Host": "api.example"}
    assert app.test_client().get("/v1/documents", headers=headers).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://attacker.test"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://localhost:9999"},
    ],
)
def test_a_cross_site_change_is_refused(client, expect_error, headers):
    base = {"Host": "localhost:8000"}
    response = client.post("/v1/briefs", json={}, headers={**base, **headers})
    expect_error(response, 403, "cross_site_request")
    response = client.delete("/v1/documents/d1", headers={**base, **headers})
    expect_error(response, 403, "cross_site_request")


def test_a_same_origin_change_and_a_cross_site_read_are_served(client):
    same = {"Host": "localhost:8000", "Origin": "http://localhost:8000"}
    assert client.post("/v1/documents", json=DOCUMENT, headers=same).status_code == 201
    cross = {"Host": "localhost:8000", "Sec-Fetch-Site": "cross-site"}
    assert client.get("/v1/documents", headers=cross).status_code == 200


def test_a_redirect_never_names_the_host_sent(make_app):
    app = make_app(allowed_hosts="evil.example")
    # the test client reads "//v1" as a host; the path as the server's parser hands it over:
    response = app.test_client().get(
        "/", headers={"Host": "evil.example"}, environ_overrides={"PATH_INFO": "//v1//documents"}
    )
    assert response.status_code in (301, 308)
    assert "evil.example" not in response.headers["Location"]
    assert response.headers["Location"].startswith("/v1/documents")
