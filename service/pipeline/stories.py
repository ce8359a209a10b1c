"""Group a corpus's documents into stories: the documents that report one event.

A document is represented by TF-IDF over its words, each cut to its first `STEM_LETTERS` letters
(a light stemmer for every script: Czech, Arabic or Hebrew inflect a word by its ending far more
than English does), and its names (`facts.names`, capitalised words: the people and places a
story is about), counted again as names. Words of two languages are not comparable, so each
language is grouped on its own; documents are joined across languages only by a representation
that shares one space across them, and no such one is used here (see below).

Stories are the clusters of average-linkage agglomerative clustering (scikit-learn) cut at a
cosine: two groups join while the mean cosine between their documents reaches the threshold. The
number of stories is what the cut leaves, never given. The threshold is relative to the corpus's
own background, its median pair (in a corpus of many stories nearly every pair is of two
different stories, and how much two unrelated texts share depends on the language):
`BACKGROUND_RATIO` times it, but never above `STORY_COSINE`, so that a corpus of one story (whose
median pair is a same-story pair) stays one. That cap is what decides a small corpus: 0.15 is
more than two reports of different events share in any MultiLing 2011 language (the 99th
percentile of such pairs is 0.07-0.13), and where a loose story falls under it, two stories
cost a reader less than one brief that mixes two events.

Average linkage never joins two groups with no pair of documents at the threshold (their mean
would be under it), so the clustering runs separately inside each connected component of the
graph of pairs that reach it.

The sentence embeddings (all-MiniLM-L6-v2) were measured for this and lost: pooled MultiLing 2011
English (10 stories of 10 documents), the mean embedding of a document's summary sentences reaches
an adjusted Rand index of 0.67 at best, its head's embedding 0.83, and these words 0.98.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from service.pipeline.facts import names
from service.pipeline.grouping import content_words
from service.pipeline.types import Document

STEM_LETTERS = 5
STORY_COSINE = 0.15
BACKGROUND_RATIO = 1.5  # half as much again as two unrelated documents share
BACKGROUND_SAMPLE = 2000  # documents whose pairs estimate the background of a larger corpus
NAME_MARK = "\x00"  # prefixes a name's feature, so "Paris" the name and "paris" the word differ
BLOCK = 1024  # rows per sparse product


@dataclass(frozen=True)
class StoryGroup:
    """Documents of one story, as indices into the corpus given, and its most typical one."""

    members: list[int]
    centre: int  # the member of highest mean cosine with the others


def group_stories(documents: Sequence[Document]) -> list[StoryGroup]:
    """Stories of `documents`, the largest first, then in the order of their first document."""
    partitions: dict[str, list[int]] = {}
    for index, document in enumerate(documents):
        partitions.setdefault(document.language.split("-")[0].lower(), []).append(index)
    groups: list[StoryGroup] = []
    for indices in partitions.values():
        vectors = document_vectors([documents[i] for i in indices])
        for members, centre in cluster(vectors, story_threshold(vectors)):
            groups.append(StoryGroup([indices[m] for m in members], indices[centre]))
    groups.sort(key=lambda g: (-len(g.members), g.members[0]))
    return groups


def _features(text: str) -> list[str]:
    stems = [word[:STEM_LETTERS] for word in content_words(text)]
    return [*stems, *(NAME_MARK + name for name in names(text))]


def document_vectors(documents: Sequence[Document]) -> csr_matrix:
    """Unit rows of TF-IDF weights (log-scaled counts) of each document's stems and names."""
    texts = [f"{d.title}\n{d.text}" if d.title else d.text for d in documents]
    tfidf = TfidfVectorizer(analyzer=_features, sublinear_tf=True, dtype=np.float32)
    return csr_matrix(tfidf.fit_transform(texts))


def story_threshold(vectors: csr_matrix) -> float:
    """`BACKGROUND_RATIO` times the median pair's cosine, at most `STORY_COSINE`."""
    count = vectors.shape[0]
    if count < 2:
        return STORY_COSINE
    sample = vectors
    if count > BACKGROUND_SAMPLE:
        rng = np.random.default_rng(0)
        sample = vectors[np.sort(rng.choice(count, BACKGROUND_SAMPLE, replace=False))]
    similarity = (sample @ sample.T).toarray()
    background = float(np.median(similarity[np.triu_indices(sample.shape[0], k=1)]))
    return min(STORY_COSINE, BACKGROUND_RATIO * background)


def cluster(vectors: csr_matrix, threshold: float) -> list[tuple[list[int], int]]:
    """Average-linkage clusters of unit rows cut at mean cosine `threshold`, each with its
    centre (the member of highest mean cosine with the others)."""
    count = vectors.shape[0]
    if count == 0:
        return []
    rows, cols = _pairs(vectors, threshold)
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(count, count))
    _, labels = connected_components(graph, directed=False)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    found: list[tuple[list[int], int]] = []
    for members in np.split(order, bounds):
        if len(members) == 1:
            found.append(([int(members[0])], int(members[0])))
            continue
        dense = vectors[members].toarray()
        similarity = np.clip(dense @ dense.T, -1.0, 1.0)
        clusters = AgglomerativeClustering(
            n_clusters=None,
            metric="precomputed",
            linkage="average",
            distance_threshold=1.0 - threshold,
        ).fit_predict(1.0 - similarity)
        for label in np.unique(clusters):
            inside = np.flatnonzero(clusters == label)
            centre = inside[np.argmax(similarity[np.ix_(inside, inside)].sum(axis=1))]
            found.append(([int(m) for m in members[inside]], int(members[centre])))
    return found


def _pairs(vectors: csr_matrix, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows whose cosine reaches `threshold`."""
    count = vectors.shape[0]
    found_rows, found_cols = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for start in range(0, count, BLOCK):
        block = (vectors[start : start + BLOCK] @ vectors.T).tocoo()
        keep = (block.data >= threshold) & (block.row + start < block.col)
        found_rows.append(block.row[keep] + start)
        found_cols.append(block.col[keep])
    return np.concatenate(found_rows), np.concatenate(found_cols)
