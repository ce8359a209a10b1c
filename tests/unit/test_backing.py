"""Whether a cited passage carries a sentence (`backing.py`)."""

from __future__ import annotations

from service.pipeline.merge.backing import carries, missing_facts, name_runs, unbacked


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
