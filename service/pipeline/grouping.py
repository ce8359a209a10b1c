"""Group summary sentences from different documents that state the same fact.

One clustering method, star (leader) clustering over a sparse similarity graph:

1. Edges: pairs of sentences from different documents whose embeddings have cosine >=
   `SAME_FACT_COSINE`, or >= `RELATED_COSINE` with a word overlap >= `RELATED_WORD_OVERLAP`
   (found by `neighbours.similar_pairs`, never by comparing all pairs).
2. Each sentence's *support* is the number of other documents it has an edge to.
3. Sentences are taken by support, then importance; an ungrouped one becomes the leader of a new
   group and takes, closest first, its ungrouped neighbours, one per document. A neighbour joins
   only if it carries every figure of the leader: "10,000-12,000 troops" and "12,000 troops" are
   not the same fact (the disagreement finder reports them instead).

Every member is similar to its leader itself, so groups never drift by chaining.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from service.pipeline.facts import figures
from service.pipeline.neighbours import similar_pairs
from service.pipeline.types import SummarySentence

SAME_FACT_COSINE = 0.80
RELATED_COSINE = 0.65
RELATED_WORD_OVERLAP = 0.45
MAX_NEIGHBOURS = 64  # per sentence; also the most documents one group can cite

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Candidate:
    sentence: SummarySentence
    document_id: str
    doc_order: int  # position of its document in the request
    row: int  # its row in the embedding matrix
    words: frozenset[str]
    figures: frozenset[str]  # keys of its figures ("10000-12000" is one figure)


@dataclass
class Group:
    leader: Candidate
    members: list[Candidate] = field(default_factory=list)

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


def candidate(sentence: SummarySentence, document_id: str, doc_order: int, row: int) -> Candidate:
    text = sentence.text
    keys = frozenset(f.key for f in figures(text))
    return Candidate(sentence, document_id, doc_order, row, content_words(text), keys)


def group_candidates(
    candidates: Sequence[Candidate], vectors: np.ndarray, importance: np.ndarray
) -> list[Group]:
    """Star clustering of `candidates` (row i of `vectors` and `importance` is candidates[i])."""
    owners = np.asarray([c.doc_order for c in candidates], dtype=np.int64)
    rows, cols, cosines = similar_pairs(vectors, owners, RELATED_COSINE, MAX_NEIGHBOURS)
    edges: list[list[tuple[float, int]]] = [[] for _ in candidates]
    for i, j, cosine in zip(rows.tolist(), cols.tolist(), cosines.tolist(), strict=True):
        a, b = candidates[i], candidates[j]
        if cosine >= SAME_FACT_COSINE or word_overlap(a.words, b.words) >= RELATED_WORD_OVERLAP:
            edges[i].append((cosine, j))
            edges[j].append((cosine, i))
    support = [len({candidates[j].doc_order for _, j in mine}) for mine in edges]
    order = sorted(range(len(candidates)), key=lambda i: (-support[i], -importance[i], i))
    grouped = [False] * len(candidates)
    groups: list[Group] = []
    for i in order:
        if grouped[i]:
            continue
        leader = candidates[i]
        group = Group(leader, [leader])
        grouped[i] = True
        for _, j in sorted(edges[i], reverse=True):
            other = candidates[j]
            if grouped[j] or other.document_id in group.document_ids:
                continue
            if leader.figures <= other.figures:
                group.members.append(other)
                grouped[j] = True
        groups.append(group)
    return groups
