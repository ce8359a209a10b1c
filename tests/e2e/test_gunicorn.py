"""End to end through a real gunicorn on loopback: the five seeds in, a cited brief out."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
import requests

from bench._server import GunicornServer
from tests.seeds import SEED_NOISE, load_seeds

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """gunicorn with the production config; the real registry and no local weights, so the
    summariser setting's default (auto) falls back to extractive."""
    workdir = tmp_path_factory.mktemp("gunicorn")
    with GunicornServer(workdir, workers=2, env={"SUMMARY_SUMMARISER": "auto"}) as live:
        yield live.url


def _content_words(text: str) -> set[str]:
    """Words of four letters or more: the substance of a sentence, not its glue."""
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) >= 4}


def _brief_of_seeds(base: str) -> dict:
    seeds = load_seeds()
    documents = [{"id": doc_id, "text": text} for doc_id, text in seeds.items()]
    stored = requests.post(f"{base}/v1/documents", json={"documents": documents}, timeout=30)
    assert stored.status_code == 201, stored.text
    assert {d["id"] for d in stored.json()["documents"]} == set(seeds)
    assert all(d["language"] == "en" for d in stored.json()["documents"])

    accepted = requests.post(f"{base}/v1/briefs", json={"max_words": 250}, timeout=30)
    assert accepted.status_code in (201, 202), accepted.text
    location = accepted.headers["Location"]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        job = requests.get(f"{base}{location}", params={"wait": 10}, timeout=30).json()
        if job["status"] in ("done", "failed"):
            break
    assert job["status"] == "done", job
    return job


def test_brief_of_the_seeds_cites_them_faithfully(server: str) -> None:
    seeds = load_seeds()
    job = _brief_of_seeds(server)
    brief = job["brief"]
    assert job["progress"]["done"] == job["progress"]["total"] == len(seeds)
    assert brief["sentences"], brief

    cited = set()
    for sentence in brief["sentences"]:
        assert sentence["citations"], sentence
        words = _content_words(sentence["text"])
        overlaps = []
        for citation in sentence["citations"]:
            text = seeds[citation["document_id"]]
            assert 0 <= citation["start"] < citation["end"] <= len(text)
            passage = text[citation["start"] : citation["end"]]
            overlap = len(words & _content_words(passage)) / len(words)
            # A corroborating source words the fact its own way, but shares most of its substance.
            assert overlap >= 0.5, (sentence, passage)
            overlaps.append(overlap)
            cited.add(citation["document_id"])
        # The source the sentence was taken from holds (nearly) all of it, every figure included.
        assert max(overlaps) >= 0.8, sentence
        primary = sentence["citations"][overlaps.index(max(overlaps))]
        passage = seeds[primary["document_id"]][primary["start"] : primary["end"]]
        for figure in re.findall(r"\d[\d,.]*\d|\d", sentence["text"]):
            assert figure in passage, (figure, sentence, passage)
    assert len(cited) >= 3, cited
    assert cited <= set(seeds)
    assert brief["words"] <= 250

    rendered = "\n".join([brief["text"], brief["markdown"]])
    for doc_id, noise in SEED_NOISE.items():
        for fragment in noise:
            assert fragment not in rendered, (doc_id, fragment)

    # A document's passage can be read back at the cited offsets.
    first = brief["sentences"][0]["citations"][0]
    passage = requests.get(
        f"{server}/v1/documents/{first['document_id']}",
        params={"start": first["start"], "end": first["end"]},
        timeout=10,
    ).json()["passage"]
    assert passage == seeds[first["document_id"]][first["start"] : first["end"]]


def test_health_names_the_summariser_in_use(server: str) -> None:
    health = requests.get(f"{server}/healthz", timeout=10).json()
    assert health["status"] == "ok"
    assert "extractive" in str(health["summariser"])
