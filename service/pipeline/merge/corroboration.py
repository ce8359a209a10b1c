"""Find, in the documents themselves, the other sources of a sentence the brief already shows.

A document's summary holds a handful of its sentences, so a fact two articles state may reach the
merge from only one of them. For each brief sentence, the content sentences of the other documents
that share enough of its words are embedded and compared with it by the merge's own same-fact test
(cosine and word overlap, every figure of the sentence present); the best match in each document
is cited too. Work is bounded: `MAX_SCANNED_DOCUMENTS` documents, `MAX_PASSAGES` embedded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from service.pipeline.merge.assertions import figures
from service.pipeline.merge.disagreements import Statement
from service.pipeline.merge.grouping import (
    RELATED_COSINE,
    SAME_FACT_COSINE,
    content_words,
    word_overlap,
)
from service.pipeline.types import BriefSentence, Citation, Encode

MIN_SHARED_WORDS = 0.3  # below this word overlap a passage is not even embedded
# Where the meaning is only related (cosine under SAME_FACT_COSINE), a passage corroborates only
# when it holds most of the sentence's words: grouping's RELATED_WORD_OVERLAP (0.45) lets a long
# quotation about the same front ("...losing a large number of their soldiers in Kursk...")
# stand as a second source of "troops have been killed while fighting alongside Russian forces".
MOST_WORDS = 0.5
MAX_PASSAGES = 300


def corroborate(
    sentences: Sequence[BriefSentence],
    vectors: np.ndarray,
    passages: Sequence[Statement],
    encode: Encode,
) -> None:
    """Add to each sentence (row i of `vectors`) a citation from every other document that
    states the same fact; changes `sentences` in place."""
    pairs = []
    for at, sentence in enumerate(sentences):
        words = content_words(sentence.text)
        cited = set(sentence.document_ids)
        for passage in passages:
            if passage.citation.document_id in cited:
                continue
            overlap = word_overlap(words, content_words(passage.text))
            if overlap >= MIN_SHARED_WORDS:
                pairs.append((at, passage, overlap))
    pairs = sorted(pairs, key=lambda p: -p[2])[:MAX_PASSAGES]
    if not pairs:
        return
    passage_vectors = encode([passage.text for _, passage, _ in pairs])
    best: dict[tuple[int, str], tuple[float, Citation]] = {}
    for (at, passage, overlap), vector in zip(pairs, passage_vectors, strict=True):
        cosine = float(vector @ vectors[at])
        if not _same_fact(cosine, overlap, sentences[at].text, passage.text):
            continue
        key = (at, passage.citation.document_id)
        if key not in best or cosine > best[key][0]:
            best[key] = (cosine, passage.citation)
    for (at, _), (_, citation) in sorted(best.items(), key=lambda item: item[0]):
        sentences[at].citations.append(citation)


def _same_fact(cosine: float, overlap: float, text: str, passage: str) -> bool:
    if cosine < SAME_FACT_COSINE and not (cosine >= RELATED_COSINE and overlap >= MOST_WORDS):
        return False
    return {f.key for f in figures(text)} <= {f.key for f in figures(passage)}
