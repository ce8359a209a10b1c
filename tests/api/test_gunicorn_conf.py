"""gunicorn.conf.py: settings from the environment, and the post-fork hooks of each worker."""

from __future__ import annotations

import logging
import os
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def load_conf(monkeypatch, **env: str) -> dict:
    for name in (
        "SUMMARY_BIND",
        "WEB_CONCURRENCY",
        "SUMMARY_THREADS",
        "SUMMARY_MAX_WAIT_SECONDS",
        "SUMMARY_REQUEST_TIMEOUT_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


class GunicornWorker:
    """The parts of a gunicorn worker that the hooks use."""

    def __init__(self, app) -> None:
        self.wsgi = app
        self.pid = 4242
        self.log = logging.getLogger("test.gunicorn")


def test_settings_come_from_the_environment(monkeypatch):
    defaults = load_conf(monkeypatch)
    assert (defaults["bind"], defaults["workers"], defaults["worker_class"]) == (
        "127.0.0.1:8000",
        2,
        "service.http.server.BufferedThreadWorker",
    )
    assert defaults["threads"] >= 2 and defaults["accesslog"] == "-"
    assert defaults["preload_app"] is False
    assert defaults["timeout"] > 60  # the default max_wait_seconds
    conf = load_conf(
        monkeypatch,
        SUMMARY_BIND="0.0.0.0:9000",
        WEB_CONCURRENCY="5",
        SUMMARY_THREADS="8",
        SUMMARY_MAX_WAIT_SECONDS="300",
    )
    assert (conf["bind"], conf["workers"], conf["threads"]) == ("0.0.0.0:9000", 5, 8)
    assert conf["timeout"] > 300


def test_a_model_that_cannot_load_stops_the_server(make_app, monkeypatch, caplog):
    app = make_app(embedded_worker=True)

    def fail() -> None:
        raise RuntimeError("checkpoint /models/x has no weights")

    monkeypatch.setattr(app.extensions["pipeline"], "load", fail)
    hooks = load_conf(monkeypatch)
    with pytest.raises(SystemExit) as stopped:
        hooks["post_worker_init"](GunicornWorker(app))
    assert stopped.value.code == 3  # gunicorn's WORKER_BOOT_ERROR: the arbiter halts
    assert "checkpoint /models/x has no weights" in caplog.text
    assert not app.extensions["worker"].running


def test_a_worker_loads_its_models_then_starts_its_job_worker(make_app, monkeypatch, caplog):
    app = make_app(embedded_worker=True)
    loaded = []
    monkeypatch.setattr(app.extensions["pipeline"], "load", lambda: loaded.append(True))
    caplog.set_level(logging.INFO)
    hooks = load_conf(monkeypatch)
    hooks["post_worker_init"](GunicornWorker(app))
    assert loaded == [True]
    assert '"mode": "extractive"' in caplog.text  # describe() is logged
    assert app.extensions["worker"].running
    hooks["worker_exit"](None, GunicornWorker(app))


def test_the_worker_timeout_outlasts_the_request_time_limit(monkeypatch):
    conf = load_conf(monkeypatch, SUMMARY_REQUEST_TIMEOUT_SECONDS="200")
    assert conf["timeout"] > 200
    assert conf["logger_class"] == "service.observability.access_log.JSONAccessLogger"


class Server:
    log = logging.getLogger("test.gunicorn")


def test_startup_makes_a_clean_folder_for_every_workers_metrics(monkeypatch, tmp_path):
    hooks = load_conf(monkeypatch)
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"from an earlier run")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    hooks["on_starting"](Server())
    assert list(folder.iterdir()) == []
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")  # undone after the test, whatever it is now
    hooks["on_starting"](Server())
    made = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert made.is_dir() and made.name.startswith("summary-metrics-")
    made.rmdir()
