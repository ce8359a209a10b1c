"""A model that raises, or runs out of memory, on one document: that document is named in the
brief's per-document facts and notes, the rest of the brief is made, and the service serves on."""

from __future__ import annotations

import pytest
import torch

from tests.faults.injected import InjectedFault

pytestmark = pytest.mark.slow

DOCUMENTS = [
    {"id": "a", "text": "Troops crossed the river at dawn. Officials confirmed it later."},
    {"id": "b", "text": "Heavy rain flooded the northern valley. Roads were closed for a day."},
    {"id": "c", "text": "Prices of bread rose this week. Bakers protested in the capital."},
]


@pytest.mark.parametrize(
    "fault",
    [
        InjectedFault("the model raised"),
        MemoryError("cannot allocate 6 GB"),
        torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
    ],
    ids=["raises", "memory-error", "torch-oom"],
)
def test_one_failing_document_is_reported_and_the_brief_made(make_app, pipeline, fault):
    pipeline.faults = {"b": fault}
    client = make_app(embedded_worker=True).test_client()
    client.post("/v1/documents", json={"documents": DOCUMENTS})
    job = client.post("/v1/briefs?wait=5", json={"max_words": 80}).get_json()
    assert job["status"] == "done", job["error"]
    brief = job["brief"]
    facts = {f["document_id"]: f for f in brief["document_facts"]}
    assert type(fault).__name__ in facts["b"]["error"] and str(fault) in facts["b"]["error"]
    assert facts["a"]["error"] is None and facts["c"]["error"] is None
    cited = {c["document_id"] for s in brief["sentences"] for c in s["citations"]}
    assert cited and "b" not in cited and cited <= {"a", "c"}
    assert any("b" in note for note in brief["notes"])

    # The service serves on, and summarises b once the model copes with it again.
    pipeline.faults = {}
    assert client.get("/readyz").status_code == 200
    again = client.post("/v1/briefs?wait=5", json={"max_words": 90}).get_json()
    assert again["status"] == "done"
    assert all(f["error"] is None for f in again["brief"]["document_facts"])


def test_a_brief_that_lost_a_document_to_a_fault_is_not_reused(make_app, pipeline):
    pipeline.faults = {"b": InjectedFault("a passing fault")}
    client = make_app(embedded_worker=True).test_client()
    client.post("/v1/documents", json={"documents": DOCUMENTS})
    first = client.post("/v1/briefs?wait=5", json={"max_words": 80}).get_json()
    assert first["status"] == "done"
    pipeline.faults = {}
    again = client.post("/v1/briefs?wait=5", json={"max_words": 80}).get_json()
    assert all(f["error"] is None for f in again["brief"]["document_facts"])


def test_a_brief_fails_with_a_reason_when_every_document_fails(make_app, pipeline):
    pipeline.faults = {d["id"]: InjectedFault(f"no luck with {d['id']}") for d in DOCUMENTS}
    client = make_app(embedded_worker=True).test_client()
    client.post("/v1/documents", json={"documents": DOCUMENTS})
    job = client.post("/v1/briefs?wait=5", json={}).get_json()
    assert job["status"] == "failed" and job["brief"] is None
    assert "none of the 3 documents could be summarised" in job["error"]["reason"]
    assert client.get("/v1/documents").status_code == 200
