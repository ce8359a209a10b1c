"""What a client without a key can read: the probes, the metrics, the OpenAPI document, the sign-in
page, and every error it gets (401, 403, 404, 405...). None of it may tell it where the server keeps
its files, what went wrong inside it (exception text), which libraries and versions it runs (beyond
the summariser's declared revision) or how it is configured (database URL, secrets)."""

from __future__ import annotations

import importlib.metadata
import platform
import re
import sys
from pathlib import Path

import pytest

from service.config import REPO_ROOT

ABSOLUTE_PATH = re.compile(r"(?<![\w.~:/-])/(?:tmp|home|root|usr|var|opt|srv|work|etc)\b/?")
# Python's and the database libraries' exceptions as their text shows them (not "JobError", the
# OpenAPI name of a job's failure reason).
EXCEPTION_TEXT = re.compile(
    r"Traceback|File \"|\b(?:Value|Type|Key|Attribute|Index|Runtime|OS|Operational|Integrity|"
    r"Programming|Unicode\w*|Import|Assertion|Name|ZeroDivision|Recursion)Error\b|Exception:|"
    r"sqlalchemy|sqlite3\.|psycopg"
)
LIBRARIES = ("flask", "werkzeug", "sqlalchemy", "torch", "transformers", "gunicorn", "pydantic")
# Unauthenticated requests of every kind: public pages, and routes that must refuse them.
REQUESTS = [
    ("GET", "/healthz", None),
    ("GET", "/readyz", None),
    ("GET", "/metrics", None),
    ("GET", "/openapi.json", None),
    ("GET", "/sign-in", None),
    ("GET", "/", None),
    ("GET", "/v1/documents", None),
    ("GET", "/v1/documents/a", None),
    ("POST", "/v1/documents", "{not json"),
    ("POST", "/v1/briefs", None),
    ("GET", "/v1/briefs/0123", None),
    ("GET", "/no/such/route", None),
    ("GET", "/no/such/route/../../etc/passwd", None),
    ("DELETE", "/healthz", None),
    ("PATCH", "/v1/documents", None),
]


def versions() -> list[str]:
    found = [platform.python_version(), sys.version.split()[0]]
    for name in LIBRARIES:
        try:
            found.append(importlib.metadata.version(name))
        except importlib.metadata.PackageNotFoundError:
            continue
    return [v for v in found if v.count(".") >= 1]


def disclosures(text: str, secrets: list[str]) -> list[str]:
    found = [m.group() for m in ABSOLUTE_PATH.finditer(text)]
    found += [m.group() for m in EXCEPTION_TEXT.finditer(text)]
    found += [v for v in versions() if re.search(rf"(?<![\d.]){re.escape(v)}(?![\d.])", text)]
    return found + [s for s in secrets if s in text]


@pytest.mark.parametrize("keyed", [True, False], ids=["with-a-key", "no-key-remote"])
def test_no_public_answer_discloses_paths_errors_versions_or_settings(make_app, keyed, tmp_path):
    app = make_app(secret_key="s3cr3t-signing-key-for-the-test")
    settings = app.config["SETTINGS"]
    secrets = [
        str(REPO_ROOT),
        str(Path(settings.database_url.split("///")[-1]).parent),
        settings.database_url,
        "s3cr3t-signing-key-for-the-test",
    ]
    if keyed:
        secrets.append(app.extensions["keys"].create("somebody").secret)
    client = app.test_client()
    environ = {} if keyed else {"REMOTE_ADDR": "192.0.2.7"}  # no key: only loopback is served
    answered = set()
    for method, path, body in REQUESTS:
        response = client.open(
            path,
            method=method,
            data=body,
            content_type="application/json" if body else None,
            environ_base=environ,
        )
        answered.add(response.status_code)
        text = response.get_data(as_text=True) + "\n".join(
            f"{name}: {value}" for name, value in response.headers.items()
        )
        assert disclosures(text, secrets) == [], (method, path, response.status_code)
    # Routes, known or not, are refused before they are looked up: 401 (a key exists) or 403.
    assert 200 in answered and answered & {401, 403}
