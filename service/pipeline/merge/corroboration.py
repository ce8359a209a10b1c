"""Find, in the documents themselves, the other sources of a sentence the brief already shows.

A document's summary holds a handful of its sentences, so a fact two articles state may reach the
merge from only one of them. For each brief sentence, the content sentences of the other documents
that share enough of its words are embedded and compared with it by the merge's own same-fact test
(cosine and word overlap); the best match in each document that also carries the sentence
(`backing.py`: every number and name of it, no other figure for one of its counts) and states its
claim (`MIN_CLAIM_SHARE` of the words it is stated with, names and numbers aside) is cited too.
Work is bounded: `MAX_SCANNED_DOCUMENTS` documents, `MAX_PASSAGES` embedded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from service.pipeline.merge.backing import carries, claim_share
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
# A passage that holds every name and number of a sentence may still be about something else: the
# July 7 bombings for "Profiles of the suspects in the July 7, 2005 bombings ... have been
# released" (a quarter of its claim words). On the 165 labelled pairs of bench/data/citations.jsonl
# every value above 0.25 and up to 0.5 cites the same pairs: fitted on the English pairs (French has
# no false one the rest of the test lets through), held-out French is the same anywhere under 0.8;
# 0.4 is the middle of that range.
MIN_CLAIM_SHARE = 0.4


def corroborate(
    sentences: Sequence[BriefSentence],
    vectors: np.ndarray,
    passages: Sequence[Statement],
    encode: Encode,
    language: str = "en",
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
        if not same_fact(cosine, overlap, sentences[at].text, passage.text, language):
            continue
        key = (at, passage.citation.document_id)
        if key not in best or cosine > best[key][0]:
            best[key] = (cosine, passage.citation)
    for (at, _), (_, citation) in sorted(best.items(), key=lambda item: item[0]):
        sentences[at].citations.append(citation)


def same_fact(cosine: float, overlap: float, text: str, passage: str, language: str) -> bool:
    """Whether a passage of another document states the sentence: close enough (`alike`), every
    fact of it and no conflicting one (`carries`), and its claim (`claim_share`)."""
    return (
        alike(cosine, overlap)
        and carries(text, [passage], language)
        and claim_share(text, passage, language) >= MIN_CLAIM_SHARE
    )


def alike(cosine: float, overlap: float) -> bool:
    """Whether a passage is close enough to a sentence (cosine, and the share of the shorter's
    content words it shares) to be read as stating the same fact."""
    return cosine >= SAME_FACT_COSINE or (cosine >= RELATED_COSINE and overlap >= MOST_WORDS)
