"""`GET /v1/briefs/<id>` as JSON (the default), Markdown or HTML, by `?format=` or `Accept`."""

from __future__ import annotations

import html
import re

import pytest

from service.http.formats import progress_text
from tests.web.conftest import elements

DOCUMENTS = [
    {"id": "a", "text": "Troops crossed the <b>river</b> at dawn. Officials confirmed it later."},
    {"id": "b", "text": "Heavy rain flooded the <b>northern</b> valley. Roads were closed."},
    {"id": "c", "text": "Prices of <b>bread</b> rose this week. Bakers protested in the capital."},
]
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON_ASKS = [{}, {"Accept": "*/*"}, {"Accept": "application/json, text/html"}]
MARKDOWN_ASKS = [("?format=md", {}), ("?format=markdown", {}), ("?format=MD", {})]
MARKDOWN_ASKS += [("", {"Accept": "text/markdown"})]
HTML_ASKS = [("?format=html", {}), ("", {"Accept": BROWSER_ACCEPT}), ("?format=html", JSON_ASKS[1])]
FOOTNOTE = re.compile(r"^\[\^(\d+)\]: Document `([^`]+)`", re.M)


@pytest.fixture
def queued(client):
    """A brief job that stays queued: this app has no worker."""
    assert client.post("/v1/documents", json={"documents": DOCUMENTS}).status_code == 201
    return client, client.post("/v1/briefs", json={}).get_json()


def test_each_format_of_a_finished_brief(make_app):
    client = make_app(embedded_worker=True).test_client()
    client.post("/v1/documents", json={"documents": DOCUMENTS})
    job = client.post("/v1/briefs?wait=5", json={"max_words": 60}).get_json()
    assert job["status"] == "done", job
    path = f"/v1/briefs/{job['id']}"
    brief = job["brief"]

    for headers in JSON_ASKS:
        response = client.get(path, headers=headers)
        assert response.mimetype == "application/json", headers
        assert response.get_json() == job and response.vary.as_set() == {"accept"}

    for query, headers in MARKDOWN_ASKS:
        response = client.get(path + query, headers=headers)
        assert response.content_type == "text/markdown; charset=utf-8", (query, headers)
        assert response.get_data(as_text=True) == brief["markdown"]
        assert ("accept" in response.vary.as_set()) is not bool(query)
    footnotes = {doc_id: int(n) for n, doc_id in FOOTNOTE.findall(brief["markdown"])}
    cited = [c for s in brief["sentences"] for c in s["citations"]]
    if len(brief["stories"]) > 1:  # a brief of several stories shows their headlines, cited:
        # each briefed story's above its sentences, then those "Also reported"
        shown = [story for story in brief["stories"] if story["sentences"]]
        cited = [
            citation
            for story in shown
            for citation in [
                story["headline"]["citation"],
                *(c for s in story["sentences"] for c in s["citations"]),
            ]
        ] + [s["headline"]["citation"] for s in brief["stories"] if not s["sentences"]]
    assert set(footnotes) == {c["document_id"] for c in cited}
    assert any("<b>" in s["text"] for s in brief["sentences"])  # markup to escape

    for query, headers in HTML_ASKS:
        response = client.get(path + query, headers=headers)
        assert response.mimetype == "text/html", (query, headers)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        page = response.get_data(as_text=True)
        texts = elements(page, "span", ("class", "sentence-text"))
        assert [t["text"] for t in texts] == [s["text"] for s in brief["sentences"]]
        for sentence in brief["sentences"]:
            assert html.escape(sentence["text"], quote=False) in page
        assert "<b>" not in page
        links = elements(page, "a", ("class", "cite"))
        assert len(links) == len(cited)
        for link, citation in zip(links, cited, strict=True):
            doc_id, start, end = citation["document_id"], citation["start"], citation["end"]
            assert link["attrs"]["href"] == f"/documents/{doc_id}?start={start}&end={end}#passage"
            assert link["text"] == f"[{footnotes[doc_id]}]"  # the Markdown's numbers


def test_an_unfinished_brief_says_where_it_is(queued):
    client, job = queued
    markdown = client.get(f"/v1/briefs/{job['id']}?format=md").get_data(as_text=True)
    assert markdown == (
        f"## Brief {job['id']}\n\n_Waiting for a worker to start the brief of 3 documents._\n"
    )
    page = client.get(f"/v1/briefs/{job['id']}?format=html").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert elements(page, "progress")[0]["attrs"] == {
        "max": "3",
        "value": "0",
        "aria-label": "Documents summarised",
    }


NOTE = "2026-11-29T10:00:00Z: the worker running 8 documents (map-0002) vanished"


@pytest.mark.parametrize(
    ("status", "progress", "expected"),
    [
        (
            "running",
            {"done": 20, "total": 100, "retries": 1, "note": NOTE},
            f"Summarising: 20 of 100 documents done. Redoing work a lost worker left (retry 1): "
            f"{NOTE}.",
        ),
        (
            "queued",
            {"done": 0, "total": 3, "retries": 2, "note": "2026-11-29T10:00:00Z: lost again."},
            "Waiting for a worker to start the brief of 3 documents. Redoing work a lost worker "
            "left (retry 2): 2026-11-29T10:00:00Z: lost again.",
        ),
        (
            "running",
            {"done": 3, "total": 3, "stage": "merging", "retries": 1, "note": None},
            "Merging the summaries of 3 documents into one brief. Redoing work a lost worker "
            "left (retry 1).",
        ),
        ("running", {"done": 2, "total": 3}, "Summarising: 2 of 3 documents done."),
        (
            "done",
            {"done": 3, "total": 3, "retries": 1, "note": NOTE},
            "Done: a brief of 3 documents.",
        ),
    ],
)
def test_the_progress_line_says_when_work_a_lost_worker_left_is_redone(status, progress, expected):
    assert progress_text({"status": status, "progress": progress}) == expected


def test_an_unfinished_brief_whose_work_is_redone_says_so_in_each_format(queued, app):
    client, job = queued
    store = app.extensions["store"]
    assert store.claim_job(job["id"], "a-worker-that-vanishes")
    assert store.requeue_stale(-1, max_attempts=3) == [job["id"]]  # its heartbeat is "stale"
    progress = client.get(f"/v1/briefs/{job['id']}").get_json()["progress"]
    line = (
        "Waiting for a worker to start the brief of 3 documents. Redoing work a lost worker left "
        f"(retry 1): {progress['note']}."
    )
    assert "queued again" in progress["note"]
    markdown = client.get(f"/v1/briefs/{job['id']}?format=md").get_data(as_text=True)
    assert markdown == f"## Brief {job['id']}\n\n_{line}_\n"
    page = client.get(f"/v1/briefs/{job['id']}?format=html").get_data(as_text=True)
    assert elements(page, "p", ("class", "job-status"))[0]["text"] == line


def test_a_failed_brief_gives_its_reason(queued, make_app):
    client, job = queued
    client.delete("/v1/documents/b")
    worker = make_app(embedded_worker=True).test_client()
    assert worker.get(f"/v1/briefs/{job['id']}?wait=5").get_json()["status"] == "failed"
    markdown = worker.get(f"/v1/briefs/{job['id']}?format=md").get_data(as_text=True)
    assert "The brief failed: document 'b' was deleted" in markdown
    page = worker.get(f"/v1/briefs/{job['id']}?format=html").get_data(as_text=True)
    assert "The brief failed: document &#39;b&#39; was deleted" in page
    assert "http-equiv" not in page


def test_an_unknown_format_is_refused(queued, expect_error):
    client, job = queued
    response = client.get(f"/v1/briefs/{job['id']}?format=xml")
    error = expect_error(response, 400, "invalid_parameter", "format")
    assert "json, md, markdown, html" in error["message"]


def test_errors_stay_json_whatever_is_accepted(client, expect_error):
    response = client.get("/v1/briefs/nope?format=html", headers={"Accept": "text/html"})
    expect_error(response, 404, "not_found")
