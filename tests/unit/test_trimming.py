"""Faithful trimming: deletion only, of words that carry no fact."""

from __future__ import annotations

import pytest

from service.pipeline.merge.trimming import trim


def _deleted(text: str, language: str = "en") -> list[str]:
    result = trim(text, language)
    return [text[start:end] for start, end in result.deleted]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "In a startling development, U.S. officials have confirmed that troops were killed.",
            "U.S. officials have confirmed that troops were killed.",
        ),
        (
            "However, the ministry denied that any soldiers had crossed the border.",
            "The ministry denied that any soldiers had crossed the border.",
        ),
        (
            "The soldier (pictured) was captured near the village on Saturday morning.",
            "The soldier was captured near the village on Saturday morning.",
        ),
        (
            "Cependant, le ministère a démenti toute présence de soldats à la frontière.",
            "Le ministère a démenti toute présence de soldats à la frontière.",
        ),
    ],
)
def test_fact_free_words_are_deleted(text, expected):
    language = "fr" if text.startswith("Cependant") else "en"
    assert trim(text, language).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "If the troops advance, the city will fall within days, officials said.",
        "Some 300 soldiers (out of 11,000) were killed, a lawmaker said on Monday.",
        "The leader (Kim Jong Un) has not commented on the deployment of troops.",
        "In a village near Kursk, 30 soldiers were killed or wounded over the weekend.",
        "On Saturday, Ukrainian President Volodymyr Zelensky said troops had begun assaults.",
    ],
)
def test_words_that_may_carry_a_fact_stay(text):
    assert trim(text, "en").text == text


def test_every_kept_word_is_in_the_sentence_in_order():
    text = "Meanwhile, the talks (held in private) resumed after a week of delays in Geneva."
    result = trim(text, "en")
    rebuilt, at = [], 0
    for start, end in result.deleted:
        rebuilt.append(text[at:start])
        at = end
    rebuilt.append(text[at:])
    kept = "".join(rebuilt)
    assert result.text[1:] == kept[1:] and result.text[0] == kept[0].upper()
    assert _deleted(text) == ["Meanwhile, ", " (held in private)"]


def test_a_sentence_is_not_trimmed_to_a_fragment():
    assert trim("However, it did.", "en").text == "However, it did."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "PHNOM PENH, Cambodia (AP) _ Cambodia's opposition asked the bank to stop its loans.",
            "Cambodia's opposition asked the bank to stop its loans.",
        ),
        (
            "WASHINGTON -- President Clinton said Tuesday that the talks would resume soon.",
            "President Clinton said Tuesday that the talks would resume soon.",
        ),
        (
            "LONDON, March 3 (Reuters) - Police released photographs of one of the bombers.",
            "Police released photographs of one of the bombers.",
        ),
        (
            "TEXAS, USA - A US army court martial found the corporal guilty of abusing prisoners.",
            "A US army court martial found the corporal guilty of abusing prisoners.",
        ),
        (
            "PARIS (AFP) – Le gouvernement a annoncé un plan de soutien aux sinistrés.",
            "Le gouvernement a annoncé un plan de soutien aux sinistrés.",
        ),
    ],
)
def test_a_wire_dateline_is_deleted(text, expected):
    language = "fr" if "AFP" in text else "en"
    result = trim(text, language)
    assert result.text == expected
    assert result.deleted == ((0, len(text) - len(expected)),)


@pytest.mark.parametrize(
    "text",
    [
        'AP - "confirmed death toll passed 121,000, and 5 million people were homeless."',
        "BBC - the toll is nearing 150,000 and may never be known, the UN says.",
        "NATO said on Monday that the talks - which began in May - would resume.",
        "U.S. officials - speaking on condition of anonymity - confirmed the deaths.",
    ],
)
def test_a_source_or_a_capitalised_subject_before_a_dash_stays(text):
    assert trim(text, "en").text == text
