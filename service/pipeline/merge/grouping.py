"""Group summary sentences from different documents that state the same fact.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/merge/grouping.py`)
says how and why.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
import regex

from service.pipeline.merge.assertions import figures
from service.pipeline.merge.neighbours import similar_pairs, star_clusters
from service.pipeline.types import SummarySentence

SAME_FACT_COSINE = 0.80
RELATED_COSINE = 0.72
RELATED_WORD_OVERLAP = 0.45
MAX_NEIGHBOURS = 64  # per sentence; also the most documents one group can cite

EMBEDDED_LANGUAGES = frozenset({"en"})  # where the default embedding model's cosines mean much
LEXICAL_WIDTH = 2048  # hashed word dimensions: two 15-word sentences share a bucket by chance
# about once in nine pairs; 50,000 sentences take 400 MB

_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")  # a Devanagari vowel sign is a mark, not a break


@dataclass(eq=False)
class Candidate:
    """A summary sentence in the merge; its words and figures are read only when needed."""

    sentence: SummarySentence
    document_id: str
    doc_order: int  # position of its document in the request
    row: int  # its row in the embedding matrix

    @cached_property
    def words(self) -> frozenset[str]:
        return _cached_content_words(self.sentence.text)

    @cached_property
    def figures(self) -> frozenset[str]:
        """Keys of its figures ("10000-12000" is one figure)."""
        return frozenset(f.key for f in figures(self.sentence.text))


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


_cached_content_words = lru_cache(maxsize=1 << 16)(content_words)  # news repeats sentences


def embeds_well(language: str) -> bool:
    return language.split("-")[0].lower() in EMBEDDED_LANGUAGES


class LexicalEncoder:
    """`encode` for languages the embedding model does not know: unit rows of TF-IDF weights of
    each text's content words, the document frequencies taken from `corpus`."""

    def __init__(self, corpus: Iterable[str]) -> None:
        counts: Counter[str] = Counter()
        self.size = 0
        for text in corpus:
            counts.update(_cached_content_words(text))
            self.size += 1
        self.frequency = counts

    def weight(self, word: str) -> float:
        return math.log((self.size + 1) / (self.frequency.get(word, 0) + 1)) + 1.0

    def __call__(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), LEXICAL_WIDTH), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _cached_content_words(text):
                vectors[row, _bucket(word)] += self.weight(word)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms > 0, norms, 1.0)


@lru_cache(maxsize=1 << 16)
def _bucket(word: str) -> int:
    digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") % LEXICAL_WIDTH


def word_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the shorter sentence's words found in the other (overlap coefficient)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def candidate(sentence: SummarySentence, document_id: str, doc_order: int, row: int) -> Candidate:
    return Candidate(sentence, document_id, doc_order, row)


def group_candidates(
    candidates: Sequence[Candidate], vectors: np.ndarray, importance: np.ndarray
) -> list[Group]:
    """Star clustering of `candidates` (row i of `vectors` and `importance` is candidates[i])."""
    count = len(candidates)
    if count == 0:
        return []
    owners = np.asarray([c.doc_order for c in candidates], dtype=np.int64)
    graph = _Edges.build(candidates, vectors, owners)
    support = graph.support(owners)
    order = np.lexsort((np.arange(count), -np.asarray(importance, dtype=np.float64), -support))

    def admits(leader: int, other: int, members: list[int]) -> bool:
        """One member per document; a neighbour joins only if it states every figure the
        leader states."""
        if any(candidates[m].document_id == candidates[other].document_id for m in members):
            return False
        figures = candidates[leader].figures
        return not figures or figures <= candidates[other].figures

    clusters = star_clusters(order.tolist(), lambda i: graph.neighbours(i).tolist(), admits)
    return [Group(candidates[c[0]], [candidates[i] for i in c]) for c in clusters]


@dataclass(frozen=True)
class _Edges:
    """The same-fact graph in compressed rows: row i's neighbours, closest first."""

    starts: np.ndarray  # row i's neighbours are targets[starts[i]:starts[i + 1]]
    targets: np.ndarray

    @classmethod
    def build(
        cls, candidates: Sequence[Candidate], vectors: np.ndarray, owners: np.ndarray
    ) -> _Edges:
        rows, cols, cosines = similar_pairs(vectors, owners, RELATED_COSINE, MAX_NEIGHBOURS)
        keep = cosines >= SAME_FACT_COSINE
        for at in np.flatnonzero(~keep).tolist():  # only related pairs need their words compared
            a, b = candidates[int(rows[at])], candidates[int(cols[at])]
            keep[at] = word_overlap(a.words, b.words) >= RELATED_WORD_OVERLAP
        sources = np.concatenate([rows[keep], cols[keep]])
        targets = np.concatenate([cols[keep], rows[keep]])
        closeness = np.concatenate([cosines[keep], cosines[keep]])
        # by row, then closest first, then (as `sorted(..., reverse=True)` on (cosine, j)) higher j
        order = np.lexsort((-targets, -closeness, sources))
        starts = np.searchsorted(sources[order], np.arange(len(candidates) + 1))
        return cls(starts, targets[order])

    def neighbours(self, row: int) -> np.ndarray:
        return self.targets[self.starts[row] : self.starts[row + 1]]

    def support(self, owners: np.ndarray) -> np.ndarray:
        """How many other documents each row has an edge to."""
        count = len(self.starts) - 1
        sources = np.repeat(np.arange(count), np.diff(self.starts))
        width = int(owners.max()) + 1
        pairs = np.sort(sources * width + owners[self.targets])
        first = np.ones(len(pairs), dtype=bool)
        first[1:] = pairs[1:] != pairs[:-1]
        return np.bincount(pairs[first] // width, minlength=count)
