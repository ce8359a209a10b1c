"""`/openapi.json`: the API's OpenAPI 3.1 document, generated from the pydantic models that
validate the request bodies (`service.ingest`, `service.jobs.briefs`) and that describe the answers
(`service.api.schemas`), with the limits of this instance's settings.

A test keeps it complete: every route of the app is in it, and every path in it is a route;
schemathesis checks a live server against it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from service.api import schemas
from service.api.documents import MAX_OFFSET, MAX_PAGE
from service.brief_request import BriefRequest
from service.config import Settings
from service.http.formats import FORMATS
from service.http.resources import get_settings
from service.http.tracing import HEADER as REQUEST_ID_HEADER
from service.ingest.documents import DocumentBatchIn, DocumentIn, FeedIn
from service.validation import DOCUMENT_ID_PATTERN, LANGUAGE_PATTERN

bp = Blueprint("openapi", __name__)

MODELS: tuple[type[BaseModel], ...] = (
    DocumentIn,
    DocumentBatchIn,
    FeedIn,
    BriefRequest,
    schemas.Error,
    schemas.StoredDocuments,
    schemas.Document,
    schemas.DocumentPage,
    schemas.Job,
    schemas.Health,
    schemas.Ready,
)
ERRORS = {
    400: "Malformed: bad JSON, a field or parameter of the wrong type or out of range.",
    401: "An API key is required (keys are configured), or the one sent is wrong or revoked.",
    403: "A read-only key asked to write, or (no key configured) a client not on this machine.",
    404: "No such document, brief or route; or a brief request names documents not stored.",
    408: "The request body did not arrive within the request time limit.",
    409: "The ID holds a different document (PUT replaces it); or a brief selects no document.",
    413: "The body, a text or a batch is over its limit.",
    415: "The body is not application/json (UTF-8).",
    429: "Over the rate limit of this key; see Retry-After.",
    500: "A bug; the log has the details.",
    503: "The database refused the write (full, read-only, busy): nothing was written.",
}
COMMON = (401, 403, 429, 500, 503)


def ref(model: type[BaseModel] | str) -> dict[str, str]:
    name = model if isinstance(model, str) else model.__name__
    return {"$ref": f"#/components/schemas/{name}"}


def _headers(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    headers = {
        REQUEST_ID_HEADER: {
            "description": "The request's ID (the client's, when sane), also in the logs.",
            "required": True,
            "schema": {"type": "string"},
        }
    }
    return {**headers, **(extra or {})}


def _json(model: type[BaseModel] | str, description: str, **headers: Any) -> dict[str, Any]:
    return {
        "description": description,
        "headers": _headers(headers),
        "content": {"application/json": {"schema": ref(model)}},
    }


def _errors(*statuses: int) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for status in sorted({*statuses, *COMMON}):
        extra: dict[str, Any] = {}
        if status == 429:
            extra["Retry-After"] = {"required": True, "schema": {"type": "integer", "minimum": 1}}
        answers[str(status)] = _json("Error", ERRORS[status], **extra)
    return answers


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _path(name: str, pattern: str) -> dict[str, Any]:
    schema = {"type": "string", "pattern": pattern}
    return {"name": name, "in": "path", "required": True, "schema": schema}


JOB_ID_PATTERN = "^[0-9a-f]{32}$"
# Where a created resource is read, replaced or deleted (schemathesis's stateful phase follows).
_DOCUMENT_LINKS = {
    "getDocument": "GetDocument",
    "putDocument": "ReplaceDocument",
    "deleteDocument": "DeleteDocument",
}


def _links(operations: dict[str, str], parameter: str, expression: str) -> dict[str, Any]:
    return {
        name: {"operationId": operation, "parameters": {parameter: expression}}
        for operation, name in operations.items()
    }


def _linked(answer: dict[str, Any], links: dict[str, Any]) -> dict[str, Any]:
    return {**answer, "links": links}


LOCATION = {"Location": {"required": True, "schema": {"type": "string"}}}


def _wait(settings: Settings) -> dict[str, Any]:
    schema = {"type": "number", "minimum": 0, "maximum": settings.max_wait_seconds}
    return _query("wait", schema, "Seconds to wait for the job to finish before answering.")


def _body(schema: dict[str, Any], required: bool = True, description: str = "") -> dict[str, Any]:
    body = {"required": required, "content": {"application/json": {"schema": schema}}}
    return {"description": description, **body} if description else body


def paths(settings: Settings) -> dict[str, Any]:
    limits = _size_limits(settings)
    document_body = _body({"oneOf": [ref(DocumentIn), ref(DocumentBatchIn)]}, description=limits)
    feed_body = _body(ref(FeedIn), description=limits)
    created = _links(_DOCUMENT_LINKS, "document_id", "$response.body#/documents/0/id")
    stored = {
        "200": _linked(
            _json("StoredDocuments", "Every document was stored already (unchanged)."), created
        ),
        "201": _linked(_json("StoredDocuments", "At least one document was created."), created),
    }
    put = _links(_DOCUMENT_LINKS, "document_id", "$request.path.document_id")
    job = _links({"getBrief": "GetBrief"}, "job_id", "$response.body#/id")
    return {
        "/v1/feeds": {
            "post": {
                "operationId": "createFeedDocuments",
                "summary": "Store an RSS or Atom feed as a document per entry (all or nothing); "
                "reading the same feed again stores nothing twice.",
                "description": "The feed is read with feedparser; its entries are a batch of "
                "documents with IDs from each entry's id or link. The service fetches nothing: "
                "send the feed's XML. A feed that cannot be parsed, or has no entry with text, is "
                "400 on `feed`.",
                "requestBody": feed_body,
                "responses": {**stored, **_errors(400, 408, 409, 413, 415)},
            },
        },
        "/v1/documents": {
            "post": {
                "operationId": "createDocuments",
                "summary": "Store one document, or a batch of them (all or nothing).",
                "requestBody": document_body,
                "responses": {**stored, **_errors(400, 408, 409, 413, 415)},
            },
            "get": {
                "operationId": "listDocuments",
                "summary": "A page of stored documents (without text), in ID order.",
                "parameters": [
                    _query(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                        "Page size.",
                    ),
                    _query(
                        "cursor",
                        {"type": "string", "pattern": DOCUMENT_ID_PATTERN},
                        "`next_cursor` of the previous page: the listing goes on after this ID.",
                    ),
                    _query(
                        "language", {"type": "string", "pattern": LANGUAGE_PATTERN}, "Only these."
                    ),
                ],
                "responses": {"200": _json("DocumentPage", "One page."), **_errors(400)},
            },
        },
        "/v1/documents/{document_id}": {
            "parameters": [_path("document_id", DOCUMENT_ID_PATTERN)],
            "get": {
                "operationId": "getDocument",
                "summary": "A stored document with its text; `start`/`end` add that passage.",
                "parameters": [
                    _query(
                        "start",
                        {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
                        "Passage start (chars); past the end of the text: an empty passage.",
                    ),
                    _query(
                        "end",
                        {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
                        "Passage end (chars; the text's length by default), as in slicing.",
                    ),
                ],
                "responses": {"200": _json("Document", "The document."), **_errors(400, 404)},
            },
            "put": {
                "operationId": "putDocument",
                "summary": "Create or replace the document with this ID.",
                "requestBody": _body(ref(DOCUMENT_REPLACEMENT), description=limits),
                "responses": {
                    "200": _linked(
                        _json("StoredDocuments", "Replaced, or unchanged.", **LOCATION), put
                    ),
                    "201": _linked(_json("StoredDocuments", "Created.", **LOCATION), put),
                    **_errors(400, 408, 413, 415),
                },
            },
            "delete": {
                "operationId": "deleteDocument",
                "summary": "Delete the document and its cached summaries.",
                "responses": {
                    "204": {"description": "Deleted.", "headers": _headers()},
                    **_errors(404),
                },
            },
        },
        "/v1/briefs": {
            "post": {
                "operationId": "createBrief",
                "summary": "Queue a brief of the stored documents (or of `document_ids`).",
                "parameters": [_wait(settings)],
                # `{}` briefs every document; no body, or not JSON, is 415 (issue 23)
                "requestBody": _body(ref(BriefRequest)),
                "responses": {
                    "200": _linked(
                        _json(
                            "Job",
                            "A brief of the same texts, models and settings was already made: "
                            "that finished job, at once.",
                            **LOCATION,
                        ),
                        job,
                    ),
                    "201": _linked(
                        _json("Job", "The job finished within `wait`.", **LOCATION), job
                    ),
                    "202": _linked(_json("Job", "The job is queued or running.", **LOCATION), job),
                    **_errors(400, 404, 408, 409, 413, 415),
                },
            },
        },
        "/v1/briefs/{job_id}": {
            "parameters": [_path("job_id", JOB_ID_PATTERN)],
            "get": {
                "operationId": "getBrief",
                "summary": "The job: status, progress, and the brief once done.",
                "parameters": [
                    _wait(settings),
                    _query(
                        "format",
                        {"type": "string", "enum": sorted(FORMATS)},
                        "The brief as JSON (default), Markdown or HTML; else `Accept` decides.",
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "The job (JSON), or its brief as Markdown or HTML.",
                        "headers": _headers(),
                        "content": {
                            "application/json": {"schema": ref("Job")},
                            "text/markdown": {"schema": {"type": "string"}},
                            "text/html": {"schema": {"type": "string"}},
                        },
                    },
                    **_errors(400, 404),
                },
            },
        },
        "/healthz": _probe("healthz", "Liveness: the process serves.", "Health", ()),
        "/readyz": _probe("readyz", "Readiness: store, models, job worker.", "Ready", (503,)),
        "/metrics": _text("metrics", "Prometheus metrics.", "text/plain"),
        "/openapi.json": _text("openapi", "This document.", "application/json"),
    }


def _probe(name: str, summary: str, model: str, statuses: tuple[int, ...]) -> dict[str, Any]:
    responses = {"200": _json(model, summary)}
    responses.update({str(s): _json("Error", ERRORS.get(s, summary)) for s in (*statuses, 500)})
    return {
        "get": {"operationId": name, "summary": summary, "security": [], "responses": responses}
    }


def _text(name: str, summary: str, media_type: str) -> dict[str, Any]:
    content = {media_type: {"schema": {"type": "object" if "json" in media_type else "string"}}}
    return {
        "get": {
            "operationId": name,
            "summary": summary,
            "security": [],
            "responses": {
                "200": {"description": summary, "headers": _headers(), "content": content}
            },
        }
    }


DOCUMENT_REPLACEMENT = "DocumentReplacement"


def _add_replacement(schemas: dict[str, Any]) -> None:
    """PUT's body: a document without `id`, which the path gives (one that repeats the path's
    ID is accepted too). Both say that a `url` is http(s): `DocumentIn` carries the pattern."""
    document = schemas[DocumentIn.__name__]
    replacement = {**document, "title": DOCUMENT_REPLACEMENT}
    replacement["properties"] = {k: v for k, v in document["properties"].items() if k != "id"}
    schemas[DOCUMENT_REPLACEMENT] = replacement


def _size_limits(settings: Settings) -> str:
    """The limits a JSON schema cannot state: bytes of UTF-8, answered 413 rather than 400."""
    return (
        f"Each `text` is at most {settings.max_document_bytes} bytes of UTF-8 "
        f"(413 `document_too_large` beyond), a batch at most {settings.max_batch_documents} "
        f"documents (413 `too_many_documents`), the body at most {settings.max_request_bytes} "
        "bytes (413 `request_too_large`). A document repeated in a batch is stored once; one ID "
        "with two different documents is a 409, as against a stored one."
    )


def build(settings: Settings) -> dict[str, Any]:
    _, definitions = models_json_schema(
        [(model, "validation") for model in MODELS], ref_template="#/components/schemas/{model}"
    )
    _add_replacement(definitions["$defs"])
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "summary-service",
            "version": "1",
            "description": "Multi-document summarisation: store documents, ask for cited briefs.",
        },
        "paths": paths(settings),
        "components": {
            "schemas": definitions["$defs"],
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
        # A key when keys are configured; none from loopback while no key exists.
        "security": [{"bearerAuth": []}, {}],
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    document = current_app.extensions.get("openapi")
    if document is None:
        document = current_app.extensions["openapi"] = build(get_settings())
    return jsonify(document)
