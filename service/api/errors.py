"""Render every error, ours or Flask's, as the one JSON error shape of `service.errors`."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import ClientDisconnected, HTTPException

from service.errors import (
    BadRequest,
    InternalError,
    MethodNotAllowed,
    NotFound,
    RequestTimeout,
    RequestTooLarge,
    ServiceError,
    StoreUnavailable,
    UnsupportedMediaType,
)
from service.store import DatabaseError

log = logging.getLogger(__name__)

# Errors that Flask/werkzeug raise themselves (routing, MAX_CONTENT_LENGTH), as ours.
_HTTP_ERRORS: dict[int, type[ServiceError]] = {
    400: BadRequest,
    404: NotFound,
    405: MethodNotAllowed,
    413: RequestTooLarge,
    415: UnsupportedMediaType,
}


def render(error: ServiceError) -> tuple[Response, int]:
    response = jsonify(error.to_dict())
    response.headers.update(error.headers)
    return response, error.status


def _from_http_exception(exc: HTTPException) -> ServiceError:
    status = exc.code or 500
    if isinstance(exc, ClientDisconnected) and isinstance(exc.__context__, TimeoutError):
        # The socket's timeout (service.http.limits) ran out while reading the body.
        limit = current_app.config["SETTINGS"].request_timeout_seconds
        return RequestTimeout(f"the request body did not arrive within {limit} s")
    if status == 404:
        return NotFound(f"no such resource: {request.path}")
    if status == 405:
        allowed = ", ".join(sorted(getattr(exc, "valid_methods", None) or []))
        return MethodNotAllowed(
            f"{request.method} is not allowed on {request.path} (allowed: {allowed})",
            headers={"Allow": allowed},
        )
    if status == 413:
        limit = request.max_content_length
        return RequestTooLarge(f"the request body is larger than {limit} bytes")
    error_class = _HTTP_ERRORS.get(status)
    if error_class is None:
        error = ServiceError(exc.description or exc.name)
        error.status, error.code = status, exc.name.lower().replace(" ", "_")
        return error
    return error_class(exc.description or exc.name)


# What a database error means for the client, by the words SQLite and PostgreSQL use for it;
# every write is one transaction, so whichever it is, nothing was half-written.
_STORE_ERRORS: tuple[tuple[tuple[str, ...], str, dict[str, str]], ...] = (
    (
        ("disk is full", "database or disk is full", "no space left", "disk full"),
        "the database is full (no space left on its disk); nothing was written",
        {},
    ),
    (
        ("readonly database", "read-only", "read only"),
        "the database is read-only; nothing was written",
        {},
    ),
    (
        ("database is locked", "database is busy", "could not obtain lock", "deadlock"),
        "the database is busy; nothing was written, try again",
        {"Retry-After": "1"},
    ),
)


def store_error(exc: DatabaseError) -> StoreUnavailable:
    """A database error as a 503 `store_unavailable` that says which problem it is."""
    text = str(exc.orig if exc.orig is not None else exc).lower()
    for needles, message, headers in _STORE_ERRORS:
        if any(needle in text for needle in needles):
            return StoreUnavailable(message, headers=dict(headers))
    return StoreUnavailable("the database is unavailable; nothing was written")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError) -> tuple[Response, int]:
        return render(error)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        return render(_from_http_exception(exc))

    @app.errorhandler(DatabaseError)
    def _store_error(exc: DatabaseError) -> tuple[Response, int]:
        error = store_error(exc)
        log.error(
            "database error in %s %s: %s",
            request.method,
            request.path,
            exc.orig if exc.orig is not None else exc,
            exc_info=exc,
            extra={"method": request.method, "path": request.path},
        )
        return render(error)

    @app.errorhandler(TimeoutError)
    def _timed_out(exc: TimeoutError) -> tuple[Response, int]:
        """The client's socket timed out (see `service.http.limits`): it sent too slowly."""
        log.warning(
            "request timed out reading from the client: %s %s", request.method, request.path
        )
        limit = app.config["SETTINGS"].request_timeout_seconds
        return render(RequestTimeout(f"the request was not received within {limit} s"))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        log.exception(
            "unhandled error in %s %s",
            request.method,
            request.path,
            extra={"method": request.method, "path": request.path},
        )
        return render(InternalError("internal error; the service log has the details"))
