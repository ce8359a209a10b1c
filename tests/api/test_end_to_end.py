"""A brief of the sample corpus through the real pipeline (extractive), the embedded worker and
`?wait=`: the production path, models included."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.mark.slow
def test_a_brief_of_the_corpus_through_the_embedded_worker(make_app, database_url):
    app = make_app(
        embedded_worker=True,
        max_document_bytes=1_000_000,
        max_request_bytes=16_000_000,
        max_wait_seconds=120,
    )
    client = app.test_client()
    documents = [{"id": p.stem, "text": p.read_text("utf-8")} for p in sorted(CORPUS.glob("*.txt"))]
    assert client.post("/v1/documents", json={"documents": documents}).status_code == 201

    response = client.post("/v1/briefs?wait=120", json={"max_words": 120})
    assert response.status_code == 201, response.get_json()
    job = response.get_json()
    assert job["status"] == "done", job["error"]
    assert job["progress"] == {"done": 5, "total": 5, "stage": "done"}
    brief = job["brief"]
    assert brief["documents"] == [d["id"] for d in documents]
    assert 0 < brief["words"] <= 120
    # sent without titles, the seeds are named by their headline lines, in the brief too
    stored = {d["id"]: d["title"] for d in client.get("/v1/documents").get_json()["documents"]}
    titles = {t["document_id"]: t["title"] for t in brief["document_titles"]}
    assert titles == {i: title for i, title in stored.items() if title} and len(titles) >= 4
    for sentence in brief["sentences"]:
        assert sentence["citations"]
        for citation in sentence["citations"]:
            url = f"/v1/documents/{citation['document_id']}"
            query = f"?start={citation['start']}&end={citation['end']}"
            passage = client.get(url + query).get_json()["passage"]
            assert passage.strip()  # every citation is a real span of its stored document

    health = client.get("/healthz").get_json()
    assert health["summariser"]["mode"] == "extractive" and health["worker"] == "running"

    # A second brief of the same documents reuses the cached summaries: fast, same sentences.
    again = client.post("/v1/briefs?wait=30", json={"max_words": 120}).get_json()
    assert again["status"] == "done"
    assert [s["text"] for s in again["brief"]["sentences"]] == [
        s["text"] for s in brief["sentences"]
    ]
