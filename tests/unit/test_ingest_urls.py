"""A document's `url` is an http(s) address on every path that builds a document, not only the
API's: the model (`DocumentIn`) refuses the rest, so `ingest` (the command line's path too) does."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from service.config import Settings
from service.errors import InvalidField
from service.ingest.documents import DocumentIn, ingest
from service.store import Store

TEXT = "The river flooded the valley. Roads were closed."
# The API's tests (tests/api/test_abuse_inputs.py) send the same addresses.
REFUSED_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/",
    "http://",
    "https:///path",
    "https://example.org\n",
    "example.org/a",
]
HTTP_URLS = [
    "https://example.org/a?q=1#x",
    "HTTP://EXAMPLE.ORG",
    "http://127.0.0.1:8080/",
    "http://[::1]/",
]


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/store.sqlite3")
    store.create_all()
    yield store
    store.dispose()


@pytest.fixture
def settings():
    return Settings.from_env({})


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_the_model_refuses_a_url_that_is_not_http(url):
    with pytest.raises(ValidationError, match="must be an http or https address"):
        DocumentIn(text=TEXT, url=url)


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_ingest_refuses_it_naming_the_field_and_stores_nothing(store, settings, url):
    with pytest.raises(InvalidField) as single:
        ingest(store, settings, {"id": "a1", "text": TEXT, "url": url})
    assert single.value.field == "url"
    assert "must be an http or https address" in str(single.value)
    # The command line's call (`summarise brief DIR`): a batch, replacing.
    batch = {"documents": [{"id": "a1", "text": TEXT}, {"id": "a2", "text": TEXT, "url": url}]}
    with pytest.raises(InvalidField) as batched:
        ingest(store, settings, batch, replace=True)
    assert batched.value.field == "documents[1].url"
    with pytest.raises(InvalidField) as put:
        ingest(store, settings, {"text": TEXT, "url": url}, replace=True, document_id="a3")
    assert put.value.field == "url"
    assert store.document_heads(["a1", "a2", "a3"]) == {}


@pytest.mark.parametrize("url", HTTP_URLS)
def test_ingest_stores_an_http_url_as_sent(store, settings, url):
    (result,) = ingest(store, settings, {"id": "a1", "text": TEXT, "url": url})
    assert result.status == "created"
    stored = store.get_document("a1")
    assert stored is not None and stored.url == url
