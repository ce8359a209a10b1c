"""Render every error, ours or Flask's, as the one JSON error shape of `service.errors`."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from service.errors import (
    BadRequest,
    InternalError,
    MethodNotAllowed,
    NotFound,
    RequestTooLarge,
    ServiceError,
    UnsupportedMediaType,
)

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


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError) -> tuple[Response, int]:
        return render(error)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        return render(_from_http_exception(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        log.exception(
            "unhandled error in %s %s",
            request.method,
            request.path,
            extra={"method": request.method, "path": request.path},
        )
        return render(InternalError("internal error; the service log has the details"))
