"""Group a corpus's documents into stories: the documents that report one event.

A document is its story vector (`features.py`: its words and names, each weighed by how rare it
is in the language at large, not in this corpus); each language is grouped on its own. Stories
are average-linkage clusters cut where the mean cosine between two groups falls under
`SAME_STORY_SHARE` of the median cosine between the two halves of one document, which measures
what "one story" scores in this language and this corpus: no constant per language, no guess at
how many stories there are. Over `EXACT_LIMIT` documents, a sample is clustered exactly and the
rest join it. Why these choices, and the figures: README, Quality, "Stories".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix

from service.pipeline.merge.concepts import language_code
from service.pipeline.stories.actors import SPLIT_RATIO, split_by_actors
from service.pipeline.stories.features import document_vectors, halves_cosines, name_vectors
from service.pipeline.types import Document

# Of what two halves of one document share; chosen leaving one language out (README, "Stories").
SAME_STORY_SHARE = 0.375
SHORT_TEXT_COSINE = 0.1  # the threshold where no document is that long
EXACT_LIMIT = 4096  # documents clustered over every pair (4 n² bytes: 67 MB)
HALVES_SAMPLE = 2048  # documents whose halves measure the threshold
BLOCK = 512  # rows per product


@dataclass(frozen=True)
class StoryGroup:
    """Documents of one story, as indices into the corpus given, and its most typical one."""

    members: list[int]
    centre: int  # the member of highest mean cosine with the others
    key: str | None = None  # the ID of the story found before that it is (`growth.py`)


def group_stories(
    documents: Sequence[Document], share: float = SAME_STORY_SHARE, split: float = SPLIT_RATIO
) -> list[StoryGroup]:
    """Stories of `documents`, the largest first, then in the order of their first document."""
    partitions: dict[str, list[int]] = {}
    for index, document in enumerate(documents):
        partitions.setdefault(language_code(document.language), []).append(index)
    groups: list[StoryGroup] = []
    for indices in partitions.values():
        if len(indices) == 1:
            groups.append(StoryGroup(indices, indices[0]))
            continue
        picked = [documents[i] for i in indices]
        vectors, threshold = story_space(picked, share)
        names = name_vectors(picked) if split > 0 else None
        for members, centre in stories_apart(vectors, names, threshold, split):
            groups.append(StoryGroup([indices[m] for m in members], indices[centre]))
    groups.sort(key=lambda g: (-len(g.members), g.members[0]))
    return groups


def story_space(
    documents: Sequence[Document], share: float = SAME_STORY_SHARE
) -> tuple[csr_matrix, float]:
    """Unit story vectors of the documents, and the cosine at which two groups of them are one
    story (`share` of the median cosine of a document's two halves)."""
    return document_vectors(documents), story_threshold(documents, share)


def story_threshold(documents: Sequence[Document], share: float = SAME_STORY_SHARE) -> float:
    """`share` of the median cosine between a document's two halves, over a sample of
    `HALVES_SAMPLE` of them (a median needs no more)."""
    if len(documents) > HALVES_SAMPLE:
        picked = np.random.default_rng(0).choice(len(documents), HALVES_SAMPLE, replace=False)
        documents = [documents[i] for i in sorted(picked.tolist())]
    cosines = halves_cosines(documents)
    return share * float(np.median(cosines)) if len(cosines) else SHORT_TEXT_COSINE


def cluster(vectors: csr_matrix, threshold: float) -> list[tuple[list[int], int]]:
    """Average-linkage clusters of unit rows cut at mean cosine `threshold`, each with its
    centre (the member of highest mean cosine with the others)."""
    count = vectors.shape[0]
    if count == 0:
        return []
    labels = _labels(vectors, threshold, np.random.default_rng(0))
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    found: list[tuple[list[int], int]] = []
    for members in np.split(order, bounds):
        rows = vectors[members]
        closeness = rows @ np.asarray(rows.sum(axis=0)).ravel()
        found.append(([int(m) for m in members], int(members[int(np.argmax(closeness))])))
    return found


def stories_apart(
    vectors: csr_matrix, names: csr_matrix | None, threshold: float, split: float = SPLIT_RATIO
) -> list[tuple[list[int], int]]:
    """`cluster`'s stories, each split where its halves name different actors and places
    (`actors.py`; not when `names` is None), each with its centre."""
    clusters = cluster(vectors, threshold)
    if names is None or split <= 0:
        return clusters
    found = []
    for members, centre in clusters:
        parts = split_by_actors(vectors, names, members, split)
        if len(parts) == 1:
            found.append((members, centre))
            continue
        for part in parts:
            rows = vectors[part]
            closeness = rows @ np.asarray(rows.sum(axis=0)).ravel()
            found.append((part, part[int(np.argmax(closeness))]))
    return found


def _labels(vectors: csr_matrix, threshold: float, rng: np.random.Generator) -> np.ndarray:
    """A story label per row: exact average linkage up to `EXACT_LIMIT` rows, else a sample's
    stories, joined by the rows that reach one, and the rest labelled among themselves."""
    count = vectors.shape[0]
    if count <= EXACT_LIMIT:
        return _average_linkage(vectors, threshold)
    sample = np.sort(rng.choice(count, EXACT_LIMIT, replace=False))
    sampled = _average_linkage(vectors[sample], threshold)
    stories = int(sampled.max()) + 1
    membership = csr_matrix(
        (np.ones(len(sample), dtype=np.float32), (sampled, np.arange(len(sample)))),
        shape=(stories, len(sample)),
    )
    sizes = np.bincount(sampled, minlength=stories).astype(np.float32)
    sums = csr_matrix((membership @ vectors[sample]).T)  # each story's sum of rows, a column
    labels = np.full(count, -1, dtype=np.int64)
    labels[sample] = sampled
    rest = np.setdiff1d(np.arange(count), sample)
    for start in range(0, len(rest), BLOCK):
        block = rest[start : start + BLOCK]
        mean = (vectors[block] @ sums).toarray() / sizes  # mean cosine with each story
        best = np.argmax(mean, axis=1)
        reached = mean[np.arange(len(block)), best] >= threshold
        labels[block[reached]] = best[reached]
    left = np.flatnonzero(labels < 0)
    if len(left):
        labels[left] = stories + _labels(vectors[left], threshold, rng)
    return labels


def _average_linkage(vectors: csr_matrix, threshold: float) -> np.ndarray:
    """Labels of average-linkage clusters of unit rows, cut at mean cosine `threshold`."""
    count = vectors.shape[0]
    if count == 1:
        return np.zeros(1, dtype=np.int64)
    distances = np.empty(count * (count - 1) // 2, dtype=np.float64)  # SciPy's condensed form
    transposed = csr_matrix(vectors.T)
    for start in range(0, count - 1, BLOCK):
        stop = min(start + BLOCK, count - 1)
        block = (vectors[start:stop] @ transposed).toarray()
        for row in range(start, stop):
            at = row * count - row * (row + 1) // 2  # where row's pairs (row, row+1..) begin
            distances[at : at + count - row - 1] = 1.0 - block[row - start, row + 1 :]
    np.clip(distances, 0.0, 2.0, out=distances)
    tree = linkage(distances, method="average")
    del distances
    labels: np.ndarray = (
        fcluster(tree, t=1.0 - threshold, criterion="distance").astype(np.int64) - 1
    )
    return labels
