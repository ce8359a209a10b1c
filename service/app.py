"""The application factory: `create_app()` builds one Flask app per process.

Each process gets its own store connection pool, pipeline (models load lazily, or eagerly from
gunicorn's `post_worker_init`) and embedded worker thread (started on the first request, or from
`post_worker_init`; never here, since this may run in a process that is about to fork).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import Flask

from service import api, web
from service.config import Settings
from service.http.hooks import install_request_hooks
from service.jobs import background_worker
from service.logs import configure_logging
from service.observability.jobs import JobMetrics
from service.store import Store
from service.web.brief_page import brief_page

if TYPE_CHECKING:
    from service.pipeline.runner import Pipeline

SETTING_NAMES = frozenset(f.name for f in dataclasses.fields(Settings))


def create_app(
    settings: Settings | None = None,
    test_config: Mapping[str, Any] | None = None,
    *,
    pipeline: Pipeline | None = None,
) -> Flask:
    """Build the app from `settings` (default: `Settings.from_env()`).

    `test_config` overrides settings by name (`{"database_url": ...}`) and sets Flask config by its
    upper-case keys (`{"TESTING": True}`). `pipeline` replaces the one built from `settings`.
    """
    overrides = dict(test_config or {})
    setting_overrides = {k: overrides.pop(k) for k in list(overrides) if k in SETTING_NAMES}
    if settings is None:
        settings = Settings.from_env(setting_overrides)
    else:
        settings = dataclasses.replace(settings, **setting_overrides)
    configure_logging(settings.log_level)

    app = Flask(__name__)
    app.config.from_mapping(
        SETTINGS=settings,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the documented key order
    app.config.from_mapping(overrides)

    store = Store(settings.database_url)
    store.create_all()
    if pipeline is None:
        # Imported only when needed: an app given its pipeline (tests, tools) never imports torch.
        from service.pipeline.runner import Pipeline

        pipeline = Pipeline(settings)
    worker = background_worker(store, pipeline, settings, JobMetrics())  # metrics, job logs
    app.extensions["store"] = store
    app.extensions["pipeline"] = pipeline
    app.extensions["worker"] = worker

    def start_worker() -> None:
        """Start this process's job worker unless it runs (answers nothing: a hook's value would
        be taken for the response)."""
        worker.ensure_started()

    install_request_hooks(app, start_worker=start_worker if settings.embedded_worker else None)
    api.init_app(app, brief_page=brief_page)
    web.init_app(app)
    return app
