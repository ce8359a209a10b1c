"""The store's errors, as the code outside the store may catch them without importing SQLAlchemy."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

# The database refused or failed a statement (full, read-only, busy, unreachable...): `.orig` is the
# driver's own error, whose message says which.
DatabaseError = DBAPIError

__all__ = ["DatabaseError"]
