"""Merge per-document summaries into one brief.

Sentences from different documents that say the same thing are grouped (leader clustering over
sentence embeddings: a sentence joins the first, more important group whose leader it resembles by
cosine >= `SAME_FACT_COSINE`, or by cosine >= `RELATED_COSINE` with enough shared words), each group
is written once, by its best sentence, and cites every document in the group. Groups are then picked
greedily within the word budget, the most important first: how many sources carry it, how central it
is to the whole corpus and to its own document, with a bonus for a group that brings in a document
the brief does not cite yet, so that no source is dropped while there is room for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from service.pipeline.types import (
    Brief,
    BriefSentence,
    Citation,
    Document,
    Summary,
    SummarySentence,
)

SAME_FACT_COSINE = 0.80
RELATED_COSINE = 0.65
RELATED_WORD_OVERLAP = 0.45
NEAR_DUPLICATE_COSINE = 0.75  # two picked sentences closer than this would repeat the brief
NEW_SOURCE_BONUS = 1.0  # as much as one more source: a document left uncited is a dropped source

_WORD = re.compile(r"\w+", re.UNICODE)

Encode = Callable[[list[str]], np.ndarray]


@dataclass
class _Candidate:
    sentence: SummarySentence
    document_id: str
    doc_order: int
    vector: np.ndarray
    words: frozenset[str]


@dataclass
class _Group:
    leader: _Candidate
    members: list[_Candidate] = field(default_factory=list)

    @property
    def document_ids(self) -> set[str]:
        return {m.document_id for m in self.members}


def content_words(text: str) -> frozenset[str]:
    """Lower-cased words of three letters or more (or any number): the overlap we care about."""
    return frozenset(w for w in _WORD.findall(text.lower()) if len(w) > 2 or w.isdigit())


def word_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the shorter sentence's words found in the other (overlap coefficient)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def merge_summaries(
    summaries: Sequence[Summary],
    documents: Sequence[Document],
    encode: Encode,
    max_words: int,
) -> Brief:
    candidates = _candidates(summaries, encode)
    groups = _group(candidates)
    centroid = _centroid([c.vector for c in candidates])
    picked = _pick(groups, centroid, max_words)
    models = list(dict.fromkeys(s.model for s in summaries if not s.facts.error))
    notes = [
        f"{s.document_id}: not summarised ({s.facts.error})" for s in summaries if s.facts.error
    ]
    return Brief(
        sentences=picked,
        documents=[d.id for d in documents],
        models=models,
        facts=[s.facts for s in summaries],
        max_words=max_words,
        notes=notes,
    )


def _candidates(summaries: Sequence[Summary], encode: Encode) -> list[_Candidate]:
    pairs = [
        (order, summary.document_id, sentence)
        for order, summary in enumerate(summaries)
        for sentence in summary.sentences
    ]
    if not pairs:
        return []
    vectors = encode([sentence.text for _, _, sentence in pairs])
    return [
        _Candidate(sentence, doc_id, order, vectors[i], content_words(sentence.text))
        for i, (order, doc_id, sentence) in enumerate(pairs)
    ]


def _same_fact(a: _Candidate, b: _Candidate) -> bool:
    cosine = float(a.vector @ b.vector)
    if cosine >= SAME_FACT_COSINE:
        return True
    return cosine >= RELATED_COSINE and word_overlap(a.words, b.words) >= RELATED_WORD_OVERLAP


def _group(candidates: list[_Candidate]) -> list[_Group]:
    """Leader clustering, most important sentences first so that they lead their groups."""
    groups: list[_Group] = []
    for candidate in sorted(candidates, key=lambda c: (-c.sentence.score, c.doc_order)):
        home = next(
            (
                g
                for g in groups
                if candidate.document_id not in g.document_ids and _same_fact(g.leader, candidate)
            ),
            None,
        )
        if home is None:
            groups.append(_Group(leader=candidate, members=[candidate]))
        else:
            home.members.append(candidate)
    return groups


def _centroid(vectors: list[np.ndarray]) -> np.ndarray | None:
    if not vectors:
        return None
    mean = np.mean(np.stack(vectors), axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else None


def _importance(group: _Group, centroid: np.ndarray | None) -> float:
    centrality = float(group.leader.vector @ centroid) if centroid is not None else 0.0
    return len(group.document_ids) + centrality + 0.5 * group.leader.sentence.score


def _pick(groups: list[_Group], centroid: np.ndarray | None, max_words: int) -> list[BriefSentence]:
    remaining = sorted(groups, key=lambda g: -_importance(g, centroid))
    picked: list[tuple[_Group, float]] = []
    cited: set[str] = set()
    words = 0
    while remaining:
        best = max(
            remaining,
            key=lambda g: _importance(g, centroid) + NEW_SOURCE_BONUS * len(g.document_ids - cited),
        )
        remaining.remove(best)
        length = len(best.leader.sentence.text.split())
        if words + length > max_words or _repeats(best, [g for g, _ in picked]):
            continue
        picked.append((best, _importance(best, centroid)))
        cited |= best.document_ids
        words += length
    picked.sort(key=lambda pair: -pair[1])
    return [_brief_sentence(group, score) for group, score in picked]


def _repeats(group: _Group, picked: list[_Group]) -> bool:
    return any(
        float(group.leader.vector @ p.leader.vector) >= NEAR_DUPLICATE_COSINE for p in picked
    )


def _brief_sentence(group: _Group, score: float) -> BriefSentence:
    citations: list[Citation] = []
    for member in sorted(group.members, key=lambda m: m.doc_order):
        citations.extend(c for c in member.sentence.citations if c not in citations)
    return BriefSentence(
        text=group.leader.sentence.text, citations=citations, score=round(score, 4)
    )
