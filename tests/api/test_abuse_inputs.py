"""What the abuse tests of issue 15 found in the inputs: each is refused with the one error shape
(never a 500, never silently accepted in part)."""

from __future__ import annotations

import io
import json

import pytest

from tests.unit.test_ingest_urls import HTTP_URLS, REFUSED_URLS

DOCUMENT = {"id": "a1", "text": "The river flooded the valley. Roads were closed."}
HUGE = "1" + "0" * 400  # above 1e308: float() of it overflows


@pytest.fixture
def stored(client):
    assert client.post("/v1/documents", json=DOCUMENT).status_code == 201
    return client


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/v1/documents?limit={HUGE}", "limit"),
        (f"/v1/documents/a1?start={HUGE}", "start"),
        (f"/v1/documents/a1?end={HUGE}", "end"),
        ("/v1/documents/a1?start=1e999", "start"),
        (f"/v1/briefs/{'0' * 32}?wait={HUGE}", "wait"),
        ("/v1/briefs/" + "0" * 32 + "?wait=1e999", "wait"),
    ],
)
def test_a_huge_query_number_is_400_not_500(stored, expect_error, path, field):
    expect_error(stored.get(path), 400, "invalid_parameter", field)


@pytest.mark.parametrize("value", ["1_0", " 1", "1 ", "%201", "+1", "0x10", "١", "1.0", "1e1"])
def test_query_integers_are_parsed_strictly(stored, expect_error, value):
    expect_error(stored.get(f"/v1/documents?limit={value}"), 400, "invalid_parameter", "limit")


@pytest.mark.parametrize("value", ["nan", "inf", "1_0", " 1", "-1", "0x1", "١"])
def test_wait_is_parsed_strictly(stored, expect_error, value):
    response = stored.get("/v1/briefs/" + "0" * 32, query_string={"wait": value})
    expect_error(response, 400, "invalid_parameter", "wait")


@pytest.mark.parametrize("value", ["0", "0.5", ".5", "1e-05", "2"])
def test_wait_accepts_plain_numbers(stored, value):
    assert stored.get("/v1/briefs/" + "0" * 32, query_string={"wait": value}).status_code == 404


def test_a_huge_offset_on_the_document_page_is_a_400_page(stored):
    response = stored.get(f"/documents/a1?start={HUGE}")
    assert response.status_code == 400 and response.mimetype == "text/html"


def _chunked(client, body: bytes, path: str = "/v1/documents"):
    """A body sent without Content-Length, as a chunked request arrives from the server."""
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_limit_is_413_even_when_its_json_ends_before(
    app, client, expect_error
):
    limit = app.config["MAX_CONTENT_LENGTH"]
    document = json.dumps(DOCUMENT).encode()
    body = document + b" " * (limit - len(document)) + b"trailing bytes past the limit"
    expect_error(_chunked(client, body), 413, "request_too_large")
    assert client.get("/v1/documents/a1").status_code == 404
    assert _chunked(client, document.ljust(limit)).status_code == 201  # exactly the limit


@pytest.mark.parametrize(
    "body",
    [
        '{"text": "Some text here.", "text": "Other text."}',
        '{"documents": [{"text": "One.", "id": "x", "id": "y"}]}',
        '{"max_words": 100, "max_words": 200}',
    ],
)
def test_duplicate_json_keys_are_refused(client, expect_error, body):
    path = "/v1/briefs" if "max_words" in body else "/v1/documents"
    response = client.post(path, data=body, content_type="application/json")
    error = expect_error(response, 400, "invalid_json")
    assert "twice" in error["message"]


def test_a_brief_request_keeps_each_document_once(make_app):
    stored = make_app(max_request_bytes=1_000_000).test_client()
    assert stored.post("/v1/documents", json=DOCUMENT).status_code == 201
    response = stored.post("/v1/briefs", json={"document_ids": ["a1"] * 10_000})
    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    assert job["request"]["document_ids"] == ["a1"] and job["document_ids"] == ["a1"]
    assert len(stored.get(f"/v1/briefs/{job['id']}").get_data()) < 2_000


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_only_http_urls_are_stored(client, expect_error, url):
    response = client.post("/v1/documents", json={**DOCUMENT, "url": url})
    expect_error(response, 400, "invalid_field", "url")
    batch = {"documents": [DOCUMENT, {"text": "Another text.", "url": url}]}
    expect_error(client.post("/v1/documents", json=batch), 400, "invalid_field", "documents[1].url")
    response = client.put("/v1/documents/a2", json={"text": "Some text.", "url": url})
    expect_error(response, 400, "invalid_field", "url")
    assert client.get("/v1/documents").get_json()["documents"] == []


@pytest.mark.parametrize("url", HTTP_URLS)
def test_http_urls_are_stored(client, url):
    assert client.post("/v1/documents", json={**DOCUMENT, "url": url}).status_code == 201
    assert client.get("/v1/documents/a1").get_json()["url"] == url
