"""The per-process resources the views use, looked up on the current app (set by create_app)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from service.config import Settings
from service.jobs import BackgroundWorker
from service.store import Store

if TYPE_CHECKING:
    from service.pipeline.runner import Pipeline


def get_settings() -> Settings:
    settings: Settings = current_app.config["SETTINGS"]
    return settings


def get_store() -> Store:
    store: Store = current_app.extensions["store"]
    return store


def get_pipeline() -> Pipeline:
    pipeline: Pipeline = current_app.extensions["pipeline"]
    return pipeline


def get_worker() -> BackgroundWorker:
    worker: BackgroundWorker = current_app.extensions["worker"]
    return worker
