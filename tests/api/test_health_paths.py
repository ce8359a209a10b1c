"""`/healthz` answers anyone, so it must not tell a probe where the server keeps its files: model
folders are named relative to the models directory (or by their own name), never by full path."""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.app import create_app
from service.config import REPO_ROOT, Settings
from service.pipeline.runner import Pipeline

ABSOLUTE_PATH = re.compile(r"(?<![\w.~-])/[\w.-]+")  # "/tmp..." but not "owner/model"


@pytest.fixture
def healthz(tmp_path: Path) -> Iterator[Any]:
    """GET /healthz of an app built on `settings`: its JSON body and its raw text."""
    apps = []

    def get(**settings: Any) -> tuple[dict[str, Any], str]:
        database = f"sqlite:///{tmp_path}/health.sqlite3"
        config = Settings.from_env({"database_url": database, "embedded_worker": False, **settings})
        app = create_app(config, pipeline=Pipeline(config))
        apps.append(app)
        response = app.test_client().get("/healthz")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json(), response.get_data(as_text=True)

    yield get
    for app in apps:
        app.extensions["store"].dispose()


def assert_no_paths(body: dict[str, Any], text: str, *places: Path | str) -> None:
    for place in (REPO_ROOT, tempfile.gettempdir(), sys.prefix, Path.home(), *places):
        assert str(place) not in text, f"{place} in /healthz: {text}"
    for value in _strings(body):
        assert not ABSOLUTE_PATH.search(value), f"an absolute path in /healthz: {value!r}"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_unfetched_registry_models_are_named_inside_the_models_directory(healthz, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    (models / "registry.toml").write_bytes((REPO_ROOT / "models" / "registry.toml").read_bytes())
    body, text = healthz(models_dir=str(models))
    assert_no_paths(body, text, models)
    reasons = {group["reason"] for group in body["summariser"]["models"]}
    wanted = "weights/sshleifer--distilbart-cnn-12-6 of the models directory"
    assert f"sshleifer/distilbart-cnn-12-6 is not fetched to {wanted}" in reasons


def test_the_checkouts_own_models_directory_is_not_disclosed(healthz):
    body, text = healthz()  # the default SUMMARY_MODELS_DIR: models/ of this checkout
    assert body["summariser"]["mode"] == "auto"
    assert_no_paths(body, text)


def test_fetched_weights_are_named_relative_to_the_models_directory(healthz, tiny_models_dir):
    body, text = healthz(models_dir=str(tiny_models_dir))
    assert_no_paths(body, text, tiny_models_dir)
    seq2seq = [group for group in body["summariser"]["models"] if group["kind"] == "seq2seq"]
    assert [group["source"] for group in seq2seq] == ["weights/sshleifer--distilbart-cnn-12-6"]


def test_configured_model_folders_are_named_by_their_own_name(healthz, tiny_seq2seq_dir, tmp_path):
    body, text = healthz(seq2seq_model=str(tiny_seq2seq_dir), embedding_model=str(tiny_seq2seq_dir))
    assert_no_paths(body, text, tiny_seq2seq_dir)
    other = body["summariser"]["other_languages"]
    assert (other["kind"], other["model"], other["source"]) == (
        "seq2seq",
        tiny_seq2seq_dir.name,
        tiny_seq2seq_dir.name,
    )
    assert body["summariser"]["embedding"]["name"] == tiny_seq2seq_dir.name

    missing = tmp_path / "no-such-checkpoint"
    body, text = healthz(seq2seq_model=str(missing))
    assert_no_paths(body, text, missing)
    reason = body["summariser"]["other_languages"]["reason"]
    assert reason == "SUMMARY_SEQ2SEQ_MODEL no-such-checkpoint has no local weights"
    assert json.dumps(body).count("no-such-checkpoint") == 1
