"""Sentences that lean on the one before them: the rules (`readability.py`) and how the merge
keeps them with what they lean on (`leaning.py`)."""

from __future__ import annotations

import pytest

from service.pipeline.merge.grouping import candidate
from service.pipeline.merge.leaning import after_what_they_lean_on, leaning_on
from service.pipeline.merge.readability import stands_alone
from service.pipeline.types import BriefSentence, Citation, SummarySentence


@pytest.mark.parametrize(
    "text",
    [
        "A third leading advocate of the China Democracy Party was detained.",
        "``That's terrific.''",
        "The two station pieces are so big they will not fit.",
        "And while few expect a deal, talks go on.",
        "That has not prevented the talks.",
        "“His clothes had burned off.",
        "“The fire was everywhere,” he said.",
        "The latter was released on Monday.",
        "Russian forces had begun deploying a “significant number” of these troops in Kursk.",
    ],
)
def test_english_sentences_that_lean_back(text):
    assert not stands_alone(text, "en")


@pytest.mark.parametrize(
    "text",
    [
        "The fire killed 60 people on Sunday.",
        "“We will rebuild,” the mayor said on Monday.",
        "``We will rebuild,'' the mayor said.",
        "Thatcher resigned in 1990.",
        "Two stations were built.",
        "The army sent troops to the border, and these troops held it.",
        "The talks resumed this week in Geneva.",
    ],
)
def test_english_sentences_that_stand_alone(text):
    assert stands_alone(text, "en")


def test_french_and_other_languages():
    assert not stands_alone("Les deux pays ont signé l'accord.", "fr")
    assert not stands_alone("Un troisième homme a été arrêté.", "fr")
    assert not stands_alone("Et la police est arrivée.", "fr")
    assert stands_alone("Le président a signé l'accord.", "fr")
    assert not stands_alone("Le ministre a défendu cette mesure devant les députés.", "fr")
    assert stands_alone("Le ministre a visité le pays cette semaine.", "fr")
    assert stands_alone("« Nous reconstruirons », a déclaré le maire.", "fr")
    # whatever the language: a bare quotation, and a start in the middle of a clause
    assert not stands_alone("„Das Feuer war überall.", "de")
    assert not stands_alone("«Η φωτιά ήταν παντού.»", "el")
    assert not stands_alone("kteří byli zraněni.", "cs")


def _candidate(document, position, row):
    sentence = SummarySentence(f"{document} {position}", [Citation(document, 0, 1)], 0.5, position)
    return candidate(sentence, document, 0, row)


def test_a_leaning_sentence_requires_its_predecessor_in_its_document():
    items = [_candidate("a", 0, 0), _candidate("a", 1, 1), _candidate("b", 3, 2)]
    texts = ["A reads alone.", "They came.", "It went."]
    requires = leaning_on(items, texts, [0, 1, 2], leaning={1, 2})
    assert requires == {1: 0}, "b's sentence 2 is not a candidate: b 3 has nothing to lean on"
    # a chain must end in a sentence that reads alone
    assert leaning_on(items, texts, [0, 1, 2], leaning={0, 1}) == {}


def test_a_leaning_sentence_is_shown_right_after_what_it_leans_on():
    items = [_candidate("a", 0, 0), _candidate("a", 1, 1), _candidate("b", 0, 2)]
    shown = [BriefSentence(t, [], 0.0) for t in ("first", "leans on first", "other")]
    ranked = [(shown[0], items[0]), (shown[2], items[2]), (shown[1], items[1])]
    placed = after_what_they_lean_on(ranked, {1: 0})
    assert [s.text for s in placed] == ["first", "leans on first", "other"]


def test_the_summariser_demotes_only_pronoun_and_connective_openings():
    """What the per-document summariser weighs down (`reads_alone`) stays as it was; the brief
    asks more (`stands_alone`)."""
    from service.pipeline.merge.readability import reads_alone

    assert reads_alone("The two station pieces are so big they will not fit.", "en")
    assert not stands_alone("The two station pieces are so big they will not fit.", "en")
    assert not reads_alone("They are fighting alongside the Russians.", "en")
