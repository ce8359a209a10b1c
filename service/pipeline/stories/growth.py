"""Stories that grow as news arrives: new documents join the stories found before, or found new
ones, without grouping the corpus again.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/stories/growth.py`)
says how and why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix, vstack

from service.pipeline.merge.concepts import language_code
from service.pipeline.stories.actors import SPLIT_RATIO
from service.pipeline.stories.features import DIMENSIONS, Reader, document_vectors, name_vectors
from service.pipeline.stories.finding import (
    BLOCK,
    SAME_STORY_SHARE,
    StoryGroup,
    cluster,
    stories_apart,
    story_threshold,
)
from service.pipeline.types import Document


@dataclass
class LanguageStories:
    """The stories of one language's documents."""

    threshold: float
    document_frequency: np.ndarray  # per hashed feature: how many documents hold it
    documents: int
    words: float  # content words of all documents
    keys: list[str] = field(default_factory=list)  # story i's ID: its founding document's
    sums: csr_matrix = field(default_factory=lambda: csr_matrix((0, DIMENSIONS), dtype=np.float32))
    sizes: list[int] = field(default_factory=list)


@dataclass
class StoryLedger:
    """Every story found so far, by language, and each document's story key."""

    languages: dict[str, LanguageStories] = field(default_factory=dict)
    story_of: dict[str, str] = field(default_factory=dict)  # document ID -> story key


def found_stories(documents: Sequence[Document], share: float = SAME_STORY_SHARE) -> StoryLedger:
    """Group `documents` from scratch into a ledger that can grow."""
    ledger = StoryLedger()
    for language, indices in _by_language(documents).items():
        picked = [documents[i] for i in indices]
        threshold = story_threshold(picked, share)
        stories = LanguageStories(threshold, np.zeros(DIMENSIONS, dtype=np.int32), 0, 0.0)
        ledger.languages[language] = stories
        vectors = _read(stories, picked, language)
        labels = np.full(len(picked), -1, dtype=np.int64)
        names = name_vectors(picked) if SPLIT_RATIO > 0 else None
        for label, (members, _) in enumerate(stories_apart(vectors, names, threshold)):
            labels[members] = label
        _found(ledger, stories, picked, vectors, labels)
    return ledger


def grow(ledger: StoryLedger, documents: Sequence[Document]) -> dict[str, str]:
    """Place `documents` (not in the ledger yet) into its stories or new ones; their keys."""
    placed: dict[str, str] = {}
    fresh = [d for d in documents if d.id not in ledger.story_of]
    for language, indices in _by_language(fresh).items():
        picked = [fresh[i] for i in indices]
        stories = ledger.languages.get(language)
        if stories is None:
            threshold = story_threshold(picked)
            stories = LanguageStories(threshold, np.zeros(DIMENSIONS, dtype=np.int32), 0, 0.0)
            ledger.languages[language] = stories
        vectors = _read(stories, picked, language)
        labels = _nearest(stories, vectors)
        left = np.flatnonzero(labels < 0)
        if len(left):
            start = len(stories.keys)
            local = np.full(len(picked), -1, dtype=np.int64)
            for label, (members, _) in enumerate(cluster(vectors[left], stories.threshold)):
                local[left[members]] = start + label
            labels[left] = local[left]
        joined = labels < len(stories.keys)
        if joined.any():
            rows = labels[joined]
            membership = csr_matrix(
                (np.ones(len(rows), dtype=np.float32), (rows, np.flatnonzero(joined))),
                shape=(len(stories.keys), len(picked)),
            )
            stories.sums = csr_matrix(stories.sums + membership @ vectors)
            for row in rows.tolist():
                stories.sizes[row] += 1
            for index in np.flatnonzero(joined).tolist():
                ledger.story_of[picked[index].id] = stories.keys[labels[index]]
        labels[joined] = -1
        _found(ledger, stories, picked, vectors, labels - len(stories.keys))
        placed.update({d.id: ledger.story_of[d.id] for d in picked})
    return placed


def ledger_of(
    documents: Sequence[Document],
    stories: Mapping[str, Sequence[str]],
    share: float = SAME_STORY_SHARE,
) -> StoryLedger:
    """The ledger of stories found before (`stories`: document IDs by story key), of those of
    `documents` that they hold: read, not grouped again."""
    ledger = StoryLedger()
    story_of = {i: key for key, held in stories.items() for i in held}
    known = [d for d in documents if d.id in story_of]
    for language, indices in _by_language(known).items():
        picked = [known[i] for i in indices]
        held = LanguageStories(
            story_threshold(picked, share), np.zeros(DIMENSIONS, dtype=np.int32), 0, 0.0
        )
        ledger.languages[language] = held
        vectors = _read(held, picked, language)
        keys = list(dict.fromkeys(story_of[d.id] for d in picked))
        row = {key: at for at, key in enumerate(keys)}
        labels = np.asarray([row[story_of[d.id]] for d in picked], dtype=np.int64)
        membership = csr_matrix(
            (np.ones(len(picked), dtype=np.float32), (labels, np.arange(len(picked)))),
            shape=(len(keys), len(picked)),
        )
        held.keys = keys
        held.sums = csr_matrix(membership @ vectors)
        held.sizes = np.bincount(labels, minlength=len(keys)).tolist()
        ledger.story_of.update({d.id: story_of[d.id] for d in picked})
    return ledger


def stories_since(
    documents: Sequence[Document], stories: Mapping[str, Sequence[str]]
) -> list[StoryGroup]:
    """The stories of `documents` given the stories found before (document IDs by story ID):
    those keep their documents and ID (`key`), the documents they do not hold join one of them
    or found new stories (no key: the brief names them). Each with its most typical member."""
    ledger = ledger_of(documents, stories)
    placed = grow(ledger, [d for d in documents if d.id not in ledger.story_of])
    founded = set(placed.values()) - set(stories)
    by_key: dict[str, list[int]] = {}
    for index, document in enumerate(documents):
        by_key.setdefault(ledger.story_of[document.id], []).append(index)
    found = []
    for key, indices in by_key.items():
        picked = [documents[i] for i in indices]
        vectors = document_vectors(picked)
        closeness = vectors @ np.asarray(vectors.sum(axis=0)).ravel()
        centre = indices[int(np.argmax(closeness))]
        found.append(StoryGroup(indices, centre, None if key in founded else key))
    found.sort(key=lambda g: (-len(g.members), g.members[0]))
    return found


def members(ledger: StoryLedger) -> dict[str, list[str]]:
    """Each story's document IDs, by story key."""
    found: dict[str, list[str]] = {}
    for document_id, key in ledger.story_of.items():
        found.setdefault(key, []).append(document_id)
    return found


def _by_language(documents: Sequence[Document]) -> dict[str, list[int]]:
    partitions: dict[str, list[int]] = {}
    for index, document in enumerate(documents):
        partitions.setdefault(language_code(document.language), []).append(index)
    return partitions


def _read(stories: LanguageStories, documents: Sequence[Document], language: str) -> csr_matrix:
    """Unit story vectors of `documents`, weighed with the documents read before, whose counts
    they join."""
    reader = Reader(language)
    counts, columns, frequency, words = reader.count([(d.title or "", d.text) for d in documents])
    earlier = (stories.document_frequency[columns], stories.documents, stories.words)
    weights = reader.weights(counts, frequency, words, earlier)
    held = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.int32)
    stories.document_frequency[columns] += held
    stories.documents += len(documents)
    stories.words += float(words.sum())
    return reader.weigh(counts, columns, weights)


def _nearest(stories: LanguageStories, vectors: csr_matrix) -> np.ndarray:
    """Per row, the story of highest mean cosine with its members when that reaches the cut,
    else -1."""
    labels = np.full(vectors.shape[0], -1, dtype=np.int64)
    if not stories.keys:
        return labels
    sizes = np.asarray(stories.sizes, dtype=np.float32)
    transposed = csr_matrix(stories.sums.T)
    for start in range(0, vectors.shape[0], BLOCK):
        mean = (vectors[start : start + BLOCK] @ transposed).toarray() / sizes
        best = np.argmax(mean, axis=1)
        reached = mean[np.arange(len(best)), best] >= stories.threshold
        labels[start : start + BLOCK][reached] = best[reached]
    return labels


def _found(
    ledger: StoryLedger,
    stories: LanguageStories,
    documents: Sequence[Document],
    vectors: csr_matrix,
    labels: np.ndarray,
) -> None:
    """New stories of the rows labelled 0.. (-1 or below: not new), each keyed by its founding
    document (the first given)."""
    new = labels >= 0
    if not new.any():
        return
    count = int(labels[new].max()) + 1
    membership = csr_matrix(
        (np.ones(int(new.sum()), dtype=np.float32), (labels[new], np.flatnonzero(new))),
        shape=(count, len(documents)),
    )
    founders: list[str | None] = [None] * count
    for index in np.flatnonzero(new).tolist():
        label = int(labels[index])
        founders[label] = founders[label] or documents[index].id
        ledger.story_of[documents[index].id] = str(founders[label])
    stories.keys.extend(str(f) for f in founders)
    stories.sums = csr_matrix(vstack([stories.sums, membership @ vectors]))
    stories.sizes.extend(np.bincount(labels[new], minlength=count).tolist())
