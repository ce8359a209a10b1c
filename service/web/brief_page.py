"""A brief job as an HTML page: its progress while it runs; once done, the brief's view
(`service.pipeline.render`), which the templates only display."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, render_template

from service.http.formats import progress_text
from service.http.resources import get_store
from service.pipeline.render import brief_view
from service.web.headers import secure_headers


def brief_context(job: Mapping[str, Any]) -> dict[str, Any]:
    """What `web/_brief.html` needs: the job, a line on its progress, and the brief's view."""
    brief = job.get("brief")
    view = None
    if job.get("status") == "done" and isinstance(brief, Mapping):
        ids = [str(i) for i in brief.get("documents") or []]
        heads = get_store().document_heads(ids)
        view = brief_view(brief, {i: heads[i].title for i in ids if i in heads})
    return {
        "job": job,
        "progress_text": progress_text(job),
        "view": view,
    }


def brief_page(job: Mapping[str, Any]) -> Response:
    """A standalone HTML page of the job; it reloads itself until the job has finished."""
    page = render_template("web/brief.html", **brief_context(job))
    return secure_headers(Response(page, mimetype="text/html"))
