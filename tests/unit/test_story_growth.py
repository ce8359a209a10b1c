"""Stories that grow: documents that arrive join the stories found before, or found new ones."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.stories import load
from service.pipeline.stories.features import document_vectors
from service.pipeline.stories.growth import found_stories, grow, members, stories_since
from service.pipeline.types import Document
from tests.conftest import MULTILING_ENGLISH

FLOOD = [
    "Floods in Valencia killed 200 people, Spanish officials said on Thursday.",
    "Rescuers in Valencia searched for survivors after the floods; Spanish officials fear more.",
    "The Valencia floods are Spain's worst in decades, officials of the Spanish government said.",
    "Valencia buries the flood's victims as Spanish officials count the damage of the floods.",
]
ELECTION = [
    "Voters in Ghana elected John Mahama president, the electoral commission announced.",
    "Ghana's electoral commission declared John Mahama the winner of the presidential vote.",
    "John Mahama thanked Ghana's voters after the electoral commission named him president.",
]


def _documents(texts: list[str], prefix: str) -> list[Document]:
    return [Document(f"{prefix}{i}", text, "en") for i, text in enumerate(texts)]


def test_a_vector_does_not_depend_on_the_documents_beside_it() -> None:
    """Weights come from the language and the corpus's counts, smoothed: a document alone and
    in a corpus keep their heaviest features."""
    alone = document_vectors(_documents(FLOOD[:1], "f"))
    beside = document_vectors(_documents(FLOOD[:1] + ELECTION, "x"))[0]
    assert set(alone.indices) == set(beside.indices)


def test_arrivals_join_their_story_and_keep_its_id() -> None:
    ledger = found_stories(_documents(FLOOD[:3], "f") + _documents(ELECTION[:2], "e"))
    before = members(ledger)
    assert sorted(sorted(m) for m in before.values()) == [["e0", "e1"], ["f0", "f1", "f2"]]
    placed = grow(ledger, [Document("f3", FLOOD[3], "en"), Document("e2", ELECTION[2], "en")])
    assert placed == {"f3": ledger.story_of["f0"], "e2": ledger.story_of["e0"]}
    assert set(members(ledger)) == set(before)  # no story was renamed


def test_an_unrelated_arrival_founds_a_story() -> None:
    ledger = found_stories(_documents(FLOOD[:3], "f"))
    placed = grow(ledger, _documents(ELECTION, "e"))
    assert set(placed.values()) == {"e0"}  # one new story, named by its first document
    assert ledger.story_of["f1"] == "f0"
    assert grow(ledger, _documents(ELECTION, "e")) == {}  # documents already placed stay


def test_multiling_english_grows_into_its_ten_stories() -> None:
    """Eight documents of each MultiLing story grouped, then the other two of each placed."""
    if not MULTILING_ENGLISH.is_dir():
        pytest.skip(f"MultiLing 2011 not at {MULTILING_ENGLISH}")
    documents, truth = load(MULTILING_ENGLISH.parent)["en"]
    first = [i for i in range(len(documents)) if i % 10 < 8]
    later = [i for i in range(len(documents)) if i % 10 >= 8]
    ledger = found_stories([documents[i] for i in first])
    grow(ledger, [documents[i] for i in later])
    story = [ledger.story_of[d.id] for d in documents]
    usual = {
        label: Counter(story[j] for j in first if truth[j] == label).most_common(1)[0][0]
        for label in set(truth)
    }
    assert len(set(usual.values())) == 10
    assert sum(story[i] == usual[truth[i]] for i in later) >= 18  # of 20


def test_since_an_earlier_grouping_its_stories_are_kept_and_named_as_before() -> None:
    """The earlier stories keep their documents and IDs, even where a regrouping would join
    them; the new documents join them or found a story without an ID of its own yet."""
    documents = _documents(FLOOD, "f") + _documents(ELECTION, "e")
    earlier = {"s-flood-a": ["f0", "f1"], "s-flood-b": ["f2"], "s-vote": ["e0"]}
    found = stories_since(documents, earlier)
    by_key = {g.key: sorted(documents[i].id for i in g.members) for g in found}
    assert by_key["s-flood-a"][:2] == ["f0", "f1"] and by_key["s-flood-b"][0] == "f2"
    assert "f3" in by_key["s-flood-a"] + by_key["s-flood-b"]
    assert by_key["s-vote"] == ["e0", "e1", "e2"]
    assert None not in by_key
    assert all(g.centre in g.members for g in found)
