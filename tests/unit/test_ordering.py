"""A story told in time: its lead first, then by date, background last."""

from __future__ import annotations

from service.pipeline.merge.ordering import in_story_order
from service.pipeline.types import BriefSentence, Citation, Document

DOCUMENT = Document("a", "2005/01/08 Tsunami aid\n\nText.", "en")
LATER = Document("b", "2005/01/09 Tsunami aid\n\nText.", "en")


def _sentence(text: str, sources: int = 1, score: float = 1.0) -> BriefSentence:
    citations = [Citation(document_id, 0, 5) for document_id in "abc"[:sources]]
    return BriefSentence(text, citations, score)


def test_the_lead_is_the_news_not_a_quote_question_or_background():
    quote = _sentence('"His clothes had burned off," a witness said.', sources=3, score=9)
    question = _sentence("Who will pay for the rebuilding?", sources=3, score=9)
    background = _sentence("The tsunami struck on December 26, 2004.", sources=3, score=9)
    news = _sentence("Congress passed the tax bill on Friday.", sources=2)
    after = _sentence("Bush signed it on Saturday.")
    picked = [(s, "a", at) for at, s in enumerate([quote, question, background, after, news])]
    ordered = in_story_order(picked, {"a": DOCUMENT})
    assert [s.text for s in ordered] == [
        news.text,  # the lead: most sources of those that may lead
        quote.text,  # reported 8 Jan, in document order
        question.text,
        after.text,  # 8 Jan, after the quote and question of the same date by place
        background.text,  # last
    ]
    assert ordered[0].when is not None and ordered[0].when.start == "2005-01-07"
    assert ordered[-1].when is not None and ordered[-1].when.start == "2004-12-26"


def test_after_the_lead_cause_comes_before_effect():
    effect = _sentence("Aid arrived on Sunday.")
    cause = _sentence("The storm hit on Friday.")
    lead = _sentence("Aid reached the island, officials said.", sources=2)
    picked = [(effect, "b", 0), (cause, "b", 1), (lead, "a", 0)]
    ordered = in_story_order(picked, {"a": DOCUMENT, "b": LATER})
    assert [s.text for s in ordered] == [lead.text, cause.text, effect.text]


def test_the_lead_is_the_event_the_story_is_about_never_a_plan():
    """MultiLing M000 opened with a telethon to be held on Sunday, January 23."""
    plan = _sentence(
        "Artists will gather in Bucharest on Sunday, January 23, to raise money.", score=9
    )
    event = _sentence("The tsunami death toll passed 80,000 on Thursday.", score=1)
    later = _sentence("The confirmed death count is over 120,000 on Saturday.", score=5)
    picked = [(plan, "a", 0), (later, "a", 1), (event, "a", 2)]
    ordered = in_story_order(picked, {"a": DOCUMENT})
    assert ordered[0].text == event.text
    assert [s.text for s in ordered[1:]] == [later.text, plan.text]  # by date after the lead
