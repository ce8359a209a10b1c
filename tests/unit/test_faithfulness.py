"""The faithfulness check: invented numbers and names, flipped negation, weak support."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from service.pipeline.merge.assertions import figures, names, negated, numbers
from service.pipeline.merge.faithfulness import check_sentence, unbacked_facts

EVIDENCE = (
    "About 11,000 North Korean troops are deployed in the Kursk region, officials in Kyiv said."
)


def _bag_of_words(texts: list[str]) -> np.ndarray:
    """A stand-in encoder: hashed word counts, unit length (cosine = shared vocabulary).

    crc32, not hash(): str hashes change with each process's PYTHONHASHSEED, and with few buckets
    an unrelated sentence's words then collided with the evidence's in some runs only."""
    rows = np.zeros((len(texts), 4096), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in text.lower().split():
            rows[row, zlib.crc32(word.strip(".,").encode()) % 4096] += 1.0
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def _check(text: str, evidence: str = EVIDENCE):
    return check_sentence(text, _bag_of_words([text])[0], [evidence], _bag_of_words, "en", 0.5)


def test_a_quoted_sentence_passes_with_full_support():
    verdict = _check(EVIDENCE)
    assert verdict.passed and verdict.support == 1.0


def test_a_faithful_paraphrase_passes():
    verdict = _check("About 11,000 North Korean troops are deployed in Kursk, officials said.")
    assert verdict.passed, verdict.problems


def test_an_invented_number_fails():
    verdict = _check("About 15,000 North Korean troops are deployed in the Kursk region.")
    assert not verdict.passed
    assert any("15000" in problem for problem in verdict.problems)


def test_an_invented_name_fails():
    verdict = _check("About 11,000 North Korean troops are deployed in the Donetsk region.")
    assert not verdict.passed
    assert any("donetsk" in problem for problem in verdict.problems)


def test_a_negated_claim_fails():
    verdict = _check("About 11,000 North Korean troops are not deployed in the Kursk region.")
    assert not verdict.passed
    assert any("negation" in problem for problem in verdict.problems)


def test_unrelated_meaning_fails_on_support():
    verdict = _check("The harvest festival opened with music and dancing in the square.")
    assert not verdict.passed
    assert any("support" in problem for problem in verdict.problems)


def test_no_evidence_fails():
    assert not check_sentence("Anything.", np.ones(4), [], _bag_of_words).passed


def test_numbers_are_normalised_across_writings():
    assert numbers("10,000 and 10 000 and 10000") == {"10000"}
    assert numbers("3.5 or 3,5 per cent, 40%") == {"3.5", "40"}
    assert [f.key for f in figures("about 10,000-12,000 troops")] == ["10000-12000"]
    assert unbacked_facts("It cost 1,000 dollars.", ["It cost 1000 dollars in all."]) == []


def test_names_skip_the_first_word_unless_a_name_follows():
    assert {"kremlin", "putin", "kim"} <= names("The Kremlin said Putin met Kim.")
    assert "john" in names("John Smith arrived.")
    assert names("Troops arrived.") == set()


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("They did not go.", "en", True),
        ("They didn’t go.", "en", True),
        ("They went.", "en", False),
        ("Ils ne sont pas venus.", "fr", True),
        ("Δεν ήρθαν.", "el", True),
    ],
)
def test_negation_cues(text, language, expected):
    assert negated(text, language) is expected


def test_a_generated_sentence_is_held_to_the_citation_test():
    """What a corroborating source must carry, a generated sentence's evidence must carry too:
    no other figure for its count, its ordinals, a name by what it names."""
    passage = "The fire destroyed 60 houses. 45 people were killed in the fire."
    verdict = _check("60 people were killed in the fire.", passage)
    assert any("the passage says 45" in problem for problem in verdict.problems)
    ordinal = _check("The 13th brigade was deployed.", "The 15th brigade was deployed.")
    assert any("ordinal 13" in problem for problem in ordinal.problems)
    assert _check("About 11,000 troops are deployed in Kursk, officials in Kyiv said.").passed
