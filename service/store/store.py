"""`Store`: the service's one gateway to its database (documents, summaries, brief jobs)."""

from __future__ import annotations

from service.store.documents import DocumentStore
from service.store.jobs import JobStore
from service.store.outcomes import OutcomeStore


class Store(DocumentStore, JobStore, OutcomeStore):
    """`Store(settings.database_url)`, then `create_all()` once at startup."""
