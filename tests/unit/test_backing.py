"""Whether a cited passage carries a sentence (`backing.py`)."""

from __future__ import annotations

from service.pipeline.merge.backing import (
    carries,
    claim_share,
    claim_words,
    missing_facts,
    name_runs,
    unbacked,
)


def test_a_name_is_backed_by_any_of_its_words():
    assert carries("Mahathir Mohamad met the envoy.", ["Mahathir met the envoy on Friday."], "en")
    assert not missing_facts("The Red Cross said so.", "The Red Cross said so.", "en")
    assert missing_facts("Baltasar Garzon asked for it.", "A Spanish judge asked for it.", "en")


def test_numbers_compare_by_value():
    assert carries("About 1,000 people fled.", ["about 1000 people fled"], "en")
    assert carries("About 1 000 people fled.", ["about 1,000 people fled"], "en")
    assert unbacked("About 1,200 people fled.", "about 1,000 people fled", "en")


def test_another_place_does_not_back_the_sentence():
    sentence = "He was flown to Moscow Saturday."
    assert missing_facts(sentence, "He was flown to Geneva on Saturday.", "en") == ["name moscow"]
    assert carries(sentence, ["On Saturday he was flown to Moscow."], "en")


def test_another_figure_for_the_same_count_conflicts():
    sentence = "At least 60 people were killed in the fire."
    passage = "The fire destroyed 60 houses. 45 people were killed in the fire."
    assert unbacked(sentence, passage, "en") == ["60 people: the passage says 45"]
    assert carries(sentence, ["At least 60 people were killed in the fire, police said."], "en")


def test_names_are_runs_of_capitals_without_possessives_elisions_or_dates():
    assert name_runs("The Red Cross said Russia's troops left Moscow Saturday.") == [
        ("the", "red", "cross"),
        ("russia",),
        ("moscow",),
        ("saturday",),
    ]
    assert name_runs("Rescuers said the dam held.") == []
    assert name_runs("Les soldats d'Ukraine ont été tués par l'Armée.", "fr") == [
        ("ukraine",),
        ("armée",),
    ]
    assert carries("Les soldats d'Ukraine sont partis.", ["Des soldats ukrainiens, Ukraine"], "fr")


def test_passages_of_one_document_are_read_together():
    sentence = "Smith met Jones in Paris."
    assert not carries(sentence, ["Smith arrived."], "en")
    assert carries(sentence, ["Smith arrived in Paris.", "He met Jones."], "en")


def test_a_demonym_names_its_place():
    assert carries("Iran is still detaining the sailors.", ["The Iranian navy holds them."], "en")
    assert not carries("Police said Kim was held.", ["Police said Kimberley was held."], "en")


def test_an_ordinal_is_a_number_whatever_its_suffix():
    sentence = "Le kazakh Alexander Vinokourov a remporté la 13eme étape du Tour de France 2007."
    assert unbacked(sentence, "Vinokourov a remporté la 15eme étape du Tour de France 2007.", "fr")
    assert carries(
        sentence, ["Alexander Vinokourov a remporté la 13e étape du Tour de France 2007."], "fr"
    )
    assert missing_facts("He won the 13th stage.", "He won the 15th stage.", "en") == ["ordinal 13"]


def test_names_of_one_thing_back_each_other():
    sentence = "The plane was last heard at 22:30 local time (01:30 GMT)."
    assert carries(sentence, ["It was last heard at 22:30 local time (01:30 UTC) on June 1."], "en")


def test_the_claim_words_of_a_sentence_are_neither_names_nor_numbers():
    sentence = "Profiles of the suspects in the July 7, 2005 bombings in London have been released."
    passage = "The July 7 bombings struck London on the morning of July 7, 2005."
    assert claim_words(sentence, "en") == {"profil", "suspect", "bomb", "releas"}
    assert claim_share(sentence, passage, "en") == 0.25
    assert claim_share("Smith arrived.", "Smith arrived on Monday.", "en") == 1.0
