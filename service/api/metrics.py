"""`/metrics`: the service's Prometheus metrics (see `service.observability.metrics`)."""

from __future__ import annotations

from flask import Blueprint, Response

from service.http.resources import get_store
from service.observability.metrics import CONTENT_TYPE, exposition

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    return Response(exposition(get_store()), content_type=CONTENT_TYPE)
