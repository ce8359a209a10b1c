"""Article pages through the API: `html` instead of `text` in POST /v1/documents (issue 25)."""

from __future__ import annotations

from tests.unit.test_article_reader import BODY, PAGE


def test_a_page_is_stored_as_its_article_with_its_metadata(client):
    posted = client.post("/v1/documents", json={"html": PAGE, "title": "Sent title"})
    assert posted.status_code == 201, posted.get_json()
    stored = client.get(posted.headers["Location"]).get_json()
    assert BODY in stored["text"] and "cookies" not in stored["text"]
    assert stored["title"] == "Sent title"  # a field sent with the request wins
    assert stored["published"] == "2026-03-04"
    assert (stored["author"], stored["site_name"]) == ("Jane Roe", "The Valley Post")
    assert stored["url"] == "https://valleypost.example/news/council-budget"
    assert stored["reader"] == "article"
    assert stored["metadata_sources"] == {
        "title": "request",
        "published": "page",
        "author": "page",
        "site_name": "page",
        "url": "page",
    }
    again = client.post("/v1/documents", json={"html": PAGE, "title": "Sent title"})
    assert again.status_code == 200 and again.get_json()["documents"][0]["status"] == "unchanged"


def test_a_page_with_no_article_is_400_never_an_empty_document(client):
    response = client.post(
        "/v1/documents", json={"documents": [{"text": "A fine text."}, {"html": "<nav></nav>"}]}
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == "documents[1].html" and "no article text" in error["message"]
    assert client.get("/v1/documents").get_json()["documents"] == []


def test_text_or_html_not_both_nor_neither(client):
    both = client.post("/v1/documents", json={"text": "A.", "html": PAGE})
    assert both.status_code == 400 and both.get_json()["error"]["field"] == "html"
    assert "not both" in both.get_json()["error"]["message"]
    neither = client.post("/v1/documents", json={"title": "Nothing"})
    assert neither.status_code == 400 and neither.get_json()["error"]["field"] == "text"


def test_the_article_text_obeys_the_document_size_limit(client):
    """TEST_SETTINGS: 2,000 bytes per document; the page's article is longer."""
    long_page = PAGE.replace(BODY, " ".join([BODY] * 10))
    response = client.post("/v1/documents", json={"html": long_page})
    assert response.status_code == 413 and response.get_json()["error"]["field"] == "html"
