"""The service's own store: documents, cached summaries, brief jobs and API keys (SQLAlchemy Core).

The one gateway to the database: nothing outside this package imports SQLAlchemy or touches
`Store.engine`."""

from service.store.documents import (
    CREATED,
    DECLARED,
    DERIVED,
    REPLACED,
    UNCHANGED,
    StoreConflict,
)
from service.store.errors import DatabaseError
from service.store.records import (
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    ApiKey,
    DocumentDigest,
    JobRecord,
    NewDocument,
    Outcome,
    StoredDocument,
)
from service.store.store import Store

__all__ = [
    "CREATED",
    "DECLARED",
    "DERIVED",
    "DONE",
    "FAILED",
    "QUEUED",
    "REPLACED",
    "RUNNING",
    "UNCHANGED",
    "ApiKey",
    "DatabaseError",
    "DocumentDigest",
    "JobRecord",
    "NewDocument",
    "Outcome",
    "Store",
    "StoreConflict",
    "StoredDocument",
]
