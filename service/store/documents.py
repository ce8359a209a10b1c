"""Documents and the cache of their summaries.

A batch of documents is written in one transaction: all of it, or (on a conflict) none of it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from service.pipeline.types import Document
from service.store.base import StoreBase, chunks
from service.store.records import DocumentDigest, NewDocument, StoredDocument
from service.store.schema import document_bands, documents, summaries

log = logging.getLogger(__name__)

CREATED, UNCHANGED, REPLACED = "created", "unchanged", "replaced"
DECLARED, DERIVED = "declared", "derived"  # where a title came from
COMPARED_FIELDS = (
    "sha256", "title", "url", "published", "declared_language", "author", "site_name", "reader"
)  # fmt: skip
HEAD_COLUMNS = [c for c in documents.c if c.name != "text"]


def _sent(document: Any, field: str) -> Any:
    """What the client sent in `field`: a title derived from the headline was not sent."""
    if field == "title" and document.title_source == DERIVED:
        return None
    return getattr(document, field)


class StoreConflict(Exception):
    """`put_documents` found an ID taken by a different document and was not asked to replace."""

    def __init__(self, index: int, document_id: str, differences: list[str]) -> None:
        super().__init__(f"document {document_id!r} differs in {', '.join(differences)}")
        self.index = index
        self.document_id = document_id
        self.differences = differences


class DocumentStore(StoreBase):
    def get_document(self, document_id: str) -> StoredDocument | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(documents).where(documents.c.id == document_id)).first()
        return None if row is None else StoredDocument.from_row(row)

    def get_documents(self, document_ids: Sequence[str]) -> dict[str, StoredDocument]:
        """The stored documents among `document_ids`, with their text, by ID."""
        return self._select_by_ids(select(documents), document_ids)

    def document_heads(self, document_ids: Sequence[str]) -> dict[str, StoredDocument]:
        """Like `get_documents`, without loading the texts."""
        return self._select_by_ids(select(*HEAD_COLUMNS), document_ids)

    def _select_by_ids(self, query: Any, document_ids: Sequence[str]) -> dict[str, StoredDocument]:
        rows = self._rows_in(query, documents.c.id, document_ids)
        return {row.id: StoredDocument.from_row(row) for row in rows}

    def pipeline_documents(self, document_ids: Sequence[str]) -> dict[str, Document]:
        """The stored documents among `document_ids` as the pipeline reads them, by ID: only the
        columns it needs, without the conversions of `StoredDocument` (a brief may read 10,000),
        with the SHA-256 of each text as ingest stored it (never taken again)."""
        c = documents.c
        query = select(
            c.id,
            c.text,
            c.language,
            c.title,
            c.published,
            c.sha256,
            c.url,
            c.dated,
            c.dated_source,
            c.reader,
            c.copy_of,
        )
        return {
            row.id: Document(
                id=row.id,
                text=row.text,
                language=row.language,
                title=row.title,
                published=row.published,
                sha256=row.sha256,
                url=row.url,
                dated=row.dated,
                dated_source=row.dated_source or "",  # "": stored before dating, dated now
                extracted=row.reader is not None,
                copy_of=row.copy_of,
            )
            for row in self._rows_in(query, c.id, document_ids)
        }

    def copy_candidates(
        self, bands: Sequence[str], canonical_urls: Sequence[str]
    ) -> list[tuple[str, str | None, list[int]]]:
        """`(id, canonical_url, minhash)` of the stored originals (not copies) that share an LSH
        band or a canonical URL with a new document, oldest first: what its near-duplicate check
        compares it with (ingest/copies.py)."""
        c, banded = documents.c, document_bands.c
        sharing = select(banded.document_id).distinct()
        ids = {row.document_id for row in self._rows_in(sharing, banded.band, bands)}
        ids.update(row.id for row in self._rows_in(select(c.id), c.canonical_url, canonical_urls))
        query = select(c.id, c.canonical_url, c.minhash, c.created_at).where(
            c.copy_of.is_(None), c.minhash.is_not(None)
        )
        rows = sorted(self._rows_in(query, c.id, sorted(ids)), key=lambda r: (r.created_at, r.id))
        return [(row.id, row.canonical_url, row.minhash) for row in rows]

    def document_digests(self, document_ids: Sequence[str]) -> dict[str, DocumentDigest]:
        """The stored documents among `document_ids` by ID, named without reading their texts:
        ID, SHA-256 and language, all a summary's key needs."""
        c = documents.c
        query = select(c.id, c.sha256, c.language)
        return {
            row.id: DocumentDigest(row.id, row.sha256, row.language)
            for row in self._rows_in(query, c.id, document_ids)
        }

    def document_ids(self, language: str | None = None) -> list[str]:
        """IDs of every stored document, or of those in `language`, in ID order."""
        query = select(documents.c.id).order_by(documents.c.id)
        if language is not None:
            query = query.where(documents.c.language == language)
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def list_documents(
        self, limit: int, after: str | None = None, language: str | None = None
    ) -> tuple[list[StoredDocument], str | None]:
        """One page of documents (without text) in ID order, and the ID to continue after."""
        query = select(*HEAD_COLUMNS).order_by(documents.c.id).limit(limit + 1)
        if after is not None:
            query = query.where(documents.c.id > after)
        if language is not None:
            query = query.where(documents.c.language == language)
        with self.engine.connect() as conn:
            page = [StoredDocument.from_row(row) for row in conn.execute(query)]
        if len(page) > limit:
            return page[:limit], page[limit - 1].id
        return page, None

    def put_documents(self, new: Sequence[NewDocument], *, replace: bool) -> list[str]:
        """Write a batch of documents in one transaction: all of them, or (on a conflict) none.

        Returns one status per document: `created`, `unchanged` (same text and metadata as stored)
        or `replaced` (only when `replace` is true). Raises `StoreConflict` for the first document
        whose ID is taken by a different one when `replace` is false; nothing is written then.
        """
        try:
            return self._put_documents(new, replace=replace)
        except IntegrityError:
            # A concurrent writer inserted one of these IDs after we looked (not on SQLite, whose
            # writers are serialised): look again, now that the row is visible.
            log.info("document insert raced another writer; retrying the batch once")
            return self._put_documents(new, replace=replace)

    def _put_documents(self, new: Sequence[NewDocument], *, replace: bool) -> list[str]:
        now = self.clock()
        statuses: list[str] = []
        inserts: list[dict[str, Any]] = []
        with self._write() as conn:
            existing: dict[str, Any] = {}
            for chunk in chunks([d.id for d in new]):
                rows = conn.execute(select(*HEAD_COLUMNS).where(documents.c.id.in_(chunk)))
                existing.update({row.id: row for row in rows})
            for index, document in enumerate(new):
                old = existing.get(document.id)
                if old is None:
                    inserts.append({**document.values(), "created_at": now, "updated_at": now})
                    statuses.append(CREATED)
                    continue
                differences = [f for f in COMPARED_FIELDS if _sent(old, f) != _sent(document, f)]
                if not differences:
                    statuses.append(UNCHANGED)
                elif replace:
                    self._replace(conn, document, now)
                    statuses.append(REPLACED)
                else:
                    raise StoreConflict(index, document.id, differences)
            if inserts:
                conn.execute(insert(documents), inserts)
            written = [d for d, status in zip(new, statuses, strict=True) if status != UNCHANGED]
            self._put_bands(conn, written)
        return statuses

    @staticmethod
    def _put_bands(conn: Connection, written: Sequence[NewDocument]) -> None:
        """Index the LSH bands of the originals among `written` (a replaced document's old ones
        go first; a copy is never an original, so its bands are not kept)."""
        ids = [d.id for d in written]
        for chunk in chunks(ids):
            conn.execute(delete(document_bands).where(document_bands.c.document_id.in_(chunk)))
        rows = [
            {"band": band, "document_id": d.id}
            for d in written
            if d.copy_of is None
            for band in dict.fromkeys(d.bands)
        ]
        for part in chunks(rows):
            conn.execute(insert(document_bands), part)

    @staticmethod
    def _replace(conn: Connection, document: NewDocument, now: datetime) -> None:
        conn.execute(
            update(documents)
            .where(documents.c.id == document.id)
            .values(**document.values(), updated_at=now)
        )
        conn.execute(delete(summaries).where(summaries.c.document_id == document.id))

    def delete_document(self, document_id: str) -> bool:
        """Delete a document and its cached summaries; False when there was none."""
        with self._write() as conn:
            conn.execute(delete(summaries).where(summaries.c.document_id == document_id))
            conn.execute(delete(document_bands).where(document_bands.c.document_id == document_id))
            deleted = conn.execute(delete(documents).where(documents.c.id == document_id))
        return deleted.rowcount == 1

    # Summary cache

    def get_summary(self, key: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(summaries.c.summary).where(summaries.c.key == key)
            ).scalar_one_or_none()

    def get_summaries(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The cached summaries among `keys`, by key (missing keys are left out)."""
        query = select(summaries.c.key, summaries.c.summary)
        return {row.key: row.summary for row in self._rows_in(query, summaries.c.key, keys)}

    def cached_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of `keys` have a cached summary (without loading them)."""
        return {row.key for row in self._rows_in(select(summaries.c.key), summaries.c.key, keys)}

    def put_summaries(self, rows: Sequence[tuple[str, str, dict[str, Any]]]) -> list[bool]:
        """Cache (or re-cache) summaries, `(key, document_id, summary)` each, in one transaction;
        False for each whose document has been deleted meanwhile (nothing is written for it).

        The documents are read under a key-share lock (PostgreSQL; SQLite's writer holds the
        whole database): a concurrent delete waits for the commit and then takes the new
        summaries with it, as it takes the older ones.
        """
        if not rows:
            return []
        latest = {key: (document_id, summary) for key, document_id, summary in rows}
        wanted = [document_id for document_id, _summary in latest.values()]
        now = self.clock()
        with self._write() as conn:
            present: set[str] = set()
            for chunk in chunks(list(dict.fromkeys(wanted))):
                query = select(documents.c.id).where(documents.c.id.in_(chunk))
                present.update(conn.execute(query.with_for_update(key_share=True)).scalars())
            for chunk in chunks(list(latest)):
                conn.execute(delete(summaries).where(summaries.c.key.in_(chunk)))
            values = [
                {"key": key, "document_id": document_id, "summary": summary, "created_at": now}
                for key, (document_id, summary) in latest.items()
                if document_id in present
            ]
            for part in chunks(values):
                conn.execute(insert(summaries), part)
        return [document_id in present for _key, document_id, _summary in rows]

    def put_summary(self, key: str, document_id: str, summary: dict[str, Any]) -> bool:
        """Cache (or re-cache) a summary; False, and nothing written, if the document has been
        deleted meanwhile."""
        return self.put_summaries([(key, document_id, summary)])[0]
