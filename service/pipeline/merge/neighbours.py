"""Pairs of unit vectors from different owners whose cosine reaches a threshold, in bounded time.

Comparing every sentence with every other is quadratic: 50,000 sentences make 2.5 billion pairs.
Instead the vectors are partitioned into cells of about `CELL_SIZE` by a few rounds of spherical
k-means, and each vector is compared, in blocks, only with the members of its `PROBES` nearest
cells (an inverted-file index, as in FAISS's IVF). Up to `CELL_SIZE` vectors form a single cell,
so small inputs are searched exactly. Each vector keeps at most `max_neighbours` neighbours, which
bounds memory however redundant the input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

CELL_SIZE = 2048
PROBES = 2
KMEANS_ROUNDS = 6
BLOCK = 4096


def similar_pairs(
    vectors: np.ndarray, owners: np.ndarray, threshold: float, max_neighbours: int = 64
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, cols, cosines) with rows < cols, each pair once, owners of a pair always differ."""
    count = len(vectors)
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    if count < 2:
        return _unique(found, count)
    primary, probes = _cells(vectors)
    for cell in range(int(probes.max()) + 1):
        members = np.flatnonzero(primary == cell)
        queries = np.flatnonzero((probes == cell).any(axis=1))
        if len(members) == 0:
            continue
        for start in range(0, len(queries), BLOCK):
            block = queries[start : start + BLOCK]
            found.append(_block_pairs(vectors, owners, block, members, threshold, max_neighbours))
    return _unique(found, count)


def _cells(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each vector's own cell and the cells it is searched in (its own first)."""
    count = len(vectors)
    cells = max(1, round(count / CELL_SIZE))
    if cells == 1:
        return np.zeros(count, dtype=np.int64), np.zeros((count, 1), dtype=np.int64)
    centroids = _kmeans(vectors, cells)
    scores = vectors @ centroids.T
    probes = np.argsort(-scores, axis=1)[:, :PROBES]
    return probes[:, 0].copy(), probes


def _kmeans(vectors: np.ndarray, cells: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    centroids = vectors[rng.choice(len(vectors), size=cells, replace=False)].copy()
    for _ in range(KMEANS_ROUNDS):
        nearest = np.argmax(vectors @ centroids.T, axis=1)
        for cell in range(cells):
            mine = vectors[nearest == cell]
            if len(mine):
                mean = mine.sum(axis=0)
                centroids[cell] = mean / (np.linalg.norm(mean) or 1.0)
    return centroids


def _block_pairs(
    vectors: np.ndarray,
    owners: np.ndarray,
    rows: np.ndarray,
    members: np.ndarray,
    threshold: float,
    limit: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sims = vectors[rows] @ vectors[members].T
    sims[owners[rows][:, None] == owners[members][None, :]] = -1.0
    hits = sims >= threshold
    crowded = np.flatnonzero(np.count_nonzero(hits, axis=1) > limit)
    if len(crowded):  # keep only the `limit` closest of a row with too many neighbours
        order = np.argpartition(-sims[crowded], limit, axis=1)
        keep = np.zeros((len(crowded), sims.shape[1]), dtype=bool)
        np.put_along_axis(keep, order[:, :limit], True, axis=1)
        hits[crowded] &= keep
    row_at, col_at = np.nonzero(hits)
    return rows[row_at], members[col_at], sims[row_at, col_at]


def _unique(
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]], count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    rows = np.concatenate([f[0] for f in found])
    cols = np.concatenate([f[1] for f in found])
    sims = np.concatenate([f[2] for f in found])
    low, high = np.minimum(rows, cols), np.maximum(rows, cols)
    keys, first = np.unique(low.astype(np.int64) * count + high, return_index=True)
    return keys // count, keys % count, sims[first]


def star_clusters(
    order: Iterable[int],
    neighbours: Callable[[int], Iterable[int]],
    admits: Callable[[int, int, list[int]], bool] = lambda leader, other, members: True,
) -> list[list[int]]:
    """Star (leader) clustering: taken in `order`, an item not yet in a cluster leads a new one
    and takes its `neighbours` (closest first) that are in none and that `admits(leader, other,
    members so far)` lets in. Every member is a neighbour of its leader itself, so clusters
    never drift by chaining. A leader with no neighbour is a cluster of one."""
    taken: set[int] = set()
    clusters: list[list[int]] = []
    for leader in order:
        if leader in taken:
            continue
        members = [leader]
        taken.add(leader)
        for other in neighbours(leader):
            if other not in taken and admits(leader, other, members):
                members.append(other)
                taken.add(other)
        clusters.append(members)
    return clusters
