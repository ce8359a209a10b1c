"""Which sentences may open a story: news leads.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/merge/lead.py`) says
how and why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from service.pipeline.documents.chronology import document_date
from service.pipeline.documents.cleaning import is_set_apart_headline
from service.pipeline.documents.reading import document_sentences
from service.pipeline.merge.when import may_look_ahead, sentence_when, states_plan
from service.pipeline.types import Document

LEAD = "\x01lead"  # the concept every lead covers (no word nor source starts with \x01)
QUOTE_OPENERS = "\"'“‘«„`"
QUOTE_MARKS = '"“”«»„'
ATTRIBUTION = (
    "said",
    "says",
    "told",
    "reported",
    "states",
    "stated",
    "a déclaré",
    "a dit",
    "selon",
    "according to",
)
# A sentence that opens on a contrast sets the news against something else ("While complaints
# about the 'miserly' generosity ... have surfaced, ..."): a feature's or an opinion's opening.
CONTRASTS = ("while", "although", "though", "despite", "even as", "bien que", "alors que", "malgré")


def may_lead(text: str) -> bool:
    """Not a quotation (it opens with a quotation mark, or quotes and attributes: a colour quote
    is not the news), a question, nor a contrast (`CONTRASTS`)."""
    text = text.strip()
    if not text or text.endswith("?") or text[0] in QUOTE_OPENERS:
        return False
    if any(re.match(rf"{word}\b", text, re.IGNORECASE) for word in CONTRASTS):
        return False
    quoting = any(mark in text for mark in QUOTE_MARKS)
    lower = text.lower()
    return not (quoting and any(word in lower for word in ATTRIBUTION))


def opens_document(document: Document, position: int) -> bool:
    """Whether the sentence at `position` (its index among the document's sentences) is the
    document's first below any headline set apart."""
    if position > 1:
        return False
    sentences = document_sentences(document)  # as the merge reads the documents it cites
    if not sentences:
        return False
    first = sentences[0]
    headline = is_set_apart_headline(document.text, first.start, first.end, document.language)
    return position == (1 if headline and len(sentences) > 1 else 0)


def planned(text: str, document: Document) -> bool:
    """Dated after its own document: what is to happen, not what happened. Only a sentence that
    may name a time to come (`when.may_look_ahead`) is dated for it."""
    reported = document_date(document)
    if reported is None or not may_look_ahead(text, document.language):
        return False
    when = sentence_when(text, document.language, reported)
    return bool(when and when.start and date.fromisoformat(when.start) > reported)


def plan_day(text: str, document: Document | None) -> date | None:
    """The day a plan is for (`when.states_plan`, dated after its own document); None where the
    sentence states no plan."""
    if document is None or not states_plan(text, document.language):
        return None
    reported = document_date(document)
    when = sentence_when(text, document.language, reported)
    if reported is None or when is None or not when.start or when.reported:
        return None
    day = date.fromisoformat(when.start)
    return day if day > reported else None


def overtaken(plan: date, reports: Sequence[tuple[date | None, float]], same_event: float) -> bool:
    """Whether a later report states what the plan for `plan` announced: of `reports` (each
    sentence's document date and its cosine with the plan), one dated on or after that day at
    `same_event` or closer."""
    return any(day is not None and day >= plan and cosine >= same_event for day, cosine in reports)


def may_open(text: str, document: Document | None, position: int) -> bool:
    """Whether the sentence `text`, at `position` in `document`, may open a story."""
    return (
        document is not None
        and opens_document(document, position)
        and may_lead(text)
        and not planned(text, document)
    )
