"""The request hooks of the app, installed in one place, in the order they run."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from service.http import auth, limits, origin, tracing

BeforeRequest = Callable[[], None]


def install_request_hooks(app: Flask, *, start_worker: BeforeRequest | None = None) -> None:
    """Install every request hook, for the API and the web page alike.

    Before every view, in this order: the request's ID and log context (so that every later hook
    logs with it), its time limit, the job worker's start (`start_worker`, when this process runs
    one), the `Host` and cross-site checks (400/403), who calls (401/403), how often (429).
    After it: redirects made relative, `no-store` for answers to the sign-in cookie, the
    request ID header and the timing.
    """
    auth.init_app(app)
    limits.init_app(app)
    before: list[BeforeRequest] = [tracing.begin, limits.start_clock]
    if start_worker is not None:
        before.append(start_worker)
    before += [origin.check_host, auth.authenticate, limits.limit_rate]
    for hook in before:
        app.before_request(hook)
    app.after_request(origin.relative_redirect)
    app.after_request(auth.private_answer)
    app.after_request(tracing.finish)
    app.teardown_request(tracing.end)
