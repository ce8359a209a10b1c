"""The connection handling every part of the store shares.

Every method of the store opens its own connection and transaction and closes it before returning,
so one store object is safe to share between threads and request handlers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, text

from service.store.engine import IMMEDIATE, build_engine
from service.store.migrate import migrate

IN_CLAUSE_SIZE = 500  # well under every database's bound-parameter limit


def utcnow() -> datetime:
    return datetime.now(UTC)


Item = TypeVar("Item")


def chunks(items: Sequence[Item]) -> Iterator[Sequence[Item]]:
    """`items` in slices small enough for one `IN (...)` clause (or one multi-row insert)."""
    for start in range(0, len(items), IN_CLAUSE_SIZE):
        yield items[start : start + IN_CLAUSE_SIZE]


class StoreBase:
    def __init__(self, database_url: str, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = build_engine(database_url)
        self.clock = clock

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def create_all(self) -> None:
        """Create or upgrade the schema by its Alembic migrations (see `migrate`).

        Every worker process does this as it starts, all at once: in a write transaction, so
        that SQLite serialises them (PostgreSQL: an advisory lock) and the later ones find the
        schema current.
        """
        with self._write() as conn:
            migrate(conn)

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()

    def _rows_in(self, query: Any, column: Any, values: Sequence[str]) -> Iterator[Row[Any]]:
        """The rows of `query` whose `column` is one of `values` (each asked once), read on one
        connection in `IN (...)` clauses of at most IN_CLAUSE_SIZE values."""
        with self.engine.connect() as conn:
            for chunk in chunks(list(dict.fromkeys(values))):
                yield from conn.execute(query.where(column.in_(chunk)))

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A transaction that will write: on SQLite it takes the write lock at BEGIN."""
        with self.engine.connect() as conn:
            conn.execution_options(**{IMMEDIATE: True})
            with conn.begin():
                yield conn
