"""`/healthz`: whether this process can serve: its database answers and its summariser is known."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify

from service.api.resources import get_pipeline, get_settings, get_store, get_worker
from service.errors import ServiceUnavailable
from service.jobs.run import describe_exception

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    store = get_store()
    try:
        store.ping()
    except Exception as exc:
        log.exception("health check: the database does not answer")
        raise ServiceUnavailable(f"database unavailable: {describe_exception(exc)}") from None
    try:
        summariser = get_pipeline().describe()
    except Exception as exc:
        log.exception("health check: the summariser cannot be described")
        raise ServiceUnavailable(f"summariser unavailable: {describe_exception(exc)}") from None
    if not get_settings().embedded_worker:
        worker = "disabled"
    else:
        worker = "running" if get_worker().running else "not started"
    return jsonify(
        {"status": "ok", "summariser": summariser, "database": store.dialect, "worker": worker}
    )
