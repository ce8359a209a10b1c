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
        "the Kursk region, American officials confirmed."
    )
    assert _corroborated(embedder, passage) == ["a", "b"]


def test_a_quotation_about_the_same_front_is_not_a_second_source(embedder):
    passage = (
        "“North Korean troops are losing a large number of their soldiers in Kursk Oblast. We see "
        "that Russian forces and North Korean commanders are not interested in the survival of "
        "these soldiers. They conduct assaults in such a way that makes it impossible for us to "
        "capture them alive – their comrades are executing them, and we have evidence of this. "
        "They are sending them into assaults with minimal protection,” Zelenskyy stated."
    )
    assert _corroborated(embedder, passage) == ["a"]
