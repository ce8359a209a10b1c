"""Alembic migrations of the store (run by `Store.create_all()`, or `alembic upgrade head`)."""
