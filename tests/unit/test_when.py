"""Each brief sentence's date: time expressions read against its document's date."""

from __future__ import annotations

from datetime import date

import pytest

from service.pipeline.merge.when import sentence_when, time_expressions, when_label
from service.pipeline.render import brief_markdown, brief_text, timeline
from service.pipeline.types import Brief, BriefSentence, Citation, When

SATURDAY = date(2005, 1, 8)


@pytest.mark.parametrize(
    ("text", "language", "start", "end", "expression"),
    [
        ("The bill passed on Saturday.", "en", "2005-01-08", "2005-01-08", "on Saturday"),
        ("The bill passed on Thursday.", "en", "2005-01-06", "2005-01-06", "on Thursday"),
        ("It struck last Saturday.", "en", "2005-01-01", "2005-01-01", "last Saturday"),
        ("The law was signed last week by Bush.", "en", "2004-12-27", "2005-01-02", "last week"),
        ("Yesterday the army said it would leave.", "en", "2005-01-07", "2005-01-07", "Yesterday"),
        ("In December troops were deployed.", "en", "2004-12-01", "2004-12-31", "In December"),
        ("The quake struck on December 26.", "en", "2004-12-26", "2004-12-26", "on December 26"),
        ("Two days ago a bomb exploded.", "en", "2005-01-06", "2005-01-06", "Two days ago"),
        ("Le séisme a frappé samedi dernier.", "fr", "2005-01-01", "2005-01-01", "samedi dernier"),
        ("La loi a été votée la semaine dernière.", "fr", "2004-12-27", "2005-01-02", None),
        ("Les troupes sont arrivées hier à Paris.", "fr", "2005-01-07", "2005-01-07", "hier"),
        ("Le 26 décembre, un séisme a frappé.", "fr", "2004-12-26", "2004-12-26", None),
    ],
)
def test_time_expressions_are_read_against_the_documents_date(
    text, language, start, end, expression
):
    when = sentence_when(text, language, SATURDAY)
    assert when is not None
    assert (when.start, when.end, when.reported) == (start, end, False)
    if expression is not None:
        assert when.expression == expression


def test_words_that_are_not_dates_are_not_read_as_dates():
    """ "may" the verb, "now", "second", bare numbers."""
    text = "Donors may now give a second time, and 12 of them did."
    assert time_expressions(text, "en", SATURDAY) == []
    when = sentence_when(text, "en", SATURDAY)
    assert when == When("2005-01-08", "2005-01-08", None, reported=True)


def test_of_two_days_the_latest_dates_the_sentence():
    text = "An aftershock of the February 27 earthquake hit central Chile on Wednesday night."
    when = sentence_when(text, "en", date(2010, 10, 22))
    assert when is not None and (when.start, when.expression) == (
        "2010-10-20",
        "on Wednesday night",
    )


def test_the_most_precise_expression_dates_the_sentence():
    when = sentence_when(
        "Donations made in 2005 count, the House said on Thursday.", "en", SATURDAY
    )
    assert (when.start, when.expression) == ("2005-01-06", "on Thursday")


def test_without_a_document_date_only_a_full_date_is_read():
    assert sentence_when("It struck on Saturday.", "en", None) == When(None, None, "Saturday")
    assert sentence_when("It struck.", "en", None) is None
    when = sentence_when("It struck on 26 December 2004.", "en", None)
    assert when is not None and when.start == "2004-12-26"


def test_labels_are_compact():
    assert when_label(When("2005-01-08", "2005-01-08", "on Saturday")) == "8 Jan 2005"
    assert when_label(When("2005-01-08", "2005-01-08", None, reported=True)) == (
        "reported 8 Jan 2005"
    )
    assert when_label(When("2004-12-01", "2004-12-31", "in December")) == "Dec 2004"
    assert when_label(When("2004-01-01", "2004-12-31", "in 2004")) == "2004"
    assert when_label(When("2005-01-03", "2005-01-09", "this week")) == "3-9 Jan 2005"
    assert when_label(When("2004-12-27", "2005-01-02", "last week")) == "27 Dec 2004 - 2 Jan 2005"


def _sentence(text: str, when: When) -> BriefSentence:
    return BriefSentence(text, [Citation("a", 0, len(text))], 1.0, when=when)


def test_two_saturdays_are_never_shown_without_their_dates():
    """The brief of `corpus/` had two "on Saturday"s a month apart, printed alike."""
    first = _sentence(
        "Two soldiers were captured on Saturday.",
        sentence_when("Two soldiers were captured on Saturday.", "en", date(2025, 1, 11)),
    )
    second = _sentence(
        "Troops were deployed on Saturday.",
        sentence_when("Troops were deployed on Saturday.", "en", date(2024, 12, 14)),
    )
    brief = Brief([first, second], ["a"], [], [], 100)
    text, markdown = brief_text(brief), brief_markdown(brief)
    for shown in (text, markdown):
        assert "11 Jan 2025" in shown and "14 Dec 2024" in shown
    assert [entry["start"] for entry in timeline([first, second])] == ["2024-12-14", "2025-01-11"]
    assert [entry["sentence"] for entry in timeline([first, second])] == [1, 0]


def test_a_relative_expression_of_an_undated_document_is_a_date_unknown():
    """Not a Saturday like any other: the brief of `corpus/` has two, a month apart, in
    documents that carry no date."""
    when = sentence_when("Zelensky announced on Saturday that troops were captured.", "en", None)
    assert when == When(None, None, "Saturday")
    assert when_label(when) == "date unknown"
    assert timeline([_sentence("On Saturday.", when)]) == []


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("The Tour would open Sunday in London.", "2005-01-09"),  # a plan: the coming Sunday
        ("The race is expected to end on Saturday.", "2005-01-08"),  # that day included
        ("Artists will gather in Bucharest on Monday.", "2005-01-10"),
        ("Police said on Sunday they would act.", "2005-01-02"),  # said: the Sunday before
        ("The race ended on Sunday.", "2005-01-02"),
        ("Workers will rest, as they did on Sunday.", "2005-01-02"),  # another clause
    ],
)
def test_a_weekday_in_a_plan_is_the_coming_one(text: str, start: str) -> None:
    when = sentence_when(text, "en", SATURDAY)
    assert when is not None and when.start == start


def test_a_french_plan_is_read_ahead_too() -> None:
    ahead = sentence_when("La réunion doit se tenir lundi à Paris.", "fr", SATURDAY)
    past = sentence_when("La réunion s'est tenue lundi à Paris.", "fr", SATURDAY)
    assert ahead is not None and ahead.start == "2005-01-10"
    assert past is not None and past.start == "2005-01-03"


def test_a_relative_time_of_an_undated_document_is_a_key_two_wordings_share() -> None:
    from service.pipeline.merge.when import unread_time

    assert unread_time("Zelensky announced on Saturday that troops advanced.", "en", None) == (
        "saturday"
    )
    assert unread_time("On Saturday, Zelensky said more troops came.", "en", None) == "saturday"
    assert unread_time("Zelensky spoke on Saturday.", "en", SATURDAY) is None  # read: dated
    assert unread_time("Troops advanced on January 9, 2025.", "en", None) is None  # a date
    assert unread_time("Troops advanced in the Kursk region.", "en", None) is None


def test_what_may_name_a_time_to_come() -> None:
    from service.pipeline.merge.when import may_look_ahead

    assert may_look_ahead("The summit opens tomorrow.", "en")
    assert may_look_ahead("The summit opens next week.", "en")
    assert may_look_ahead("The summit would open on Sunday.", "en")
    assert may_look_ahead("The summit opens on 12 May.", "en")
    assert may_look_ahead("Le sommet s'ouvre samedi prochain.", "fr")
    assert not may_look_ahead("The summit opened in London after long talks.", "en")
    assert not may_look_ahead("Le sommet s'est ouvert samedi.", "fr")
