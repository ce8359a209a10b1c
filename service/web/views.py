"""The pages of the web blueprint, and the headers that keep them safe with hostile text."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from service.api.inputs import query_number
from service.api.resources import get_settings, get_store
from service.errors import NotFound, ServiceError
from service.jobs import job_to_dict
from service.validation import is_document_id
from service.web.headers import secure_headers
from service.web.render import brief_context

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
        start = query_number("start", 0, 0, len(text))
        end = query_number("end", len(text), start, len(text))
        passage = (text[:start], text[start:end], text[end:], start, end)
    return render_template("web/document.html", document=stored, passage=passage)


@bp.errorhandler(ServiceError)
def error_page(error: ServiceError) -> tuple[str, int]:
    """Errors of the pages as a page (the API's errors stay JSON)."""
    return render_template("web/error.html", error=error), error.status


@bp.app_template_filter("thousands")
def thousands(value: int) -> str:
    return f"{value:,}"
