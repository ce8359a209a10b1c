"""Concepts: stemmed bigrams with a content word, and how much a corpus is about each."""

from __future__ import annotations

from service.pipeline.merge.concepts import (
    concept_weights,
    document_concepts,
    sentence_concepts,
    single_source_share,
    stemmer_name,
)


def test_stemming_makes_inflections_one_concept():
    a = sentence_concepts("North Korean troops were deployed to Kursk.", "en")
    b = sentence_concepts("Deploying North Korean troop units near Kursk.", "en")
    assert "north korean" in a and "korean troop" in a and "korean troop" in b


def test_a_bigram_of_stop_words_is_no_concept():
    concepts = sentence_concepts("It was in the end of the war.", "en")
    assert "in the" not in concepts and "of the" not in concepts
    assert "the war" in concepts


def test_languages_with_a_snowball_stemmer_are_stemmed():
    assert stemmer_name("fr") == "french" and stemmer_name("el") == "greek"
    assert stemmer_name("he") == "none"
    assert sentence_concepts("Les soldats coréens", "fr") == sentence_concepts(
        "les soldat coréen", "fr"
    )


def test_a_concept_one_document_states_alone_weighs_nothing():
    first = document_concepts(["Troops deployed to Kursk.", "The harvest was good."], "en")
    second = document_concepts(["More news.", "Troops deployed to Kursk in numbers."], "en")
    weights = concept_weights([first, second])
    assert "harvest good" not in weights
    # both state it; the first document in its first sentence (votes 1), the second in its
    # second (1/2): a reciprocal-rank vote
    assert weights["troop deploy"] == 1.0 + 0.5


def test_a_single_document_corpus_weighs_its_own_concepts():
    only = document_concepts(["Troops deployed to Kursk."], "en")
    assert concept_weights([only])["troop deploy"] == 1.0


def test_what_one_source_alone_states_counts_as_the_brief_has_room():
    first = document_concepts(["Troops deployed to Kursk.", "The harvest was good."], "en")
    second = document_concepts(["More news.", "Troops deployed to Kursk in numbers."], "en")
    weights = concept_weights([first, second], single_source=0.5)
    assert weights["the harvest"] == 0.5 * (1.0 / 2.0)
    assert weights["troop deploy"] == 1.0 + 0.5


def test_a_concept_many_documents_lead_with_outweighs_one_they_all_mention_late():
    leads = [document_concepts(["Troops deployed to Kursk.", "A filler line."], "en")] * 2
    late = [document_concepts(["A", "B", "C", "D", "The harvest was good."], "en")] * 3
    weights = concept_weights(leads + late)
    assert weights["troop deploy"] > weights["the harvest"]


def test_the_single_source_share_is_the_brief_against_an_average_document():
    assert single_source_share(100, [400, 400]) == 0.25
    assert single_source_share(250, [500, 0, 500]) == 0.5
    assert single_source_share(2000, [300]) == 1.0
    assert single_source_share(100, []) == 0.0


def test_a_wire_dateline_is_not_what_a_document_says():
    concepts = document_concepts(
        [
            "PHNOM PENH, Cambodia (AP) _ The opposition asked the bank to stop its loans.",
            "Officials in Phnom Penh did not comment.",
        ],
        "en",
    )
    assert concepts["phnom penh"] == 1  # stated by the second sentence, not the dateline
    assert "cambodia ap" not in concepts and concepts["opposit ask"] == 0
