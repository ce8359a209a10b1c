"""The HTTP API: blueprints that validate, store and enqueue, and the one error renderer.

The request hooks every route passes (request ID, time limit, auth, rate) are `service.http`'s,
installed by `create_app`; the API does not import the web page (`service.web`), which hands it
the HTML page of a brief job (`brief_page`).
"""

from __future__ import annotations

from flask import Flask

from service.api import briefs, documents, health, metrics, openapi
from service.api.errors import register_error_handlers
from service.http.formats import BriefPage


def init_app(app: Flask, *, brief_page: BriefPage) -> None:
    app.extensions["brief_page"] = brief_page  # `GET /v1/briefs/<id>?format=html`
    app.register_blueprint(documents.bp)
    app.register_blueprint(documents.feeds_bp)
    app.register_blueprint(briefs.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(openapi.bp)
    register_error_handlers(app)
