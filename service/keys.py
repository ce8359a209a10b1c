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
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.store.records import READ_SCOPE, WRITE_SCOPE, ApiKey

if TYPE_CHECKING:
    from service.store import Store

__all__ = ["READ", "SCOPES", "WRITE", "ApiKey", "KeyStore", "NewKey", "key_hash"]

READ, WRITE = READ_SCOPE, WRITE_SCOPE
SCOPES = (READ, WRITE)
PREFIX = "sk"
_KEY = re.compile(rf"{PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})")
_NO_HASH = hashlib.sha256(b"no such key").hexdigest()  # compared against when the id is unknown


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewKey:
    """A key just made: `secret` is the only copy of the plain key; show it once."""

    key: ApiKey
    secret: str


class KeyStore:
    """Make, list, revoke and check API keys, kept in the service's store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, name: str, scope: str = WRITE) -> NewKey:
        if scope not in SCOPES:
            raise ValueError(f"scope must be {' or '.join(SCOPES)}, not {scope!r}")
        name = name.strip()
        if not name or len(name) > 200:
            raise ValueError("a key needs a name of 1 to 200 characters")
        key_id = secrets.token_hex(6)
        plain = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
        return NewKey(self.store.add_api_key(key_id, name, scope, key_hash(plain)), plain)

    def list(self) -> list[ApiKey]:
        return self.store.api_keys()

    def revoke(self, key_id: str) -> bool:
        """Revoke a key at once; False when there is no such active key."""
        return self.store.revoke_api_key(key_id)

    def any_active(self) -> bool:
        return self.store.any_active_api_key()

    def verify(self, presented: str) -> ApiKey | None:
        """The active key `presented` is, or None (malformed, unknown, revoked or wrong)."""
        match = _KEY.fullmatch(presented)
        found = self.store.api_key_with_hash(match.group(1) if match else "")
        expected = found[1] if found is not None else _NO_HASH
        if not hmac.compare_digest(expected, key_hash(presented)) or found is None:
            return None
        key = found[0]
        return key if key.active else None

    def active_hash(self, key_id: str) -> tuple[ApiKey, str] | None:
        """The active key `key_id` and its stored hash, or None (unknown or revoked).

        The hash is a secret only the store holds: the web page signs a key's sign-in cookie with
        it (`service.web.sessions`), so every process agrees on it, and a revoked key's cookies
        fail here at once.
        """
        found = self.store.api_key_with_hash(key_id)
        if found is None or not found[0].active:
            return None
        return found
