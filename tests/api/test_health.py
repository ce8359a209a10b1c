"""`/healthz` (alive: nothing outside the process) and `/readyz` (store, models, job worker)."""

from __future__ import annotations

from service.app import create_app
from service.config import Settings
from service.pipeline.runner import Pipeline


def test_healthz_names_the_summariser_and_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "sqlite"
    assert body["summariser"]["mode"] == "extractive" and body["worker"] == "disabled"


def test_healthz_stays_up_when_the_database_is_broken(app, database_url):
    """Liveness must not fail on a database outage, or an orchestrator restarts every replica."""
    _break_database(app, database_url)
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_checks_store_models_and_worker(make_app):
    client = make_app(embedded_worker=True).test_client()
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "models": "ok", "worker": "running"},
    }


def test_readyz_fails_when_the_database_is_broken(app, database_url, expect_error):
    _break_database(app, database_url)
    error = expect_error(app.test_client().get("/readyz"), 503, "not_ready")
    assert error["details"]["checks"]["database"].startswith("unavailable: DatabaseError")
    assert error["details"]["checks"]["models"] == "ok"
    assert "database" in error["message"]


def test_readyz_fails_when_the_models_cannot_load(tmp_path, expect_error):
    settings = Settings.from_env(
        {
            "database_url": f"sqlite:///{tmp_path}/ready.sqlite3",
            "summariser": "seq2seq",
            "seq2seq_model": str(tmp_path / "no-such-checkpoint"),
            "embedded_worker": False,
        }
    )
    app = create_app(settings, pipeline=Pipeline(settings))
    response = app.test_client().get("/readyz")
    error = expect_error(response, 503, "not_ready")
    # the kind of failure, not its message: a probe answers anyone, and the message names paths
    assert error["details"]["checks"]["models"] == "cannot load: ModelLoadError"
    assert str(tmp_path) not in response.get_data(as_text=True)
    assert error["details"]["checks"]["database"] == "ok"
    app.extensions["store"].dispose()


def _break_database(app, database_url: str) -> None:
    """Overwrite the SQLite file with garbage: every new connection then fails."""
    store = app.extensions["store"]
    store.dispose()
    path = database_url.removeprefix("sqlite:///")
    for suffix in ("-wal", "-shm"):
        with open(path + suffix, "wb"):
            pass
    with open(path, "wb") as broken:
        broken.write(b"this is not a database" * 200)
