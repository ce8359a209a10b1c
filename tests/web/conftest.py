"""Web page fixtures: an app on a per-test SQLite file with no job worker, whose finished briefs are
written straight into the store (the pages only read them), and a reader of what a page shows."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.app import create_app


@pytest.fixture
def app(tmp_path) -> Iterator[Flask]:
    config = {
        "database_url": f"sqlite:///{tmp_path}/web.sqlite3",
        "embedded_worker": False,
        "TESTING": True,
    }
    app = create_app(test_config=config)  # the real pipeline; with no worker, briefs stay queued
    yield app
    app.extensions["store"].dispose()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


def finished_brief(app: Flask, brief: dict[str, Any]) -> str:
    """Store a job that is done with `brief` as its result, as a worker would; its ID."""
    store = app.extensions["store"]
    job = store.create_job(
        request={"document_ids": None, "language": None, "max_words": brief["max_words"]},
        document_ids=brief["documents"],
    )
    assert store.claim_job(job.id, "test-worker")
    assert store.finish_job(job.id, "test-worker", brief)
    return str(job.id)


class _Collector(HTMLParser):
    """The text inside every element with a given tag (and, optionally, a given attribute)."""

    def __init__(self, tag: str, attribute: tuple[str, str] | None) -> None:
        super().__init__(convert_charrefs=True)
        self.tag, self.attribute = tag, attribute
        self.depth = 0
        self.found: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.depth += tag == self.tag
            return
        if tag == self.tag and (self.attribute is None or self.attribute in attrs):
            self.depth = 1
            self.found.append({"attrs": dict(attrs), "text": ""})

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag == self.tag:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.found[-1]["text"] += data


def elements(page: str, tag: str, attribute: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    """Each `tag` element of `page` (with `attribute` when given): its attributes and its text."""
    collector = _Collector(tag, attribute)
    collector.feed(page)
    return collector.found
