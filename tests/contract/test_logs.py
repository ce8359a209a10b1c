"""The live service's logs: JSON lines, and one request ID from the response header through the
access log to the logs of the brief job the request queued."""

from __future__ import annotations

import json

import pytest
import requests

pytestmark = pytest.mark.slow


def json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))  # every line that looks like JSON must parse
    return lines


def test_one_request_id_from_the_header_to_the_jobs_logs(server, auth):
    headers = {**auth, "X-Request-ID": "contract-trace-1"}
    document = {"id": "traced", "text": "The bridge reopened on Friday. Traffic resumed at noon."}
    stored = requests.post(f"{server.url}/v1/documents", json=document, headers=auth, timeout=30)
    assert stored.status_code in (200, 201)
    queued = requests.post(
        f"{server.url}/v1/briefs?wait=1",
        json={"document_ids": ["traced"]},
        headers=headers,
        timeout=30,
    )
    assert queued.headers["X-Request-ID"] == "contract-trace-1"
    job_id = queued.json()["id"]
    for _ in range(30):
        job = requests.get(
            f"{server.url}/v1/briefs/{job_id}?wait=1", headers=auth, timeout=30
        ).json()
        if job["status"] in ("done", "failed"):
            break
    assert job["request"]["request_id"] == "contract-trace-1"

    lines = json_lines(server.log_path.read_text(errors="replace"))
    access = [e for e in lines if e["logger"] == "gunicorn.access"]
    (post,) = [e for e in access if e["request_id"] == "contract-trace-1"]
    assert (post["method"], post["path"], post["status"]) == (
        "POST",
        "/v1/briefs",
        queued.status_code,
    )
    assert post["duration_ms"] >= 0 and post["remote"] == "127.0.0.1"
    job_lines = [
        e for e in lines if e.get("job_id") == job_id and e["logger"].startswith("service.jobs")
    ]
    assert job_lines, "the job logged nothing"
    assert all(e["request_id"] == "contract-trace-1" for e in job_lines), job_lines
