"""Request IDs (header, logs, jobs) and the Prometheus metrics of requests, jobs and the queue."""

from __future__ import annotations

import json
import logging
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from service.jobs.steps import JobContext, finish
from service.logs import CONTEXT_ATTRIBUTE, JSONFormatter

DOCUMENTS = [
    {"id": "a", "text": "Troops crossed the river at dawn. Officials confirmed it later."},
    {"id": "b", "text": "Heavy rain flooded the northern valley. Roads were closed for a day."},
]
LONG_SENTENCE = (
    "The committee reviewed "
    + ", ".join(f"line {i} of the {['budget', 'plan', 'report'][i % 3]}" for i in range(80))
    + " before it adjourned."
)


def samples(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_every_answer_carries_a_request_id(client):
    generated = client.get("/v1/documents").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/nowhere").headers["X-Request-ID"]  # errors too
    sane = client.get("/healthz", headers={"X-Request-ID": "trace-42.a:b"})
    assert sane.headers["X-Request-ID"] == "trace-42.a:b"
    for insane in ("x" * 65, "a b", "<script>", "é"):
        answered = client.get("/healthz", headers={"X-Request-ID": insane}).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", answered), insane


def test_the_request_id_reaches_the_logs_of_the_request(make_app, caplog, expect_error):
    app = make_app()

    @app.get("/v1/boom")
    def boom():
        raise RuntimeError("kaput")

    response = app.test_client().get("/v1/boom", headers={"X-Request-ID": "req-boom"})
    expect_error(response, 500, "internal_error")
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert getattr(record, CONTEXT_ATTRIBUTE)["request_id"] == "req-boom"
    line = json.loads(JSONFormatter().format(record))
    assert line["request_id"] == "req-boom" and line["path"] == "/v1/boom"


@pytest.mark.slow
def test_the_request_id_is_carried_into_the_jobs_logs(make_app, caplog):
    caplog.set_level(logging.INFO, logger="service")
    client = make_app(embedded_worker=True).test_client()
    client.post("/v1/documents", json={"documents": DOCUMENTS})
    response = client.post("/v1/briefs?wait=5", json={}, headers={"X-Request-ID": "req-job-7"})
    job = response.get_json()
    assert job["status"] == "done" and job["request"]["request_id"] == "req-job-7"
    job_records = [r for r in caplog.records if getattr(r, "job_id", None) == job["id"]]
    worker_records = [r for r in job_records if r.threadName == "brief-worker"]
    assert worker_records, [r.getMessage() for r in job_records]
    for record in worker_records:
        assert getattr(record, CONTEXT_ATTRIBUTE)["request_id"] == "req-job-7"
        assert json.loads(JSONFormatter().format(record))["request_id"] == "req-job-7"


def test_request_latency_is_counted_by_route_and_status(client):
    before = samples(client)
    client.get("/v1/documents")
    client.get("/v1/documents/nope")
    client.get("/v1/documents/nope")
    after = samples(client)
    name = "summary_http_request_duration_seconds_count"
    ok = {"route": "/v1/documents", "method": "GET", "status": "200"}
    missing = {"route": "/v1/documents/<document_id>", "method": "GET", "status": "404"}
    assert value(after, name, **ok) - value(before, name, **ok) == 1
    assert value(after, name, **missing) - value(before, name, **missing) == 2


def test_the_queue_depth_is_read_from_the_store(client):
    client.post("/v1/documents", json={"documents": DOCUMENTS})
    assert value(samples(client), "summary_jobs", status="queued") == 0
    client.post("/v1/briefs", json={})
    client.post("/v1/briefs", json={"document_ids": ["a"]})
    found = samples(client)
    assert value(found, "summary_jobs", status="queued") == 2
    assert value(found, "summary_jobs", status="running") == 0


@pytest.mark.slow
def test_jobs_are_timed_by_stage_and_the_cache_is_counted(make_app):
    client = make_app(embedded_worker=True).test_client()
    client.post("/v1/documents", json={"documents": DOCUMENTS})
    before = samples(client)
    first = client.post("/v1/briefs?wait=5", json={"max_words": 60}).get_json()
    assert first["status"] == "done"
    middle = samples(client)
    # Another length: a new brief (the same request would get the stored one) over cached summaries.
    again = client.post("/v1/briefs?wait=5", json={"max_words": 61}).get_json()
    assert again["status"] == "done"
    after = samples(client)

    stage = "summary_job_stage_duration_seconds_count"
    for name in ("queued", "starting", "summarising", "merging"):
        assert value(middle, stage, stage=name) > value(before, stage, stage=name), name
    jobs = "summary_job_duration_seconds_count"
    assert value(middle, jobs, status="done") - value(before, jobs, status="done") == 1
    cache = "summary_summary_cache_total"
    assert value(middle, cache, result="miss") - value(before, cache, result="miss") == 2
    assert value(middle, cache, result="hit") - value(before, cache, result="hit") == 0
    assert value(after, cache, result="hit") - value(middle, cache, result="hit") == 2
    assert value(after, cache, result="miss") - value(middle, cache, result="miss") == 0


@pytest.mark.slow
def test_truncated_documents_are_counted(make_app):
    app = make_app(embedded_worker=True, max_document_bytes=100_000, max_wait_seconds=60)
    client = app.test_client()
    text = f"Officials met on Monday. {LONG_SENTENCE} Nobody objected to it."
    client.post("/v1/documents", json={"id": "long", "text": text})
    before = samples(client)
    job = client.post("/v1/briefs?wait=60", json={}).get_json()
    assert job["status"] == "done"
    (facts,) = job["brief"]["document_facts"]
    assert facts["truncated"] is True
    name = "summary_documents_truncated_total"
    assert value(samples(client), name) - value(before, name) == 1


def test_dropped_sentences_of_a_brief_are_counted(app):
    """A brief that reports sentences dropped by the faithfulness check adds them up."""
    store, worker = app.extensions["store"], app.extensions["worker"]
    client = app.test_client()
    client.post("/v1/documents", json={"documents": DOCUMENTS})
    job = client.post("/v1/briefs", json={}).get_json()
    before = samples(client)
    assert store.claim_job(job["id"], "w1")
    facts = [{"document_id": "a"}, {"document_id": "b"}]
    result = {"document_facts": facts, "dropped_sentences": 3}
    ctx = JobContext(store, worker.pipeline, job["id"], "w1", observer=worker.observer)
    finish(ctx, result, "finished by the test")  # as the merge step ends a job
    assert store.get_job(job["id"]).status == "done"
    name = "summary_brief_sentences_dropped_total"
    assert value(samples(client), name) - value(before, name) == 3
