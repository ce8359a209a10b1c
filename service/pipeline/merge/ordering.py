"""A story told in time: its sentences dated (`when.py`), its lead first, then the rest in the
order of their dates, background last.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/merge/ordering.py`)
says how and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from service.pipeline.documents.chronology import document_date
from service.pipeline.merge.lead import may_lead, opens_document
from service.pipeline.merge.when import sentence_when
from service.pipeline.types import BriefSentence, Document

BACKGROUND_DAYS = 7


def dated(
    sentence: BriefSentence, document_id: str, documents: dict[str, Document]
) -> BriefSentence:
    """The sentence with its `when`, read against the document it quotes."""
    document = documents.get(document_id)
    if document is None:
        return sentence
    return replace(
        sentence, when=sentence_when(sentence.text, document.language, document_date(document))
    )


def in_story_order(
    sentences: Sequence[tuple[BriefSentence, str, int]], documents: dict[str, Document]
) -> list[BriefSentence]:
    """`(sentence, its own document's ID, its place in that document)`, dated, in the order a
    story is told: lead, then by date, background last."""
    if not sentences:
        return []
    dated_sentences = [
        (dated(s, document_id, documents), document_id, at) for s, document_id, at in sentences
    ]
    first = min(
        (found for d in documents.values() if (found := document_date(d)) is not None),
        default=None,
    )
    background = [_background(s, first) for s, _, _ in dated_sentences]
    leads = [
        i
        for i, (s, document_id, _) in enumerate(dated_sentences)
        if may_lead(s.text) and not background[i] and not _planned(s, documents.get(document_id))
    ]

    def standing(i: int) -> tuple[bool, int, int, float]:
        sentence, document_id, at = dated_sentences[i]
        document = documents.get(document_id)
        when = _start(sentence) or (document_date(document) if document else None) or date.max
        opens = document is not None and opens_document(document, at)
        return opens, len(sentence.document_ids), -when.toordinal(), sentence.score

    lead = max(leads or range(len(dated_sentences)), key=standing)

    def place(i: int) -> tuple[bool, date, date, int]:
        sentence, document_id, at = dated_sentences[i]
        document = documents.get(document_id)
        reported = (document_date(document) if document else None) or date.max
        return background[i], _start(sentence) or reported, reported, at

    rest = sorted((i for i in range(len(dated_sentences)) if i != lead), key=place)
    return [dated_sentences[i][0] for i in [lead, *rest]]


def _background(sentence: BriefSentence, first: date | None) -> bool:
    when = sentence.when
    if when is None or when.reported or when.end is None or first is None:
        return False
    return date.fromisoformat(when.end) < first - timedelta(days=BACKGROUND_DAYS)


def _planned(sentence: BriefSentence, document: Document | None) -> bool:
    """Dated after its own document: what is to happen, not what happened."""
    reported = document_date(document) if document else None
    start = _start(sentence)
    return reported is not None and start is not None and start > reported


def _start(sentence: BriefSentence) -> date | None:
    when = sentence.when
    return date.fromisoformat(when.start) if when and when.start else None
