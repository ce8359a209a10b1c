"""`/v1/briefs`: request a brief (a queued job) and follow it until it is done.

The request thread only validates and enqueues; the summarisation runs in a worker. `?wait=SECONDS`
(at most `max_wait_seconds`) holds the response until the job finishes or the time is up, polling
the store, so that a simple client can get its brief in one call. A waiting request holds a
request thread, so it needs one of its process's few places to wait (`limits.wait_slot`): without
one, 429 before anything is queued.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, url_for

from service.brief_request import BriefRequest
from service.errors import NotFound
from service.http.formats import BriefPage, brief_response
from service.http.inputs import json_body, wait_seconds
from service.http.limits import wait_slot
from service.http.resources import get_settings, get_store, get_worker
from service.jobs import create_or_reuse_brief_job, job_to_dict, wait_for_job
from service.store import JobRecord

bp = Blueprint("briefs", __name__, url_prefix="/v1/briefs")


@bp.post("")
def create_brief() -> Response:
    """Queue a brief: 202 and the job; 201 and the finished job when `?wait=` saw it finish;
    200 and the stored brief when one was already made of the same texts, models and settings."""
    settings = get_settings()
    wait = wait_seconds(settings.max_wait_seconds)
    brief_request = BriefRequest.parse(json_body(optional=True))
    with wait_slot(wait):
        return _create(brief_request, wait)


def _create(brief_request: BriefRequest, wait: float) -> Response:
    job, reused = create_or_reuse_brief_job(
        get_store(),
        brief_request,
        default_max_words=get_settings().default_max_words,
        pipeline=current_app.extensions["pipeline"],
    )
    if not reused:
        get_worker().wake()
    if wait > 0 and not job.finished:
        job = _waited(job.id, wait)
    response = jsonify(job_to_dict(job))
    # an identical job already queued or running is answered as itself: 202, not a new job
    response.status_code = (200 if reused else 201) if job.finished else 202
    response.headers["Location"] = url_for(".get_brief", job_id=job.id)
    return response


@bp.get("/<job_id>")
def get_brief(job_id: str) -> Response:
    """The job: its status, progress, and the brief once done; as JSON (the default), or the
    brief as Markdown or HTML by `?format=` or the `Accept` header."""
    wait = wait_seconds(get_settings().max_wait_seconds)
    with wait_slot(wait):
        job = _waited(job_id, wait) if wait > 0 else get_store().get_job(job_id)
    if job is None:
        raise NotFound(f"no brief {job_id!r}")
    return brief_response(job_to_dict(job), _brief_page())


def _brief_page() -> BriefPage:
    """The HTML page of a job: the web page's, handed to `service.api.init_app`."""
    page: BriefPage = current_app.extensions["brief_page"]
    return page


def _waited(job_id: str, seconds: float) -> JobRecord:
    job = wait_for_job(get_store(), job_id, seconds)
    if job is None:
        raise NotFound(f"no brief {job_id!r}")
    return job
