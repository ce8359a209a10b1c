"""The HTTP API: blueprints that validate, store and enqueue, and the one error renderer."""

from __future__ import annotations

from flask import Flask

from service.api import auth, briefs, documents, health, limits, metrics, openapi, tracing
from service.api.errors import register_error_handlers


def init_app(app: Flask) -> None:
    app.register_blueprint(documents.bp)
    app.register_blueprint(briefs.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(openapi.bp)
    register_error_handlers(app)
    # Before every view, in this order: request ID and log context, the time limit, (the job
    # worker's start, from create_app), who calls, how often.
    auth.init_app(app)
    limits.init_app(app)
    tracing.init_app(app)
