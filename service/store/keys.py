"""API keys: the rows behind `service.keys` (which makes, checks and hashes the keys themselves).

Only a SHA-256 of each key is stored; `id` is the key's public part, by which a presented key is
looked up before its hash is compared.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from service.store.base import StoreBase
from service.store.records import ApiKey
from service.store.schema import api_keys

_PUBLIC_COLUMNS = [c for c in api_keys.c if c.name != "key_hash"]


class KeyRows(StoreBase):
    def add_api_key(self, key_id: str, name: str, scope: str, key_hash: str) -> ApiKey:
        created = self.clock()
        with self._write() as conn:
            conn.execute(
                insert(api_keys).values(
                    id=key_id, name=name, scope=scope, key_hash=key_hash, created_at=created
                )
            )
        return ApiKey(key_id, name, scope, created, None)

    def api_keys(self) -> list[ApiKey]:
        """Every key, revoked ones too, oldest first (never their hashes)."""
        query = select(*_PUBLIC_COLUMNS).order_by(api_keys.c.created_at, api_keys.c.id)
        with self.engine.connect() as conn:
            return [ApiKey.from_row(row) for row in conn.execute(query)]

    def revoke_api_key(self, key_id: str) -> bool:
        """Revoke a key at once; False when there is no such active key."""
        with self._write() as conn:
            revoked = conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=self.clock())
            )
        return revoked.rowcount == 1

    def any_active_api_key(self) -> bool:
        query = select(api_keys.c.id).where(api_keys.c.revoked_at.is_(None)).limit(1)
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def api_key_with_hash(self, key_id: str) -> tuple[ApiKey, str] | None:
        """The key `key_id` (active or not) and its stored hash, or None when there is none."""
        query = select(*_PUBLIC_COLUMNS, api_keys.c.key_hash).where(api_keys.c.id == key_id)
        with self.engine.connect() as conn:
            row: Any = conn.execute(query).first()
        return None if row is None else (ApiKey.from_row(row), str(row.key_hash))
