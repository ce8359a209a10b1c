"""The one JSON error shape on every error path Flask itself raises, and on unexpected errors."""

from __future__ import annotations

import logging

import pytest


def test_an_unknown_route_is_a_json_404(client, expect_error):
    expect_error(client.get("/v2/nothing"), 404, "not_found")


def test_a_wrong_method_is_a_json_405_with_allow(client, expect_error):
    response = client.delete("/v1/documents")
    expect_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("/v1/documents", "text/plain"),
        ("/v1/documents", "application/x-www-form-urlencoded"),
        ("/v1/documents", None),
        ("/v1/documents", "application/json; charset=latin-1"),
        ("/v1/briefs", "text/plain"),
        ("/v1/documents/doc-1", "text/plain"),
    ],
)
def test_a_body_that_is_not_json_is_a_415(client, expect_error, url, content_type):
    method = client.put if url.endswith("doc-1") else client.post
    response = method(url, data=b'{"text": "x"}', content_type=content_type)
    expect_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b'{"text": "x",}',
        b"{'text': 'x'}",
        b'{"text": "x"} trailing',
        b"[" * 10_000,
        b'{"max_words": 1' + b"0" * 5000 + b"}",
    ],
)
def test_invalid_json_is_a_400(client, expect_error, raw):
    for url in ("/v1/documents", "/v1/briefs") if raw else ("/v1/documents",):
        response = client.post(url, data=raw, content_type="application/json")
        expect_error(response, 400, "invalid_json")
        message = response.get_json()["error"]["message"]
        for python in ("sys.", "recursion", "int_max_str_digits", "Exceeds the limit"):
            assert python not in message, message  # no Python exception text (issue 23)


def test_a_body_that_is_not_utf8_is_a_400(client, expect_error):
    raw = '{"text": "café"}'.encode("latin-1")
    response = client.post("/v1/documents", data=raw, content_type="application/json")
    error = expect_error(response, 400, "invalid_encoding")
    assert "UTF-8" in error["message"]


def test_json_charset_utf8_is_accepted(client):
    response = client.post(
        "/v1/documents",
        data='{"text": "Un café au bord de la rivière, le matin."}'.encode(),
        content_type="application/json; charset=UTF-8",
    )
    assert response.status_code == 201


def test_a_request_over_the_size_limit_is_a_413(client, expect_error):
    body = b'{"text": "' + b"x" * 20_001 + b'"}'  # max_request_bytes is 20,000 in these tests
    response = client.post("/v1/documents", data=body, content_type="application/json")
    expect_error(response, 413, "request_too_large")


def test_an_unexpected_exception_is_a_logged_json_500(make_app, expect_error, caplog):
    app = make_app()

    @app.get("/v1/boom")
    def boom():
        raise RuntimeError("kaput")

    response = app.test_client().get("/v1/boom")
    error = expect_error(response, 500, "internal_error")
    assert "kaput" not in error["message"]  # no internals leak to the client
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.path == "/v1/boom" and record.exc_info[0] is RuntimeError
