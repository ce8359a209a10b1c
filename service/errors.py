"""Every error the service reports, as one exception hierarchy.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/errors.py`) says how and why.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base of every error reported to a client. Subclasses set `status` and `code`."""

    status: int = 500
    code: str = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}
        self.headers = headers or {}

    def to_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "field": self.field,
        }
        if self.details:
            error["details"] = self.details
        return {"error": error}


class BadRequest(ServiceError):
    status = 400
    code = "bad_request"


class InvalidJSON(BadRequest):
    code = "invalid_json"


class InvalidEncoding(BadRequest):
    code = "invalid_encoding"


class InvalidField(BadRequest):
    """A field of the JSON body has the wrong type or value, is missing, or is unknown."""

    code = "invalid_field"


class InvalidParameter(BadRequest):
    """A query-string or path parameter is malformed or out of range."""

    code = "invalid_parameter"


class Unauthorized(ServiceError):
    """No API key, or one that is unknown or revoked (keys are configured)."""

    status = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class ReadOnlyKey(Forbidden):
    """A read-only API key asked to change something."""

    code = "read_only_key"


class CsrfFailed(Forbidden):
    """A change authenticated by the sign-in cookie, without the page's CSRF token."""

    code = "csrf_failed"


class LoopbackOnly(Forbidden):
    """No API key is configured, so only clients on this machine are served."""

    code = "loopback_only"


class HostNotAllowed(ServiceError):
    """The `Host` header names neither this machine nor one of SUMMARY_ALLOWED_HOSTS (DNS
    rebinding)."""

    status = 400
    code = "host_not_allowed"


class CrossSiteRequest(Forbidden):
    """A browser sent a change from another site (`Origin`, `Sec-Fetch-Site`)."""

    code = "cross_site_request"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class MethodNotAllowed(ServiceError):
    status = 405
    code = "method_not_allowed"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class DocumentConflict(Conflict):
    """The ID is taken by a document with different text or metadata (PUT replaces it)."""

    code = "document_conflict"


class PayloadTooLarge(ServiceError):
    status = 413
    code = "payload_too_large"


class DocumentTooLarge(PayloadTooLarge):
    code = "document_too_large"


class RequestTooLarge(PayloadTooLarge):
    code = "request_too_large"


class TooManyDocuments(PayloadTooLarge):
    code = "too_many_documents"


class RequestTimeout(ServiceError):
    """The client did not send its request (the body) within the request time limit."""

    status = 408
    code = "request_timeout"


class UnsupportedMediaType(ServiceError):
    status = 415
    code = "unsupported_media_type"


class UnknownDocuments(NotFound):
    """A brief request names documents that are not stored: not found, as each is by its URL."""

    code = "unknown_documents"


class EmptyCorpus(Conflict):
    """A well-formed brief request selects no document in the store as it is now; storing some
    resolves it (409, as for the state of a resource, not 422: the request itself is valid)."""

    code = "empty_corpus"


class RateLimited(ServiceError):
    """Too many requests for this API key (or client) in the current window; see Retry-After."""

    status = 429
    code = "rate_limited"


class InternalError(ServiceError):
    status = 500
    code = "internal_error"


class ServiceUnavailable(ServiceError):
    status = 503
    code = "service_unavailable"


class StoreUnavailable(ServiceUnavailable):
    """The database refused the operation: full, read-only, locked or unreachable. Nothing was
    written (every write is one transaction)."""

    code = "store_unavailable"


class NotReady(ServiceUnavailable):
    """A readiness check failed: the store, the models or the job worker (see `details.checks`)."""

    code = "not_ready"
