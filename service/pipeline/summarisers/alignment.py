"""Tie generated sentences to the source sentences that support them.

A model's text never cites itself. Each generated sentence is aligned to the sentence of its own
chunk it resembles most (embedding cosine and shared words) and cites that sentence's span; one
that resembles nothing in its chunk is dropped rather than given false evidence, and so is one that
repeats a sentence already kept (overlapping chunks make a model say the same thing twice).
"""

from __future__ import annotations

import logging
import re

import numpy as np

from service.pipeline.models.embeddings import Embedder
from service.pipeline.summarisers.extractive import importance
from service.pipeline.types import Chunk, Citation, Sentence, SentenceVectors, SummarySentence

log = logging.getLogger(__name__)

COSINE_WEIGHT = 0.6  # alignment support = this much embedding cosine, the rest word overlap
MIN_SUPPORT = 0.2  # below this, a generated sentence has no evidence in its chunk
DUPLICATE_COSINE = 0.9  # generated sentences this close say the same thing (chunks overlap)
# Scripts written without spaces between words: compare them by character pairs, not words.
UNSPACED_SCRIPT = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u9fff]")

Draft = tuple[str, Chunk]  # a generated sentence and the chunk it was generated from


def cite_drafts(
    drafts: list[Draft],
    sentences: list[Sentence],
    embedder: Embedder,
    min_support: float = MIN_SUPPORT,
    max_sentences: int | None = None,
) -> tuple[list[SummarySentence], SentenceVectors]:
    """Tie each generated sentence to its best evidence; drop the unsupported and repeats.

    At most `max_sentences` are kept, the most important, in the order they were generated. The
    kept sentences' embeddings come back too, to be cached with the summary.
    """
    source = embedder.encode([sentence.text for sentence in sentences])
    generated = embedder.encode([text for text, _ in drafts])
    rows = {sentence.index: row for row, sentence in enumerate(sentences)}
    scores = importance(source, [sentence.index for sentence in sentences])
    picked: list[SummarySentence] = []
    kept: list[int] = []
    for number, (text, chunk) in enumerate(drafts):
        evidence, support = _evidence(text, generated[number], chunk, source, rows)
        if support < min_support or _repeats(number, drafts, generated, kept):
            log.debug("dropped generated sentence (support %.2f): %s", support, text)
            continue
        kept.append(number)
        citation = Citation(evidence.document_id, evidence.start, evidence.end)
        score = float(scores[rows[evidence.index]])
        picked.append(SummarySentence(text, [citation], score, evidence.index))
    chosen = _most_important(picked, max_sentences)
    vectors = SentenceVectors.of(embedder.identity, generated[[kept[at] for at in chosen]])
    return [picked[at] for at in chosen], vectors


def _evidence(
    text: str, vector: np.ndarray, chunk: Chunk, source: np.ndarray, rows: dict[int, int]
) -> tuple[Sentence, float]:
    """The chunk's sentence that best supports `text`, and how well (cosine and word overlap)."""
    cosines = source[[rows[sentence.index] for sentence in chunk.sentences]] @ vector
    supports = [
        COSINE_WEIGHT * float(cosine) + (1 - COSINE_WEIGHT) * share_in_evidence(text, sentence.text)
        for cosine, sentence in zip(cosines, chunk.sentences, strict=True)
    ]
    best = int(np.argmax(supports))
    return chunk.sentences[best], supports[best]


def _repeats(number: int, drafts: list[Draft], vectors: np.ndarray, kept: list[int]) -> bool:
    """Overlapping chunks make a model say the same thing twice; keep the first saying."""
    words = " ".join(drafts[number][0].casefold().split())
    for other in kept:
        if " ".join(drafts[other][0].casefold().split()) == words:
            return True
        if float(vectors[other] @ vectors[number]) > DUPLICATE_COSINE:
            return True
    return False


def _most_important(picked: list[SummarySentence], limit: int | None) -> list[int]:
    """Positions in `picked` of at most `limit` sentences, the most important, in the order they
    were generated."""
    if limit is None or len(picked) <= limit:
        return list(range(len(picked)))
    ranked = sorted(range(len(picked)), key=lambda number: (-picked[number].score, number))
    return sorted(ranked[:limit])


def share_in_evidence(text: str, evidence: str) -> float:
    """Share of `text`'s words (or character pairs, in unspaced scripts) found in `evidence`."""
    mine = _units(text)
    return len(mine & _units(evidence)) / len(mine) if mine else 0.0


def _units(text: str) -> set[str]:
    folded = text.casefold()
    if UNSPACED_SCRIPT.search(folded):
        letters = "".join(re.findall(r"\w", folded))
        return {letters[at : at + 2] for at in range(len(letters) - 1)}
    return set(re.findall(r"\w+", folded))
