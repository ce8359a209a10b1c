"""Real PostgreSQL and Redis for the back-end tests (`.ci/run` starts both; see DEVELOPERS.md),
and the real pipeline (extractive, the real all-MiniLM-L6-v2), one per session.

Each test gets its own PostgreSQL database and its own Celery queue name, and removes them at the
end. A server that cannot be reached skips these tests, saying which and where.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

PG_ADMIN_URLS = [
    os.environ.get("SUMMARY_TEST_POSTGRES_URL", ""),
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "postgresql+psycopg://root@127.0.0.1:5432/test",
]
REDIS_URL = os.environ.get("SUMMARY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _admin_engine():  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine, text

    errors = []
    for url in filter(None, PG_ADMIN_URLS):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return engine
        except Exception as exc:
            errors.append(f"{url}: {type(exc).__name__}")
            engine.dispose()
    pytest.skip(f"PostgreSQL is not reachable ({'; '.join(errors)})")


@pytest.fixture(scope="session")
def pg_admin():  # type: ignore[no-untyped-def]
    engine = _admin_engine()
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url(pg_admin) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh, empty database for this test, dropped at the end."""
    from sqlalchemy import text

    name = f"summary_test_{uuid.uuid4().hex[:12]}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with pg_admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def redis_client():  # type: ignore[no-untyped-def]
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({type(exc).__name__})")
    yield client
    client.close()


@pytest.fixture
def celery_queue(redis_client) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A queue name of this test's own; its keys are deleted afterwards."""
    queue = f"briefs-test-{uuid.uuid4().hex[:10]}"
    yield queue
    for key in redis_client.scan_iter(match=f"*{queue}*"):
        redis_client.delete(key)
