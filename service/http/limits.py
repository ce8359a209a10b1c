"""Limits on what one client can ask: a rate per API key, and a time per request.

Sizes are limited elsewhere: the body by `MAX_CONTENT_LENGTH` (413 `request_too_large`), a text by
`max_document_bytes` and a batch by `max_batch_documents` (service.ingest).

- **Rate** (`rate_limit`, e.g. `600/minute` or `20/second;600/minute`): counted per API key, or per
  client address while no key exists, by a sliding-window counter of the `limits` library in
  `rate_limit_storage`. Over it: 429 `rate_limited` with `Retry-After`. With `memory://` each
  worker process counts for itself; `redis://` shares one count between all.
- **Time** (`request_timeout_seconds`): the client's socket gets the time left as its timeout, so a
  body that trickles in ends in 408 `request_timeout`; `?wait=` never waits past the deadline; the
  SQLite busy timeout (30 s) is shorter; gunicorn's worker timeout catches a hung process.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time

from flask import Flask, current_app, g, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from service.errors import RateLimited
from service.http.auth import current_caller, is_public
from service.http.resources import get_settings

log = logging.getLogger(__name__)

DEADLINE_MARGIN_SECONDS = 1.0  # left to write the answer after a wait


class RateLimiter:
    def __init__(self, rate: str, storage_uri: str) -> None:
        self.items: list[RateLimitItem] = parse_many(rate) if rate.strip() else []
        self.strategy = SlidingWindowCounterRateLimiter(storage_from_string(storage_uri))

    def check(self, identity: str) -> None:
        """Count one request of `identity`, or raise RateLimited (counting nothing further)."""
        for item in self.items:
            if not self.strategy.hit(item, identity):
                reset = self.strategy.get_window_stats(item, identity).reset_time
                retry = max(1, math.ceil(reset - time.time()))
                raise RateLimited(
                    f"over the limit of {item}; try again in {retry} s",
                    headers={"Retry-After": str(retry)},
                )


def get_limiter() -> RateLimiter:
    limiter: RateLimiter = current_app.extensions["rate_limiter"]
    return limiter


def limit_rate() -> None:
    """Run after `authenticate`: count the request against its caller."""
    caller = current_caller()
    if caller is None or is_public(request.endpoint):
        return
    get_limiter().check(caller.identity)


def start_clock() -> None:
    """Start the request's time limit and apply it to the client's socket (under gunicorn)."""
    timeout = float(get_settings().request_timeout_seconds)
    g.deadline = time.monotonic() + timeout
    sock = request.environ.get("gunicorn.socket")
    if sock is not None and hasattr(sock, "settimeout"):
        with contextlib.suppress(OSError):  # the client has gone already; reading will say so
            sock.settimeout(timeout)


def seconds_left() -> float:
    """Time left before the request's deadline, less a margin to answer; inf outside a request."""
    deadline = g.get("deadline")
    if deadline is None:
        return math.inf
    return max(0.0, deadline - time.monotonic() - DEADLINE_MARGIN_SECONDS)


def init_app(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    app.extensions["rate_limiter"] = RateLimiter(settings.rate_limit, settings.rate_limit_storage)
