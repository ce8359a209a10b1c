"""`/v1/briefs`: validation, enqueueing without inference, waiting, and any process answering."""

from __future__ import annotations

import time

import pytest

DOCUMENTS = [
    {"id": "a", "text": "Troops crossed the river at dawn. Officials confirmed it later."},
    {"id": "b", "text": "Heavy rain flooded the northern valley. Roads were closed."},
    {
        "id": "c",
        "text": "Les prix du pain ont augmenté cette semaine. Les boulangers protestent.",
        "language": "fr",
    },
]


@pytest.fixture
def stored(client):
    assert client.post("/v1/documents", json={"documents": DOCUMENTS}).status_code == 201
    return client


def test_a_brief_is_queued_and_not_run_in_the_request(app, stored):
    response = stored.post("/v1/briefs", json={"max_words": 60})
    assert response.status_code == 202
    job = response.get_json()
    assert response.headers["Location"] == f"/v1/briefs/{job['id']}"
    assert job["status"] == "queued" and job["brief"] is None and job["error"] is None
    assert job["progress"] == {"done": 0, "total": 3, "stage": None}
    assert job["request"] == {
        "document_ids": None,
        "language": None,
        "max_words": 60,
        "stories": "auto",  # the default mode, recorded with the job
        "request_id": response.headers["X-Request-ID"],
    }
    assert job["document_ids"] == ["a", "b", "c"]
    assert app.extensions["pipeline"].summarised == []  # no inference in the request thread
    again = stored.get(f"/v1/briefs/{job['id']}")
    assert again.status_code == 200 and again.get_json() == job


def test_without_a_worker_a_wait_times_out_still_queued(app, stored):
    started = time.monotonic()
    response = stored.post("/v1/briefs?wait=0.3", json={})
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 202 and response.get_json()["status"] == "queued"
    assert app.extensions["pipeline"].summarised == []


def test_an_empty_body_asks_for_every_document(stored):
    response = stored.post("/v1/briefs", content_type="application/json")
    assert response.status_code == 202
    assert response.get_json()["request"]["max_words"] == 250  # settings.default_max_words


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_an_empty_body_without_a_json_type_is_415(stored, content_type):
    """A browser's cross-site "simple" POST, empty and without a JSON type, queued a job."""
    response = stored.post("/v1/briefs", content_type=content_type)
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_the_embedded_worker_runs_the_brief_and_wait_returns_it(make_app):
    app = make_app(embedded_worker=True)
    client = app.test_client()
    client.post("/v1/documents", json={"documents": DOCUMENTS})
    response = client.post("/v1/briefs?wait=5", json={"document_ids": ["a", "b"], "max_words": 60})
    assert response.status_code == 201, response.get_json()
    job = response.get_json()
    assert job["status"] == "done"
    assert job["progress"] == {"done": 2, "total": 2, "stage": "done"}
    assert job["started_at"] and job["finished_at"]
    brief = job["brief"]
    assert brief["documents"] == ["a", "b"] and brief["max_words"] == 60
    for sentence in brief["sentences"]:
        for citation in sentence["citations"]:
            passage = client.get(
                f"/v1/documents/{citation['document_id']}"
                f"?start={citation['start']}&end={citation['end']}"
            ).get_json()["passage"]
            assert passage == sentence["text"]
    polled = client.get(f"/v1/briefs/{job['id']}?wait=1")
    assert polled.status_code == 200 and polled.get_json() == job


def test_asking_again_for_the_same_brief_returns_the_stored_one_at_once(make_app):
    app = make_app(embedded_worker=True)
    client = app.test_client()
    client.post("/v1/documents", json={"documents": DOCUMENTS})
    request = {"document_ids": ["a", "b"], "max_words": 60}
    first = client.post("/v1/briefs?wait=5", json=request)
    assert first.status_code == 201, first.get_json()
    again = client.post("/v1/briefs", json=request)
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Location"] == f"/v1/briefs/{first.get_json()['id']}"
    assert again.get_json()["brief"] == first.get_json()["brief"]
    other = client.post("/v1/briefs", json={**request, "max_words": 61})
    assert other.status_code == 202 and other.get_json()["id"] != first.get_json()["id"]


def test_the_worker_starts_on_the_first_request_not_in_create_app(make_app):
    app = make_app(embedded_worker=True)
    worker = app.extensions["worker"]
    assert not worker.running
    app.test_client().get("/healthz")
    assert worker.running


def test_any_process_answers_and_runs_a_job(make_app):
    """Two apps on one database stand for two gunicorn workers."""
    first = make_app().test_client()
    first.post("/v1/documents", json={"documents": DOCUMENTS})
    job = first.post("/v1/briefs", json={"language": "en"}).get_json()
    second = make_app(embedded_worker=True).test_client()
    done = second.get(f"/v1/briefs/{job['id']}?wait=5").get_json()
    assert done["status"] == "done" and done["document_ids"] == ["a", "b"]
    assert first.get(f"/v1/briefs/{job['id']}").get_json() == done


def test_a_language_selects_its_documents(stored):
    job = stored.post("/v1/briefs", json={"language": "FR"}).get_json()
    assert job["document_ids"] == ["c"] and job["request"]["language"] == "fr"


def test_an_empty_corpus_is_refused(client, expect_error):
    expect_error(client.post("/v1/briefs", json={}), 409, "empty_corpus")


def test_a_language_without_documents_is_refused(stored, expect_error):
    expect_error(
        stored.post("/v1/briefs", json={"language": "de"}), 409, "empty_corpus", "language"
    )
    response = stored.post("/v1/briefs", json={"document_ids": ["a", "b"], "language": "fr"})
    expect_error(response, 409, "empty_corpus", "language")


def test_unknown_document_ids_are_named(stored, expect_error):
    response = stored.post("/v1/briefs", json={"document_ids": ["a", "zz", "yy"]})
    error = expect_error(response, 404, "unknown_documents", "document_ids")
    assert error["details"] == {"unknown_ids": ["zz", "yy"]}
    assert "zz, yy" in error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_words": 19}, "max_words"),
        ({"max_words": 2001}, "max_words"),
        ({"max_words": "100"}, "max_words"),
        ({"max_words": 100.5}, "max_words"),
        ({"max_words": True}, "max_words"),
        ({"document_ids": "a"}, "document_ids"),
        ({"document_ids": []}, "document_ids"),
        ({"document_ids": ["a", 2]}, "document_ids[1]"),
        ({"document_ids": ["a", "not an id"]}, "document_ids[1]"),
        ({"language": 5}, "language"),
        ({"language": "english please"}, "language"),
        ({"documents": ["a"]}, "documents"),
        ([], None),
    ],
)
def test_a_malformed_brief_request_is_refused(stored, expect_error, body, field):
    expect_error(stored.post("/v1/briefs", json=body), 400, "invalid_field", field)


@pytest.mark.parametrize("wait", ["-1", "6", "soon", "nan", "inf"])
def test_a_bad_wait_is_refused(stored, expect_error, wait):
    expect_error(stored.post(f"/v1/briefs?wait={wait}", json={}), 400, "invalid_parameter", "wait")
    expect_error(stored.get(f"/v1/briefs/x?wait={wait}"), 400, "invalid_parameter", "wait")
    assert stored.get("/v1/documents").status_code == 200


def test_a_bad_wait_queues_nothing(app, stored, expect_error):
    stored.post("/v1/briefs?wait=600", json={})
    assert app.extensions["store"].queued_job_ids() == []


def test_an_unknown_brief_is_not_found(client, expect_error):
    expect_error(client.get("/v1/briefs/0123456789abcdef"), 404, "not_found")
    expect_error(client.get("/v1/briefs/0123456789abcdef?wait=0.1"), 404, "not_found")


def test_a_brief_of_a_deleted_document_fails_clearly(make_app):
    app = make_app()
    client = app.test_client()
    client.post("/v1/documents", json={"documents": DOCUMENTS})
    job = client.post("/v1/briefs", json={"document_ids": ["a", "b"]}).get_json()
    client.delete("/v1/documents/b")
    worker_app = make_app(embedded_worker=True)
    failed = worker_app.test_client().get(f"/v1/briefs/{job['id']}?wait=5").get_json()
    assert failed["status"] == "failed" and failed["brief"] is None
    assert failed["error"] == {"reason": "document 'b' was deleted after the brief was requested"}


def test_a_whole_number_written_with_a_decimal_point_is_an_integer(stored):
    """JSON has one number type: 100.0 is the integer the schema asks for."""
    job = stored.post("/v1/briefs", json={"max_words": 100.0})
    assert job.status_code == 202
    assert job.get_json()["request"]["max_words"] == 100


def test_the_same_request_while_its_job_is_queued_is_that_job(stored, app):
    """Ten identical brief requests queued ten jobs (issue 23); now one, answered 202 each time."""
    answers = [stored.post("/v1/briefs", json={"max_words": 120}) for _ in range(10)]
    assert {answer.status_code for answer in answers} == {202}
    assert len({answer.get_json()["id"] for answer in answers}) == 1
    assert len({answer.headers["Location"] for answer in answers}) == 1
    assert app.extensions["store"].count_jobs(["queued"])["queued"] == 1
    other = stored.post("/v1/briefs", json={"max_words": 121})
    assert other.status_code == 202 and other.get_json()["id"] != answers[0].get_json()["id"]
