"""API test fixtures: an app per test on its own SQLite file, with a fast fake pipeline."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.app import create_app
from service.pipeline.merge import merge_summaries
from service.pipeline.types import (
    Citation,
    Document,
    DocumentFacts,
    ModelInfo,
    Summary,
    SummarySentence,
)

# Small limits, so that the limit tests send small bodies.
TEST_SETTINGS = {
    "max_document_bytes": 2_000,
    "max_request_bytes": 20_000,
    "max_batch_documents": 5,
    "max_wait_seconds": 5,
    "worker_poll_seconds": 0.05,
    "embedded_worker": False,
}


def _bag_of_words(texts: list[str]) -> np.ndarray:
    vectors = np.zeros((len(texts), 64))
    for row, text in enumerate(texts):
        for word in text.lower().split():
            vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


class FakePipeline:
    """First sentence of each document as its summary; the real merge over toy embeddings."""

    model = ModelInfo(name="fake", kind="extractive")

    def __init__(self) -> None:
        self.summarised: list[str] = []

    def load(self) -> None:
        pass

    def describe(self) -> dict[str, Any]:
        return {"summariser": "fake", "models": {}}

    def summary_key(self, document: Document) -> str:
        return hashlib.sha256(document.text.encode()).hexdigest()

    def summarise(self, document: Document) -> Summary:
        self.summarised.append(document.id)
        end = document.text.find(".") + 1 or len(document.text)
        sentence = SummarySentence(document.text[:end], [Citation(document.id, 0, end)], 1.0, 0)
        facts = DocumentFacts(document.id, document.language, "fake", 10, 1, False, 1)
        return Summary(document.id, self.model, [sentence], facts)

    def merge(self, documents, summaries, max_words):
        return merge_summaries(summaries, documents, _bag_of_words, max_words)


@pytest.fixture
def database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/api.sqlite3"


@pytest.fixture
def make_app(database_url) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test's database; `make_app(embedded_worker=True)` etc. override
    settings, and `pipeline=None` asks for the real pipeline instead of a FakePipeline."""
    apps: list[Flask] = []

    def make(pipeline: Any = "fake", **overrides: Any) -> Flask:
        config = {**TEST_SETTINGS, "database_url": database_url, "TESTING": True, **overrides}
        pipeline = FakePipeline() if pipeline == "fake" else pipeline
        app = create_app(test_config=config, pipeline=pipeline)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["worker"].stop(timeout=10)
        app.extensions["store"].dispose()


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


ErrorCheck = Callable[..., dict[str, Any]]


@pytest.fixture
def expect_error() -> ErrorCheck:
    """Assert the one error shape: {"error": {status, code, message, field[, details]}}."""

    def check(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
        assert response.status_code == status, response.get_data(as_text=True)
        assert response.mimetype == "application/json"
        body = response.get_json()
        assert list(body) == ["error"]
        error = body["error"]
        assert set(error) - {"details"} == {"status", "code", "message", "field"}
        assert (error["status"], error["code"], error["field"]) == (status, code, field)
        assert isinstance(error["message"], str) and error["message"]
        return error

    return check
