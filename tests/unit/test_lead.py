"""Which sentences may open a story, and which plans later reports overtake."""

from __future__ import annotations

from datetime import date

from service.pipeline.documents.reading import document_sentences
from service.pipeline.merge.lead import may_lead, may_open, opens_document, overtaken
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


def test_a_plan_is_overtaken_once_a_later_report_reaches_its_day():
    plan = "The race would then leave for Canterbury on Sunday."
    assert overtaken(plan, ARTICLE, date(2007, 7, 9))  # the story runs past Sunday 8 July
    assert overtaken(plan, ARTICLE, date(2007, 7, 8))
    assert not overtaken(plan, ARTICLE, date(2007, 7, 7))  # not yet: the plan is still news
    assert not overtaken(plan, None, date(2007, 7, 9))
    # an event is never a plan, however late the story runs
    assert not overtaken("Cancellara won the prologue on Saturday.", ARTICLE, date(2007, 7, 9))
    # "said on Sunday it would": the weekday is when it was said, not the plan's day
    assert not overtaken("Police said on Sunday they would act.", ARTICLE, date(2007, 7, 9))
