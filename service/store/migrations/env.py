"""Alembic environment: migrate the connection the store hands over, or SUMMARY_DATABASE_URL.

`Store.create_all()` passes its own connection (inside the transaction that holds the migration
lock) as `config.attributes["connection"]`; the `alembic` command line builds an engine from the
service's settings instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from service.store.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from service.config import Settings
    from service.store.engine import build_engine

    engine = build_engine(Settings.from_env().database_url)
    with engine.connect() as connection:
        _run(connection)
        connection.commit()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")
run_migrations_online()
