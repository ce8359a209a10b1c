"""`Store`: the service's one gateway to its database (documents, summaries, brief jobs, API keys).

Nothing outside `service/store/` imports SQLAlchemy or touches the engine (a test checks it): a
new table gets a module here, not a query in the code that uses it.
"""

from __future__ import annotations

from service.store.documents import DocumentStore
from service.store.keys import KeyRows
from service.store.outcomes import OutcomeStore
from service.store.tasks import TaskStore


class Store(DocumentStore, TaskStore, OutcomeStore, KeyRows):
    """`Store(settings.database_url)`, then `create_all()` once at startup."""
