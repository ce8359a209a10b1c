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
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from service.config import Settings
from service.errors import DocumentConflict, DocumentTooLarge, InvalidField, TooManyDocuments
from service.ingest.copies import (
    Candidate,
    bands,
    canonical_url,
    find_originals,
    hash_values,
    signature,
    stored_signature,
)
from service.ingest.readers.article import FROM_PAGE, FROM_REQUEST, PageError, read_article
from service.ingest.readers.feed import FeedError, read_feed
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


ARTICLE_READER = "article"  # the stored `reader` of a text trafilatura extracted from a page
Title = Annotated[StorableStr, Field(max_length=MAX_TITLE_CHARS)]
Published = Annotated[StorableStr, AfterValidator(_check_published), Field(json_schema_extra=_DATE)]


def _text_or_html(schema: dict[str, Any]) -> None:
    """The schema says what validation enforces: a string in `text` or in `html`, not both (the
    other may be absent or null)."""
    schema["oneOf"] = [
        {"required": [name], "properties": {name: {"type": "string"}}} for name in ("text", "html")
    ]


class DocumentIn(RequestModel):
    """A document: its `text`, or an article page's `html` from which the text and the metadata
    not sent (title, published, author, site_name, url: the page's canonical URL) are read."""

    model_config = ConfigDict(json_schema_extra=_text_or_html)

    id: DocumentId | None = None
    html: NonBlankStr | None = None  # before `text`, whose check reads it
    text: Annotated[NonBlankStr | None, Field(validate_default=True)] = None
    title: Title | None = None
    url: HttpUrl | None = None
    published: Published | None = None
    author: Title | None = None
    site_name: Title | None = None
    language: LanguageTag | None = None

    @field_validator("text")
    @classmethod
    def _text_or_html(cls, text: str | None, info: ValidationInfo) -> str | None:
        if text is None and "html" in info.data and info.data["html"] is None:
            raise PydanticCustomError("missing", "field required")
        return text


@dataclass(frozen=True)
class Origin:
    """How a document's text was made: by an article reader (`reader`), and where each metadata
    field came from (`sources`: field -> "page" or "request")."""

    reader: str | None = None
    sources: dict[str, str] | None = None


def read_page(document: DocumentIn, field: Callable[[str], str]) -> tuple[DocumentIn, Origin]:
    """`document` with the text and metadata of its `html` page (the fields it sent win); a
    document sent as `text` is returned as it is. InvalidField (400) for a page that cannot be
    read or holds no article text (never an empty document), or for both or neither."""
    if document.html is None:
        return document, Origin()
    html_field = field("html")
    if document.text is not None:
        raise InvalidField(
            f"{html_field}: send the document's text in `text` or an article page in `html`, "
            "not both",
            field=html_field,
        )
    try:
        article = read_article(document.html, document.url)
    except PageError as exc:
        raise InvalidField(f"{html_field}: {exc}", field=html_field) from None
    sent = {name for name in _PAGE_FIELDS if getattr(document, name) is not None}
    found = {
        name: value
        for name, value in article.metadata().items()
        if name not in sent and _acceptable(name, value)
    }
    sources = {name: FROM_REQUEST for name in sent} | dict.fromkeys(found, FROM_PAGE)
    read = document.model_copy(update={"text": article.text, "html": None, **found})
    return read, Origin(reader=ARTICLE_READER, sources=sources)


_PAGE_FIELDS = ("title", "published", "author", "site_name", "url")


def _acceptable(name: str, value: str) -> bool:
    """Whether a value read from a page is one the document may store (a page's odd canonical
    URL or date is left out rather than refused: the client did not write it)."""
    checks: dict[str, Callable[[str], object]] = {"url": _check_url, "published": _check_published}
    try:
        checks.get(name, lambda v: v)(value)
    except ValueError:
        return False
    return "\x00" not in value and (name == "url" or len(value) <= MAX_TITLE_CHARS)


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
    copy_of: str | None = None  # the original of a near-duplicate copy (ingest/copies.py)

    def to_dict(self) -> dict[str, Any]:
        """`copy_of` only where the document is a copy."""
        body = dict(self.__dict__)
        if body["copy_of"] is None:
            del body["copy_of"]
        return body


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


class FeedIn(RequestModel):
    feed: NonBlankStr  # an RSS or Atom document
    language: LanguageTag | None = None


def ingest_feed(store: Store, settings: Settings, payload: Any) -> list[IngestResult]:
    """Store the entries of a `{"feed": "<rss ...>"}` body as a batch (see `readers.feed`): a
    document per entry, all or nothing; InvalidField (400) for a feed that cannot be read, with
    what was wrong."""
    request = parse_model(FeedIn, payload)
    try:
        entries = read_feed(request.feed)
    except FeedError as exc:
        raise InvalidField(f"feed: {exc}", field="feed") from None
    if len(entries) > settings.max_batch_documents:
        raise TooManyDocuments(
            f"the feed holds {len(entries)} entries; a batch holds at most "
            f"{settings.max_batch_documents} documents",
            field="feed",
        )
    if request.language is not None:
        entries = [{**entry, "language": request.language} for entry in entries]
    documents = parse_model(DocumentBatchIn, {"documents": entries}).documents
    return ingest_documents(store, settings, documents)


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

    read = [read_page(d, partial(field, i)) for i, d in enumerate(documents)]
    documents = [document for document, _origin in read]
    ids = [
        _checked_id(d, settings, field(i, "html" if read[i][1].reader else "text"))
        for i, d in enumerate(documents)
    ]
    first = _first_of_each(documents, ids, field)
    unique = sorted(set(first.values()))
    stored = store.document_heads([ids[i] for i in unique])
    new = {i: _prepare(documents[i], ids[i], stored.get(ids[i]), read[i][1]) for i in unique}
    new = _with_originals(store, new)
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


def _with_originals(store: Store, new: dict[int, NewDocument]) -> dict[int, NewDocument]:
    """`new` with each text's MinHash signature, LSH bands and canonical URL, and `copy_of` on
    those that copy an earlier document (one stored, or one before it in the batch): see
    `ingest/copies.py`."""
    signatures = {i: signature(document.text) for i, document in new.items()}
    their_bands = {i: bands(minhash) for i, minhash in signatures.items()}
    urls = {i: canonical_url(document.url) for i, document in new.items()}
    ours = {document.id for document in new.values()}
    found = store.copy_candidates(
        [band for keys in their_bands.values() for band in keys],
        [url for url in urls.values() if url is not None],
    )
    stored = [
        Candidate(document_id, stored_signature(values), url)
        for document_id, url, values in found
        if document_id not in ours
    ]
    originals = find_originals(
        [Candidate(d.id, signatures[i], urls[i]) for i, d in new.items()], stored
    )
    return {
        i: replace(
            d,
            minhash=hash_values(signatures[i]),
            canonical_url=urls[i],
            bands=their_bands[i],
            copy_of=originals.get(d.id),
        )
        for i, d in new.items()
    }


def _result(document: NewDocument, status: str) -> IngestResult:
    return IngestResult(
        id=document.id,
        status=status,
        language=document.language,
        language_confidence=document.language_confidence,
        language_source=document.language_source,
        chars=document.chars,
        bytes=document.bytes,
        copy_of=document.copy_of,
    )


def _checked_id(document: DocumentIn, settings: Settings, text_field: str) -> str:
    assert document.text is not None  # read_page has read any page
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
    assert document.text is not None
    headline = find_headline(document.text, language)
    if headline is None:
        return None, None
    return headline[:MAX_TITLE_CHARS], DERIVED


def _dated(
    document: DocumentIn,
    stored: StoredDocument | None,
    sha256: str,
    language: str,
    origin: Origin | None = None,
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
    assert document.text is not None  # read_page has read any page
    if origin is not None and (origin.sources or {}).get("published") == FROM_PAGE:
        # the page's own date (its metadata, read by trafilatura/htmldate): source "page"
        return date_document(document.text, language, None, document.url, document.published)
    return date_document(document.text, language, document.published, document.url)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _prepare(
    document: DocumentIn, document_id: str, stored: StoredDocument | None, origin: Origin
) -> NewDocument:
    """Compute what is stored, detecting the language unless the stored copy already has it."""
    text = document.text
    assert text is not None
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    declared = normalise_language(document.language) if document.language else None
    if stored is not None and stored.sha256 == sha256 and stored.declared_language == declared:
        language = (stored.language, stored.language_confidence, stored.language_source)
    else:
        guess = detect_language(text, declared)
        language = (guess.language, guess.confidence, guess.source)
    title, title_source = _title(document, stored, sha256, language[0])
    dated = _dated(document, stored, sha256, language[0], origin)
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
        author=document.author,
        site_name=document.site_name,
        metadata_sources=origin.sources,
        reader=origin.reader,
    )
