"""The lead of a brief against the references' first sentences, for `bench rouge`.

A reference written by a person opens with what happened, where and when; a brief's first sentence
should too. Each brief's lead is scored with ROUGE-2 (F-measure: one sentence against one) against
each reference's first sentence, averaged over the references; beside it, in the same run, the
lead the brief had before `ordering.py` (its sentences by number of sources, then their documents'
dates, then their place in the document, then score), from the same sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bench.rouge_scoring import scorer
from service.pipeline.documents.chronology import document_date
from service.pipeline.documents.sentences import sentence_spans
from service.pipeline.types import BriefSentence, Document


def lead_scores(
    sentences: Sequence[BriefSentence],
    documents: Sequence[Document],
    references: Sequence[str],
    language: str,
) -> dict[str, float]:
    """{"first_sentence": ROUGE-2 F of the brief's first sentence, "first_sentence_before": of
    the previous rule's}."""
    if not sentences or not references:
        return {"first_sentence": 0.0, "first_sentence_before": 0.0}
    firsts = []
    for reference in references:
        spans = sentence_spans(reference, language)
        if spans:
            firsts.append(reference[spans[0][0] : spans[0][1]])
    before = min(sentences, key=lambda s: _previous_rule(s, documents))
    return {
        "first_sentence": _rouge2(sentences[0].text, firsts, language),
        "first_sentence_before": _rouge2(before.text, firsts, language),
    }


def _previous_rule(
    sentence: BriefSentence, documents: Sequence[Document]
) -> tuple[int, int, date, int, float]:
    by_id = {d.id: d for d in documents}
    cited = sentence.citations[0] if sentence.citations else None
    document = by_id.get(cited.document_id) if cited else None
    found = document_date(document) if document else None
    return (
        -len(sentence.document_ids),
        0 if found else 1,
        found or date.max,
        cited.start if cited else 0,
        -sentence.score,
    )


def _rouge2(text: str, references: Sequence[str], language: str) -> float:
    if not references:
        return 0.0
    total = sum(scorer(language).score(r, text)["rouge2"].fmeasure for r in references)
    return round(100 * total / len(references), 2)
