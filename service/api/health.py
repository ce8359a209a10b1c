"""Probes: `/healthz` says the process is alive, `/readyz` that it can do its work.

- `/healthz` (liveness) checks nothing outside the process: a database outage must not make an
  orchestrator restart every replica. It names the summariser in use and the database dialect.
- `/readyz` (readiness, and the container's HEALTHCHECK) checks that the store answers, that the
  models load (once per process; later probes reuse the result) and that the job worker runs.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from service.errors import NotReady, ServiceUnavailable
from service.http.resources import get_pipeline, get_settings, get_store, get_worker

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)
OK = "ok"
MAX_REASON_CHARS = 300


def describe_exception(exc: BaseException) -> str:
    """What a probe may say of a failure: its kind, never its message, which can hold file paths,
    addresses or settings (the log has the whole of it)."""
    return type(exc).__name__[:MAX_REASON_CHARS]


@bp.get("/healthz")
def healthz() -> Response:
    try:
        summariser = get_pipeline().describe()
    except Exception as exc:
        log.exception("health check: the summariser cannot be described")
        raise ServiceUnavailable(f"summariser unavailable: {describe_exception(exc)}") from None
    return jsonify(
        {
            "status": "ok",
            "summariser": summariser,
            "database": get_store().dialect,
            "worker": _worker_state(),
        }
    )


@bp.get("/readyz")
def readyz() -> Response:
    checks = {"database": _database(), "models": _models(), "worker": _worker_state()}
    failed = [name for name, state in checks.items() if state not in (OK, "running", "disabled")]
    if failed:
        raise NotReady(
            f"not ready: {', '.join(f'{name}: {checks[name]}' for name in failed)}",
            details={"checks": checks},
        )
    return jsonify({"status": "ready", "checks": checks})


def _database() -> str:
    try:
        get_store().ping()
    except Exception as exc:
        log.warning("readiness: the database does not answer: %s: %s", type(exc).__name__, exc)
        return f"unavailable: {describe_exception(exc)}"
    return OK


def _models() -> str:
    """Load the models once per process (gunicorn's post_worker_init has usually done it)."""
    state: dict[str, Any] = current_app.extensions.setdefault("readiness", {})
    if state.get("models") == OK:
        return OK
    try:
        get_pipeline().load()
    except Exception as exc:
        log.exception("readiness: the models cannot be loaded")
        return f"cannot load: {describe_exception(exc)}"
    state["models"] = OK
    return OK


def _worker_state() -> str:
    if not get_settings().embedded_worker:
        return "disabled"
    return "running" if get_worker().running else "not started"
