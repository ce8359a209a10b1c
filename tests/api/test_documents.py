"""`/v1/documents`: create, idempotency, conflicts, PUT, batches, validation, pages, delete."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.seeds import CORPUS

TEXT = "The river flooded the valley on Monday. Officials closed the roads."
OTHER = "Prices of bread rose sharply this week. Bakers blamed the cost of flour."


def post_json(client, url, raw: str):
    return client.post(url, data=raw.encode("utf-8"), content_type="application/json")


def stored_ids(client) -> list[str]:
    return [d["id"] for d in client.get("/v1/documents?limit=500").get_json()["documents"]]


def test_a_new_document_is_created_with_an_id_from_its_text(client):
    response = client.post("/v1/documents", json={"text": TEXT, "title": "Floods"})
    assert response.status_code == 201
    expected_id = hashlib.sha256(TEXT.encode()).hexdigest()[:16]
    assert response.headers["Location"] == f"/v1/documents/{expected_id}"
    (item,) = response.get_json()["documents"]
    assert item == {
        "id": expected_id,
        "status": "created",
        "language": "en",
        "language_confidence": item["language_confidence"],
        "language_source": "detected",
        "chars": len(TEXT),
        "bytes": len(TEXT.encode()),
    }
    assert 0.8 <= item["language_confidence"] <= 1.0


def test_posting_the_same_document_again_is_unchanged(client):
    first = client.post("/v1/documents", json={"id": "doc-1", "text": TEXT, "language": "EN"})
    again = client.post("/v1/documents", json={"id": "doc-1", "text": TEXT, "language": "en"})
    assert (first.status_code, again.status_code) == (201, 200)
    item = again.get_json()["documents"][0]
    assert (item["status"], item["language"], item["language_source"]) == (
        "unchanged",
        "en",
        "declared",
    )


@pytest.mark.parametrize(
    ("changed", "field"),
    [({"text": OTHER}, "text"), ({"title": "Another"}, "title"), ({"language": "fr"}, "language")],
)
def test_a_different_document_under_a_taken_id_is_a_conflict(client, expect_error, changed, field):
    client.post("/v1/documents", json={"id": "doc-1", "text": TEXT})
    response = client.post("/v1/documents", json={"id": "doc-1", "text": TEXT, **changed})
    error = expect_error(response, 409, "document_conflict", field)
    assert error["details"]["id"] == "doc-1"
    assert client.get("/v1/documents/doc-1").get_json()["text"] == TEXT


def test_put_creates_replaces_and_is_idempotent(client):
    created = client.put("/v1/documents/doc-1", json={"text": TEXT})
    assert created.status_code == 201
    assert created.headers["Location"] == "/v1/documents/doc-1"
    assert created.get_json()["documents"][0]["status"] == "created"
    replaced = client.put("/v1/documents/doc-1", json={"id": "doc-1", "text": OTHER})
    assert replaced.status_code == 200
    assert replaced.get_json()["documents"][0]["status"] == "replaced"
    same = client.put("/v1/documents/doc-1", json={"text": OTHER})
    assert (same.status_code, same.get_json()["documents"][0]["status"]) == (200, "unchanged")
    assert client.get("/v1/documents/doc-1").get_json()["text"] == OTHER


def test_put_refuses_a_body_id_that_differs_from_the_url(client, expect_error):
    response = client.put("/v1/documents/doc-1", json={"id": "doc-2", "text": TEXT})
    expect_error(response, 400, "invalid_field", "id")
    assert stored_ids(client) == []


def test_put_refuses_a_malformed_id_in_the_url(client, expect_error):
    expect_error(
        client.put("/v1/documents/-bad", json={"text": TEXT}), 400, "invalid_parameter", "id"
    )


def test_put_takes_one_document_not_a_batch(client, expect_error):
    response = client.put("/v1/documents/doc-1", json={"documents": [{"text": TEXT}]})
    expect_error(response, 400, "invalid_field", "documents")


def test_a_batch_reports_each_document(client):
    client.post("/v1/documents", json={"id": "a", "text": TEXT})
    response = client.post(
        "/v1/documents", json={"documents": [{"id": "a", "text": TEXT}, {"id": "b", "text": OTHER}]}
    )
    assert response.status_code == 201
    assert "Location" not in response.headers
    assert [(d["id"], d["status"]) for d in response.get_json()["documents"]] == [
        ("a", "unchanged"),
        ("b", "created"),
    ]
    again = client.post(
        "/v1/documents", json={"documents": [{"id": "a", "text": TEXT}, {"id": "b", "text": OTHER}]}
    )
    assert again.status_code == 200


GOOD = {"text": "A perfectly good document about the weather today."}
BAD_ITEMS = [
    ({"text": 42}, 400, "invalid_field", "text"),
    ({"text": None}, 400, "invalid_field", "text"),
    ({"title": "no text"}, 400, "invalid_field", "text"),
    ({"text": " \n\t "}, 400, "invalid_field", "text"),
    ({"text": "x", "colour": "red"}, 400, "invalid_field", "colour"),
    ({"text": "x", "id": "has space"}, 400, "invalid_field", "id"),
    ({"text": "x", "id": "-leading-dash"}, 400, "invalid_field", "id"),
    ({"text": "x", "id": "a" * 129}, 400, "invalid_field", "id"),
    ({"text": "x", "id": 7}, 400, "invalid_field", "id"),
    ({"text": "x", "title": ["t"]}, 400, "invalid_field", "title"),
    ({"text": "x", "url": 1}, 400, "invalid_field", "url"),
    ({"text": "x", "published": "last Tuesday"}, 400, "invalid_field", "published"),
    ({"text": "x", "published": 2024}, 400, "invalid_field", "published"),
    ({"text": "x", "language": "english!"}, 400, "invalid_field", "language"),
    ({"text": "x", "language": 1}, 400, "invalid_field", "language"),
    ({"text": "nul \u0000 inside"}, 400, "invalid_field", "text"),
    ({"text": "é" * 1001}, 413, "document_too_large", "text"),  # 1001 chars, 2002 bytes
]


@pytest.mark.parametrize(("item", "status", "code", "field"), BAD_ITEMS)
def test_a_bad_document_is_refused_naming_its_field(
    client, expect_error, item, status, code, field
):
    expect_error(client.post("/v1/documents", json=item), status, code, field)
    assert stored_ids(client) == []


@pytest.mark.parametrize(("item", "status", "code", "field"), BAD_ITEMS)
def test_one_bad_document_rejects_the_whole_batch(client, expect_error, item, status, code, field):
    batch = {"documents": [{"id": "good-1", **GOOD}, {"id": "good-2", "text": OTHER}, item]}
    expect_error(client.post("/v1/documents", json=batch), status, code, f"documents[2].{field}")
    assert stored_ids(client) == []


def test_a_lone_surrogate_is_refused(client, expect_error):
    """JSON may escape a lone surrogate; the raw body is valid UTF-8, the string is not."""
    single = post_json(client, "/v1/documents", '{"text": "broken \\ud800 text"}')
    expect_error(single, 400, "invalid_field", "text")
    batch = post_json(
        client, "/v1/documents", '{"documents": [{"text": "fine"}, {"text": "bad \\udfff"}]}'
    )
    expect_error(batch, 400, "invalid_field", "documents[1].text")
    assert stored_ids(client) == []


def test_a_document_of_exactly_the_byte_limit_is_accepted(client):
    assert client.post("/v1/documents", json={"text": "é" * 1000}).status_code == 201


def test_a_conflict_rejects_the_whole_batch(client, expect_error):
    client.post("/v1/documents", json={"id": "taken", "text": TEXT})
    batch = {"documents": [{"id": "new", "text": OTHER}, {"id": "taken", "text": OTHER}]}
    expect_error(
        client.post("/v1/documents", json=batch), 409, "document_conflict", "documents[1].text"
    )
    assert stored_ids(client) == ["taken"]


def test_a_document_repeated_in_a_batch_is_stored_once(client):
    same = {"documents": [{"text": TEXT}, {"id": "x", "text": OTHER}, {"text": TEXT}]}
    response = client.post("/v1/documents", json=same)
    assert response.status_code == 201
    statuses = [(d["id"], d["status"]) for d in response.get_json()["documents"]]
    derived = statuses[0][0]
    assert statuses == [(derived, "created"), ("x", "created"), (derived, "unchanged")]
    assert stored_ids(client) == sorted([derived, "x"])


def test_one_id_twice_in_a_batch_with_different_content_is_a_conflict(client, expect_error):
    titles = {"documents": [{"text": TEXT}, {"text": TEXT, "title": "Other"}]}
    expect_error(
        client.post("/v1/documents", json=titles), 409, "document_conflict", "documents[1].title"
    )
    same_id = {"documents": [{"id": "x", "text": TEXT}, {"id": "x", "text": OTHER}]}
    error = expect_error(
        client.post("/v1/documents", json=same_id), 409, "document_conflict", "documents[1].text"
    )
    assert error["details"] == {"id": "x", "differences": ["text"]}
    assert stored_ids(client) == []


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"documents": []}, 400, "invalid_field", "documents"),
        ({"documents": "all of them"}, 400, "invalid_field", "documents"),
        ({"documents": [{"text": "x"}], "text": "y"}, 400, "invalid_field", "text"),
        (
            {"documents": [{"text": f"Text {i}."} for i in range(6)]},
            413,
            "too_many_documents",
            "documents",
        ),
        ([{"text": "a list, not an object"}], 400, "invalid_field", None),
        ("just a string", 400, "invalid_field", None),
    ],
)
def test_a_malformed_batch_is_refused(client, expect_error, body, status, code, field):
    response = post_json(client, "/v1/documents", json.dumps(body))
    expect_error(response, status, code, field)
    assert stored_ids(client) == []


def test_validation_errors_list_every_problem(client, expect_error):
    body = {"documents": [{"text": 1}, {"txt": "misspelt"}]}
    error = expect_error(
        client.post("/v1/documents", json=body), 400, "invalid_field", "documents[1].txt"
    )
    assert error["details"]["errors"] == [
        {"field": "documents[1].txt", "message": "unknown field"},
        {"field": "documents[0].text", "message": "Input should be a valid string"},
        {"field": "documents[1].text", "message": "field required"},
    ]


def test_documents_are_listed_in_pages(client):
    for i in range(5):
        language = "fr" if i % 2 else "en"
        client.post(
            "/v1/documents", json={"id": f"d{i}", "text": f"Text {i}.", "language": language}
        )
    seen, cursor = [], None
    while True:
        url = "/v1/documents?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).get_json()
        assert len(body["documents"]) <= 2
        seen += [d["id"] for d in body["documents"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["d0", "d1", "d2", "d3", "d4"]
    listed = client.get("/v1/documents?language=FR").get_json()
    assert [d["id"] for d in listed["documents"]] == ["d1", "d3"]
    assert "text" not in listed["documents"][0]
    assert listed["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("cursor=!!!", "cursor"),
        ("cursor=", "cursor"),
        ("cursor=-bad", "cursor"),  # not a document ID
        ("language=not a language", "language"),
    ],
)
def test_bad_list_parameters_are_refused(client, expect_error, query, field):
    expect_error(client.get(f"/v1/documents?{query}"), 400, "invalid_parameter", field)


def test_a_document_is_read_back_whole_and_by_passage(client):
    client.post(
        "/v1/documents",
        json={
            "id": "doc-1",
            "text": TEXT,
            "title": "Floods",
            "url": "https://example.org/a",
            "published": "2024-12-27T10:00:00+00:00",
        },
    )
    body = client.get("/v1/documents/doc-1").get_json()
    assert body["text"] == TEXT
    assert (body["title"], body["url"], body["published"]) == (
        "Floods",
        "https://example.org/a",
        "2024-12-27T10:00:00+00:00",
    )
    assert body["sha256"] == hashlib.sha256(TEXT.encode()).hexdigest()
    assert "passage" not in body
    passage = client.get("/v1/documents/doc-1?start=4&end=9").get_json()["passage"]
    assert passage == TEXT[4:9] == "river"
    assert client.get("/v1/documents/doc-1?start=50").get_json()["passage"] == TEXT[50:]
    assert client.get("/v1/documents/doc-1?end=3").get_json()["passage"] == TEXT[:3]


@pytest.mark.parametrize(
    ("query", "passage"),
    [("start=9&end=4", ""), ("start=1000", ""), ("end=1000", TEXT), ("start=4&end=1000", TEXT[4:])],
)
def test_offsets_out_of_range_give_what_slicing_gives_on_the_api_and_the_page(
    client, query, passage
):
    """Any offset the schema allows is answered: whether it is in range depends on the text. The
    page said 400 where the API gave the slice (issue 23): both give the slice now."""
    client.post("/v1/documents", json={"id": "doc-1", "text": TEXT})
    assert client.get(f"/v1/documents/doc-1?{query}").get_json()["passage"] == passage
    page = client.get(f"/documents/doc-1?{query}")
    assert page.status_code == 200
    if passage:
        assert passage in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=-1", "start"),
        ("end=-1", "end"),
        ("start=x", "start"),
        ("start=1.5", "start"),
    ],
)
def test_a_bad_passage_is_refused(client, expect_error, query, field):
    client.post("/v1/documents", json={"id": "doc-1", "text": TEXT})
    expect_error(client.get(f"/v1/documents/doc-1?{query}"), 400, "invalid_parameter", field)


def test_an_unknown_document_is_not_found(client, expect_error):
    expect_error(client.get("/v1/documents/nope"), 404, "not_found")
    expect_error(client.get("/v1/documents/-not-even-an-id"), 404, "not_found")


def test_a_document_is_deleted(client, expect_error):
    client.post("/v1/documents", json={"id": "doc-1", "text": TEXT})
    response = client.delete("/v1/documents/doc-1")
    assert response.status_code == 204 and response.data == b""
    expect_error(client.get("/v1/documents/doc-1"), 404, "not_found")
    expect_error(client.delete("/v1/documents/doc-1"), 404, "not_found")
    assert client.post("/v1/documents", json={"id": "doc-1", "text": OTHER}).status_code == 201


SEED = "23053e17a5b40f18"
SEED_HEADLINE = (
    "Russia deploys North Korean troops with minimal protection in apparent suicide missions."
)


def test_a_document_without_a_title_gets_its_headline(client):
    text = (CORPUS / f"{SEED}.txt").read_text(encoding="utf-8")[:1500]  # the app's limit: 2 kB
    assert client.post("/v1/documents", json={"id": SEED, "text": text}).status_code == 201
    stored = client.get(f"/v1/documents/{SEED}").get_json()
    assert (stored["title"], stored["title_source"]) == (SEED_HEADLINE, "derived")
    listed = client.get("/v1/documents").get_json()["documents"][0]
    assert (listed["title"], listed["title_source"]) == (SEED_HEADLINE, "derived")
    # Sent again without a title: the same document (the derived title was not sent).
    again = client.post("/v1/documents", json={"id": SEED, "text": text})
    assert again.status_code == 200
    assert again.get_json()["documents"][0]["status"] == "unchanged"
    # A title sent is the client's, and differs from the stored document's (none was sent).
    titled = {"id": SEED, "text": text, "title": "Sent"}
    assert client.post("/v1/documents", json=titled).status_code == 409
    assert client.put(f"/v1/documents/{SEED}", json=titled).status_code == 200
    stored = client.get(f"/v1/documents/{SEED}").get_json()
    assert (stored["title"], stored["title_source"]) == ("Sent", "declared")


def test_a_document_without_a_headline_has_no_title(client):
    client.post("/v1/documents", json={"id": "plain", "text": TEXT})
    stored = client.get("/v1/documents/plain").get_json()
    assert (stored["title"], stored["title_source"]) == (None, None)


def test_a_document_is_dated_at_ingest_and_says_where_the_date_came_from(client):
    documents = [
        {"id": "sent", "text": "2005/01/08 Aid\n\nText.", "published": "2024-12-27T10:00:00Z"},
        {"id": "dateline", "text": "Aid pledges\n\nSaturday, January 1, 2005\n\nText."},
        {"id": "url", "text": "No date in it.", "url": "https://example.org/2024/12/05/aid"},
        {"id": "none", "text": "No date in it at all."},
    ]
    assert client.post("/v1/documents", json={"documents": documents}).status_code == 201
    found = {
        d["id"]: (d["date"], d["date_source"])
        for d in client.get("/v1/documents?limit=10").get_json()["documents"]
    }
    assert found == {
        "sent": ("2024-12-27", "published"),
        "dateline": ("2005-01-01", "dateline"),
        "url": ("2024-12-05", "url"),
        "none": (None, "none"),
    }
    assert client.get("/v1/documents/url").get_json()["date"] == "2024-12-05"
