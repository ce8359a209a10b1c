"""A brief job in the format the client asks for: JSON, Markdown or HTML.

`?format=json|md|markdown|html` wins; otherwise the `Accept` header chooses, and anything that
accepts JSON as well as the others (`*/*`: curl, fetch, requests) gets JSON, the default. The HTML
page is the web page's (`service.web`), handed in by whoever answers, so that the API that answers
`GET /v1/briefs/<id>` need not import the web page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Response, jsonify, request

from service.errors import InvalidParameter

JSON, MARKDOWN, HTML = "application/json", "text/markdown", "text/html"
FORMATS = {"json": JSON, "md": MARKDOWN, "markdown": MARKDOWN, "html": HTML}

BriefPage = Callable[[Mapping[str, Any]], Response]  # a job as an HTML page, with its headers


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


def brief_response(job: Mapping[str, Any], brief_page: BriefPage) -> Response:
    """The job as JSON, its brief as Markdown (footnote citations) or as `brief_page` (HTML)."""
    media_type = requested_format()
    if media_type == MARKDOWN:
        response = Response(job_markdown(job), mimetype=MARKDOWN)
    elif media_type == HTML:
        response = brief_page(job)
    else:
        response = jsonify(job)
    if "format" not in request.args:
        response.vary.add("Accept")
    return response


def job_markdown(job: Mapping[str, Any]) -> str:
    """The job's brief as Markdown (the pipeline rendered it: `brief["markdown"]`); while the job
    runs or after it failed, a line that says so."""
    brief = job.get("brief")
    if job.get("status") == "done" and isinstance(brief, Mapping):
        return str(brief.get("markdown", ""))
    return f"## Brief {job.get('id')}\n\n_{progress_text(job)}_\n"


def progress_text(job: Mapping[str, Any]) -> str:
    """One line a person reads: what the job is doing now, and, while work a lost worker left is
    being redone, that it is, how often, and why (`progress.retries` and `progress.note`)."""
    line = _progress_line(job)
    redone = redone_text(job)
    return f"{line} {redone}" if redone else line


def redone_text(job: Mapping[str, Any]) -> str:
    """'Redoing work a lost worker left (retry N): <note>.' for a queued or running job whose
    work had to be sent to another worker; empty otherwise (a failed job gives its reason)."""
    progress = job.get("progress") or {}
    note, retries = progress.get("note"), progress.get("retries") or 0
    if job.get("status") not in ("queued", "running") or not (note or retries):
        return ""
    text = "Redoing work a lost worker left" + (f" (retry {retries})" if retries else "")
    if note:
        text += f": {note}"
    return text if text.endswith((".", "!", "?")) else text + "."


def _progress_line(job: Mapping[str, Any]) -> str:
    status = job.get("status")
    progress = job.get("progress") or {}
    done, total = progress.get("done") or 0, progress.get("total") or 0
    if status == "queued":
        return f"Waiting for a worker to start the brief of {total} documents."
    if status == "running" and progress.get("stage") == "merging":
        return f"Merging the summaries of {total} documents into one brief."
    if status == "running":
        return f"Summarising: {done} of {total} documents done."
    if status == "failed":
        reason = (job.get("error") or {}).get("reason") or "no reason given"
        return f"The brief failed: {reason}"
    return f"Done: a brief of {total} documents."
