"""Who may call the API: API keys, and loopback clients only while no key exists.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/http/auth.py`) says how and why.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request

from service.errors import CsrfFailed, LoopbackOnly, ReadOnlyKey, Unauthorized
from service.http import sessions
from service.http.resources import get_store
from service.keys import ApiKey, KeyStore

log = logging.getLogger(__name__)

# Probes, metrics and the API's description: no data in them, and orchestrators, Prometheus and
# API tools call them without keys. Signing in and out must be reachable without a key too.
PUBLIC_ENDPOINTS = frozenset(
    {
        "health.healthz",
        "health.readyz",
        "metrics.metrics",
        "openapi.openapi",
        "static",
        "web.sign_in_form",
        "web.sign_in",
        "web.sign_out",
    }
)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REALM = 'Bearer realm="summary-service"'
CREATE_HINT = "create one with `python -m service keys create NAME`"


@dataclass(frozen=True)
class Caller:
    """Who made the request: a key, or (no key configured) a loopback client."""

    key: ApiKey | None
    address: str

    @property
    def identity(self) -> str:
        """What rate limits count by."""
        return f"key:{self.key.id}" if self.key is not None else f"address:{self.address}"


def get_keys() -> KeyStore:
    keys: KeyStore = current_app.extensions["keys"]
    return keys


def current_caller() -> Caller | None:
    return g.get("caller")


def current_session() -> sessions.Session | None:
    """The browser's sign-in, when the request was authenticated by one (not by a header)."""
    return g.get("web_session")


def is_public(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint in PUBLIC_ENDPOINTS or endpoint.endswith(".static"))


def is_loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback; and for a Unix socket (no address),
    which only processes on this machine can reach."""
    if not address:
        return True
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


def authenticate() -> None:
    """Run before every view: set `g.caller`, or raise 401/403."""
    if is_public(request.endpoint):
        return
    address = request.remote_addr or ""
    header = request.headers.get("Authorization")
    keys = get_keys()
    if header is None:
        session = sessions.read(keys)
        if session is not None:
            if request.method not in READ_METHODS and not sessions.csrf_matches(
                session, request.headers.get(sessions.CSRF_HEADER)
            ):
                raise CsrfFailed(
                    f"a change made with the web page's sign-in needs the page's "
                    f"`{sessions.CSRF_HEADER}` header; reload the page and try again"
                )
            g.web_session = session
            _admit(session.key, address)
            return
        if keys.any_active():
            expired = sessions.COOKIE in request.cookies
            raise Unauthorized(
                "the web page's sign-in has expired or its key was revoked: sign in again"
                if expired
                else "an API key is required: send `Authorization: Bearer <key>`",
                headers={"WWW-Authenticate": REALM},
            )
        if not is_loopback(address):
            raise LoopbackOnly(
                "no API key is configured, so this service answers clients on its own machine "
                f"only; {CREATE_HINT} and send it as `Authorization: Bearer <key>`"
            )
        g.caller = Caller(None, address)
        return
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "the Authorization header must read `Bearer <key>`", headers={"WWW-Authenticate": REALM}
        )
    key = keys.verify(token.strip())
    if key is None:
        raise Unauthorized(
            "the API key is unknown or revoked",
            headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
        )
    _admit(key, address)


def private_answer(response: Response) -> Response:
    """After every view: an answer authenticated by the sign-in cookie (a page holds its CSRF
    token) is stored by no cache, and a shared one keys what it stores on the cookie."""
    if current_session() is not None:
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    return response


def _admit(key: ApiKey, address: str) -> None:
    if request.method not in READ_METHODS and not key.can_write:
        raise ReadOnlyKey(
            f"API key {key.id} ({key.name}) is read-only; {request.method} needs a read-write key"
        )
    g.caller = Caller(key, address)


def init_app(app: Flask) -> None:
    app.extensions["keys"] = KeyStore(app.extensions["store"])
    with app.app_context():
        _log_mode()


def _log_mode() -> None:
    try:
        keyed = get_keys().any_active()
    except Exception:
        log.exception("cannot read the API keys; requests will say why")
        return
    if keyed:
        log.info("API keys are configured: every request to /v1 needs one")
    else:
        log.warning(
            "no API key is configured: serving clients on this machine (loopback) only, "
            "others get 403; %s",
            CREATE_HINT,
            extra={"database": get_store().dialect},
        )
