"""Whether two sentences state one claim, however worded: the same count of the same thing about
the same people or places.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/merge/claims.py`) says
how and why.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from functools import lru_cache

from service.pipeline.merge.backing import name_runs
from service.pipeline.merge.disagreements import figures_overlap
from service.pipeline.merge.measures import Measure, measures, tables

_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=1 << 14)
def _counts(text: str, language: str) -> tuple[Measure, ...]:
    return measures(text, language) if _DIGIT.search(text) else ()


@lru_cache(maxsize=1 << 14)
def _named(text: str, language: str) -> frozenset[str]:
    return frozenset(word for run in name_runs(text, language) for word in run)


def _restates(a: Measure, b: Measure) -> bool:
    """One count given twice: counted nouns that share a word ("people", "people dead"), the
    same unit, time scopes that agree or one left unsaid, and figures that overlap."""
    if not (a.noun & b.noun) or a.unit != b.unit:
        return False
    if a.scope and b.scope and a.scope != b.scope:
        return False
    return figures_overlap(a, b)


def same_claim(a: str, b: str, language: str) -> bool:
    """Whether sentences `a` and `b` restate one count about the same people or places."""
    if not (_DIGIT.search(a) and _DIGIT.search(b)) or tables(language) is None:
        return False
    restated = any(_restates(x, y) for x in _counts(a, language) for y in _counts(b, language))
    if not restated:
        return False
    names_a, names_b = _named(a, language), _named(b, language)
    return not names_a or not names_b or bool(names_a & names_b)


def claim_pairs(texts: Sequence[str], language: str) -> list[tuple[int, int]]:
    """The pairs (i < j) of `texts` that state one claim; only texts that share a word of a
    counted noun are compared."""
    if tables(language) is None:
        return []
    buckets: dict[tuple[str, str], set[int]] = {}
    for at, text in enumerate(texts):
        if not _DIGIT.search(text):
            continue
        for key in {(word, m.unit) for m in _counts(text, language) for word in m.noun}:
            buckets.setdefault(key, set()).add(at)
    pairs: set[tuple[int, int]] = set()
    for rows in buckets.values():
        for i, j in itertools.combinations(sorted(rows), 2):
            if (i, j) not in pairs and same_claim(texts[i], texts[j], language):
                pairs.add((i, j))
    return sorted(pairs)
