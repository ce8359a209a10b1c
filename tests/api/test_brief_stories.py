"""`POST /v1/briefs` over a corpus of two events: a brief per story, or one with "stories"."""

from __future__ import annotations

import pytest

from tests.unit.test_stories import ELECTION, FLOOD

pytestmark = pytest.mark.slow  # summarises with the real MiniLM

DOCUMENTS = [
    {"id": f"flood-{i}", "text": text, "published": f"2024-10-2{i}"} for i, text in enumerate(FLOOD)
] + [
    {"id": f"vote-{i}", "text": text, "published": f"2024-12-0{i + 1}"}
    for i, text in enumerate(ELECTION)
]


@pytest.fixture
def client(make_app):
    client = make_app(embedded_worker=True).test_client()
    assert client.post("/v1/documents", json={"documents": DOCUMENTS}).status_code == 201
    return client


def test_a_corpus_of_two_events_is_a_brief_of_two_stories(client):
    response = client.post("/v1/briefs?wait=5", json={"max_words": 200, "stories": "auto"})
    assert response.status_code == 201, response.get_json()
    brief = response.get_json()["brief"]
    stories = brief["stories"]
    assert [sorted(s["documents"]) for s in stories] == [
        ["flood-0", "flood-1", "flood-2"],
        ["vote-0", "vote-1"],
    ]  # most sources first
    flood = stories[0]
    assert (flood["first_published"], flood["last_published"]) == ("2024-10-20", "2024-10-22")
    for story in stories:
        assert story["id"].startswith("s") and story["sentences"]
        citation = story["headline"]["citation"]
        at = f"?start={citation['start']}&end={citation['end']}"
        passage = client.get(f"/v1/documents/{citation['document_id']}{at}").get_json()["passage"]
        assert passage.strip() == story["headline"]["text"]
        assert {c["document_id"] for s in story["sentences"] for c in s["citations"]} <= set(
            story["documents"]
        )
    # `sentences` keeps every story's, in story order, for clients that read only it
    assert brief["sentences"] == [s for story in stories for s in story["sentences"]]
    assert "### " in brief["markdown"]


def test_one_forces_a_single_story(client):
    response = client.post("/v1/briefs?wait=5", json={"max_words": 200, "stories": "one"})
    assert response.status_code == 201, response.get_json()
    job = response.get_json()
    assert job["request"]["stories"] == "one"
    (story,) = job["brief"]["stories"]
    assert len(story["documents"]) == 5
    assert job["brief"]["sentences"] == story["sentences"]


def test_an_unknown_stories_mode_is_refused(client, expect_error):
    response = client.post("/v1/briefs", json={"stories": "many"})
    expect_error(response, 400, "invalid_field", "stories")


def test_since_an_earlier_brief_says_what_is_new(make_app, expect_error):
    client = make_app(embedded_worker=True).test_client()
    first, later = DOCUMENTS[:2] + DOCUMENTS[3:], DOCUMENTS[2:3]
    assert client.post("/v1/documents", json={"documents": first}).status_code == 201
    earlier = client.post(
        "/v1/briefs?wait=5", json={"max_words": 200, "stories": "auto"}
    ).get_json()
    (flood_id,) = [s["id"] for s in earlier["brief"]["stories"] if "flood-0" in s["documents"]]
    assert client.post("/v1/documents", json={"documents": later}).status_code == 201
    response = client.post(
        "/v1/briefs?wait=5", json={"max_words": 200, "stories": "auto", "since": earlier["id"]}
    )
    assert response.status_code == 201, response.get_json()
    job = response.get_json()
    assert job["request"]["since"] == earlier["id"]
    (story,) = job["brief"]["stories"]  # the election has nothing new
    assert (story["id"], story["came_from"], story["new"]) == (flood_id, [flood_id], False)
    assert {c["document_id"] for s in story["sentences"] for c in s["citations"]} == {"flood-2"}
    unknown = client.post("/v1/briefs", json={"since": "0" * 32})
    expect_error(unknown, 404, "not_found", "since")
