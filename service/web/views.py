"""The pages of the web blueprint, and the headers that keep them safe with hostile text.

With API keys configured, a page asked for without a sign-in is a redirect (303) to `/sign-in`,
where a person pastes a key; `service.http.sessions` has the cookie and its CSRF protection.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.brief_request import MAX_MAX_WORDS, MIN_MAX_WORDS
from service.errors import CsrfFailed, NotFound, ServiceError, Unauthorized
from service.http import sessions
from service.http.auth import current_session, get_keys
from service.http.inputs import MAX_OFFSET, query_number
from service.http.resources import get_settings, get_store
from service.jobs import job_to_dict
from service.validation import is_document_id
from service.web.brief_page import brief_context
from service.web.headers import secure_headers

log = logging.getLogger(__name__)

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/web/static",
)

CORPUS_PAGE = 500  # documents listed by the server; the script loads the rest page by page

bp.after_request(secure_headers)


@bp.get("/")
def index() -> str:
    """The page; `?brief=<id>` shows that brief (or its progress) as the page loads."""
    documents, more = get_store().list_documents(CORPUS_PAGE)
    context: dict[str, Any] = {}
    job_id = request.args.get("brief")
    if job_id:
        job = get_store().get_job(job_id)
        context = {"missing_brief": job_id} if job is None else brief_context(job_to_dict(job))
    return render_template(
        "web/index.html",
        documents=documents,
        more_documents=more is not None,
        default_max_words=get_settings().default_max_words,
        min_max_words=MIN_MAX_WORDS,
        max_max_words=MAX_MAX_WORDS,
        **context,
    )


@bp.get("/documents/<document_id>")
def document(document_id: str) -> str:
    """A document's text; `?start=&end=` highlights that passage (a citation's span)."""
    stored = get_store().get_document(document_id) if is_document_id(document_id) else None
    if stored is None or stored.text is None:
        raise NotFound(f"no document {document_id!r}")
    text = stored.text
    passage = None
    if "start" in request.args or "end" in request.args:
        # As the API (issue 23): offsets past the text, or an end before the start, give an
        # empty passage, as slicing does; only malformed offsets are 400.
        start = min(query_number("start", 0, 0, MAX_OFFSET), len(text))
        end = max(start, min(query_number("end", len(text), 0, MAX_OFFSET), len(text)))
        passage = (text[:start], text[start:end], text[end:], start, end)
    return render_template("web/document.html", document=stored, passage=passage)


@bp.get("/sign-in")
def sign_in_form() -> Response:
    """The form to paste an API key into; straight on to `?next=` while no key exists."""
    target = sessions.safe_next(request.args.get("next"))
    if not get_keys().any_active():
        return redirect(target, 303)
    return _sign_in_page(target)


@bp.post("/sign-in")
def sign_in() -> Response:
    """Check the pasted key; when it is good, sign the browser in and go on to `next`."""
    target = sessions.safe_next(request.form.get("next"))
    if not sessions.form_token_matches():
        problem = "The form had expired or did not come from this page. Paste the key again."
        return _sign_in_page(target, problem, 403)
    key = get_keys().verify(request.form.get("key", "").strip())
    if key is None:
        problem = "That key is unknown or revoked. Paste the whole key: it starts with sk_."
        return _sign_in_page(target, problem, 401)
    log.info("web sign-in with API key %s (%s)", key.id, key.name)
    response = redirect(target, 303)
    sessions.start(response, get_keys(), key)
    sessions.drop_form_token(response)
    return response


@bp.post("/sign-out")
def sign_out() -> Response:
    """Forget the sign-in in this browser: only with the sign-in's CSRF token.

    Another site's form reaches here without the cookie (it is `SameSite=Lax`), but a redirect
    that cleared the cookie would still sign the browser out; so a request without a valid
    sign-in may only clear a cookie it sent, which is expired or of a revoked key already."""
    session = sessions.read(get_keys())
    if session is None:
        if sessions.COOKIE not in request.cookies:
            raise CsrfFailed("there is no sign-in here to end; sign out from this service's page")
    elif not sessions.csrf_matches(session, request.form.get(sessions.CSRF_FIELD)):
        raise CsrfFailed("the sign-out did not come from this service's page")
    response = redirect(url_for("web.sign_in_form"), 303)
    sessions.end(response)
    return response


def _sign_in_page(target: str, problem: str | None = None, status: int = 200) -> Response:
    token = sessions.form_token()
    page = render_template(
        "web/sign_in.html",
        next=target,
        csrf_token=token,
        problem=problem,
        session_hours=get_settings().session_hours,
    )
    response = Response(page, status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    sessions.keep_form_token(response, token)
    return response


@bp.errorhandler(Unauthorized)
def sign_in_first(_error: Unauthorized) -> Response:
    """A page without a (valid) sign-in: to the sign-in form, and back here after it."""
    here = request.full_path if request.query_string else request.path
    response = redirect(url_for("web.sign_in_form", next=here), 303)
    if sessions.COOKIE in request.cookies:  # expired, or its key revoked
        sessions.end(response)
    return response


@bp.app_context_processor
def signed_in() -> dict[str, Any]:
    """Who the page is signed in as (`signed_in`: a `Session`), for every page's header."""
    return {"signed_in": current_session(), "csrf_field": sessions.CSRF_FIELD}


@bp.errorhandler(ServiceError)
def error_page(error: ServiceError) -> tuple[str, int]:
    """Errors of the pages as a page (the API's errors stay JSON)."""
    return render_template("web/error.html", error=error), error.status


@bp.app_template_filter("thousands")
def thousands(value: int) -> str:
    return f"{value:,}"
