"""A brief job as HTML: its progress while it runs, the brief with numbered citations once done."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import render_template

from service.api.resources import get_store
from service.web.brief_view import brief_view


def progress_text(job: Mapping[str, Any]) -> str:
    """One line a person reads: what the job is doing now."""
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


def brief_page(job: Mapping[str, Any]) -> str:
    """A standalone HTML page of the job; it reloads itself until the job has finished."""
    return render_template("web/brief.html", **brief_context(job))
