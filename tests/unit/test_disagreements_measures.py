"""What a figure measures: the reading that decides which figures may disagree (no model)."""

from __future__ import annotations

from service.pipeline.merge.measures import measures


def _one(text: str, language: str = "en"):
    found = measures(text, language)
    assert len(found) == 1, found
    return found[0]


def test_the_measure_is_the_counted_noun_and_its_verb():
    killed = _one("Some 300 North Korean soldiers were killed, a South Korean lawmaker said.")
    wounded = _one("At least 30 North Korean soldiers were either killed or wounded in clashes.")
    assert killed.noun == wounded.noun
    assert killed.verbs != wounded.verbs
    assert wounded.about == "North Korean soldiers killed or wounded"


def test_the_scope_is_the_time_said_in_the_figures_clause():
    weekend = _one("At least 30 soldiers were killed or wounded over the weekend.")
    december = _one("More than 1,000 soldiers were killed or wounded in the last week of December.")
    total = _one("In all, 3,000 soldiers were killed or wounded.")
    assert len({weekend.scope, december.scope, total.scope}) == 3
    assert total.scope == frozenset()
    assert december.when == "in the last week of December"
    later = _one("About 11,000 troops are deployed in Kursk, where fighting began last August.")
    assert later.scope == frozenset(), "a later clause's time is not the figure's"


def test_qualifier_and_source_are_read():
    claim = _one(
        "In December, Volodymyr Zelensky said that nearly 3,000 soldiers had been killed or "
        "injured there."
    )
    assert (claim.qualifier, claim.source, claim.when) == (
        "nearly",
        "Volodymyr Zelensky",
        "in December",
    )
    according = _one("According to Western assessments, about 11,000 troops are deployed.")
    assert according.source == "Western assessments"


def test_clock_times_dates_years_scores_and_labels_are_not_counts():
    for text in (
        "The aftershock occurred at 8:32:22 AM local time.",
        "The summit opened on 12 March in Geneva.",
        "The law was passed in 2005 by parliament.",
        "Chelsea beat Arsenal 3-1 in the final.",
        "Air France Flight 447 carrying passengers vanished.",
    ):
        assert measures(text, "en") == (), text


def test_a_distance_is_measured_from_a_place():
    a = _one("The epicentre was 65 kilometers northwest of Cauquenes.")
    b = _one("The epicentre was 60 kilometers northwest of Curicó.")
    assert a.measure == b.measure and a.place != b.place


def test_french_is_read_and_unsupported_languages_give_nothing():
    claim = _one("Selon la police, plus de 300 manifestants ont été arrêtés samedi.", "fr")
    assert claim.qualifier == "plus de" and "samedi" in claim.when
    assert measures("Ο σεισμός σκότωσε 300 ανθρώπους.", "el") == ()


def test_a_count_after_a_model_name_is_a_count_but_a_durations_second_part_is_not():
    found = measures("The Airbus A330 carrying 228 passengers vanished from radar.", "en")
    assert [m.figure.text for m in found] == ["228"]
    assert "passeng" in found[0].noun
    assert [m.figure.text for m in measures("It lasted 8 minutes and 50 seconds.", "en")] == ["8"]


def test_a_source_given_as_a_list_is_credited_whole():
    text = (
        "According to Ukraine, South Korea, and the US, approximately 10,000-12,000 North "
        "Korean troops have been deployed to Russia."
    )
    assert [m.source for m in measures(text, "en")] == ["Ukraine, South Korea, and the US"]
    assert [m.source for m in measures("According to Seoul, Russia sent 300 soldiers.", "en")] == [
        "Seoul"
    ]


def test_a_figure_that_restates_the_one_before_counts_the_same_thing_for_its_own_source():
    text = (
        "In December, Volodymyr Zelensky said that nearly 3,000 North Korean soldiers had been "
        "“killed or injured” there, while Seoul put the figure at 1,000."
    )
    zelensky, seoul = measures(text, "en")
    assert (seoul.noun, seoul.verbs, seoul.scope) == (zelensky.noun, zelensky.verbs, zelensky.scope)
    assert (zelensky.source, seoul.source) == ("Volodymyr Zelensky", "Seoul")
    assert (zelensky.qualifier, seoul.qualifier) == ("nearly", "")
    assert zelensky.when == "in December"  # the sentence's capital is not the phrase's
