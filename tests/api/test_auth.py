"""Who may call: API keys (hashed, scoped, revocable) and loopback only while there is none."""

from __future__ import annotations

import hashlib
import logging

import pytest
from sqlalchemy import select

from service.keys import KeyStore
from service.store.schema import api_keys

REMOTE = {"REMOTE_ADDR": "203.0.113.5"}
DOCUMENT = {"id": "doc-1", "text": "The river flooded the valley on Monday. Roads were closed."}


@pytest.fixture
def keys(app) -> KeyStore:
    return app.extensions["keys"]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_without_keys_loopback_clients_are_served(client):
    assert client.get("/v1/documents").status_code == 200
    assert client.get("/v1/documents", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


@pytest.mark.parametrize("address", ["203.0.113.5", "10.0.0.2", "::ffff:192.0.2.1", "fe80::1"])
def test_without_keys_other_clients_are_refused(client, expect_error, address):
    response = client.get("/v1/documents", environ_base={"REMOTE_ADDR": address})
    error = expect_error(response, 403, "loopback_only")
    assert "python -m service keys create" in error["message"]


def test_a_forged_forwarding_header_does_not_make_a_client_local(client, expect_error):
    headers = {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1"}
    response = client.get("/v1/documents", headers=headers, environ_base=REMOTE)
    expect_error(response, 403, "loopback_only")


def test_probes_and_the_description_need_no_key(client, keys):
    keys.create("someone")
    for path in ("/healthz", "/metrics", "/openapi.json"):
        assert client.get(path, environ_base=REMOTE).status_code == 200, path


def test_startup_says_loopback_only_without_keys(make_app, caplog):
    caplog.set_level(logging.INFO, logger="service")
    make_app()
    (record,) = [r for r in caplog.records if r.name == "service.http.auth"]
    assert record.levelno == logging.WARNING and "loopback" in record.getMessage()


def test_with_a_key_every_v1_call_needs_one(client, keys, expect_error):
    new = keys.create("ingest-bot")
    response = client.get("/v1/documents")  # loopback does not exempt a keyed service
    expect_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for header in ("Bearer", f"Basic {new.secret}", new.secret, "Bearer sk_123_abc"):
        response = client.get("/v1/documents", headers={"Authorization": header})
        expect_error(response, 401, "unauthorized")
    wrong = new.secret[:-1] + ("A" if new.secret[-1] != "A" else "B")
    expect_error(client.get("/v1/documents", headers=bearer(wrong)), 401, "unauthorized")
    assert client.get("/v1/documents", headers=bearer(new.secret)).status_code == 200
    remote = client.get("/v1/documents", headers=bearer(new.secret), environ_base=REMOTE)
    assert remote.status_code == 200


def test_a_read_only_key_reads_but_does_not_write(client, keys, expect_error):
    writer, reader = keys.create("writer").secret, keys.create("reader", "read").secret
    assert client.post("/v1/documents", json=DOCUMENT, headers=bearer(writer)).status_code == 201
    assert client.get("/v1/documents/doc-1", headers=bearer(reader)).status_code == 200
    for method, url, body in [
        ("post", "/v1/documents", DOCUMENT),
        ("put", "/v1/documents/doc-1", DOCUMENT),
        ("delete", "/v1/documents/doc-1", None),
        ("post", "/v1/briefs", {}),
    ]:
        response = getattr(client, method)(url, json=body, headers=bearer(reader))
        error = expect_error(response, 403, "read_only_key")
        assert "read-only" in error["message"]
    assert client.get("/v1/documents/doc-1", headers=bearer(reader)).status_code == 200


def test_a_revoked_key_is_refused_at_once(client, keys, expect_error):
    first, second = keys.create("first"), keys.create("second")
    assert client.get("/v1/documents", headers=bearer(first.secret)).status_code == 200
    assert keys.revoke(first.key.id)
    expect_error(client.get("/v1/documents", headers=bearer(first.secret)), 401, "unauthorized")
    assert client.get("/v1/documents", headers=bearer(second.secret)).status_code == 200
    assert not keys.revoke(first.key.id)  # once is enough


def test_when_every_key_is_revoked_the_service_is_loopback_only_again(client, keys, expect_error):
    new = keys.create("only")
    keys.revoke(new.key.id)
    assert client.get("/v1/documents").status_code == 200
    expect_error(client.get("/v1/documents", environ_base=REMOTE), 403, "loopback_only")


def test_only_a_hash_of_each_key_is_stored(app, keys):
    new = keys.create("stored")
    with app.extensions["store"].engine.connect() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.id == new.key.id)).one()
    assert row.key_hash == hashlib.sha256(new.secret.encode()).hexdigest()
    assert new.secret not in [str(value) for value in row]
    assert all(key.id != new.secret for key in keys.list())


def test_keys_are_checked_in_constant_time(keys, monkeypatch):
    """The hash comparison goes through hmac.compare_digest, even for an unknown key id."""
    compared = []
    real = __import__("hmac").compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr("service.keys.hmac.compare_digest", spy)
    new = keys.create("timed")
    assert keys.verify(new.secret) is not None
    assert keys.verify("sk_000000000000_" + "x" * 43) is None
    assert keys.verify("not a key at all") is None
    assert len(compared) == 3


@pytest.mark.parametrize(("name", "scope"), [("", "write"), ("x" * 201, "write"), ("ok", "admin")])
def test_a_key_needs_a_name_and_a_known_scope(keys, name, scope):
    with pytest.raises(ValueError):
        keys.create(name, scope)


@pytest.mark.parametrize("cookie", ["", "garbage", "000000000000.eyJrIjoiMDAwIn0.AAAA.BBBB"])
def test_a_forged_sign_in_cookie_is_no_key(client, keys, expect_error, cookie):
    """The web page's sign-in cookie (service.http.sessions) counts only when the service signed
    it for an active key; anything else is a request without a key."""
    keys.create("someone")
    client.set_cookie("summary_session", cookie)
    expect_error(client.get("/v1/documents"), 401, "unauthorized")
    expect_error(client.post("/v1/documents", json=DOCUMENT), 401, "unauthorized")
