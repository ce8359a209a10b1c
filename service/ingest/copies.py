"""Copies of one story: a text republished with different furniture, a new headline or a paragraph
cut (an agency's wire copy on several sites), found at ingest so that briefs count it once.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/ingest/copies.py`) says how and
why.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from courlan import normalize_url
from datasketch import MinHash, MinHashLSH

SHINGLE_WORDS = 5
PERMUTATIONS = 128
SCHEME = "affine32"  # datasketch 2.0's hashing; stored signatures are only comparable within one
# Estimated Jaccard similarity of shingle sets from which two texts are one story's copies. A
# paragraph cut from a five-paragraph story leaves ~0.8, a site's top half of a wire story ~0.3-0.5;
# two reports of one event by different outlets share under 0.1, and 0.1-0.13 where one repeats a
# background paragraph of the other (MultiLing English and Hebrew M0029/M0023). `python -m bench
# copies` chose 3 words at 0.2 on MultiLing (top halves found 0.90), but formulaic reports, one
# frame with other places, forces and officials (as market, weather or casualty reports are, and
# as the fault tests' are), share 0.32 at 3 words and 0.22 at 5: at 0.2 they were taken for copies
# of one another and dropped from a brief as sources. Top halves and formulaic reports overlap in
# Jaccard, and a false copy costs a source while a missed one counts a source twice, so the
# threshold stays 0.5 over 5-word shingles (top halves found ~0.3), candidates verified.
# Changing either constant changes the stored signatures and band keys: a migration recomputes
# them (0009 does, from the stored text).
THRESHOLD = 0.5
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Candidate:
    id: str
    minhash: MinHash  # signature(text), or as stored: MinHash(hashvalues=...)
    url: str | None = None


def stored_signature(hashvalues: Sequence[int]) -> MinHash:
    return MinHash(num_perm=PERMUTATIONS, seed=1, hashvalues=hashvalues, scheme=SCHEME)


def _band_shape() -> tuple[int, int]:
    """datasketch's choice of (bands, rows per band) for THRESHOLD: what its LSH index uses."""
    index = MinHashLSH(threshold=THRESHOLD, num_perm=PERMUTATIONS)
    return index.b, index.r


BANDS, ROWS = _band_shape()


def bands(minhash: MinHash) -> tuple[str, ...]:
    """The LSH band keys of a signature: two texts that share one are candidates (the store
    indexes the originals' bands, so a new text is compared with those only)."""
    if minhash.is_empty():
        return ()
    values = np.asarray(minhash.hashvalues, dtype=np.uint64)
    return tuple(
        f"{band}:" + hashlib.sha1(values[band * ROWS : (band + 1) * ROWS].tobytes()).hexdigest()
        for band in range(BANDS)
    )


def hash_values(minhash: MinHash) -> list[int]:
    """A signature as the store keeps it (JSON)."""
    return [int(value) for value in minhash.hashvalues]


def signature(text: str, shingle_words: int = SHINGLE_WORDS) -> MinHash:
    words = _WORD.findall(text.lower())
    # a text shorter than one shingle has none: an empty signature, never a copy by its text
    shingles = {
        " ".join(words[i : i + shingle_words]) for i in range(len(words) - shingle_words + 1)
    }
    minhash = MinHash(num_perm=PERMUTATIONS, seed=1, scheme=SCHEME)
    minhash.update_batch([s.encode("utf-8") for s in shingles])
    return minhash


def canonical_url(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return str(normalize_url(url, strict=True))
    except (ValueError, AttributeError):
        return None


def find_originals(
    new: Sequence[Candidate],
    stored: Sequence[Candidate],
    threshold: float = THRESHOLD,
    verify: bool = True,
) -> dict[str, str]:
    """For each of `new` that copies an earlier document (one of `stored`, or one before it in
    `new`), the ID of that original, by ID. Stored originals are taken before new ones.

    LSH's bands only make candidates: a pair below `threshold` shares a band by chance (at 0.2,
    a pair of 0.05 does one time in seven), so each candidate's estimated Jaccard similarity is
    checked against `threshold` before it is taken for an original (`verify=False` takes every
    candidate, as `python -m bench copies` compares)."""
    index = MinHashLSH(threshold=threshold, num_perm=PERMUTATIONS)
    signatures: dict[str, MinHash] = {}
    order: dict[str, int] = {}
    by_url: dict[str, str] = {}
    originals: dict[str, str] = {}

    def add(candidate: Candidate) -> None:
        if candidate.id in order:
            return
        order[candidate.id] = len(order)
        if not candidate.minhash.is_empty():
            index.insert(candidate.id, candidate.minhash)
            signatures[candidate.id] = candidate.minhash
        url = canonical_url(candidate.url)
        if url is not None:
            by_url.setdefault(url, candidate.id)

    for candidate in stored:
        add(candidate)
    for candidate in new:
        url = canonical_url(candidate.url)
        same_page = by_url.get(url) if url is not None else None
        near = sorted(
            (
                i
                for i in _similar(index, candidate.minhash)
                if i != candidate.id
                and (not verify or candidate.minhash.jaccard(signatures[i]) >= threshold)
            ),
            key=order.__getitem__,
        )
        original = same_page if same_page not in (None, candidate.id) else None
        if original is None and near:
            original = near[0]
        if original is not None:
            originals[candidate.id] = originals.get(original, original)
        add(candidate)
    return originals


def _similar(index: MinHashLSH, minhash: MinHash) -> list[str]:
    return [] if minhash.is_empty() else list(index.query(minhash))
