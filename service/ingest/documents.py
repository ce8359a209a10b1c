"""Validate documents and store them: the one ingest path of the API and the command line.

A request carries one document or a batch (`{"documents": [...]}`). A batch is all-or-nothing: every
document is validated, and the batch is written in one transaction, before anything is stored; one
bad or conflicting document rejects the whole batch and stores nothing, so a client can fix it and
send the same batch again without working out which half got in. Re-sending a stored document (same
ID, text and metadata) is harmless: it is reported `unchanged`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from service.config import Settings
from service.errors import DocumentConflict, DocumentTooLarge, InvalidField, TooManyDocuments
from service.pipeline.documents.chronology import DocumentDate, date_document
from service.pipeline.documents.cleaning import find_headline
from service.pipeline.documents.language import detect_language, normalise_language
from service.store import (
    DECLARED,
    DERIVED,
    UNCHANGED,
    NewDocument,
    Store,
    StoreConflict,
    StoredDocument,
)
from service.validation import (
    DocumentId,
    LanguageTag,
    NonBlankStr,
    RequestModel,
    StorableStr,
    parse_model,
)

MAX_TITLE_CHARS = 1_000
MAX_URL_CHARS = 2_048
# Request field of each stored column compared for idempotency (a conflict names the first).
_REQUEST_FIELDS = {"sha256": "text", "declared_language": "language"}
_DATE: dict[str, Any] = {"anyOf": [{"format": "date"}, {"format": "date-time"}]}
# A document's `url`, which pages link to: an http(s) address with a host, nothing else
# (`javascript:` or `data:` stored and then linked by some client would run in its page). Checked
# here, on every path that builds a document (the API, the command line), and shown as the
# OpenAPI document's pattern; it reads the same in Python and ECMA-262.
URL_PATTERN = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://([A-Za-z0-9._~%!$&'()*+,;=-]+|\[[0-9A-Fa-f:.]+\])"
    r"(:[0-9]{1,5})?([/?#][^\u0000]*)?$"
)
_URL = re.compile(URL_PATTERN)


def _check_published(value: str) -> str:
    """Accept an ISO 8601 date or date-time, stored as the client wrote it."""
    try:  # RFC 3339 (JSON Schema's `date-time`) allows a lower-case "t" and "z"
        (date if len(value) <= 10 else datetime).fromisoformat(value.upper())
    except ValueError:
        raise ValueError("must be an ISO 8601 date or date-time, e.g. 2024-12-27") from None
    return value


def _check_url(value: str) -> str:
    if not _URL.fullmatch(value):
        raise ValueError("must be an http or https address, e.g. https://example.org/a")
    return value


# The pattern is only shown (json_schema_extra, replacing StorableStr's, which it implies): the
# function gives the clearer message.
HttpUrl = Annotated[
    StorableStr,
    Field(max_length=MAX_URL_CHARS, json_schema_extra={"pattern": URL_PATTERN}),
    AfterValidator(_check_url),
]


class DocumentIn(RequestModel):
    id: DocumentId | None = None
    text: NonBlankStr
    title: Annotated[StorableStr, Field(max_length=MAX_TITLE_CHARS)] | None = None
    url: HttpUrl | None = None
    published: (
        Annotated[StorableStr, AfterValidator(_check_published), Field(json_schema_extra=_DATE)]
        | None
    ) = None
    language: LanguageTag | None = None


class DocumentBatchIn(RequestModel):
    documents: Annotated[list[DocumentIn], Field(min_length=1)]


@dataclass(frozen=True)
class IngestResult:
    id: str
    status: str  # created | unchanged | replaced
    language: str
    language_confidence: float
    language_source: str
    chars: int
    bytes: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def content_id(text: str) -> str:
    """The ID of a document sent without one: the first 16 hex digits of its text's SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def ingest(
    store: Store,
    settings: Settings,
    payload: Any,
    *,
    replace: bool = False,
    document_id: str | None = None,
) -> list[IngestResult]:
    """Validate and store the documents of a request body (one document, or a batch).

    With `replace`, a document whose ID is taken replaces the stored one (HTTP PUT); otherwise a
    different document under a taken ID is a conflict. `document_id` (PUT's path) names the one
    document the body must be; a body `id` must then agree with it.
    """
    if document_id is not None:
        return ingest_documents(
            store, settings, [_single_for_id(payload, document_id)], replace=replace, batch=False
        )
    if is_batch(payload):
        documents = payload["documents"]
        if isinstance(documents, list) and len(documents) > settings.max_batch_documents:
            raise TooManyDocuments(
                f"a batch holds at most {settings.max_batch_documents} documents, "
                f"not {len(documents)}",
                field="documents",
            )
        batch = parse_model(DocumentBatchIn, payload)
        return ingest_documents(store, settings, batch.documents, replace=replace, batch=True)
    single = parse_model(DocumentIn, payload)
    return ingest_documents(store, settings, [single], replace=replace, batch=False)


def is_batch(payload: Any) -> bool:
    """A body is a batch when it has a `documents` field; anything else is one document."""
    return isinstance(payload, dict) and "documents" in payload


def _single_for_id(payload: Any, document_id: str) -> DocumentIn:
    document = parse_model(DocumentIn, payload)
    if document.id is not None and document.id != document_id:
        raise InvalidField(
            f"id {document.id!r} does not match the document ID {document_id!r} of the URL",
            field="id",
        )
    return document.model_copy(update={"id": document_id})


def ingest_documents(
    store: Store,
    settings: Settings,
    documents: Sequence[DocumentIn],
    *,
    replace: bool = False,
    batch: bool = True,
) -> list[IngestResult]:
    """Store validated documents in one transaction: all of them, or none (see the module doc).

    `batch` only changes how fields are named in errors (`documents[2].text` or `text`).
    """

    def field(index: int, name: str) -> str:
        return f"documents[{index}].{name}" if batch else name

    ids = [_checked_id(d, settings, field(i, "text")) for i, d in enumerate(documents)]
    first = _first_of_each(documents, ids, field)
    unique = sorted(set(first.values()))
    stored = store.document_heads([ids[i] for i in unique])
    new = {i: _prepare(documents[i], ids[i], stored.get(ids[i])) for i in unique}
    try:
        written = store.put_documents([new[i] for i in unique], replace=replace)
    except StoreConflict as exc:
        index = unique[exc.index]
        raise DocumentConflict(
            f"document {exc.document_id!r} already exists with a different "
            f"{' and '.join(exc.differences)}; replace it with PUT /v1/documents/{exc.document_id}",
            field=field(index, _REQUEST_FIELDS.get(exc.differences[0], exc.differences[0])),
            details={"id": exc.document_id, "differences": exc.differences},
        ) from None
    statuses = dict(zip(unique, written, strict=True))
    return [_result(new[first[ids[i]]], statuses.get(i, UNCHANGED)) for i in range(len(documents))]


def _result(document: NewDocument, status: str) -> IngestResult:
    return IngestResult(
        id=document.id,
        status=status,
        language=document.language,
        language_confidence=document.language_confidence,
        language_source=document.language_source,
        chars=document.chars,
        bytes=document.bytes,
    )


def _checked_id(document: DocumentIn, settings: Settings, text_field: str) -> str:
    size = len(document.text.encode("utf-8"))
    if size > settings.max_document_bytes:
        raise DocumentTooLarge(
            f"{text_field}: {size} bytes of UTF-8, over the limit of {settings.max_document_bytes}",
            field=text_field,
        )
    return document.id or content_id(document.text)


def _first_of_each(
    documents: Sequence[DocumentIn], ids: list[str], field: Callable[[int, str], str]
) -> dict[str, int]:
    """The index of each ID's first document. A batch may repeat a document (it is stored once,
    and reported `unchanged` the second time), as a client may send it twice; the same ID with
    different text or metadata is a conflict, as it is against a stored document."""
    first: dict[str, int] = {}
    for index, document_id in enumerate(ids):
        if document_id not in first:
            first[document_id] = index
            continue
        earlier = documents[first[document_id]]
        differences = [
            name
            for name in DocumentIn.model_fields
            if name != "id" and getattr(earlier, name) != getattr(documents[index], name)
        ]
        if differences:
            raise DocumentConflict(
                f"document {document_id!r} appears twice in the batch with a different "
                f"{' and '.join(differences)} (first at documents[{first[document_id]}])",
                field=field(index, differences[0]),
                details={"id": document_id, "differences": differences},
            )
    return first


def _title(
    document: DocumentIn, stored: StoredDocument | None, sha256: str, language: str
) -> tuple[str | None, str | None]:
    """The title sent, else the text's headline (the first line the cleaner takes for a title),
    marked as derived; a stored copy of the same text keeps the headline it was given."""
    if document.title is not None:
        return document.title, DECLARED
    if stored is not None and stored.sha256 == sha256 and stored.title_source == DERIVED:
        return stored.title, DERIVED
    headline = find_headline(document.text, language)
    if headline is None:
        return None, None
    return headline[:MAX_TITLE_CHARS], DERIVED


def _dated(
    document: DocumentIn, stored: StoredDocument | None, sha256: str, language: str
) -> DocumentDate:
    """The document's date (`chronology.date_document`); a stored copy of the same text,
    `published` and URL keeps the date it was given."""
    if (
        stored is not None
        and stored.dated_source
        and (stored.sha256, stored.published, stored.url, stored.language)
        == (sha256, document.published, document.url, language)
    ):
        return DocumentDate(_day(stored.dated), stored.dated_source)
    return date_document(document.text, language, document.published, document.url)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _prepare(document: DocumentIn, document_id: str, stored: StoredDocument | None) -> NewDocument:
    """Compute what is stored, detecting the language unless the stored copy already has it."""
    text = document.text
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    declared = normalise_language(document.language) if document.language else None
    if stored is not None and stored.sha256 == sha256 and stored.declared_language == declared:
        language = (stored.language, stored.language_confidence, stored.language_source)
    else:
        guess = detect_language(text, declared)
        language = (guess.language, guess.confidence, guess.source)
    title, title_source = _title(document, stored, sha256, language[0])
    dated = _dated(document, stored, sha256, language[0])
    return NewDocument(
        id=document_id,
        text=text,
        sha256=sha256,
        title=title,
        title_source=title_source,
        dated=dated.iso,
        dated_source=dated.source,
        url=document.url,
        published=document.published,
        declared_language=declared,
        language=language[0],
        language_confidence=language[1],
        language_source=language[2],
        chars=len(text),
        bytes=len(text.encode("utf-8")),
    )
