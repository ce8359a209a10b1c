"""`Store`: the service's one gateway to its database.

Every method opens its own connection and transaction and closes it before returning, so a `Store`
is safe to share between threads and request handlers. Job state changes are single conditional
UPDATEs (`... WHERE id = ? AND status = 'queued'`), so that several processes can run workers
against one database and exactly one of them wins each job.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from service.store.engine import IMMEDIATE, build_engine
from service.store.records import (
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    JobRecord,
    NewDocument,
    StoredDocument,
)
from service.store.schema import documents, jobs, metadata, summaries

log = logging.getLogger(__name__)

CREATED, UNCHANGED, REPLACED = "created", "unchanged", "replaced"
COMPARED_FIELDS = ("sha256", "title", "url", "published", "declared_language")
IN_CLAUSE_SIZE = 500  # well under every database's bound-parameter limit
HEAD_COLUMNS = [c for c in documents.c if c.name != "text"]


class StoreConflict(Exception):
    """`put_documents` found an ID taken by a different document and was not asked to replace."""

    def __init__(self, index: int, document_id: str, differences: list[str]) -> None:
        super().__init__(f"document {document_id!r} differs in {', '.join(differences)}")
        self.index = index
        self.document_id = document_id
        self.differences = differences


def utcnow() -> datetime:
    return datetime.now(UTC)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), IN_CLAUSE_SIZE):
        yield items[start : start + IN_CLAUSE_SIZE]


class Store:
    def __init__(self, database_url: str, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = build_engine(database_url)
        self.clock = clock

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def create_all(self) -> None:
        """Create missing tables (schema migrations may replace this later)."""
        metadata.create_all(self.engine)

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A transaction that will write: on SQLite it takes the write lock at BEGIN."""
        with self.engine.connect() as conn:
            conn.execution_options(**{IMMEDIATE: True})
            with conn.begin():
                yield conn

    # Documents -------------------------------------------------------------------------------

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
        found: dict[str, StoredDocument] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(list(dict.fromkeys(document_ids))):
                for row in conn.execute(query.where(documents.c.id.in_(chunk))):
                    found[row.id] = StoredDocument.from_row(row)
        return found

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
            for chunk in _chunks([d.id for d in new]):
                rows = conn.execute(select(*HEAD_COLUMNS).where(documents.c.id.in_(chunk)))
                existing.update({row.id: row for row in rows})
            for index, document in enumerate(new):
                old = existing.get(document.id)
                if old is None:
                    inserts.append({**document.values(), "created_at": now, "updated_at": now})
                    statuses.append(CREATED)
                    continue
                differences = [
                    f for f in COMPARED_FIELDS if getattr(old, f) != getattr(document, f)
                ]
                if not differences:
                    statuses.append(UNCHANGED)
                elif replace:
                    self._replace(conn, document, now)
                    statuses.append(REPLACED)
                else:
                    raise StoreConflict(index, document.id, differences)
            if inserts:
                conn.execute(insert(documents), inserts)
        return statuses

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
            deleted = conn.execute(delete(documents).where(documents.c.id == document_id))
        return deleted.rowcount == 1

    # Summary cache ---------------------------------------------------------------------------

    def get_summary(self, key: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(summaries.c.summary).where(summaries.c.key == key)
            ).scalar_one_or_none()

    def put_summary(self, key: str, document_id: str, summary: dict[str, Any]) -> bool:
        """Cache (or re-cache) a summary; False, and nothing written, if the document has been
        deleted meanwhile."""
        try:
            with self._write() as conn:
                conn.execute(delete(summaries).where(summaries.c.key == key))
                conn.execute(
                    insert(summaries).values(
                        key=key, document_id=document_id, summary=summary, created_at=self.clock()
                    )
                )
        except IntegrityError:
            return False
        return True

    # Jobs ------------------------------------------------------------------------------------

    def create_job(self, request: dict[str, Any], document_ids: list[str]) -> JobRecord:
        job_id = uuid.uuid4().hex
        with self._write() as conn:
            conn.execute(
                insert(jobs).values(
                    id=job_id,
                    status=QUEUED,
                    request=request,
                    document_ids=document_ids,
                    progress_done=0,
                    progress_total=len(document_ids),
                    attempts=0,
                    created_at=self.clock(),
                )
            )
        job = self.get_job(job_id)
        assert job is not None
        return job

    def get_job(self, job_id: str) -> JobRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return None if row is None else JobRecord.from_row(row)

    def queued_job_ids(self, limit: int = 10) -> list[str]:
        """The oldest queued jobs first."""
        query = (
            select(jobs.c.id)
            .where(jobs.c.status == QUEUED)
            .order_by(jobs.c.created_at, jobs.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def claim_job(self, job_id: str, worker: str) -> bool:
        """Move a queued job to running for `worker`; False when another worker got it first."""
        now = self.clock()
        with self._write() as conn:
            claimed = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status == QUEUED)
                .values(
                    status=RUNNING,
                    worker=worker,
                    started_at=now,
                    heartbeat_at=now,
                    progress_done=0,
                    stage=None,
                    attempts=jobs.c.attempts + 1,
                )
            )
        return claimed.rowcount == 1

    def _update_owned(self, job_id: str, owner: str, /, **values: Any) -> bool:
        """Update a running job only while `owner` still owns it (it may have been requeued)."""
        with self._write() as conn:
            updated = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status == RUNNING, jobs.c.worker == owner)
                .values(**values)
            )
        return updated.rowcount == 1

    def record_progress(self, job_id: str, worker: str, done: int, total: int, stage: str) -> bool:
        return self._update_owned(
            job_id,
            worker,
            progress_done=done,
            progress_total=total,
            stage=stage,
            heartbeat_at=self.clock(),
        )

    def beat(self, job_id: str, worker: str) -> bool:
        return self._update_owned(job_id, worker, heartbeat_at=self.clock())

    def finish_job(self, job_id: str, worker: str, result: dict[str, Any]) -> bool:
        now = self.clock()
        return self._update_owned(
            job_id,
            worker,
            status=DONE,
            stage=DONE,
            result=result,
            finished_at=now,
            heartbeat_at=now,
        )

    def fail_job(self, job_id: str, worker: str, reason: str) -> bool:
        now = self.clock()
        return self._update_owned(
            job_id, worker, status=FAILED, error=reason, finished_at=now, heartbeat_at=now
        )

    def release_job(self, job_id: str, worker: str) -> bool:
        """Give a running job back to the queue (its worker is shutting down)."""
        return self._update_owned(job_id, worker, status=QUEUED, worker=None, stage=None)

    def requeue_stale(self, stale_seconds: float, max_attempts: int) -> list[str]:
        """Queue again the running jobs whose worker has not reported for `stale_seconds`.

        A job that has already been tried `max_attempts` times fails instead, so that a document
        that kills its worker cannot take every worker down in turn. Returns the IDs touched.
        """
        now = self.clock()
        cutoff = now - timedelta(seconds=stale_seconds)
        stale = (jobs.c.status == RUNNING) & (jobs.c.heartbeat_at < cutoff)
        touched: list[str] = []
        with self._write() as conn:
            for job_id, attempts in conn.execute(select(jobs.c.id, jobs.c.attempts).where(stale)):
                if attempts >= max_attempts:
                    values: dict[str, Any] = {
                        "status": FAILED,
                        "finished_at": now,
                        "error": f"gave up after {attempts} attempts: "
                        f"the worker stopped reporting for over {stale_seconds:g} s each time",
                    }
                else:
                    values = {"status": QUEUED, "worker": None, "stage": None}
                conn.execute(update(jobs).where(jobs.c.id == job_id, stale).values(**values))
                touched.append(job_id)
        return touched
