"""One real gunicorn for the contract tests, with an API key, and the OpenAPI document it serves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis

from bench._server import GunicornServer
from service.keys import KeyStore
from service.store import Store

CONTRACT_ENV = {
    "SUMMARY_RATE_LIMIT": "",  # the fuzzer sends many requests with one key
    "SUMMARY_MAX_WAIT_SECONDS": "1",  # generated ?wait= values stay short
    "SUMMARY_MAX_DOCUMENT_BYTES": "300000",
    "SUMMARY_REQUEST_TIMEOUT_SECONDS": "4",  # test_slow_client waits this long
}


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GunicornServer]:
    with GunicornServer(tmp_path_factory.mktemp("contract"), workers=2, env=CONTRACT_ENV) as live:
        yield live


@pytest.fixture(scope="package")
def auth(server: GunicornServer) -> dict[str, str]:
    """A read-write key, made in the server's database while it runs (keys act at once)."""
    store = Store(f"sqlite:///{server.database}")
    secret = KeyStore(store).create("contract-tests").secret
    store.dispose()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(scope="package")
def api_schema(server: GunicornServer):  # type: ignore[no-untyped-def]
    """The document as the live server serves it; requests go to that server."""
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json")
