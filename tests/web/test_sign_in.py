"""Signing in on the web page with an API key: the form, the cookie, its CSRF token, its end.

Real app, real KeyStore on the test's SQLite file; the client keeps cookies as a browser does.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.app import create_app
from service.http import sessions
from service.keys import KeyStore, NewKey
from tests.web.conftest import elements

REMOTE = {"REMOTE_ADDR": "203.0.113.5"}
DOCUMENT = {"id": "flood", "title": "Valley flood", "text": "The river flooded. Roads closed."}


@pytest.fixture
def keys(app: Flask) -> KeyStore:
    return app.extensions["keys"]


@pytest.fixture
def writer(keys: KeyStore, app: Flask) -> NewKey:
    """A read-write key, and the document it stored through the API."""
    new = keys.create("newsdesk")
    response = app.test_client().post(
        "/v1/documents", json=DOCUMENT, headers={"Authorization": f"Bearer {new.secret}"}
    )
    assert response.status_code == 201
    return new


def form_fields(page: str) -> dict[str, str]:
    """The hidden fields of the sign-in form."""
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    return {name: html.unescape(value) for name, value in found}


def sign_in(client: FlaskClient, key: str, next_path: str = "/", **kwargs):
    form = client.get("/sign-in", query_string={"next": next_path}, **kwargs)
    assert form.status_code == 200, form.get_data(as_text=True)
    fields = form_fields(form.get_data(as_text=True))
    return client.post("/sign-in", data={**fields, "key": key}, **kwargs)


def set_cookies(response) -> dict[str, SimpleCookie]:
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        found.update({name: cookie for name in cookie})
    return found


def csrf_of(page: str) -> str:
    (meta,) = re.findall(r'<meta name="csrf-token" content="([^"]+)">', page)
    return meta


def test_a_good_key_signs_in_and_the_page_lists_the_corpus(client, writer):
    response = sign_in(client, writer.secret, "/")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    cookie = set_cookies(response)[sessions.COOKIE][sessions.COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert int(cookie["max-age"]) == 12 * 3600
    assert not cookie["secure"]  # plain HTTP here; see the HTTPS test
    assert cookie.value.startswith(f"{writer.key.id}.")
    assert writer.secret.split("_")[-1] not in cookie.value  # the ID, never the secret

    page = client.get("/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert elements(text, "tr", ("data-document-id", "flood"))
    assert "Signed in as <strong>newsdesk</strong>" in text
    assert elements(text, "button")[0]["text"] == "Sign out"
    assert client.get("/documents/flood").status_code == 200


def test_over_https_the_cookie_is_secure(client, writer):
    response = sign_in(client, writer.secret, base_url="https://summary.example")
    assert response.status_code == 303
    assert set_cookies(response)[sessions.COOKIE][sessions.COOKIE]["secure"]


def test_a_wrong_key_shows_the_form_again_and_sets_no_session(client, writer):
    wrong = writer.secret[:-2] + ("xx" if not writer.secret.endswith("xx") else "yy")
    for key in (wrong, "", "not a key"):
        response = sign_in(client, key, "/documents/flood")
        page = response.get_data(as_text=True)
        assert response.status_code == 401 and response.mimetype == "text/html"
        assert "unknown or revoked" in page and 'id="sign-in-form"' in page
        assert form_fields(page)["next"] == "/documents/flood"
        assert sessions.COOKIE not in set_cookies(response)
    assert client.get("/").status_code == 303


def test_a_page_without_a_sign_in_redirects_to_the_form_and_back(client, writer):
    response = client.get("/documents/flood?start=4&end=9")
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/sign-in"
    assert parse_qs(location.query) == {"next": ["/documents/flood?start=4&end=9"]}
    assert client.get("/", environ_base=REMOTE).headers["Location"] == "/sign-in?next=/"

    form = client.get(response.headers["Location"])
    assert form.status_code == 200 and 'id="sign-in-form"' in form.get_data(as_text=True)
    fields = form_fields(form.get_data(as_text=True))
    signed = client.post("/sign-in", data={**fields, "key": writer.secret})
    assert signed.headers["Location"] == "/documents/flood?start=4&end=9"
    assert client.get(signed.headers["Location"]).status_code == 200


def test_the_api_accepts_the_cookie_and_a_change_needs_the_csrf_token(client, writer, keys):
    sign_in(client, writer.secret)
    assert client.get("/v1/documents").get_json()["documents"][0]["id"] == "flood"
    token = csrf_of(client.get("/").get_data(as_text=True))

    body = {"id": "second", "text": "A second text arrived. It is short."}
    for headers in ({}, {"X-CSRF-Token": "forged"}, {"X-Requested-With": "fetch"}):
        refused = client.post("/v1/documents", json=body, headers=headers)
        assert refused.status_code == 403 and refused.mimetype == "application/json"
        assert refused.get_json()["error"]["code"] == "csrf_failed"
    assert client.delete("/v1/documents/flood").status_code == 403
    assert client.get("/v1/documents/second").status_code == 404  # nothing was stored

    stored = client.post("/v1/documents", json=body, headers={"X-CSRF-Token": token})
    assert stored.status_code == 201
    assert client.delete("/v1/documents/second", headers={"X-CSRF-Token": token}).status_code == 204


def test_a_bearer_header_is_still_judged_on_its_own(client, writer):
    sign_in(client, writer.secret)
    response = client.get("/v1/documents", headers={"Authorization": "Bearer sk_wrong"})
    assert response.status_code == 401  # a wrong key is not rescued by the cookie


def test_a_revoked_keys_sign_in_stops_at_once(app, client, writer, keys):
    sign_in(client, writer.secret)
    cookie = client.get_cookie(sessions.COOKIE).value
    assert client.get("/").status_code == 200
    keys.create("another")  # keys remain configured once this one is revoked
    assert keys.revoke(writer.key.id)

    response = client.get("/")
    assert response.status_code == 303 and response.headers["Location"].startswith("/sign-in")
    cleared = set_cookies(response)[sessions.COOKIE][sessions.COOKIE]
    assert cleared.value == "" and cleared["max-age"] == "0"
    replay = app.test_client()  # a copy of the cookie kept elsewhere
    replay.set_cookie(sessions.COOKIE, cookie)
    refused = replay.get("/v1/documents")
    assert refused.status_code == 401
    assert "sign in again" in refused.get_json()["error"]["message"]


def test_a_read_only_keys_sign_in_reads_but_cannot_write(client, writer, keys):
    reader = keys.create("night shift", "read")
    sign_in(client, reader.secret)
    page = client.get("/").get_data(as_text=True)
    assert "(read only)" in page
    assert client.get("/v1/documents/flood").status_code == 200
    token = csrf_of(page)
    for method, url in (("post", "/v1/documents"), ("delete", "/v1/documents/flood")):
        response = getattr(client, method)(url, json=DOCUMENT, headers={"X-CSRF-Token": token})
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "read_only_key"
    response = client.post("/v1/briefs", json={}, headers={"X-CSRF-Token": token})
    assert response.get_json()["error"]["code"] == "read_only_key"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "/sign-in?next=https://evil.example",
        "",
    ],
)
def test_next_never_leads_to_another_site(client, writer, target):
    form = client.get("/sign-in", query_string={"next": target})
    assert form_fields(form.get_data(as_text=True))["next"] == "/"
    fields = {**form_fields(form.get_data(as_text=True)), "next": target}
    response = client.post("/sign-in", data={**fields, "key": writer.secret})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_the_sign_in_form_needs_its_csrf_token(client, writer):
    forged = client.post("/sign-in", data={"key": writer.secret, "next": "/"})
    assert forged.status_code == 403 and 'id="sign-in-form"' in forged.get_data(as_text=True)
    assert sessions.COOKIE not in set_cookies(forged)
    client.get("/sign-in")  # the browser has a token now; the form must send the same one
    forged = client.post("/sign-in", data={"key": writer.secret, "csrf_token": "x" * 43})
    assert forged.status_code == 403
    assert client.get("/").status_code == 303


def test_sign_out_ends_the_sign_in(client, writer):
    sign_in(client, writer.secret)
    page = client.get("/").get_data(as_text=True)
    refused = client.post("/sign-out")  # another site's form: no token
    assert refused.status_code == 403 and client.get("/").status_code == 200
    response = client.post("/sign-out", data={"csrf_token": csrf_of(page)})
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in"
    assert client.get_cookie(sessions.COOKIE) is None
    assert client.get("/").status_code == 303
    assert client.get("/v1/documents").status_code == 401


def test_another_sites_sign_out_form_does_not_sign_the_browser_out(client, writer, app):
    sign_in(client, writer.secret)
    # Another site's form: the browser leaves the SameSite=Lax cookie out, but would apply a
    # Set-Cookie that clears it.
    cross_site = app.test_client().post("/sign-out")
    assert cross_site.status_code == 403
    assert sessions.COOKIE not in set_cookies(cross_site)
    assert client.get("/").status_code == 200
    # A cookie that no longer signs anyone in (here: forged) may be cleared without a token.
    stale = app.test_client()
    stale.set_cookie(sessions.COOKIE, f"{writer.key.id}.forged")
    cleared = stale.post("/sign-out")
    assert cleared.status_code == 303 and sessions.COOKIE in set_cookies(cleared)


def test_a_sign_in_expires(client, writer, monkeypatch):
    sign_in(client, writer.secret)
    later = sessions.clock() + 12 * 3600 + 5
    monkeypatch.setattr(sessions, "clock", lambda: later - 10)
    assert client.get("/").status_code == 200
    monkeypatch.setattr(sessions, "clock", lambda: later)
    assert client.get("/").status_code == 303


@pytest.fixture
def other_process(app: Flask) -> Iterator[Callable[..., Flask]]:
    """Another app on the test's store, as another gunicorn worker or a restart builds it."""
    apps: list[Flask] = []

    def make(**settings: object) -> Flask:
        config = {"database_url": app.config["SETTINGS"].database_url, "embedded_worker": False}
        apps.append(
            create_app(test_config={**config, **settings}, pipeline=app.extensions["pipeline"])
        )
        return apps[-1]

    yield make
    for other in apps:
        other.extensions["store"].dispose()


def replayed(app: Flask, cookie: str) -> FlaskClient:
    client = app.test_client()
    client.set_cookie(sessions.COOKIE, cookie)
    return client


def test_every_process_with_the_same_store_and_secret_accepts_the_cookie(
    client, writer, other_process
):
    sign_in(client, writer.secret)
    cookie = client.get_cookie(sessions.COOKIE).value
    assert replayed(other_process(), cookie).get("/").status_code == 200
    assert replayed(other_process(secret_key="rotated"), cookie).get("/").status_code == 303


def test_the_secret_key_setting_signs_the_cookie(app, writer, other_process):
    client = other_process(secret_key="s3cret").test_client()
    sign_in(client, writer.secret)
    assert client.get("/").status_code == 200
    cookie = client.get_cookie(sessions.COOKIE).value
    assert replayed(app, cookie).get("/").status_code == 303  # the same store, no secret


def test_a_cookie_cannot_be_moved_to_another_key(app, client, writer, keys):
    other = keys.create("other")
    sign_in(client, writer.secret)
    value = client.get_cookie(sessions.COOKIE).value
    assert replayed(app, other.key.id + value[len(writer.key.id) :]).get("/").status_code == 303


def test_without_keys_nothing_changes(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "Signed in" not in page.get_data(as_text=True)
    assert 'name="csrf-token"' not in page.get_data(as_text=True)
    assert client.get("/sign-in?next=/documents/x").headers["Location"] == "/documents/x"
    assert client.post("/v1/documents", json=DOCUMENT).status_code == 201  # no token needed
    remote = client.get("/", environ_base=REMOTE)
    assert remote.status_code == 403 and remote.mimetype == "text/html"


def test_answers_to_the_cookie_are_stored_by_no_cache(client, writer):
    """The page holds the CSRF token: no cache may keep it, a shared one must key on the cookie
    (issue 23). Answers to a bearer key are not cookie answers."""
    sign_in(client, writer.secret)
    for path in ("/", "/documents/flood", "/v1/documents"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
        assert "Cookie" in response.headers["Vary"], path
    client.delete_cookie(sessions.COOKIE)
    keyed = client.get("/v1/documents", headers={"Authorization": f"Bearer {writer.secret}"})
    assert keyed.status_code == 200 and "no-store" not in keyed.headers.get("Cache-Control", "")
