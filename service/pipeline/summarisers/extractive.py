"""Extractive summaries: a document's most central, non-redundant sentences, quoted verbatim.

Centrality is continuous LexRank (PageRank over the graph of cosine similarities between sentence
embeddings, or TF-IDF word vectors where the embedding model does not know the language), with a
mild lead prior because news states its point first. Maximal marginal relevance then picks
sentences, and a hard similarity ceiling keeps near-duplicates (repeated titles, a lead
restated later) out. A sentence that leans on the one before it ("They are...", "“...,” he said")
counts half, so that one that names its subject is quoted instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from service.pipeline.documents.sentences import is_question
from service.pipeline.merge.grouping import LexicalEncoder, embeds_well
from service.pipeline.merge.readability import reads_alone
from service.pipeline.models.embeddings import Embedder
from service.pipeline.summarisers.base import Prepared, document_facts
from service.pipeline.types import (
    Chunk,
    Citation,
    Document,
    ModelInfo,
    Sentence,
    SentenceVectors,
    Summary,
    SummarySentence,
)

ALGORITHM_VERSION = "lexrank-lead-mmr-6"  # bump whenever the selection below changes its output
DAMPING = 0.85
LEAD_WEIGHT = 0.4  # share of a sentence's importance that comes from being early: news states its
# point first (the lead baseline beats centrality in every MultiLing language)
LEAD_SCALE = 3.0  # the lead prior halves by the fourth sentence
MMR_LAMBDA = 0.7  # importance against novelty when picking the next sentence
REDUNDANT_COSINE = 0.8  # a sentence this close to one already picked is never picked
MIN_SENTENCE_WORDS, MAX_SENTENCE_WORDS = 5, 80
LEANING_WEIGHT = 0.5  # a sentence that leans on the one before it ("They are...") reads badly alone
# Documents summarised together: their sentences (about 15 a news article) embedded in one call,
# in batches of similar length, instead of a call per document of a few short, ragged batches.
DOCUMENTS_PER_CALL = 32


def lexrank(vectors: np.ndarray) -> np.ndarray:
    """Stationary distribution of a random walk over positive cosine similarities."""
    count = len(vectors)
    similarity = np.clip(vectors @ vectors.T, 0.0, None).astype(np.float64)
    np.fill_diagonal(similarity, 0.0)
    totals = similarity.sum(axis=1, keepdims=True)
    uniform = np.full_like(similarity, 1.0 / count)
    transition = np.divide(similarity, totals, out=uniform, where=totals > 0)
    rank = np.full(count, 1.0 / count)
    for _ in range(200):
        updated = (1.0 - DAMPING) / count + DAMPING * (rank @ transition)
        converged = float(np.abs(updated - rank).sum()) < 1e-10
        rank = updated
        if converged:
            break
    return rank


def importance(vectors: np.ndarray, positions: Sequence[int]) -> np.ndarray:
    """Centrality scaled to [0, 1], blended with a lead prior on each sentence's position."""
    if len(vectors) == 0:
        return np.zeros(0)
    central = lexrank(vectors)
    lead = 1.0 / (1.0 + np.asarray(positions, dtype=np.float64) / LEAD_SCALE)
    weights: np.ndarray = (1.0 - LEAD_WEIGHT) * central / central.max() + LEAD_WEIGHT * lead
    return weights


def is_brief_material(text: str, language: str) -> bool:
    """Questions, fragments and run-on walls of text make poor sentences in a brief."""
    words = len(text.split())
    return MIN_SENTENCE_WORDS <= words <= MAX_SENTENCE_WORDS and not is_question(text, language)


def select_sentences(
    vectors: np.ndarray, scores: np.ndarray, eligible: Sequence[int], limit: int
) -> list[int]:
    """Pick up to `limit` rows by maximal marginal relevance; return them in row order."""
    chosen: list[int] = []
    pool = list(eligible)
    while pool and len(chosen) < limit:
        closeness = {row: _closest(vectors, row, chosen) for row in pool}
        best = max(
            pool,
            key=lambda row: (MMR_LAMBDA * scores[row] - (1 - MMR_LAMBDA) * closeness[row], -row),
        )
        pool.remove(best)
        if closeness[best] <= REDUNDANT_COSINE:
            chosen.append(best)
    return sorted(chosen)


def _closest(vectors: np.ndarray, row: int, chosen: list[int]) -> float:
    return float(np.max(vectors[chosen] @ vectors[row])) if chosen else 0.0


def sentences_read(sentences: list[Sentence], chunks: list[Chunk]) -> list[Sentence]:
    """The sentences the chunks hold, each once, in order: what the model was allowed to read."""
    if not chunks:
        return list(sentences)
    unique = {sentence.index: sentence for chunk in chunks for sentence in chunk.sentences}
    return [unique[index] for index in sorted(unique)]


class ExtractiveSummariser:
    """Quote a document's most central sentences, each citing its own span."""

    def __init__(self, embedder: Embedder, max_sentences: int = 5) -> None:
        self.embedder = embedder
        self.max_sentences = max_sentences
        self.info = ModelInfo(embedder.info.name, "extractive", embedder.info.revision)

    @property
    def max_input_tokens(self) -> int:
        return self.embedder.max_tokens

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.embedder.count_tokens(texts)

    @property
    def cache_key(self) -> str:
        return "|".join(
            [
                "extractive",
                self.info.name,
                self.info.revision or "unpinned",
                f"max_sentences={self.max_sentences}",
                ALGORITHM_VERSION,
            ]
        )

    @property
    def documents_per_call(self) -> int:
        return DOCUMENTS_PER_CALL

    def summarise(
        self, document: Document, sentences: list[Sentence], chunks: list[Chunk], truncated: bool
    ) -> Summary:
        return self.summarise_many([Prepared(document, sentences, chunks, truncated)])[0]

    def summarise_many(self, prepared: Sequence[Prepared]) -> list[Summary]:
        """The sentences of every document in a language the model embeds well are embedded in
        one call, which cuts them into fuller batches of similar length than one document's."""
        reads = [sentences_read(item.sentences, item.chunks) for item in prepared]
        embedded = [
            bool(read) and embeds_well(item.document.language)
            for item, read in zip(prepared, reads, strict=True)
        ]
        texts = [
            s.text for read, wanted in zip(reads, embedded, strict=True) if wanted for s in read
        ]
        rows = self.embedder.encode(texts) if texts else np.zeros((0, 0), dtype=np.float32)
        counts = [len(read) for read, wanted in zip(reads, embedded, strict=True) if wanted]
        vectors = iter(np.split(rows, np.cumsum(counts)[:-1]) if counts else [])
        return [
            self._summary(item, read, next(vectors) if wanted else None)
            for item, read, wanted in zip(prepared, reads, embedded, strict=True)
        ]

    def _summary(self, item: Prepared, read: list[Sentence], vectors: np.ndarray | None) -> Summary:
        """`item`'s summary from the sentences it read and their embeddings (None: the model does
        not know its language, and its sentences are compared by their words instead)."""
        document = item.document
        picked: list[SummarySentence] = []
        kept: SentenceVectors | None = None
        if read:
            texts = [sentence.text for sentence in read]
            lexical = vectors is None
            if vectors is None:
                vectors = LexicalEncoder(texts)(texts)
            scores = importance(vectors, [sentence.index for sentence in read])
            scores *= [
                1.0 if reads_alone(sentence.text, document.language) else LEANING_WEIGHT
                for sentence in read
            ]
            rows = select_sentences(
                vectors, scores, _eligible(read, document.language), self.max_sentences
            )
            picked = [_quote(read[row], float(scores[row])) for row in rows]
            if not lexical:  # kept with the summary: the merge will not embed them again
                kept = SentenceVectors.of(self.embedder.identity, vectors[rows])
        facts = document_facts(self, document, item.sentences, item.chunks, item.truncated)
        return Summary(document.id, self.info, picked, facts, kept)


def _eligible(read: list[Sentence], language: str) -> list[int]:
    """Rows fit for a brief; when none is, every row that is not a question."""
    rows = [row for row, s in enumerate(read) if is_brief_material(s.text, language)]
    if rows:
        return rows
    return [row for row, s in enumerate(read) if not is_question(s.text, language)]


def _quote(sentence: Sentence, score: float) -> SummarySentence:
    citation = Citation(sentence.document_id, sentence.start, sentence.end)
    return SummarySentence(sentence.text, [citation], score, sentence.index)
