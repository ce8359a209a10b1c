"""A document's words as a story vector: what the document is about, in a space of its own.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/stories/features.py`)
says how and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import regex
from scipy.sparse import csr_matrix, vstack
from sklearn.preprocessing import normalize
from sklearn.utils import murmurhash3_32

from service.pipeline.merge.concepts import language_code, stem, stop_words
from service.pipeline.types import Document

DIMENSIONS = 1 << 22  # hashed feature columns: collisions among a story's words are rare
TITLE_REPEATS = 2  # a title's words are read twice more than the text's
NAME_MARK = "\x00"  # prefixes a name's feature, so "Paris" the name and "paris" the word differ
TOP_FEATURES = 160  # a document keeps its heaviest: what it is about, not its asides (README)
PRIOR_DOCUMENTS = 3000  # the language's weight beside the corpus's, in documents (README)
CHUNK = 8192  # documents read at a time, so that memory holds one chunk's counts
BREAK = "\x01"  # joins a chunk's texts: no text holds it as a piece of its own
MIN_HALF_WORDS = 20  # content words each half needs for its cosine to say anything

_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")  # a Devanagari vowel sign is a mark, not a break


def document_vectors(documents: Sequence[Document], names: bool = False) -> csr_matrix:
    """Unit rows, one per document, of its title and text (without `names`: words alone, as
    the stories benchmark weighs what names add)."""
    return Reader(_language(documents), names).vectors([(d.title or "", d.text) for d in documents])


def name_vectors(documents: Sequence[Document]) -> csr_matrix:
    """Unit rows of each document's names alone (its capitalised words, weighed as words are):
    who and where, which tell apart two events that share their theme (`actors.py`). A document
    without names is a row of zeros."""
    reader = Reader(_language(documents), names=True, only_names=True)
    return reader.vectors([(d.title or "", d.text) for d in documents])


def halves_cosines(documents: Sequence[Document], names: bool = False) -> np.ndarray:
    """The cosine of each document's first half (with its title) and second half, for those
    whose halves each hold `MIN_HALF_WORDS` content words: what one story scores in this
    language."""
    reader = Reader(_language(documents), names)
    first, second = [], []
    for document in documents:
        text = document.text
        middle = len(text) // 2
        cut = text.find(" ", middle)
        cut = middle if cut < 0 else cut
        first.append((document.title or "", text[:cut]))
        second.append(("", text[cut:]))
    both, words = reader.read(first + second)
    one, other = both[: len(first)], both[len(first) :]
    one_words, other_words = words[: len(first)], words[len(first) :]
    long_enough = np.minimum(one_words, other_words) >= MIN_HALF_WORDS
    cosines: np.ndarray = np.asarray(one.multiply(other).sum(axis=1)).ravel()[long_enough]
    return cosines


def _language(documents: Sequence[Document]) -> str:
    return language_code(documents[0].language) if documents else "en"


class Reader:
    """Reads texts of one language into story vectors, each distinct white-space piece once."""

    def __init__(self, language: str, names: bool = False, only_names: bool = False) -> None:
        self.language = language_code(language)
        self.names = names
        self.only_names = only_names
        self.pieces: dict[str, int] = {}
        self.content: list[int] = []  # per piece, its content words
        self.rows: list[int] = []  # piece -> (feature column, frequency), as parallel lists
        self.columns: list[int] = []
        self.frequencies: list[float] = []
        self._piece(BREAK)  # piece 0, which has no words

    def vectors(self, parts: Sequence[tuple[str, str]]) -> csr_matrix:
        """Unit rows of (title, text) pairs."""
        return self.read(parts)[0]

    def read(self, parts: Sequence[tuple[str, str]]) -> tuple[csr_matrix, np.ndarray]:
        """Unit rows of (title, text) pairs, and each one's number of content words."""
        counts, columns, frequency, words = self.count(parts)
        weights = self.weights(counts, frequency, words)
        return self.weigh(counts, columns, weights), words

    def count(
        self, parts: Sequence[tuple[str, str]]
    ) -> tuple[csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
        """Counts of each part's features (columns local to this call), each local column's
        hashed column and background frequency (that of its commonest form), and each part's
        number of content words."""
        chunks = []
        for start in range(0, len(parts), CHUNK):
            chunks.append(self._pieces_of(parts[start : start + CHUNK]))
        rows = np.asarray(self.rows, dtype=np.int64)
        hashed, local = np.unique(np.asarray(self.columns, dtype=np.int64), return_inverse=True)
        frequency = np.zeros(len(hashed), dtype=np.float64)
        np.maximum.at(frequency, local, np.asarray(self.frequencies, dtype=np.float64))
        to_features = csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, local)),
            shape=(len(self.pieces), max(len(hashed), 1)),
        )
        content = np.asarray(self.content, dtype=np.float32)
        counts = []
        words = []
        for documents in chunks:
            documents.resize((documents.shape[0], len(self.pieces)))
            words.append(documents @ content)
            counts.append(csr_matrix(documents @ to_features))
        if not counts:
            empty = np.zeros(0, dtype=np.int64)
            return csr_matrix((0, 1), dtype=np.float32), empty, np.zeros(0), empty
        matrix = vstack(counts).tocsr()
        return matrix, hashed, frequency, np.concatenate(words).astype(np.int64)

    @staticmethod
    def weights(
        counts: csr_matrix,
        frequency: np.ndarray,
        words: np.ndarray,
        earlier: tuple[np.ndarray, int, float] | None = None,
    ) -> np.ndarray:
        """Each feature's weight: -log10 of the share of documents it is in, the corpus's count
        smoothed by the language's (`PRIOR_DOCUMENTS` documents as long as the corpus's mean).
        `earlier`: the features' document counts among documents read before, their number
        and their content words in all, which count as this corpus's."""
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        documents, total_words = counts.shape[0], float(words.sum())
        if earlier is not None:
            df = df + earlier[0]
            documents += earlier[1]
            total_words += earlier[2]
        length = total_words / documents if documents else 0.0
        background = np.minimum(1.0, frequency * max(length, 1.0))
        share = (df + PRIOR_DOCUMENTS * background) / (documents + PRIOR_DOCUMENTS)
        weights: np.ndarray = -np.log10(np.clip(share, 1e-12, 1.0))
        return weights

    @staticmethod
    def weigh(counts: csr_matrix, columns: np.ndarray, weights: np.ndarray) -> csr_matrix:
        """Unit rows of (1 + log count) x weight, each row's `TOP_FEATURES` heaviest kept, in
        the hashed columns."""
        counts.sort_indices()
        values = (1.0 + np.log(counts.data)) * weights[counts.indices]
        kept = _top(counts.indptr, values, TOP_FEATURES)
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))[kept]
        matrix = csr_matrix(
            (values[kept].astype(np.float32), (rows, columns[counts.indices[kept]])),
            shape=(counts.shape[0], DIMENSIONS),
        )
        return normalize(matrix)

    def _pieces_of(self, parts: Sequence[tuple[str, str]]) -> csr_matrix:
        """Counts of each part's white-space pieces (a title's `1 + TITLE_REPEATS` times).

        The chunk's texts are joined by `BREAK` and split and looked up in one pass each (in C);
        only the pieces not read before are read in Python."""
        texts = self._ids([text for _, text in parts])
        titles = self._ids([title for title, _ in parts])
        rows = [np.cumsum(ids == 0) - 1 for ids in (texts, titles)]
        weights = np.concatenate(
            [
                np.ones(int((texts > 0).sum()), np.float32),
                np.full(int((titles > 0).sum()), 1 + TITLE_REPEATS, np.float32),
            ]
        )
        matrix = csr_matrix(
            (
                weights,
                (
                    np.concatenate([rows[0][texts > 0], rows[1][titles > 0]]),
                    np.concatenate([texts[texts > 0], titles[titles > 0]]),
                ),
            ),
            shape=(len(parts), len(self.pieces)),
        )
        matrix.sum_duplicates()
        return matrix

    def _ids(self, texts: list[str]) -> np.ndarray:
        """The piece IDs of the texts joined, each text's preceded by `BREAK`'s (0)."""
        joined = f"{BREAK} {f' {BREAK} '.join(texts)}"
        if joined.count(BREAK) != len(texts):  # a text that holds one is read without it
            joined = f"{BREAK} {f' {BREAK} '.join(t.replace(BREAK, ' ') for t in texts)}"
        split = joined.split()
        ids = list(map(self.pieces.get, split))
        if None in ids:  # pieces not read before: few, once a corpus is under way
            for piece in set(split).difference(self.pieces):
                self._piece(piece)
            ids = list(map(self.pieces.__getitem__, split))
        return np.array(ids, dtype=np.int64)

    def _piece(self, piece: str) -> int:
        at = self.pieces.get(piece)
        if at is None:
            at = self.pieces[piece] = len(self.pieces)
            words = 0
            for word in _WORD.findall(piece):
                found = _features(word, self.language, self.names)
                words += bool(found)
                if self.only_names:
                    found = found[1:]
                for column, frequency in found:
                    self.rows.append(at)
                    self.columns.append(column)
                    self.frequencies.append(frequency)
            self.content.append(words)
        return at


def _top(indptr: np.ndarray, values: np.ndarray, keep: int) -> np.ndarray:
    """Positions of each row's `keep` largest values (rows no longer than that are sorted
    no further)."""
    lengths = np.diff(indptr)
    rows = np.repeat(np.arange(len(lengths)), lengths)
    long = lengths[rows] > keep
    if not long.any():
        return np.arange(len(values))
    at = np.flatnonzero(long)
    order = at[np.lexsort((-values[at], rows[at]))]
    rank = np.arange(len(order)) - np.searchsorted(rows[order], rows[order], side="left")
    return np.sort(np.concatenate([np.flatnonzero(~long), order[rank < keep]]))


def _features(word: str, language: str, names: bool) -> tuple[tuple[int, float], ...]:
    """The hashed features of one written word and its frequency: none for a stop word; its stem,
    and its stem as a name when capitalised."""
    lower = word.lower()
    if lower in stop_words(language) or (len(lower) < 3 and not lower.isdigit()):
        return ()
    frequency = background_frequency(lower, language)
    root = stem(lower, language)
    found = [(_column(root), frequency)]
    if names and word[:1].isupper():
        found.append((_column(NAME_MARK + root), frequency))
    return tuple(found)


def _column(feature: str) -> int:
    return int(murmurhash3_32(feature, positive=True)) % DIMENSIONS


def background_frequency(word: str, language: str) -> float:
    """The word's frequency in the language (wordfreq), its rarest where unknown."""
    frequencies, rarest = _frequencies(language)
    return frequencies.get(word, rarest)


@cache
def _frequencies(language: str) -> tuple[dict[str, float], float]:
    from wordfreq import available_languages, get_frequency_dict

    if language not in available_languages():
        return {}, 1e-8
    table = get_frequency_dict(language)
    return table, min(table.values())
