"""Every request gets an ID and is timed.

The ID is the client's `X-Request-ID` when it sends a sane one (letters, digits, `._:-`, at most
64), a new one otherwise; it is returned in the `X-Request-ID` response header, bound to every log
record of the request, and stored with any brief job the request queues, whose logs carry it too.
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid

from flask import Response, g, request

from service.logs import bind, unbind
from service.observability import metrics

HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id_from(header: str | None) -> str:
    if header is not None and _SANE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def begin() -> None:
    g.request_id = request_id_from(request.headers.get(HEADER))
    g.request_started = time.perf_counter()
    g.log_token = bind(request_id=g.request_id)


def finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is not None:
        response.headers[HEADER] = request_id
    started = g.get("request_started")
    if started is not None:
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        metrics.REQUEST_SECONDS.labels(route, request.method, str(response.status_code)).observe(
            time.perf_counter() - started
        )
    return response


def end(_error: BaseException | None) -> None:
    token = g.pop("log_token", None)
    if token is not None:
        with contextlib.suppress(ValueError, RuntimeError):  # not this context's: nothing to undo
            unbind(token)
