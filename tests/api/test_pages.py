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
    assert (stored["date"], stored["date_source"]) == ("2026-03-04", "page")
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


def test_a_text_document_is_never_refused_for_want_of_an_article(client):
    """Only an `html` field is read for an article: text, even text that is all page furniture
    or markup, is stored as sent (the contract test allows 400 on html fields only)."""
    texts = ["<nav><a href='/'>Home</a></nav>", "Home | World | Sport | Subscribe", "© 2026 ×"]
    posted = client.post("/v1/documents", json={"documents": [{"text": t} for t in texts]})
    assert posted.status_code == 201, posted.get_json()
    for result, text in zip(posted.get_json()["documents"], texts, strict=True):
        stored = client.get(f"/v1/documents/{result['id']}").get_json()
        assert stored["text"] == text and stored.get("reader") is None
    put = client.put("/v1/documents/furniture", json={"text": "<footer></footer>"})
    assert put.status_code == 201, put.get_json()


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


RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Valley Post</title>
<item><title>Council approves budget</title><link>https://valleypost.example/a</link>
<guid>valley-a-1</guid><pubDate>Wed, 04 Mar 2026 09:30:00 GMT</pubDate>
<description>&lt;p&gt;The council approved the new budget on Tuesday.&lt;/p&gt;</description>
<content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/">&lt;p&gt;The council
approved the new budget on Tuesday after a long debate about the bridge.&lt;/p&gt;</content:encoded>
</item>
<item><title>Bridge closed</title><link>https://valleypost.example/b</link>
<description>The old bridge closes for a week from Monday.</description></item>
</channel></rss>"""


def test_a_feed_is_a_document_per_entry_and_reading_it_again_stores_nothing(client):
    first = client.post("/v1/feeds", json={"feed": RSS})
    assert first.status_code == 201, first.get_json()
    stored = first.get_json()["documents"]
    assert [d["status"] for d in stored] == ["created", "created"]
    entry = client.get(f"/v1/documents/{stored[0]['id']}").get_json()
    assert entry["title"] == "Council approves budget"
    assert entry["url"] == "https://valleypost.example/a"
    assert entry["published"] == "2026-03-04T09:30:00Z"
    assert "after a long debate about the bridge" in entry["text"]  # the fullest text
    again = client.post("/v1/feeds", json={"feed": RSS})
    assert again.status_code == 200
    assert [d["id"] for d in again.get_json()["documents"]] == [d["id"] for d in stored]
    assert len(client.get("/v1/documents").get_json()["documents"]) == 2


def test_a_feed_that_cannot_be_read_is_400_saying_why(client):
    for feed, why in (
        ("<html><body>A page</body></html>", "not an RSS or Atom feed"),
        ("<rss version='2.0'><channel><item>", "no element found"),
        ("<rss version='2.0'><channel><title>T</title></channel></rss>", "no entry with text"),
    ):
        response = client.post("/v1/feeds", json={"feed": feed})
        error = response.get_json()["error"]
        assert (response.status_code, error["field"]) == (400, "feed"), feed
        assert why in error["message"], error["message"]


WIRE = (
    "Floods closed the northern valley road on Monday after two days of heavy rain.\n"
    "Police said three villages were cut off and rescue teams reached them by boat.\n"
    "The regional government promised money for repairs and opened two shelters.\n"
    "Forecasters expect more rain on Wednesday, and schools stay shut until Friday.\n"
    "Farmers in the lower fields lost most of the harvest they had left to bring in.\n"
    "The army sent two helicopters to carry food and water to the highest villages.\n"
    "Engineers will inspect the old stone bridge once the river has gone down again.\n"
    "The last flood of this size in the valley was recorded almost forty years ago."
)


def test_copies_of_one_story_are_recorded_as_copies_of_the_original(client):
    """The same wire story on two more sites (furniture, a new headline, a paragraph cut) is
    stored with `copy_of` naming the first; a different story is not."""
    lines = WIRE.split("\n")
    copies = [
        {"id": "site-a", "text": WIRE},
        {"id": "site-b", "text": "Home | News | Weather\n" + WIRE + "\nRelated stories"},
        {"id": "site-c", "text": "\n".join(["Valley cut off by floods", *lines[:3], *lines[4:]])},
        {"id": "other", "text": "The council approved the new budget for the bridge on Tuesday."},
    ]
    first = client.post("/v1/documents", json={"documents": copies[:1]})
    later = client.post("/v1/documents", json={"documents": copies[1:]})
    assert first.status_code == later.status_code == 201
    results = first.get_json()["documents"] + later.get_json()["documents"]
    assert [r.get("copy_of") for r in results] == [None, "site-a", "site-a", None]
    assert client.get("/v1/documents/site-c").get_json()["copy_of"] == "site-a"


def test_a_deleted_original_is_no_longer_compared_with(client):
    assert client.post("/v1/documents", json={"id": "first", "text": WIRE}).status_code == 201
    assert client.delete("/v1/documents/first").status_code == 204
    again = client.post("/v1/documents", json={"id": "second", "text": WIRE + "\nMore soon."})
    assert "copy_of" not in again.get_json()["documents"][0]


def test_the_same_canonical_url_is_a_copy_whatever_the_text(client):
    url = "https://valleypost.example/news/floods?utm_source=feed"
    client.post("/v1/documents", json={"id": "one", "text": WIRE, "url": url})
    other = {"id": "two", "text": "Updated: the road is open again.", "url": url.split("?")[0]}
    assert client.post("/v1/documents", json=other).get_json()["documents"][0]["copy_of"] == "one"
