"""Which sentences may open a story, and which plans later reports overtake."""

from __future__ import annotations

from datetime import date

from service.pipeline.documents.reading import document_sentences
from service.pipeline.merge.lead import may_lead, may_open, opens_document, overtaken, plan_day
from service.pipeline.types import Document

ARTICLE = Document(
    "a",
    "Tour de France opens in London.\n\nFriday, July 6, 2007\n\n"
    "The Tour de France will open in London on Saturday with a prologue. "
    "Half a million people are expected along the route. "
    "The race would then leave for Canterbury on Sunday.",
    "en",
)
WIRE = Document(
    "b",
    "LONDON, July 8, 2007 - Fabian Cancellara won the prologue of the Tour de France. "
    "He rode 7.9 km through central London.",
    "en",
    published="2007-07-08",
)


def test_a_document_opens_with_the_sentence_below_its_headline():
    sentences = [s.text for s in document_sentences(ARTICLE)]
    assert sentences[0] == "Tour de France opens in London."
    assert not opens_document(ARTICLE, 0)  # the headline names the article
    assert opens_document(ARTICLE, 1)
    assert not opens_document(ARTICLE, 2)
    assert opens_document(WIRE, 0)  # no headline set apart: its first sentence is its lead
    assert not opens_document(WIRE, 1)


def test_a_plan_does_not_open_a_story_and_an_event_does():
    plan = document_sentences(ARTICLE)[1].text
    assert not may_open(plan, ARTICLE, 1)  # dated Saturday 7 July, after its Friday report
    assert may_open(document_sentences(WIRE)[0].text, WIRE, 0)
    assert not may_open(document_sentences(WIRE)[1].text, WIRE, 1)  # not an opening


def test_what_may_lead():
    assert may_lead("Russia, Vietnam and Peru will join the forum in November.")
    assert not may_lead("“We lost everything,” she told reporters.")
    assert not may_lead("Is there such a thing as a free lunch?")
    assert not may_lead("While complaints about its generosity surfaced, donations rose.")


def test_the_day_of_a_plan():
    plan = "The race would then leave for Canterbury on Sunday."
    assert plan_day(plan, ARTICLE) == date(2007, 7, 8)  # reported Friday 6 July
    assert plan_day(plan, None) is None
    # an event is never a plan; nor is "said on Sunday it would": Sunday is when it was said
    assert plan_day("Cancellara won the prologue on Saturday.", ARTICLE) is None
    assert plan_day("Police said on Sunday they would act.", ARTICLE) is None


def test_a_plan_is_overtaken_by_a_report_of_its_event_on_or_after_its_day():
    sunday = date(2007, 7, 8)
    assert overtaken(sunday, [(date(2007, 7, 9), 0.7)], 0.5)
    assert overtaken(sunday, [(date(2007, 7, 8), 0.5)], 0.5)
    assert not overtaken(sunday, [(date(2007, 7, 7), 0.9)], 0.5)  # before its day: still news
    assert not overtaken(sunday, [(date(2007, 7, 9), 0.2)], 0.5)  # a report of something else
    assert not overtaken(sunday, [(None, 0.9)], 0.5)
    assert not overtaken(sunday, [], 0.5)
