"""Bring a database's schema to the newest migration, from any process, at any time.

Every service and worker process calls this as it starts (`Store.create_all()`), possibly all at
once: the caller holds a write transaction (SQLite) or a transaction-scoped advisory lock
(PostgreSQL), so one process migrates and the others then find the schema current. The common
case, a current schema, costs one query and never loads Alembic.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

HEAD = "0009"  # the newest revision under migrations/versions (a test keeps them equal)
BASELINE = "0001"  # what `metadata.create_all` made before migrations existed
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ADVISORY_LOCK = 0x5EED_B1EF  # any constant; PostgreSQL serialises migrations on it


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def migrate(conn: Connection) -> None:
    """Upgrade to `HEAD` inside `conn`'s open transaction (the caller commits)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
    revision = current_revision(conn)
    if revision == HEAD:
        return
    from alembic import command

    config = alembic_config(conn)
    if revision is None and inspect(conn).has_table("documents"):
        command.stamp(config, BASELINE)  # tables made by create_all, before migrations existed
    command.upgrade(config, "head")


def alembic_config(conn: Connection | None = None) -> Config:
    """Alembic's configuration for the store's migrations, bound to `conn` when given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        config.attributes["connection"] = conn
    return config
