"""Limits on what one client can ask: a rate per API key, how many may wait on `?wait=`, and a
time per request. DEVELOPERS.md ("Limits on a client") says how each is counted.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Iterator

from flask import Flask, current_app, g, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from service.errors import RateLimited
from service.http import server
from service.http.auth import current_caller, is_public
from service.http.resources import get_settings

log = logging.getLogger(__name__)

DEADLINE_MARGIN_SECONDS = 1.0  # left to write the answer after a wait
WAITER_RETRY_SECONDS = 2


class TooManyWaiters(RateLimited):
    """Every `?wait=` place of this process (or of this caller) is taken; poll, or come later."""

    code = "too_many_waiters"


class WaitSlots:
    """How many requests of this process wait on `?wait=` now, in all and per caller."""

    def __init__(self, total: int, per_caller: int) -> None:
        self.total, self.per_caller = total, per_caller
        self._lock = threading.Lock()
        self._held: Counter[str] = Counter()

    @contextlib.contextmanager
    def hold(self, caller: str) -> Iterator[None]:
        """A place to wait in, for the `with` block; TooManyWaiters when there is none."""
        with self._lock:
            if sum(self._held.values()) >= self.total or self._held[caller] >= self.per_caller:
                mine = self._held[caller] >= self.per_caller
                raise TooManyWaiters(
                    f"too many requests wait on ?wait= {'for this caller' if mine else 'now'} "
                    f"(at most {self.per_caller if mine else self.total} per process); ask "
                    f"again without ?wait=, or with it in {WAITER_RETRY_SECONDS} s",
                    field="wait",
                    headers={"Retry-After": str(WAITER_RETRY_SECONDS)},
                )
            self._held[caller] += 1
        try:
            yield
        finally:
            with self._lock:
                self._held[caller] -= 1
                if not self._held[caller]:
                    del self._held[caller]


@contextlib.contextmanager
def wait_slot(seconds: float) -> Iterator[None]:
    """Hold a place to wait in while the block runs, when the request waits at all."""
    if seconds <= 0:
        yield
        return
    caller = current_caller()
    identity = caller.identity if caller is not None else f"address:{request.remote_addr}"
    slots: WaitSlots = current_app.extensions["wait_slots"]
    with slots.hold(identity):
        yield


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
    """Start the request's time limit (from its first byte, when the server counted it) and
    apply what is left of it to the client's socket (under gunicorn)."""
    now = time.monotonic()
    counted = server.request_deadline()
    g.deadline = counted if counted is not None else now + get_settings().request_timeout_seconds
    sock = request.environ.get("gunicorn.socket")
    if sock is not None and hasattr(sock, "settimeout"):
        with contextlib.suppress(OSError):  # the client has gone already; reading will say so
            sock.settimeout(max(0.01, g.deadline - now))


def seconds_left() -> float:
    """Time left before the request's deadline, less a margin to answer; inf outside a request."""
    deadline = g.get("deadline")
    if deadline is None:
        return math.inf
    return max(0.0, deadline - time.monotonic() - DEADLINE_MARGIN_SECONDS)


def init_app(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    app.extensions["rate_limiter"] = RateLimiter(settings.rate_limit, settings.rate_limit_storage)
    app.extensions["wait_slots"] = WaitSlots(settings.max_waiters, settings.max_waiters_per_key)
