"""API test fixtures: an app per test on its own SQLite file, all on ONE real pipeline.

The pipeline is the real `Pipeline` (extractive, the real all-MiniLM-L6-v2), built once per session
for every test package (`shared_pipeline` and `pipeline` in tests/conftest.py) and shared by every
app: it is thread-safe and holds no per-app state. It is a `FaultInjectingPipeline`, so a test can
make it fail on chosen documents (`pipeline.faults`) and see what it summarised
(`pipeline.summarised`); both are reset before each test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.app import create_app

# Small limits, so that the limit tests send small bodies.
TEST_SETTINGS = {
    "max_document_bytes": 2_000,
    "max_request_bytes": 20_000,
    "max_batch_documents": 5,
    "max_wait_seconds": 5,
    "worker_poll_seconds": 0.05,
    "embedded_worker": False,
}


@pytest.fixture
def database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/api.sqlite3"


@pytest.fixture
def make_app(database_url, pipeline) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test's database and the shared pipeline; `make_app(embedded_worker=True)`
    etc. override settings. An app with a worker gets its models loaded first, as gunicorn's
    `post_worker_init` does, so that `?wait=` does not time out on the first model load."""
    apps: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        config = {**TEST_SETTINGS, "database_url": database_url, "TESTING": True, **overrides}
        if config["embedded_worker"]:
            pipeline.load()
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
