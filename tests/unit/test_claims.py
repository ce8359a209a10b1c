"""One claim, however worded (`claims.py`)."""

from __future__ import annotations

from service.pipeline.merge.claims import claim_pairs, same_claim


def test_the_same_count_of_the_same_thing_is_one_claim():
    assert same_claim(
        "More than 10,000 North Korean troops were sent to Russia.",
        "Approximately 10,000-12,000 North Korean troops have been deployed to Russia.",
        "en",
    )
    assert same_claim(
        "The fire killed 60 people in Lagos.", "At least 60 people were killed in Lagos.", "en"
    )


def test_other_figures_places_or_things_are_other_claims():
    assert not same_claim(
        "The quake killed 300 people in Chile.", "The flood killed 300 people in India.", "en"
    )
    assert not same_claim("The fire killed 60 people.", "The fire killed 6 people.", "en")
    assert not same_claim("The fire destroyed 60 houses.", "The fire killed 60 people.", "en")
    assert not same_claim("The fire was in 2005.", "The fire was in 2005 too.", "en")


def test_pairs_in_french_and_none_without_tables():
    texts = ["Il y a 60 morts à Lagos.", "On compte 60 morts à Lagos selon la police.", "Rien."]
    assert claim_pairs(texts, "fr") == [(0, 1)]
    greek = ["Υπάρχουν 60 νεκροί.", "Η αστυνομία μέτρησε 60 νεκροί.", "Το 2005 έγινε."]
    assert claim_pairs(greek, "el") == [], "no tables to read what is counted"
