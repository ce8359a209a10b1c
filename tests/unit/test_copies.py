"""Copies of one story: found at ingest (`ingest/copies.py`), merged as one source
(`pipeline/merge/copies.py`)."""

from __future__ import annotations

from service.ingest.copies import Candidate, canonical_url, find_originals, signature
from service.pipeline.merge.copies import one_per_copy
from service.pipeline.types import Document
from tests.api.test_pages import WIRE


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
