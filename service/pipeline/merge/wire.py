"""Agency copy as a reader expects it: its typewriter conventions shown as print shows them, its
editing notes left out, and of several copies of one sentence the best-formed.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/merge/wire.py`) says
how and why.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher

import numpy as np

from service.pipeline.merge.neighbours import similar_pairs

COPY_COSINE = 0.9  # copies of one sentence embed this close
COPY_RATIO = 0.9  # and share this much of their word sequence (difflib)
MIN_COPY_WORDS = 6  # shorter sentences are too alike by chance to be taken for copies

_OPEN = re.compile(r"``\s?")
_CLOSE = re.compile(r"\s?''")
_DASH = re.compile(r"\s+_\s+")
_NOTE = re.compile(r"\s*\([A-Z]{4,}\s+[^()]+\)")
_ABBREVIATIONS = {"dlrs": "dollars", "mln": "million", "bln": "billion", "pct": "percent"}
_AFTER_FIGURE = re.compile(r"(?<=\d)(\s+)(dlrs|mln|bln|pct)\b|\b(dlrs)\b")


def readable(text: str) -> str:
    """`text` with wire conventions shown as print shows them and editing notes left out."""
    if "``" in text or "''" in text:
        text = _CLOSE.sub("”", _OPEN.sub("“", text))
    text = _DASH.sub(" — ", text)
    text = _AFTER_FIGURE.sub(_spelled_out, text)
    text = _NOTE.sub("", text)
    return text


def _spelled_out(match: re.Match[str]) -> str:
    if match.group(3):
        return _ABBREVIATIONS[match.group(3)]
    return match.group(1) + _ABBREVIATIONS[match.group(2)]


def copies(
    rows: Sequence[int],
    texts: Sequence[str],
    vectors: np.ndarray,
    counts: Mapping[str, int] | None = None,
) -> list[list[int]]:
    """Groups (two or more) of `rows` whose texts are copies of one sentence, the best-formed copy
    first: the one whose words the others share most, then the one listed first. `counts` says
    how many documents carry each text word for word (one row stands for them all)."""
    rows = [row for row in rows if len(texts[row].split()) >= MIN_COPY_WORDS]
    if len(rows) < 2:
        return []
    found, others, _ = similar_pairs(vectors[rows], np.arange(len(rows)), COPY_COSINE)
    parent = list(range(len(rows)))

    def root(at: int) -> int:
        while parent[at] != at:
            parent[at] = parent[parent[at]]
            at = parent[at]
        return at

    for a, b in zip(found.tolist(), others.tolist(), strict=True):
        if _is_copy(texts[rows[a]], texts[rows[b]]):
            parent[root(a)] = root(b)
    groups: dict[int, list[int]] = {}
    for at, row in enumerate(rows):
        groups.setdefault(root(at), []).append(row)
    return [_best_first(group, texts, counts or {}) for group in groups.values() if len(group) > 1]


def _is_copy(a: str, b: str) -> bool:
    words_a, words_b = a.split(), b.split()
    return SequenceMatcher(None, words_a, words_b, autojunk=False).ratio() >= COPY_RATIO


def _best_first(group: list[int], texts: Sequence[str], counts: Mapping[str, int]) -> list[int]:
    votes: Counter[str] = Counter()
    for row in group:
        for word in set(texts[row].split()):
            votes[word] += counts.get(texts[row], 1)

    def agreement(row: int) -> float:
        words = texts[row].split()
        return sum(votes[w] for w in words) / len(words)

    best = max(group, key=lambda row: (agreement(row), -group.index(row)))
    return [best] + [row for row in group if row != best]
