"""Group a corpus's documents into stories: the documents that report one event.

A document is three TF-IDF views of its words joined with equal weight (Snowball stems and names,
five-letter pieces of content words, pairs of adjacent stems), its title read `TITLE_REPEATS`
times; each language is grouped on its own. Stories are average-linkage clusters cut where the
mean cosine between two groups falls under `SAME_STORY_SHARE` of the median cosine between the two
halves of one document, which measures what "one story" scores in this language and this corpus:
no constant per language, no guess at how many stories there are. Over `EXACT_LIMIT` documents, a
sample is clustered exactly and the rest join it. Why these choices, and the figures: README,
Quality, "Stories".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import regex
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix, hstack
from sklearn.preprocessing import normalize

from service.pipeline.merge.concepts import language_code, stem, stop_words
from service.pipeline.types import Document

SAME_STORY_SHARE = 0.4  # of what two halves of one document share
TITLE_REPEATS = 2  # a title's words are read twice more than the text's
PIECE_LETTERS = 5  # letters of a word piece
MIN_HALF_WORDS = 20  # content words each half needs for its cosine to say anything
SHORT_TEXT_COSINE = (
    0.05  # the threshold where no document is that long: MultiLing's are 0.045-0.074
)
EXACT_LIMIT = 4096  # documents clustered over every pair (4 n² bytes: 67 MB)
BLOCK = 512  # rows per product
NAME_MARK = "\x00"  # prefixes a name's feature, so "Paris" the name and "paris" the word differ

_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")  # a Devanagari vowel sign is a mark, not a break


@dataclass(frozen=True)
class StoryGroup:
    """Documents of one story, as indices into the corpus given, and its most typical one."""

    members: list[int]
    centre: int  # the member of highest mean cosine with the others


def group_stories(documents: Sequence[Document]) -> list[StoryGroup]:
    """Stories of `documents`, the largest first, then in the order of their first document."""
    partitions: dict[str, list[int]] = {}
    for index, document in enumerate(documents):
        partitions.setdefault(language_code(document.language), []).append(index)
    groups: list[StoryGroup] = []
    for indices in partitions.values():
        if len(indices) == 1:
            groups.append(StoryGroup(indices, indices[0]))
            continue
        vectors, threshold = story_space([documents[i] for i in indices])
        for members, centre in cluster(vectors, threshold):
            groups.append(StoryGroup([indices[m] for m in members], indices[centre]))
    groups.sort(key=lambda g: (-len(g.members), g.members[0]))
    return groups


def story_space(documents: Sequence[Document]) -> tuple[csr_matrix, float]:
    """Unit rows of the documents' three views joined, and the cosine at which two groups of
    them are one story (`SAME_STORY_SHARE` of the median cosine of a document's two halves).

    Each document is read once, as word IDs; its first half (with its title) and second half are
    counted apart, and the whole is their sum. Stems, names, pieces and concepts are worked out
    once per distinct word (or pair of adjacent stems), and counted with sparse products."""
    language = documents[0].language if documents else "en"
    lexicon = _Lexicon(language)
    first: list[list[int]] = []
    second: list[list[int]] = []
    for document in documents:
        title = lexicon.ids(document.title or "")
        text = document.text
        middle = len(text) // 2
        cut = text.find(" ", middle)
        cut = middle if cut < 0 else cut
        first.append([*(title * TITLE_REPEATS), -1, *lexicon.ids(text[:cut])])
        second.append(lexicon.ids(text[cut:]))
    count = len(documents)
    weighted = []
    for view in lexicon.views(first + second):
        a, b = view[:count], view[count:]
        idf = _idf(a + b)
        weighted.append(tuple(normalize(_tf(m).multiply(idf).tocsr()) for m in (a + b, a, b)))
    whole, one, other = (normalize(hstack([w[k] for w in weighted]).tocsr()) for k in range(3))
    halves_cosine = np.asarray(one.multiply(other).sum(axis=1)).ravel()
    content = lexicon.content_array()
    long_enough = [
        min(int(content[[i for i in a if i >= 0]].sum()), int(content[b].sum())) >= MIN_HALF_WORDS
        for a, b in zip(first, second, strict=True)
    ]
    threshold = SHORT_TEXT_COSINE
    if any(long_enough):
        threshold = SAME_STORY_SHARE * float(np.median(halves_cosine[long_enough]))
    return csr_matrix(whole, dtype=np.float32), threshold


def _tf(counts: csr_matrix) -> csr_matrix:
    """Log-scaled counts: 1 + log(count)."""
    scaled = counts.astype(np.float32)
    scaled.data = 1.0 + np.log(scaled.data)
    return scaled


def _idf(counts: csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency, as scikit-learn's TfidfVectorizer weighs."""
    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    idf: np.ndarray = np.log((1 + counts.shape[0]) / (1 + frequency)).astype(np.float32) + 1.0
    return idf


class _Lexicon:
    """The corpus's distinct words, each read once: its stem, whether it is a content word (not
    a stop word, three letters or a number), whether it was written capitalised (a name), its
    pieces."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.stop = stop_words(language)
        self.known: dict[str, int] = {}
        self.words: list[str] = []

    def ids(self, text: str) -> list[int]:
        found = []
        for word in _WORD.findall(text):
            at = self.known.get(word)
            if at is None:
                at = self.known[word] = len(self.words)
                self.words.append(word)
            found.append(at)
        return found

    def content_array(self) -> np.ndarray:
        lower = [w.lower() for w in self.words]
        return np.asarray([w not in self.stop and (len(w) > 2 or w.isdigit()) for w in lower])

    def views(self, documents: list[list[int]]) -> list[csr_matrix]:
        """Per document (word IDs, -1 between parts that no concept spans): counts of its stems
        and names, of its pieces, of its concepts."""
        count = len(self.words)
        lower = [w.lower() for w in self.words]
        content = self.content_array()
        stems, stem_of = np.unique([stem(w, self.language) for w in lower], return_inverse=True)
        named = np.asarray([w[:1].isupper() for w in self.words]) & content
        rows = np.repeat(np.arange(len(documents)), [len(d) for d in documents])
        flat = np.fromiter((i for d in documents for i in d), dtype=np.int64, count=len(rows))
        real = flat >= 0
        words = csr_matrix(
            (np.ones(int(real.sum()), dtype=np.float32), (rows[real], flat[real])),
            shape=(len(documents), count),
        )
        stem_matrix = _indicator(np.flatnonzero(content), stem_of[content], count, len(stems))
        name_matrix = _indicator(np.flatnonzero(named), stem_of[named], count, len(stems))
        by_stem = hstack([words @ stem_matrix, words @ name_matrix]).tocsr()
        piece_ids: dict[str, int] = {}
        piece_rows, piece_cols = [], []
        for word in np.flatnonzero(content).tolist():
            for piece in _pieces(lower[word]):
                piece_rows.append(word)
                piece_cols.append(piece_ids.setdefault(piece, len(piece_ids)))
        pieces = _indicator(np.asarray(piece_rows), np.asarray(piece_cols), count, len(piece_ids))
        return [by_stem, csr_matrix(words @ pieces), self._concepts(rows, flat, stem_of, content)]

    def _concepts(
        self, rows: np.ndarray, flat: np.ndarray, stem_of: np.ndarray, content: np.ndarray
    ) -> csr_matrix:
        """Counts of adjacent stem pairs within a part of a document, one of them a content
        word (`concepts.sentence_concepts`)."""
        documents = int(rows.max()) + 1 if len(rows) else 0
        same = (rows[:-1] == rows[1:]) & (flat[:-1] >= 0) & (flat[1:] >= 0)
        left, right = flat[:-1][same], flat[1:][same]
        keep = content[left] | content[right]
        width = int(stem_of.max()) + 1 if len(stem_of) else 1
        keys = stem_of[left[keep]].astype(np.int64) * width + stem_of[right[keep]]
        if len(keys) == 0:
            return csr_matrix((documents, 1), dtype=np.float32)
        _, columns = np.unique(keys, return_inverse=True)
        return csr_matrix(
            (np.ones(len(keys), dtype=np.float32), (rows[:-1][same][keep], columns)),
            shape=(documents, int(columns.max()) + 1),
        )


def _indicator(rows: np.ndarray, cols: np.ndarray, height: int, width: int) -> csr_matrix:
    return csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(height, max(width, 1))
    )


@lru_cache(maxsize=1 << 17)
def _pieces(word: str) -> tuple[str, ...]:
    marked = f" {word} "
    if len(marked) <= PIECE_LETTERS:
        return (marked,)
    return tuple(marked[i : i + PIECE_LETTERS] for i in range(len(marked) - PIECE_LETTERS + 1))


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
    sums = csr_matrix(membership @ vectors[sample])  # each story's sum of rows
    labels = np.full(count, -1, dtype=np.int64)
    labels[sample] = sampled
    rest = np.setdiff1d(np.arange(count), sample)
    for start in range(0, len(rest), BLOCK):
        block = rest[start : start + BLOCK]
        mean = (vectors[block] @ sums.T).toarray() / sizes  # mean cosine with each story
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
