"""`/v1/documents`: store, list, read and delete the documents that briefs summarise."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from service.errors import InvalidParameter, NotFound
from service.http.inputs import MAX_OFFSET, json_body, query_number
from service.http.resources import get_settings, get_store
from service.ingest.documents import IngestResult, ingest, ingest_feed, is_batch
from service.pipeline.documents.language import normalise_language
from service.store import CREATED, StoredDocument
from service.validation import LANGUAGE_PATTERN, is_document_id

bp = Blueprint("documents", __name__, url_prefix="/v1/documents")
feeds_bp = Blueprint("feeds", __name__, url_prefix="/v1/feeds")

DEFAULT_PAGE = 50
MAX_PAGE = 500
_LANGUAGE = re.compile(LANGUAGE_PATTERN)


def document_to_dict(document: StoredDocument) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": document.id,
        "title": document.title,
        "title_source": document.title_source,
        "url": document.url,
        "published": document.published,
        "author": document.author,
        "site_name": document.site_name,
        "metadata_sources": document.metadata_sources,
        "reader": document.reader,
        "copy_of": document.copy_of,
        "date": document.dated,
        "date_source": document.dated_source,
        "language": document.language,
        "language_confidence": document.language_confidence,
        "language_source": document.language_source,
        "chars": document.chars,
        "bytes": document.bytes,
        "sha256": document.sha256,
        "created_at": document.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": document.updated_at.isoformat().replace("+00:00", "Z"),
    }
    if document.text is not None:
        body["text"] = document.text
    return body


def _stored(results: list[IngestResult], status: int, location: str | None) -> Response:
    response = jsonify({"documents": [r.to_dict() for r in results]})
    response.status_code = status
    if location is not None:
        response.headers["Location"] = location
    return response


@bp.post("")
def create_documents() -> Response:
    """Store one document or a batch; 201 when any was created, 200 when all were stored already."""
    payload = json_body()
    results = ingest(get_store(), get_settings(), payload)
    status = 201 if any(r.status == CREATED for r in results) else 200
    location = None if is_batch(payload) else url_for(".get_document", document_id=results[0].id)
    return _stored(results, status, location)


@feeds_bp.post("")
def create_feed_documents() -> Response:
    """Store an RSS or Atom feed as a document per entry: 201 when any was created, 200 when all
    were stored already (a feed read again)."""
    results = ingest_feed(get_store(), get_settings(), json_body())
    status = 201 if any(r.status == CREATED for r in results) else 200
    return _stored(results, status, None)


@bp.put("/<document_id>")
def put_document(document_id: str) -> Response:
    """Create or replace the document `document_id`: 201 when created, 200 otherwise."""
    _check_id(document_id)
    results = ingest(
        get_store(), get_settings(), json_body(), replace=True, document_id=document_id
    )
    status = 201 if results[0].status == CREATED else 200
    return _stored(results, status, url_for(".get_document", document_id=document_id))


@bp.get("")
def list_documents() -> Response:
    """A page of documents (no text) in ID order; `next_cursor` fetches the next one."""
    limit = query_number("limit", DEFAULT_PAGE, 1, MAX_PAGE)
    after = _decode_cursor(request.args.get("cursor"))
    language = request.args.get("language")
    if language is not None:
        if not _LANGUAGE.fullmatch(language):
            raise InvalidParameter(
                f"language {language!r} is not a language code", field="language"
            )
        language = normalise_language(language)
    page, last = get_store().list_documents(limit, after=after, language=language)
    return jsonify(
        {
            "documents": [document_to_dict(d) for d in page],
            "next_cursor": None if last is None else _encode_cursor(last),
        }
    )


@bp.get("/<document_id>")
def get_document(document_id: str) -> Response:
    """The document with its text; `?start=&end=` adds `passage`, text[start:end] (a citation's
    evidence span)."""
    document = _existing(document_id)
    body = document_to_dict(document)
    if "start" in request.args or "end" in request.args:
        # Offsets past the text, or an end before the start, give an empty passage, as slicing
        # does: whether a well-formed offset is in range depends on the document, not the request.
        text = document.text or ""
        start = query_number("start", 0, 0, MAX_OFFSET)
        end = query_number("end", len(text), 0, MAX_OFFSET)
        body["passage"] = text[start:end]
    return jsonify(body)


@bp.delete("/<document_id>")
def delete_document(document_id: str) -> Response:
    if not get_store().delete_document(document_id):
        raise NotFound(f"no document {document_id!r}")
    return Response(status=204)


def _existing(document_id: str) -> StoredDocument:
    document = get_store().get_document(document_id) if is_document_id(document_id) else None
    if document is None:
        raise NotFound(f"no document {document_id!r}")
    return document


def _check_id(document_id: str) -> None:
    if not is_document_id(document_id):
        raise InvalidParameter(
            f"{document_id!r} is not a document ID: 1 to 128 of A-Z a-z 0-9 . _ : -, "
            "starting with a letter or digit",
            field="id",
        )


def _encode_cursor(document_id: str) -> str:
    """The next page starts after the last ID of this one: any ID is a valid cursor, so a
    client (or a schema-driven test) can start a listing anywhere."""
    return document_id


def _decode_cursor(cursor: str | None) -> str | None:
    if cursor is not None and not is_document_id(cursor):
        raise InvalidParameter(
            "cursor must be a document ID (the `next_cursor` of the previous page)",
            field="cursor",
        )
    return cursor
