"""Signing in on the web page: a browser cannot send `Authorization: Bearer`, so a person pastes
an API key once into `/sign-in` and gets a signed cookie that stands for that key, with a CSRF
token for every change. DEVELOPERS.md ("The sign-in cookie and CSRF") says what protects what.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import request
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from service.http.resources import get_settings
from service.keys import ApiKey, KeyStore

COOKIE = "summary_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
FORM_COOKIE = "summary_sign_in"  # the sign-in form's double-submit token
FORM_SECONDS = 3600
_SALT = "summary-service web sign-in"
_UNSAFE_CHARS = frozenset("\\") | frozenset(map(chr, range(0x20))) | {"\x7f"}


def clock() -> float:
    """The signer's time (tests move it to see a sign-in expire)."""
    return time.time()


class _Signer(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(clock())


@dataclass(frozen=True)
class Session:
    """A valid sign-in: its key (active, just read from the store) and its CSRF token."""

    key: ApiKey
    csrf: str


def _serializer(stored_hash: str) -> URLSafeTimedSerializer:
    secret = hmac.new(
        get_settings().secret_key.encode("utf-8"), stored_hash.encode("ascii"), hashlib.sha256
    ).digest()
    return URLSafeTimedSerializer(
        secret, salt=_SALT, signer=_Signer, signer_kwargs={"digest_method": hashlib.sha256}
    )


def _lifetime() -> int:
    return int(get_settings().session_hours) * 3600


def read(keys: KeyStore) -> Session | None:
    """The request's sign-in, or None: no cookie, or one forged, expired or of a revoked key."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    key_id, _, token = raw.partition(".")
    found = keys.active_hash(key_id)
    if found is None:
        return None
    key, stored_hash = found
    try:
        payload: Any = _serializer(stored_hash).loads(token, max_age=_lifetime())
    except BadData:
        return None
    if not isinstance(payload, dict) or payload.get("k") != key.id:
        return None
    csrf = payload.get("c")
    return Session(key, csrf) if isinstance(csrf, str) and csrf else None


def start(response: Response, keys: KeyStore, key: ApiKey) -> None:
    """Sign the browser in as `key`: set the session cookie on `response`."""
    found = keys.active_hash(key.id)
    if found is None:  # revoked between its check and now
        return
    payload = {"k": key.id, "c": secrets.token_urlsafe(32)}
    value = f"{key.id}.{_serializer(found[1]).dumps(payload)}"
    _set(response, COOKIE, value, _lifetime(), "Lax")


def end(response: Response) -> None:
    response.delete_cookie(
        COOKIE, path="/", secure=request.is_secure, httponly=True, samesite="Lax"
    )


def csrf_matches(session: Session, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(
        presented.encode("utf-8"), session.csrf.encode("utf-8")
    )


def form_token() -> str:
    """The sign-in form's token: the browser's current one, or a new one (see `keep_form_token`)."""
    current = request.cookies.get(FORM_COOKIE, "")
    return current if 20 <= len(current) <= 100 else secrets.token_urlsafe(32)


def keep_form_token(response: Response, token: str) -> None:
    _set(response, FORM_COOKIE, token, FORM_SECONDS, "Strict", path="/sign-in")


def form_token_matches() -> bool:
    """The posted form carries the token of this browser's sign-in cookie."""
    cookie = request.cookies.get(FORM_COOKIE, "")
    field = request.form.get(CSRF_FIELD, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode("utf-8"), field.encode("utf-8"))


def drop_form_token(response: Response) -> None:
    response.delete_cookie(
        FORM_COOKIE, path="/sign-in", secure=request.is_secure, httponly=True, samesite="Strict"
    )


def _set(
    response: Response, name: str, value: str, max_age: int, samesite: str, path: str = "/"
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        secure=request.is_secure,
        httponly=True,
        samesite=samesite,
    )


def safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else `/`: never a redirect to another site.

    `//host`, `/\\host` and a path with a tab or line break (which browsers drop, making `//`)
    all lead elsewhere; so does anything with a scheme or host.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if any(char in _UNSAFE_CHARS for char in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path.startswith("/sign-"):
        return "/"
    return target
