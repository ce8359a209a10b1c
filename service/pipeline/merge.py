"""Merge per-document summaries into one brief.

1. Every summary sentence is embedded once (by its words where the embedding model does not know
   the language, see `grouping.py`).
2. Sentences that state the same fact are grouped (`grouping.py`: star clustering over a sparse
   cosine graph, word overlap and figures); each group is written once, by its best-formed
   sentence, and cites every document in it.
3. Groups are picked greedily within the word budget, never cutting a sentence: the most important
   first (how many sources carry it, how central it is to the whole corpus and to its own document),
   with a bonus for a group that brings in a document the brief does not cite yet, and never one
   that repeats a sentence already picked.
4. A sentence that leans on one the brief does not show (`readability.py`) is never picked.
   Each picked sentence is checked against its cited evidence (`faithfulness.py`) before it is
   kept: an unsupported one is dropped (and counted) or kept and flagged, per `on_unsupported`.
   Other documents that state a picked sentence's fact are cited too (`corroboration.py`).
5. Sentences are shown by number of sources, then in the order of their documents' dates where
   the documents carry dates, then by importance.
6. Sources that give different figures for the same thing are reported (`disagreements.py`).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date

import numpy as np

from service.pipeline.chronology import document_date
from service.pipeline.corroboration import corroborate
from service.pipeline.disagreements import (
    MAX_SCANNED_DOCUMENTS,
    Statement,
    document_statements,
    find_disagreements,
)
from service.pipeline.faithfulness import MIN_SUPPORT, check_sentence, evidence_passages
from service.pipeline.grouping import (
    Candidate,
    Group,
    LexicalEncoder,
    candidate,
    embeds_well,
    group_candidates,
)
from service.pipeline.readability import reads_alone
from service.pipeline.types import Brief, BriefSentence, Citation, Document, Summary

NEAR_DUPLICATE_COSINE = 0.75  # two picked sentences closer than this would repeat the brief
NEW_SOURCE_BONUS = 1.0  # as much as one more source: a document left uncited is a dropped source
MIN_SENTENCE_WORDS = 4  # stop looking once the budget left cannot hold a sentence

Encode = Callable[[list[str]], np.ndarray]


def merge_summaries(
    summaries: Sequence[Summary],
    documents: Sequence[Document],
    encode: Encode,
    max_words: int,
    *,
    embedding_model: str | None = None,
    on_unsupported: str = "drop",
    min_support: float = MIN_SUPPORT,
) -> Brief:
    """One brief of `summaries`; `on_unsupported` is "drop" or "flag". A summary's cached
    sentence vectors are used where `embedding_model` (the identity of `encode`) made them."""
    by_id = {d.id: d for d in documents}
    language = _main_language(documents)
    if not embeds_well(language):  # compare by words where the embeddings say little
        encode = LexicalEncoder(s.text for summary in summaries for s in summary.sentences)
        embedding_model = None
    candidates, vectors = _candidates(summaries, encode, embedding_model)
    encode = _KnownVectors([c.sentence.text for c in candidates], vectors, encode)
    importance = _importance(candidates, vectors)
    groups = group_candidates(candidates, vectors, importance)
    picker = _Picker(vectors, importance, by_id, encode, language, min_support)
    picked, dropped = picker.pick(groups, max_words, keep_unsupported=on_unsupported == "flag")
    shown = [sentence for sentence, _, _ in picked]
    rows = [writer.row for _, _, writer in picked]
    corroborate(
        shown,
        vectors[rows],
        document_statements(documents, _by_citations(shown), language, digits=False),
        encode,
    )
    sentences = _in_reading_order(picked, by_id)
    cited = [c.document_id for s in sentences for c in s.citations]
    scanned = set(list(dict.fromkeys(cited))[:MAX_SCANNED_DOCUMENTS])
    statements = [
        Statement(c.sentence.text, c.sentence.citations[0], c.doc_order, True)
        for c in candidates
        if c.sentence.citations and c.document_id in scanned
    ] + document_statements(documents, cited, language)
    return Brief(
        sentences=sentences,
        documents=[d.id for d in documents],
        models=list(dict.fromkeys(s.model for s in summaries if not s.facts.error)),
        facts=[s.facts for s in summaries],
        max_words=max_words,
        notes=[
            f"{s.document_id}: not summarised ({s.facts.error})" for s in summaries if s.facts.error
        ],
        disagreements=find_disagreements(statements, encode, language),
        dropped=dropped,
    )


def _by_citations(sentences: list[BriefSentence]) -> list[str]:
    """Document IDs, the most cited first."""
    counts = Counter(c.document_id for s in sentences for c in s.citations)
    return [document_id for document_id, _ in counts.most_common()]


def _main_language(documents: Sequence[Document]) -> str:
    counts = Counter(d.language for d in documents)
    return counts.most_common(1)[0][0] if counts else "und"


def _candidates(
    summaries: Sequence[Summary], encode: Encode, embedding_model: str | None
) -> tuple[list[Candidate], np.ndarray]:
    """Every summary sentence, and its embedding: the one cached with its summary where
    `embedding_model` made it, else embedded now (a text repeated across documents, as wire
    copy is, once)."""
    pairs = [
        (order, summary.document_id, sentence)
        for order, summary in enumerate(summaries)
        for sentence in summary.sentences
    ]
    if not pairs:
        return [], np.zeros((0, 1), dtype=np.float32)
    cached = [
        summary.vectors_by(embedding_model) if embedding_model else None for summary in summaries
    ]
    missing = [
        s.text
        for summary, rows in zip(summaries, cached, strict=True)
        if rows is None
        for s in summary.sentences
    ]
    unique = {text: at for at, text in enumerate(dict.fromkeys(missing))}
    fresh = np.asarray(encode(list(unique)), dtype=np.float32) if unique else None
    blocks = []
    for summary, rows in zip(summaries, cached, strict=True):
        if rows is not None:
            blocks.append(rows)
        elif summary.sentences and fresh is not None:
            blocks.append(fresh[[unique[s.text] for s in summary.sentences]])
    return [
        candidate(sentence, doc_id, order, row)
        for row, (order, doc_id, sentence) in enumerate(pairs)
    ], np.concatenate(blocks).astype(np.float32, copy=False)


def _importance(candidates: list[Candidate], vectors: np.ndarray) -> np.ndarray:
    """Centrality to the whole corpus plus half the sentence's importance in its document."""
    if not candidates:
        return np.zeros(0)
    mean = vectors.mean(axis=0)
    centroid = mean / (np.linalg.norm(mean) or 1.0)
    scores = np.asarray([c.sentence.score for c in candidates])
    return vectors @ centroid + 0.5 * scores


class _KnownVectors:
    """`encode` that looks up the texts already embedded and embeds only the others, once each:
    the passages and figures checked after the pick are mostly summary sentences again."""

    def __init__(self, texts: list[str], vectors: np.ndarray, encode: Encode) -> None:
        self.rows = {text: row for row, text in enumerate(texts)}
        self.vectors, self.encode = vectors, encode

    def __call__(self, texts: list[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.rows]
        if not new:
            if not texts:
                return self.encode(texts)
            return self.vectors[[self.rows[t] for t in texts]]
        found = np.asarray(self.encode(new), dtype=np.float32)
        at = {text: row for row, text in enumerate(new)}
        return np.stack([found[at[t]] if t in at else self.vectors[self.rows[t]] for t in texts])


class _Picker:
    """Greedy choice of groups within the word budget, checking each before it is kept."""

    def __init__(
        self,
        vectors: np.ndarray,
        importance: np.ndarray,
        documents: dict[str, Document],
        encode: Encode,
        language: str,
        min_support: float,
    ) -> None:
        self.vectors, self.importance, self.documents = vectors, importance, documents
        self.encode, self.language, self.min_support = encode, language, min_support

    def value(self, group: Group) -> float:
        return len(group.document_ids) + float(self.importance[group.leader.row])

    def pick(
        self, groups: list[Group], max_words: int, keep_unsupported: bool
    ) -> tuple[list[tuple[BriefSentence, Group, Candidate]], int]:
        """Lazy greedy: a group's gain only falls as documents get cited, so a stale heap key
        is an upper bound, and the top of the heap is re-scored before it is taken."""
        heap = [(-self._gain(g, set()), at) for at, g in enumerate(groups)]
        heapq.heapify(heap)
        picked: list[tuple[BriefSentence, Group, Candidate]] = []
        cited: set[str] = set()
        words, dropped = 0, 0
        while heap and max_words - words >= MIN_SENTENCE_WORDS:
            _, at = heapq.heappop(heap)
            group = groups[at]
            gain = self._gain(group, cited)
            if heap and gain < -heap[0][0]:
                heapq.heappush(heap, (-gain, at))
                continue
            writer = _writer(group, self.language)
            length = len(writer.sentence.text.split())
            if words + length > max_words or self._repeats(writer, picked):
                continue
            if not reads_alone(writer.sentence.text, self.language):
                continue  # leans on a sentence the brief does not show ("They are...")
            sentence = self._checked(group, writer)
            if not sentence.supported and not keep_unsupported:
                dropped += 1
                continue
            picked.append((sentence, group, writer))
            cited |= group.document_ids
            words += length
        return picked, dropped

    def _gain(self, group: Group, cited: set[str]) -> float:
        return self.value(group) + NEW_SOURCE_BONUS * len(group.document_ids - cited)

    def _repeats(
        self, writer: Candidate, picked: list[tuple[BriefSentence, Group, Candidate]]
    ) -> bool:
        if not picked:
            return False
        rows = [w.row for _, _, w in picked]
        return bool(np.max(self.vectors[rows] @ self.vectors[writer.row]) >= NEAR_DUPLICATE_COSINE)

    def _checked(self, group: Group, writer: Candidate) -> BriefSentence:
        citations: list[Citation] = []
        for member in sorted(group.members, key=lambda m: m.doc_order):
            citations.extend(c for c in member.sentence.citations if c not in citations)
        own = evidence_passages(writer.sentence.citations, self.documents)
        others = evidence_passages(
            [c for c in citations if c not in writer.sentence.citations], self.documents
        )
        verdict = check_sentence(
            writer.sentence.text,
            self.vectors[writer.row],
            own + others if own else [],
            self.encode,
            self.language,
            self.min_support,
        )
        return BriefSentence(
            text=writer.sentence.text,
            citations=citations,
            score=round(self.value(group), 4),
            support=verdict.support,
            supported=verdict.passed,
            problems=list(verdict.problems),
        )


def _writer(group: Group, language: str) -> Candidate:
    """The member that says the group's fact best: one that reads on its own and carries no
    figure another member lacks (so that every citation backs it), the leader when it can."""
    shared = frozenset.intersection(*(m.figures for m in group.members))
    fit = [m for m in group.members if m.figures <= shared]
    return next((m for m in fit if reads_alone(m.sentence.text, language)), group.leader)


def _in_reading_order(
    picked: list[tuple[BriefSentence, Group, Candidate]], documents: dict[str, Document]
) -> list[BriefSentence]:
    dates: dict[str, date | None] = {}

    def when(writer: Candidate) -> tuple[int, date, int]:
        document_id = writer.document_id
        if document_id not in dates:
            dates[document_id] = (
                document_date(documents[document_id]) if document_id in documents else None
            )
        found = dates[document_id]
        return (0, found, writer.sentence.position) if found else (1, date.max, 0)

    ranked = sorted(
        picked,
        key=lambda item: (-len(item[0].document_ids), when(item[2]), -item[0].score),
    )
    return [sentence for sentence, _, _ in ranked]
