"""The one renderer of a brief. `serialise` writes a brief's JSON; `view` reads that JSON
into what a reader sees (numbered sources, dates, figures, stories); `text` and `markdown` write a
view out, and the web page's template shows one as HTML. The command line, the API's formats and
the page all render through here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.pipeline.render.serialise import brief_to_dict, timeline
from service.pipeline.render.text import as_report
from service.pipeline.render.view import BriefView, brief_view
from service.pipeline.types import Brief

__all__ = [
    "BriefView",
    "brief_markdown",
    "brief_report",
    "brief_text",
    "brief_to_dict",
    "brief_view",
    "timeline",
]


def brief_text(brief: Brief) -> str:
    """Plain text with inline `[document-id]` markers (the JSON's `text`)."""
    return str(brief_to_dict(brief)["text"])


def brief_markdown(brief: Brief) -> str:
    """Markdown with footnote citations (the JSON's `markdown`)."""
    return str(brief_to_dict(brief)["markdown"])


def brief_report(brief: Mapping[str, Any]) -> str:
    """The brief's JSON as a reader reads it in a terminal (the command line's text)."""
    return as_report(brief_view(brief))
