"""The request hooks, API and web page alike: installed by one function, in one order."""

from __future__ import annotations

from service.http import auth, limits, origin, tracing


def test_hooks_run_in_the_order_install_request_hooks_lists(make_app):
    app = make_app()
    assert app.before_request_funcs == {
        None: [
            tracing.begin,
            limits.start_clock,
            origin.check_host,
            auth.authenticate,
            limits.limit_rate,
        ]
    }
    assert app.after_request_funcs[None] == [
        origin.relative_redirect,
        auth.private_answer,
        tracing.finish,
    ]
    assert app.teardown_request_funcs == {None: [tracing.end]}


def test_the_embedded_worker_starts_after_the_time_limit_and_before_auth(make_app):
    app = make_app(embedded_worker=True)
    hooks = app.before_request_funcs[None]
    assert [hook.__name__ for hook in hooks] == [
        "begin",
        "start_clock",
        "start_worker",
        "check_host",
        "authenticate",
        "limit_rate",
    ]
    assert not app.extensions["worker"].running
    assert hooks[2]() is None  # a value would be taken for the response
    assert app.extensions["worker"].running


def test_a_refused_request_still_gets_its_id(make_app):
    """The ID is bound before auth runs: a 403 from a remote client carries it."""
    response = (
        make_app()
        .test_client()
        .get(
            "/v1/documents",
            headers={tracing.HEADER: "trace-1"},
            environ_overrides={"REMOTE_ADDR": "203.0.113.5"},
        )
    )
    assert response.status_code == 403
    assert response.headers[tracing.HEADER] == "trace-1"
