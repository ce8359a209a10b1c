"""Which sentences may open a story: news leads.

A story opens with its main development. A news article states its own in its first sentence
(the lead paragraph: the reason the "lead" baseline is hard to beat), so a sentence may open a
story when it opens one of the story's documents: the first sentence of its document that is not
a headline set apart above the article (`cleaning.is_set_apart_headline`), not a quotation nor a
question (`may_lead`), and not a plan (dated after its own document: a telethon to be held on
Sunday is not what happened).

A plan whose day a later report in the story has reached is **overtaken** (`overtaken`): "would
open Sunday" beside a report of Monday says what either happened, and was reported, or did not;
it is not shown.

The selection (`summaries.py`) is given one more concept, `LEAD`, that every such sentence
covers, weighing as much as every other concept together: a brief that has room for a lead holds
one, and of the leads the one that, with the rest, covers most of what the corpus says.
"""

from __future__ import annotations

import re
from datetime import date

from service.pipeline.documents.chronology import document_date
from service.pipeline.documents.cleaning import is_set_apart_headline
from service.pipeline.documents.reading import document_sentences
from service.pipeline.merge.when import sentence_when, states_plan
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
    sentences = document_sentences(document)
    if not sentences:
        return False
    first = sentences[0]
    headline = is_set_apart_headline(document.text, first.start, first.end, document.language)
    return position == (1 if headline and len(sentences) > 1 else 0)


def planned(text: str, document: Document) -> bool:
    """Dated after its own document: what is to happen, not what happened."""
    reported = document_date(document)
    when = sentence_when(text, document.language, reported)
    return bool(
        reported is not None and when and when.start and date.fromisoformat(when.start) > reported
    )


def overtaken(text: str, document: Document | None, last_reported: date | None) -> bool:
    """A plan (`when.states_plan`, dated after its own document) whose date is on or before
    `last_reported`, the date of the story's latest document."""
    if document is None or last_reported is None or not states_plan(text, document.language):
        return False
    reported = document_date(document)
    when = sentence_when(text, document.language, reported)
    if reported is None or when is None or not when.start or when.reported:
        return False
    return reported < date.fromisoformat(when.start) <= last_reported


def may_open(text: str, document: Document | None, position: int) -> bool:
    """Whether the sentence `text`, at `position` in `document`, may open a story."""
    return (
        document is not None
        and opens_document(document, position)
        and may_lead(text)
        and not planned(text, document)
    )
