"""Faults survived by a real gunicorn: a worker killed with SIGKILL in the middle of a brief job,
the whole service killed or restarted mid-job, a document that kills every worker that reads it,
a model that raises on one document. No job stays `running`; the data stays consistent; the
service serves on.

The server runs `tests.faults.wsgi:app`: the real service on a `FaultInjectingPipeline`, which
takes 0.3 s more per document (so that a job is caught half-way) and kills its own process on the
documents named `poison-*`, as the kernel's OOM killer would.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bench._server import GunicornServer

pytestmark = pytest.mark.slow

STALE_SECONDS = 4  # a job whose worker has been silent this long is queued again
ENV = {
    "SUMMARY_JOB_STALE_SECONDS": str(STALE_SECONDS),
    "SUMMARY_JOB_MAX_ATTEMPTS": "2",
    "SUMMARY_WORKER_POLL_SECONDS": "0.2",
    "FAULTS_SECONDS_PER_DOCUMENT": "0.3",
    "FAULTS_KILL_IDS": "poison-1",
    "FAULTS_RAISE_IDS": "broken-1",
    "FAULTS_OOM_IDS": "oom-1",
}
# Each document is its own report (ingest takes texts sharing most five-word runs for copies of one
# story, and a brief counts a copy under its original): every few words come from the report's own
# draw of places, forces and officials, so no two of them are copies.
PLACES = [
    "Kessel",
    "Arlen",
    "Borwick",
    "Dunmore",
    "Elsby",
    "Farrow",
    "Glenholm",
    "Harwood",
    "Ivel",
    "Jarrow",
    "Kenley",
    "Lowick",
    "Marden",
    "Norham",
    "Otterby",
    "Pelton",
]
FORCES = [
    "armoured brigade",
    "engineer battalion",
    "infantry regiment",
    "artillery unit",
    "supply convoy",
    "medical corps",
    "signals company",
    "reserve division",
]
OFFICIALS = [
    "the governor",
    "a police spokesman",
    "the mayor",
    "a ministry official",
    "the regional council",
    "an army colonel",
    "a border guard",
    "the prefect",
]
SENTENCES = [
    "The {force} crossed the {river} river near {place} at dawn on {day}.",
    "In {capital}, {official} confirmed the movement of the {force} {n} hours later.",
    "Residents of {place} and {other} reported {n} lorries on the road to {capital}.",
    "{official_cap} in {other} declined to comment on why the {force} left {place}.",
    "Analysts in {capital} said {place} had not seen a {force} since {year}.",
]


def article(n: int) -> str:
    draw = random.Random(n)
    place, other, capital, river = draw.sample(PLACES, 4)
    official = draw.choice(OFFICIALS)
    fields = {
        "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"][n % 5],
        "n": n + 2,
        "place": place,
        "other": other,
        "capital": capital,
        "river": river,
        "force": draw.choice(FORCES),
        "official": official,
        "official_cap": official[0].upper() + official[1:],
        "year": 1990 + n,
    }
    return " ".join(s.format(**fields) for s in SENTENCES) + f" Report number {n}."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GunicornServer]:
    with GunicornServer(
        tmp_path_factory.mktemp("faults"), workers=2, app="tests.faults.wsgi:app", env=ENV
    ) as running:
        yield running


def store(server: GunicornServer, documents: list[dict[str, str]]) -> None:
    response = requests.post(
        f"{server.url}/v1/documents", json={"documents": documents}, timeout=60
    )
    assert response.status_code in (200, 201), response.text


def queue(server: GunicornServer, ids: list[str]) -> str:
    response = requests.post(f"{server.url}/v1/briefs", json={"document_ids": ids}, timeout=30)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def job_row(server: GunicornServer, job_id: str) -> dict[str, Any]:
    with sqlite3.connect(f"file:{server.database}?mode=ro", uri=True, timeout=30) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return dict(row)


def running_with_progress(server: GunicornServer, job_id: str, done: int = 2) -> dict[str, Any]:
    """Wait until the job is running and has summarised `done` documents; its row."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row = job_row(server, job_id)
        if row["status"] == "running" and row["progress_done"] >= done:
            return row
        assert row["status"] in ("queued", "running"), row
        time.sleep(0.1)
    pytest.fail(f"job {job_id} did not get going: {job_row(server, job_id)}")


def finished(server: GunicornServer, job_id: str, seconds: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            job = requests.get(f"{server.url}/v1/briefs/{job_id}?wait=10", timeout=30).json()
        except requests.ConnectionError:  # the worker answering was the one killed: ask again
            time.sleep(0.5)
            continue
        if job["status"] in ("done", "failed"):
            return dict(job)
    pytest.fail(f"job {job_id} never finished: {job_row(server, job_id)}\n{server.log_tail()}")


def worker_pid(row: dict[str, Any]) -> int:
    """The embedded worker names itself host:pid:tag."""
    return int(str(row["worker"]).split(":")[1])


def assert_consistent(server: GunicornServer, documents: list[dict[str, str]]) -> None:
    with sqlite3.connect(f"file:{server.database}?mode=ro", uri=True, timeout=30) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        texts = dict(conn.execute("SELECT id, text FROM documents").fetchall())
        stuck = conn.execute("SELECT id, status FROM jobs WHERE status = 'running'").fetchall()
    for document in documents:
        assert texts[document["id"]] == document["text"]
    assert stuck == [], stuck


def assert_serves(server: GunicornServer, document_id: str) -> None:
    assert requests.get(f"{server.url}/readyz", timeout=30).status_code == 200
    job = requests.post(
        f"{server.url}/v1/briefs?wait=30", json={"document_ids": [document_id]}, timeout=60
    ).json()
    assert job["status"] == "done", job


def corpus(prefix: str, count: int = 12) -> list[dict[str, str]]:
    return [{"id": f"{prefix}-{n}", "text": article(n) + f" ({prefix})"} for n in range(count)]


def test_a_worker_killed_mid_job_leaves_the_job_to_another(server):
    documents = corpus("kill")
    store(server, documents)
    job_id = queue(server, [d["id"] for d in documents])
    row = running_with_progress(server, job_id)
    victim = worker_pid(row)
    assert victim in server.worker_pids()
    os.kill(victim, signal.SIGKILL)

    job = finished(server, job_id, seconds=STALE_SECONDS * 10)
    assert job["status"] == "done", job["error"]
    assert job["brief"]["documents"] == [d["id"] for d in documents]
    # The user is told that work was redone, and why; /metrics counts it.
    assert job["progress"]["retries"] == 1
    assert "stopped reporting" in job["progress"]["note"]
    metrics = requests.get(f"{server.url}/metrics", timeout=30).text.splitlines()
    lost = [line for line in metrics if line.startswith('summary_job_work_lost_total{step="job"}')]
    assert lost and float(lost[0].split()[-1]) >= 1, metrics
    after = job_row(server, job_id)
    assert after["attempts"] == 2 and worker_pid(after) != victim
    assert victim not in server.worker_pids()
    server.wait_ready()  # gunicorn replaced the worker
    assert_consistent(server, documents)
    assert_serves(server, documents[0]["id"])


@pytest.mark.parametrize("how", ["killed", "restarted"])
def test_the_whole_service_stopped_mid_job_finishes_it_after_a_restart(server, how):
    documents = corpus(f"restart-{how}")
    store(server, documents)
    job_id = queue(server, [d["id"] for d in documents])
    running_with_progress(server, job_id)
    if how == "killed":
        server.kill_all()  # master and workers at once: the job is left `running`
        assert job_row(server, job_id)["status"] == "running"
    else:
        server.stop()  # SIGTERM: each worker hands its job back to the queue as it exits
        assert job_row(server, job_id)["status"] == "queued"
    server.start()

    job = finished(server, job_id, seconds=STALE_SECONDS * 10)
    assert job["status"] == "done", job["error"]
    assert job_row(server, job_id)["attempts"] == 2
    assert_consistent(server, documents)
    assert_serves(server, documents[-1]["id"])


def test_a_document_that_kills_every_worker_fails_its_job_with_a_reason(server):
    documents = [*corpus("victim", 3), {"id": "poison-1", "text": article(99)}]
    store(server, documents)
    job_id = queue(server, [d["id"] for d in documents])
    job = finished(server, job_id, seconds=STALE_SECONDS * 20)
    assert job["status"] == "failed"
    assert "gave up after 2 attempts" in job["error"]["reason"]
    server.wait_ready()
    assert_consistent(server, documents)
    assert_serves(server, "victim-0")


def test_a_model_error_on_one_document_spares_the_rest_of_the_brief(server):
    documents = [*corpus("spared", 3), {"id": "broken-1", "text": article(7)}]
    documents.append({"id": "oom-1", "text": article(8) + " Memory."})
    store(server, documents)
    job_id = queue(server, [d["id"] for d in documents])
    job = finished(server, job_id)
    assert job["status"] == "done", job["error"]
    facts = {f["document_id"]: f for f in job["brief"]["document_facts"]}
    assert "InjectedFault" in facts["broken-1"]["error"]
    assert "MemoryError" in facts["oom-1"]["error"]
    assert all(facts[f"spared-{n}"]["error"] is None for n in range(3))
    cited = {c["document_id"] for s in job["brief"]["sentences"] for c in s["citations"]}
    assert cited and cited <= {"spared-0", "spared-1", "spared-2"}
    assert_serves(server, "spared-1")
