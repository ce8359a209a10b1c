"""API keys: created, listed and revoked with `python -m service keys`, checked on every request.

A key reads `sk_<id>_<secret>`: `id` (12 hex digits) names its row and is not secret; `secret` is
32 random bytes. Only the SHA-256 of the whole key is stored. A slow hash (scrypt, bcrypt) guards
guessable passwords; a key of 256 random bits cannot be guessed, so a fast hash is as safe and costs
microseconds per request. A presented key is looked up by its `id` (a bound parameter) and its hash
compared with `hmac.compare_digest`, in constant time.

Scopes: a `read` key may only read (GET, HEAD, OPTIONS); a `write` key may do everything.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from service.store.records import utc
from service.store.schema import api_keys

READ, WRITE = "read", "write"
SCOPES = (READ, WRITE)
PREFIX = "sk"
_KEY = re.compile(rf"{PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})")
_NO_HASH = hashlib.sha256(b"no such key").hexdigest()  # compared against when the id is unknown


def _now() -> datetime:
    return datetime.now(UTC)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    scope: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == WRITE


@dataclass(frozen=True)
class NewKey:
    """A key just made: `secret` is the only copy of the plain key; show it once."""

    key: ApiKey
    secret: str


class KeyStore:
    """The `api_keys` table of the service's database (`Store.engine`)."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _now) -> None:
        self.engine = engine
        self.clock = clock

    def create(self, name: str, scope: str = WRITE) -> NewKey:
        if scope not in SCOPES:
            raise ValueError(f"scope must be {' or '.join(SCOPES)}, not {scope!r}")
        name = name.strip()
        if not name or len(name) > 200:
            raise ValueError("a key needs a name of 1 to 200 characters")
        key_id = secrets.token_hex(6)
        plain = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
        created = self.clock()
        with self.engine.begin() as conn:
            conn.execute(
                insert(api_keys).values(
                    id=key_id, name=name, scope=scope, key_hash=key_hash(plain), created_at=created
                )
            )
        return NewKey(ApiKey(key_id, name, scope, created, None), plain)

    def list(self) -> list[ApiKey]:
        query = select(*_PUBLIC_COLUMNS).order_by(api_keys.c.created_at, api_keys.c.id)
        with self.engine.connect() as conn:
            return [_key(row) for row in conn.execute(query)]

    def revoke(self, key_id: str) -> bool:
        """Revoke a key at once; False when there is no such active key."""
        with self.engine.begin() as conn:
            revoked = conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=self.clock())
            )
        return revoked.rowcount == 1

    def any_active(self) -> bool:
        query = select(api_keys.c.id).where(api_keys.c.revoked_at.is_(None)).limit(1)
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def verify(self, presented: str) -> ApiKey | None:
        """The active key `presented` is, or None (malformed, unknown, revoked or wrong)."""
        match = _KEY.fullmatch(presented)
        row = self._row(match.group(1) if match else "")
        expected = row.key_hash if row is not None else _NO_HASH
        if not hmac.compare_digest(expected, key_hash(presented)) or row is None:
            return None
        key = _key(row)
        return key if key.active else None

    def active_hash(self, key_id: str) -> tuple[ApiKey, str] | None:
        """The active key `key_id` and its stored hash, or None (unknown or revoked).

        The hash is a secret only the store holds: the web page signs a key's sign-in cookie with
        it (`service.web.sessions`), so every process agrees on it, and a revoked key's cookies
        fail here at once.
        """
        row = self._row(key_id)
        if row is None:
            return None
        key = _key(row)
        return (key, str(row.key_hash)) if key.active else None

    def _row(self, key_id: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(
                select(*_PUBLIC_COLUMNS, api_keys.c.key_hash).where(api_keys.c.id == key_id)
            ).first()


_PUBLIC_COLUMNS = [c for c in api_keys.c if c.name != "key_hash"]


def _key(row: object) -> ApiKey:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    values.pop("key_hash", None)
    values["created_at"] = utc(values["created_at"])
    values["revoked_at"] = utc(values["revoked_at"])
    return ApiKey(**values)
