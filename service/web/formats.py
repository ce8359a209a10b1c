"""`GET /v1/briefs/<id>` in the format the client asks for: JSON, Markdown or HTML.

`?format=json|md|markdown|html` wins; otherwise the `Accept` header chooses, and anything that
accepts JSON as well as the others (`*/*`: curl, fetch, requests) gets JSON, the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify, request

from service.errors import InvalidParameter
from service.web.headers import secure_headers
from service.web.render import brief_page, progress_text

JSON, MARKDOWN, HTML = "application/json", "text/markdown", "text/html"
FORMATS = {"json": JSON, "md": MARKDOWN, "markdown": MARKDOWN, "html": HTML}


def requested_format() -> str:
    """The media type to answer with; an unknown `?format=` is a 400."""
    name = request.args.get("format")
    if name is not None:
        try:
            return FORMATS[name.lower()]
        except KeyError:
            choices = ", ".join(FORMATS)
            raise InvalidParameter(
                f"format must be one of {choices}, not {name!r}", field="format"
            ) from None
    return request.accept_mimetypes.best_match([JSON, MARKDOWN, HTML], default=JSON) or JSON


def brief_response(job: Mapping[str, Any]) -> Response:
    """The job as JSON, its brief as Markdown (footnote citations) or as an HTML page."""
    media_type = requested_format()
    if media_type == MARKDOWN:
        response = Response(brief_markdown(job), mimetype=MARKDOWN)
    elif media_type == HTML:
        response = secure_headers(Response(brief_page(job), mimetype=HTML))
    else:
        response = jsonify(job)
    if "format" not in request.args:
        response.vary.add("Accept")
    return response


def brief_markdown(job: Mapping[str, Any]) -> str:
    """The brief's Markdown; while the job runs or after it failed, a line that says so."""
    brief = job.get("brief")
    if job.get("status") == "done" and isinstance(brief, Mapping):
        return str(brief.get("markdown", ""))
    return f"## Brief {job.get('id')}\n\n_{progress_text(job)}_\n"
