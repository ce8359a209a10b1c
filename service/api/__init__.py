"""The HTTP API: blueprints that validate, store and enqueue, and the one error renderer."""

from __future__ import annotations

from flask import Flask

from service.api import briefs, documents, health
from service.api.errors import register_error_handlers


def init_app(app: Flask) -> None:
    app.register_blueprint(documents.bp)
    app.register_blueprint(briefs.bp)
    app.register_blueprint(health.bp)
    register_error_handlers(app)
