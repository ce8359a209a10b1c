"""`/openapi.json`: complete (every route, and only routes), generated from the validating models,
and true of what the app answers, errors included."""

from __future__ import annotations

import re

import pytest
import schemathesis

from service.brief_request import BriefRequest
from service.ingest.documents import URL_PATTERN, DocumentBatchIn, DocumentIn
from service.validation import DOCUMENT_ID_PATTERN

UI_BLUEPRINTS = ("web.",)  # the reader's HTML pages: not part of the API


@pytest.fixture
def document(client) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


@pytest.fixture
def schema(document):
    return schemathesis.openapi.from_dict(document)


def test_every_route_is_documented_and_every_documented_path_is_a_route(app, document):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith(UI_BLUEPRINTS):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert documented == routes


def test_request_bodies_are_the_models_that_validate_them(document):
    schemas = document["components"]["schemas"]
    for model in (DocumentIn, DocumentBatchIn, BriefRequest):
        generated = model.model_json_schema(ref_template="#/components/schemas/{model}")
        generated.pop("$defs", None)
        assert schemas[model.__name__] == generated, model.__name__
    url, _null = schemas[DocumentIn.__name__]["properties"]["url"]["anyOf"]
    assert url["pattern"] == URL_PATTERN  # the rule DocumentIn checks, shown


def test_every_v1_operation_documents_the_error_shape_and_auth(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters" or not path.startswith("/v1/"):
                continue
            for status in ("401", "403", "429", "500", "503"):
                answer = operation["responses"][status]
                assert answer["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }, (path, method, status)
    assert document["paths"]["/healthz"]["get"]["security"] == []


def test_every_create_links_to_where_its_resource_is_read_replaced_and_deleted(document):
    """schemathesis's stateful phase follows these: without them it reads random IDs (404)."""
    operations = {
        operation["operationId"]: (path, method)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }
    expected = {
        ("/v1/documents", "post"): {"getDocument", "putDocument", "deleteDocument"},
        ("/v1/documents/{document_id}", "put"): {"getDocument", "putDocument", "deleteDocument"},
        ("/v1/briefs", "post"): {"getBrief"},
    }
    for (path, method), targets in expected.items():
        for status, answer in document["paths"][path][method]["responses"].items():
            if not status.startswith("2"):
                continue
            links = answer["links"].values()
            assert {link["operationId"] for link in links} == targets, (path, status)
            for link in links:
                target_path, _ = operations[link["operationId"]]
                (parameter,) = link["parameters"]
                assert "{" + parameter + "}" in target_path


def test_request_schemas_state_what_validation_enforces(document):
    """The patterns the schema shows for text and IDs, and integral floats as integers."""
    schemas = document["components"]["schemas"]
    properties = schemas["DocumentIn"]["properties"]
    # `text` or an article page's `html` (issue 25): one of them, a non-blank string
    (text,) = [t for t in properties["text"]["anyOf"] if t.get("type") == "string"]
    (html,) = [t for t in properties["html"]["anyOf"] if t.get("type") == "string"]
    assert html["pattern"] == text["pattern"]
    assert [branch["required"] for branch in schemas["DocumentIn"]["oneOf"]] == [["text"], ["html"]]
    assert re.fullmatch(text["pattern"], "A headline.")
    assert not re.fullmatch(text["pattern"], " \t\u3000\n")
    assert not re.fullmatch(text["pattern"], "nul \x00 inside")
    assert "id" not in schemas["DocumentReplacement"]["properties"]
    cursor = {p["name"]: p for p in document["paths"]["/v1/documents"]["get"]["parameters"]}
    assert cursor["cursor"]["schema"]["pattern"] == DOCUMENT_ID_PATTERN
    assert BriefRequest.model_validate({"max_words": 643.0}).max_words == 643


def test_the_wait_limit_is_this_instances(make_app):
    document = make_app(max_wait_seconds=7).test_client().get("/openapi.json").get_json()
    (wait,) = document["paths"]["/v1/briefs"]["post"]["parameters"]
    assert wait["schema"]["maximum"] == 7


TEXT = "The river flooded the valley on Monday. Officials closed the roads."


def test_what_the_app_answers_conforms_to_the_document(make_app, document, schema):
    """A tour of every operation and most errors, each answer checked against the document."""
    app = make_app(rate_limit="60/minute")
    client = app.test_client()
    keys = app.extensions["keys"]
    checks = []

    def check(path: str, method: str, response) -> None:
        documented = document["paths"][path][method.lower()]["responses"]
        assert str(response.status_code) in documented, (path, method, response.status_code)
        schema[path][method].validate_response(response)  # body, content type, headers
        checks.append((path, method, response.status_code))

    docs, doc, briefs, brief = (
        "/v1/documents",
        "/v1/documents/{document_id}",
        "/v1/briefs",
        "/v1/briefs/{job_id}",
    )
    check(docs, "POST", client.post(docs, json={"id": "a", "text": TEXT}))
    check(docs, "POST", client.post(docs, json={"id": "a", "text": TEXT}))
    check(docs, "POST", client.post(docs, json={"documents": [{"text": TEXT + " Again."}]}))
    check(docs, "POST", client.post(docs, json={"id": "a", "text": TEXT + " Changed."}))  # 409
    check(docs, "POST", client.post(docs, json={"txt": TEXT}))  # 400
    check(docs, "POST", client.post(docs, data="x", content_type="text/plain"))  # 415
    check(docs, "POST", client.post(docs, json={"text": "x" * 3000}))  # 413
    check(docs, "GET", client.get(docs + "?limit=1"))
    check(docs, "GET", client.get(docs + "?limit=0"))  # 400
    check(doc, "GET", client.get("/v1/documents/a?start=4&end=9"))
    check(doc, "GET", client.get("/v1/documents/zz"))  # 404
    check(doc, "PUT", client.put("/v1/documents/b", json={"text": TEXT}))
    check(doc, "PUT", client.put("/v1/documents/b", json={"text": TEXT + " More."}))
    check(doc, "DELETE", client.delete("/v1/documents/b"))
    check(doc, "DELETE", client.delete("/v1/documents/b"))  # 404
    queued = client.post(briefs, json={"max_words": 60})
    check(briefs, "POST", queued)
    check(briefs, "POST", client.post(briefs, json={"document_ids": ["nope"]}))  # 404
    check(briefs, "POST", client.post(briefs, json={"language": "de"}))  # 409: none in German
    job_id = queued.get_json()["id"]
    check(brief, "GET", client.get(f"/v1/briefs/{job_id}"))
    check(brief, "GET", client.get(f"/v1/briefs/{job_id}?format=md"))
    check(brief, "GET", client.get(f"/v1/briefs/{job_id}?wait=-1"))  # 400
    check(brief, "GET", client.get("/v1/briefs/unknown"))  # 404
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        check(path, "GET", client.get(path))
    check(docs, "GET", client.get(docs, environ_base={"REMOTE_ADDR": "192.0.2.7"}))  # 403
    reader = keys.create("reader", "read").secret
    check(docs, "GET", client.get(docs))  # 401 now that a key exists
    check(
        docs,
        "POST",
        client.post(docs, json={"text": TEXT}, headers={"Authorization": f"Bearer {reader}"}),
    )
    writer = {"Authorization": f"Bearer {keys.create('writer').secret}"}
    limited = make_app(rate_limit="1/minute").test_client()
    check(docs, "GET", limited.get(docs, headers=writer))
    check(docs, "GET", limited.get(docs, headers=writer))  # 429
    statuses = {status for _, _, status in checks}
    assert statuses >= {200, 201, 202, 204, 400, 401, 403, 404, 409, 413, 415, 429}


def test_a_job_whose_work_was_redone_says_so_as_documented(app, client, document, schema):
    """`progress.retries` and `progress.note`: documented, optional, and what the app answers."""
    progress = document["components"]["schemas"]["Progress"]
    assert set(progress["required"]) == {"done", "total", "stage"}
    assert progress["properties"]["retries"]["type"] == "integer"
    assert {"type": "string"} in progress["properties"]["note"]["anyOf"]
    assert all(progress["properties"][name]["description"] for name in ("retries", "note"))
    client.post("/v1/documents", json={"id": "a", "text": TEXT})
    job_id = client.post("/v1/briefs", json={"max_words": 60}).get_json()["id"]
    store = app.extensions["store"]
    assert store.claim_job(job_id, "worker-that-vanishes")
    assert store.requeue_stale(-1, max_attempts=3) == [job_id]  # its heartbeat is "stale"
    response = client.get(f"/v1/briefs/{job_id}")
    shown = response.get_json()["progress"]
    assert shown["retries"] == 1 and "queued again" in shown["note"]
    schema["/v1/briefs/{job_id}"]["GET"].validate_response(response)
