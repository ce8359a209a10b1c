"""A second look at each story found: two events that share a theme but not their actors.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/stories/actors.py`)
says how and why.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.cluster import KMeans

SPLIT_RATIO = 0.0  # off: every ratio that splits twin events costs MultiLing (README, "Stories")
MIN_SIDE = 2  # documents each half needs to be a story of its own


def split_by_actors(
    words: csr_matrix, names: csr_matrix, members: list[int], cut: float = SPLIT_RATIO
) -> list[list[int]]:
    """`members` (rows of `words` and `names`) as one story, or as the stories its names
    split it into."""
    if cut <= 0.0 or len(members) < 2 * MIN_SIDE:
        return [members]
    halves = _bisect(words, names, members)
    if halves is None:
        return [members]
    one, other = halves
    if _cosine(names[one], names[other]) >= cut * _cosine(words[one], words[other]):
        return [members]
    return split_by_actors(words, names, one, cut) + split_by_actors(words, names, other, cut)


def _bisect(
    words: csr_matrix, names: csr_matrix, members: list[int]
) -> tuple[list[int], list[int]] | None:
    rows = names[members]
    named = np.flatnonzero(rows.getnnz(axis=1) > 0)
    if len(named) < 2 * MIN_SIDE:
        return None
    compact = rows[named]
    used, columns = np.unique(compact.indices, return_inverse=True)
    compact = csr_matrix((compact.data, columns, compact.indptr), shape=(len(named), len(used)))
    labels = KMeans(n_clusters=2, n_init=3, random_state=0).fit_predict(compact)
    if min(np.bincount(labels, minlength=2)) < MIN_SIDE:
        return None
    side = np.full(len(members), -1, dtype=np.int64)
    side[named] = labels
    unnamed = np.flatnonzero(side < 0)
    if len(unnamed):
        picked = words[members]
        sums = [_sum(picked[named[labels == k]]) for k in (0, 1)]
        closeness = np.column_stack([(picked[unnamed] @ t.T).toarray().ravel() for t in sums])
        side[unnamed] = np.argmax(closeness, axis=1)
    return (
        [members[i] for i in np.flatnonzero(side == 0)],
        [members[i] for i in np.flatnonzero(side == 1)],
    )


def _cosine(one: csr_matrix, other: csr_matrix) -> float:
    """The cosine of two groups' summed rows (1 where either is empty: nothing tells them apart)."""
    first, second = _sum(one), _sum(other)
    norms = float(np.sqrt(first.multiply(first).sum() * second.multiply(second).sum()))
    return float(first.multiply(second).sum()) / norms if norms else 1.0


def _sum(rows: csr_matrix) -> csr_matrix:
    """The rows' sum, a sparse row."""
    return csr_matrix(csr_matrix(np.ones((1, rows.shape[0]), dtype=np.float32)) @ rows)
