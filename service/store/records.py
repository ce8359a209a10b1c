"""Rows of the store as plain, immutable values (no SQLAlchemy objects escape the store)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
FINISHED = frozenset({DONE, FAILED})
READ_SCOPE, WRITE_SCOPE = "read", "write"  # what an API key may do


def utc(value: datetime | None) -> datetime | None:
    """The same instant as an aware UTC datetime (SQLite hands back naive ones)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def row_values(row: Any, *times: str) -> dict[str, Any]:
    """A row's columns by name, its `times` columns as aware UTC datetimes."""
    values = dict(row._mapping)
    values.update({name: utc(values[name]) for name in times})
    return values


@dataclass(frozen=True)
class NewDocument:
    """A validated document ready to be written, its language already detected."""

    id: str
    text: str
    sha256: str
    title: str | None
    url: str | None
    published: str | None
    declared_language: str | None
    language: str
    language_confidence: float
    language_source: str
    chars: int
    bytes: int
    title_source: str | None = None  # "declared", "derived" (from the headline), None: no title
    author: str | None = None
    site_name: str | None = None
    metadata_sources: dict[str, str] | None = None  # field -> "page" | "request"
    reader: str | None = None  # "article": trafilatura's text, not cleaned again
    copy_of: str | None = None  # the stored original this text is a near-duplicate of
    minhash: list[int] | None = None  # the text's MinHash signature (ingest/copies.py)
    canonical_url: str | None = None
    bands: tuple[str, ...] = ()  # its LSH bands, stored (document_bands) for an original only
    dated: str | None = None  # its date, ISO 8601 (`pipeline.documents.chronology.date_document`)
    dated_source: str | None = None  # where that was read: `pipeline.documents.chronology.SOURCES`

    def values(self) -> dict[str, Any]:
        """The `documents` row."""
        values = dict(self.__dict__)
        del values["bands"]
        return values


@dataclass(frozen=True)
class StoredDocument:
    id: str
    text: str | None  # None where a listing did not load it
    sha256: str
    title: str | None
    url: str | None
    published: str | None
    declared_language: str | None
    language: str
    language_confidence: float
    language_source: str
    chars: int
    bytes: int
    created_at: datetime
    updated_at: datetime
    title_source: str | None = None
    author: str | None = None
    site_name: str | None = None
    metadata_sources: dict[str, str] | None = None
    reader: str | None = None
    copy_of: str | None = None
    minhash: list[int] | None = None
    canonical_url: str | None = None
    dated: str | None = None
    dated_source: str | None = None  # null: stored before documents were dated

    @classmethod
    def from_row(cls, row: Any) -> StoredDocument:
        values = row_values(row, "created_at", "updated_at")
        values.setdefault("text", None)
        return cls(**values)


@dataclass(frozen=True)
class DocumentDigest:
    """A stored document named without its text: what its summary's key is made of (a
    `pipeline.types.DocumentHead`)."""

    id: str
    sha256: str
    language: str


@dataclass(frozen=True)
class JobRecord:
    id: str
    status: str
    request: dict[str, Any]
    document_ids: list[str]
    progress_done: int
    progress_total: int
    stage: str | None
    error: str | None
    result: dict[str, Any] | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    attempts: int
    worker: str | None
    brief_key: str | None = None
    dispatched_at: datetime | None = None
    stage_started_at: datetime | None = None
    retries: int = 0  # times work of the job was sent again because its worker vanished
    note: str | None = None  # why, for the user

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @classmethod
    def from_row(cls, row: Any) -> JobRecord:
        times = (
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "dispatched_at",
            "stage_started_at",
        )
        return cls(**row_values(row, *times))


SENT, TAKEN = "sent", "taken"  # states of a job's task; DONE (above) is the third


@dataclass(frozen=True)
class TaskRecord:
    """One Celery task of a running job and its lease (see `schema.job_tasks`), with the owner
    of its job, which every message of the job carries."""

    job_id: str
    name: str  # start | map-NNNN | merge
    document_ids: list[str] | None
    state: str  # SENT | TAKEN | DONE
    holder: str | None
    taken_by: str | None
    sent_at: datetime
    renewed_at: datetime | None
    sends: int  # deliveries: 1, and one more each time a worker took it and vanished
    owner: str | None = None
    job_started_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Any) -> TaskRecord:
        return cls(**row_values(row, "sent_at", "renewed_at", "job_started_at"))


@dataclass(frozen=True)
class ApiKey:
    """An API key as the store keeps it: never the key, nor its hash (see `service.keys`)."""

    id: str
    name: str
    scope: str  # READ_SCOPE or WRITE_SCOPE
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == WRITE_SCOPE

    @classmethod
    def from_row(cls, row: Any) -> ApiKey:
        values = row_values(row, "created_at", "revoked_at")
        values.pop("key_hash", None)
        return cls(**values)


@dataclass(frozen=True)
class Outcome:
    """What became of one document of a job: its summary's cache key, or the error it raised."""

    document_id: str
    summary_key: str | None
    error: str | None = None
