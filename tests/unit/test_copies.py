"""Copies of one story: found at ingest (`ingest/copies.py`), merged as one source
(`pipeline/merge/copies.py`)."""

from __future__ import annotations

import re

import pytest

from service.ingest.copies import (
    ROWS,
    THRESHOLD,
    Candidate,
    canonical_url,
    find_originals,
    signature,
    stored_signature,
)
from service.pipeline.merge.copies import one_per_copy
from service.pipeline.types import Document
from tests.api.test_pages import WIRE
from tests.conftest import MULTILING_ENGLISH

MULTILING = MULTILING_ENGLISH.parent
needs_multiling = pytest.mark.skipif(
    not MULTILING.is_dir(), reason="needs ../shared/data/multiling2011"
)


def _clusters() -> list[list[tuple[str, str]]]:
    """Every MultiLing cluster's articles (ten reports of one event by several outlets), less
    those repeating an earlier one word for word (Hindi M0041 is M0040: a copy in the data)."""
    clusters = []
    for cluster in sorted(MULTILING.glob("*/M*/docs")):
        docs: list[tuple[str, str]] = []
        for path in sorted(cluster.glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            if all(text.split() != other.split() for _i, other in docs):
                docs.append((f"{cluster.parent.parent.name}/{path.stem}", text))
        clusters.append(docs)
    return clusters


def _top_half(text: str) -> str:
    paragraphs = [p for p in re.split(r"\n+", text) if p.strip()]
    return "\n".join(paragraphs[: max(1, (len(paragraphs) + 1) // 2)])


def test_near_duplicates_and_same_pages_name_the_earliest_original():
    lines = WIRE.split("\n")
    stored = [Candidate("a", signature(WIRE), "https://site-a.example/story")]
    new = [
        Candidate("b", signature("Home | Weather\n" + WIRE + "\nRelated stories")),
        Candidate("c", signature("\n".join(lines[:3] + lines[4:]))),
        Candidate(
            "d", signature("A different story entirely."), "https://SITE-A.example/story#top"
        ),
        Candidate("e", signature("The council approved the budget for the bridge on Tuesday.")),
    ]
    assert find_originals(new, stored) == {"b": "a", "c": "a", "d": "a"}
    assert canonical_url("https://SITE-A.example:443/story?utm_source=x#top") == canonical_url(
        "https://site-a.example/story"
    )


def test_the_merge_sees_one_document_per_set_of_copies():
    documents = [
        Document(id="b", text="x", copy_of="a"),
        Document(id="a", text="x"),
        Document(id="c", text="y", copy_of="a"),
        Document(id="e", text="z"),
        Document(id="f", text="w", copy_of="gone"),
        Document(id="g", text="w", copy_of="gone"),
    ]
    summaries = [f"summary of {d.id}" for d in documents]
    kept, theirs, republished = one_per_copy(documents, summaries)  # type: ignore[arg-type]
    assert [d.id for d in kept] == ["a", "e", "f"]
    assert theirs == ["summary of a", "summary of e", "summary of f"]
    assert republished == {"a": ["b", "c"], "f": ["g"]}


def test_texts_shorter_than_a_shingle_are_never_copies_by_their_text():
    """Two texts with no 5-word shingle ("!!!", "Hello there.") have empty signatures, which
    MinHash would call identical."""
    short = [Candidate(i, signature(t)) for i, t in (("a", "!!!"), ("b", "???"), ("c", "Hi."))]
    assert find_originals(short, []) == {}


def test_formulaic_reports_of_different_events_are_not_copies():
    """One frame with other places, forces and officials (market, weather or casualty reports;
    the fault tests' reports) is not one story: at 3-word shingles such reports share up to 0.32,
    over the 0.2 that MultiLing alone would choose, and were taken for copies."""
    from tests.faults.test_crash_recovery import article

    reports = [Candidate(f"report-{n}", signature(article(n))) for n in range(12)]
    assert find_originals(reports, []) == {}


@needs_multiling
def test_top_halves_of_real_articles_found_are_found_as_their_own_copies():
    clusters = _clusters()
    originals = [Candidate(i, signature(text)) for docs in clusters for i, text in docs]
    tops = [Candidate(f"{i}~top", signature(_top_half(t))) for docs in clusters for i, t in docs]
    found = find_originals(tops, originals)
    # 127 of 699 at 5 words and 0.5, verified: a top half shares about half its original's
    # shingles, so some fall either side; none is ever taken for a copy of another article.
    assert all(original == copy.removesuffix("~top") for copy, original in found.items())
    assert len(found) >= 0.1 * len(tops)


@needs_multiling
def test_real_articles_of_one_cluster_are_not_copies_of_each_other():
    """Ten outlets' reports of one event share names, quotes and phrases, never the text."""
    clusters = _clusters()
    assert sum(len(docs) for docs in clusters) > 600
    for docs in clusters:
        assert find_originals([Candidate(i, signature(text)) for i, text in docs], []) == {}


def test_a_candidate_sharing_a_band_by_chance_is_checked_before_it_is_taken():
    """At a low LSH threshold two unrelated texts can share a band; only the similarity of
    their signatures decides."""
    wire = Candidate("wire", signature(WIRE))
    other = Candidate("other", signature("The council approved the budget for the new bridge."))
    # forge a shared band: the other text's signature with the wire's first band
    values = other.minhash.hashvalues.copy()
    values[:ROWS] = wire.minhash.hashvalues[:ROWS]
    assert stored_signature(values).jaccard(wire.minhash) < THRESHOLD
    forged = Candidate("forged", stored_signature(values))
    assert find_originals([forged], [wire], verify=False) == {"forged": "wire"}
    assert find_originals([forged], [wire]) == {}
