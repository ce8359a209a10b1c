"""Other sources of a brief sentence, found in the documents: only passages that state its fact."""

from __future__ import annotations

import pytest

from service.pipeline.merge.corroboration import corroborate
from service.pipeline.merge.disagreements import Statement
from service.pipeline.types import BriefSentence, Citation

pytestmark = pytest.mark.slow  # uses the real MiniLM embedder

SENTENCE = (
    "U.S. officials have confirmed that North Korean troops have been killed while fighting "
    "alongside Russian forces in the Kursk border region of Ukraine."
)


def _corroborated(embedder, passage: str) -> list[str]:
    sentence = BriefSentence(
        text=SENTENCE, citations=[Citation("a", 0, len(SENTENCE))], score=1.0, support=1.0
    )
    statement = Statement(passage, Citation("b", 0, len(passage)), 1, False)
    corroborate([sentence], embedder.encode([SENTENCE]), [statement], embedder.encode)
    return sentence.document_ids


def test_a_passage_that_states_the_fact_is_a_second_source(embedder):
    passage = (
        "North Korean soldiers have been killed while fighting alongside Russian forces in "
        "the Kursk border region of Ukraine, American officials confirmed."
    )
    assert _corroborated(embedder, passage) == ["a", "b"]


def test_a_passage_that_leaves_out_a_place_of_the_sentence_is_not_a_second_source(embedder):
    """The same fact, but the sentence says "of Ukraine" and the passage names no Ukraine: a
    reader who opens it does not find what the sentence states (`backing.py`)."""
    passage = (
        "North Korean soldiers have been killed while fighting alongside Russian forces in "
        "the Kursk region, American officials confirmed."
    )
    assert _corroborated(embedder, passage) == ["a"]


def test_a_quotation_about_the_same_front_is_not_a_second_source(embedder):
    passage = (
        "“North Korean troops are losing a large number of their soldiers in Kursk Oblast. We see "
        "that Russian forces and North Korean commanders are not interested in the survival of "
        "these soldiers. They conduct assaults in such a way that makes it impossible for us to "
        "capture them alive – their comrades are executing them, and we have evidence of this. "
        "They are sending them into assaults with minimal protection,” Zelenskyy stated."
    )
    assert _corroborated(embedder, passage) == ["a"]


def test_a_passage_with_every_name_and_number_but_another_claim_is_not_a_second_source(embedder):
    """Every name and date of the sentence is in the passage, but not what it says happened: the
    passage is about the bombings, the sentence about the suspects' profiles."""
    sentence = "Profiles of the suspects in the July 7, 2005 bombings in London have been released."
    passage = (
        "The July 7 bombings were a series of coordinated bombings which struck London on "
        "the morning of July 7, 2005."
    )
    brief = BriefSentence(
        text=sentence, citations=[Citation("a", 0, len(sentence))], score=1.0, support=1.0
    )
    statement = Statement(passage, Citation("b", 0, len(passage)), 1, False)
    corroborate([brief], embedder.encode([sentence]), [statement], embedder.encode)
    assert brief.document_ids == ["a"]
