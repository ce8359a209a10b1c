"""The service's own store: documents, cached summaries and brief jobs (SQLAlchemy Core)."""

from service.store.documents import CREATED, REPLACED, UNCHANGED, StoreConflict
from service.store.records import (
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    JobRecord,
    NewDocument,
    Outcome,
    StoredDocument,
)
from service.store.store import Store

__all__ = [
    "CREATED",
    "DONE",
    "FAILED",
    "QUEUED",
    "REPLACED",
    "RUNNING",
    "UNCHANGED",
    "JobRecord",
    "NewDocument",
    "Outcome",
    "Store",
    "StoreConflict",
    "StoredDocument",
]
