"""The brief of stories: one merge per story within its share of the words, ordered by sources."""

from __future__ import annotations

from collections.abc import Sequence

from service.brief_request import BriefRequest
from service.pipeline.documents.cleaning import find_headline
from service.pipeline.render import brief_markdown, brief_to_dict
from service.pipeline.stories.allocation import MIN_STORY_WORDS
from service.pipeline.stories.brief import brief_of_stories, headline, story_headline
from service.pipeline.types import (
    Brief,
    BriefSentence,
    Citation,
    Document,
    DocumentFacts,
    ModelInfo,
    Summary,
    SummarySentence,
)
from tests.seeds import load_seeds
from tests.unit.test_stories import ELECTION, FLOOD

MODEL = ModelInfo("fake", "extractive")


class RecordingMerge:
    """Stands in for `merge_summaries`: one sentence of exactly the words it is given, citing
    the first document, and a record of each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], int]] = []

    def __call__(
        self, documents: Sequence[Document], summaries: Sequence[Summary], words: int
    ) -> Brief:
        self.calls.append(([d.id for d in documents], words))
        first = documents[0]
        sentence = BriefSentence(" ".join(["word"] * words), [Citation(first.id, 0, 5)], 1.0)
        facts = [s.facts for s in summaries]
        return Brief([sentence], [d.id for d in documents], [MODEL], facts, words)


def _summary(document: Document) -> Summary:
    facts = DocumentFacts(document.id, document.language, MODEL.name, 10, 1, False, 1)
    return Summary(document.id, MODEL, [], facts)


def _corpus(texts: list[str], dates: list[str]) -> tuple[list[Document], list[Summary]]:
    documents = [
        Document(f"d{i}", text, "en", published=day)
        for i, (text, day) in enumerate(zip(texts, dates, strict=True))
    ]
    return documents, [_summary(d) for d in documents]


def test_the_seeds_are_one_story_merged_once_with_every_word() -> None:
    # as ingest stores them: a document sent without a title gets its headline line
    documents = [
        Document(i, text, "en", title=find_headline(text, "en"))
        for i, text in sorted(load_seeds().items())
    ]
    merge = RecordingMerge()
    brief = brief_of_stories(
        documents,
        [_summary(d) for d in documents],
        BriefRequest(max_words=250, stories="auto"),
        merge,
    )
    assert merge.calls == [([d.id for d in documents], 250)]
    (story,) = brief.stories
    assert story.documents == [d.id for d in documents]
    assert story.headline is not None
    headline = story.headline
    cited = next(d for d in documents if d.id == headline.citation.document_id)
    assert cited.text[headline.citation.start : headline.citation.end].strip() == headline.text
    assert brief.sentences == story.sentences
    assert "Also reported" not in brief_markdown(brief)


def test_stories_by_sources_share_the_words_and_the_smallest_is_also_reported() -> None:
    lone = "A comet passed close to Jupiter, astronomers at the Palomar observatory reported."
    documents, summaries = _corpus(
        [lone, *ELECTION, *FLOOD],
        ["2024-12-05", "2024-12-01", "2024-12-02", "2024-10-20", "2024-10-21", "2024-10-22"],
    )
    merge = RecordingMerge()
    words = 2 * MIN_STORY_WORDS + 3  # 2 words left after two stories: no sentence is that short
    brief = brief_of_stories(
        documents, summaries, BriefRequest(max_words=words, stories="auto"), merge
    )
    assert [s.documents for s in brief.stories] == [["d3", "d4", "d5"], ["d1", "d2"], ["d0"]]
    assert merge.calls == [(["d3", "d4", "d5"], words // 2), (["d1", "d2"], MIN_STORY_WORDS)]
    flood, vote, comet = brief.stories
    assert (flood.first_published, flood.last_published) == ("2024-10-20", "2024-10-22")
    assert comet.sentences == [] and comet.headline is not None
    assert brief.sentences == flood.sentences + vote.sentences
    assert len({s.id for s in brief.stories}) == 3
    markdown = brief_markdown(brief)
    assert markdown.index("### Also reported") > markdown.index(f"### {_md(vote)}")
    assert "3 sources, 2024-10-20 to 2024-10-22" in markdown
    wire = brief_to_dict(brief)
    assert [s["documents"] for s in wire["stories"]] == [s.documents for s in brief.stories]


def test_a_story_keeps_its_id_when_a_later_report_joins_it() -> None:
    documents, summaries = _corpus(FLOOD[:2], ["2024-10-20", "2024-10-21"])
    before = (
        brief_of_stories(
            documents, summaries, BriefRequest(max_words=100, stories="auto"), RecordingMerge()
        )
        .stories[0]
        .id
    )
    more, more_summaries = _corpus(FLOOD, ["2024-10-20", "2024-10-21", "2024-10-22"])
    after = (
        brief_of_stories(
            more, more_summaries, BriefRequest(max_words=100, stories="auto"), RecordingMerge()
        )
        .stories[0]
        .id
    )
    assert before == after


def test_one_forces_a_single_story() -> None:
    documents, summaries = _corpus([*ELECTION, *FLOOD], ["2024-12-01"] * 5)
    merge = RecordingMerge()
    brief = brief_of_stories(
        documents, summaries, BriefRequest(max_words=100, stories="one"), merge
    )
    assert merge.calls == [([d.id for d in documents], 100)]
    assert len(brief.stories) == 1


def _md(story) -> str:
    assert story.headline is not None
    return story.headline.text


def test_the_page_numbers_sources_as_the_markdown_does() -> None:
    from service.pipeline.render import brief_view

    lone = "A comet passed close to Jupiter, astronomers at the Palomar observatory reported."
    documents, summaries = _corpus([*FLOOD, *ELECTION, lone], ["2024-10-20"] * 6)
    brief = brief_of_stories(
        documents,
        summaries,
        BriefRequest(max_words=2 * MIN_STORY_WORDS, stories="auto"),
        RecordingMerge(),
    )
    view = brief_view(brief_to_dict(brief), {})
    assert [len(s.sentences) for s in view.stories] == [1, 1, 0]
    assert [s.headline for s in view.also_reported] == [lone]
    markdown = brief_markdown(brief)
    for story in view.stories:
        (marker,) = story.markers
        assert f"{story.headline}[^{marker.number}]" in markdown


def test_since_an_earlier_brief_only_stories_with_new_documents_are_briefed_from_those() -> None:
    from service.pipeline.stories.brief import Earlier

    lone = "A comet passed close to Jupiter, astronomers at the Palomar observatory reported."
    before_docs, before_summaries = _corpus([*FLOOD[:2], *ELECTION], ["2024-10-20"] * 4)
    before = brief_of_stories(
        before_docs, before_summaries, BriefRequest(max_words=200, stories="auto"), RecordingMerge()
    )
    earlier = Earlier.from_dict(brief_to_dict(before))
    flood_id = before.stories[0].id
    documents, summaries = _corpus([*FLOOD[:2], *ELECTION, FLOOD[2], lone], ["2024-10-20"] * 6)
    merge = RecordingMerge()
    since = brief_of_stories(
        documents, summaries, BriefRequest(max_words=200, stories="auto"), merge, earlier=earlier
    )
    assert sorted(ids for ids, _ in merge.calls) == [["d4"], ["d5"]]  # only the new documents
    flood, comet = since.stories
    assert flood.documents == ["d0", "d1", "d4"] and flood.id == flood_id
    assert (flood.came_from, flood.new) == ([flood_id], False)
    assert (comet.documents, comet.came_from, comet.new) == (["d5"], [], True)


def test_since_leaves_out_what_the_earlier_brief_said() -> None:
    from service.pipeline.stories.brief import Earlier

    documents, summaries = _corpus(FLOOD, ["2024-10-20"] * 3)
    said = {"documents": ["d0"], "sentences": [{"text": " ".join(["word"] * 200)}]}
    brief = brief_of_stories(
        documents,
        summaries,
        BriefRequest(max_words=200, stories="auto"),
        RecordingMerge(),
        earlier=Earlier.from_dict(said),
    )
    (story,) = brief.stories
    assert story.sentences == [] and story.came_from == []


def _with_lead(document: Document, lead: str) -> Summary:
    summary = _summary(document)
    at = document.text.find(lead)
    summary.sentences.append(
        SummarySentence(lead, [Citation(document.id, at, at + len(lead))], 1.0, 0)
    )
    return summary


def test_a_headline_is_short_and_never_the_storys_first_sentence() -> None:
    """The 120-document mix (sent without titles) had article first sentences of 25-45 words
    as headlines, repeated word for word as the story's first sentence."""
    long_lead = " ".join(["Hurricane Ivan"] + ["word"] * 30) + "."
    short_lead = "Hurricane Ivan struck Grenada on Tuesday."
    documents = [Document("a", long_lead + " More."), Document("b", short_lead + " More.")]
    summaries = [_with_lead(documents[0], long_lead), _with_lead(documents[1], short_lead)]
    found = story_headline([0, 1], documents, summaries, None)
    assert found is not None and found.text == short_lead
    # the short lead is the story's first sentence: the other headline, long as it is
    found = story_headline([0, 1], documents, summaries, short_lead)
    assert found is not None and found.text == long_lead


def test_a_title_is_the_headline_where_it_is_short_even_when_the_text_does_not_hold_it() -> None:
    long_title = " ".join(["Long"] * 25)
    documents = [
        Document("a", "Troops landed. More.", title=long_title),
        Document("b", "Troops landed in the north. More.", title="Troops land in the north"),
    ]
    summaries = [_with_lead(d, d.text.split(" More.")[0]) for d in documents]
    found = story_headline([0, 1], documents, summaries, "Troops landed.")
    assert found is not None and found.text == "Troops land in the north"
    assert (found.citation.document_id, found.citation.start, found.citation.end) == ("b", 0, 0)


def test_a_headline_is_shown_without_its_dateline() -> None:
    title = "2005/01/08 Tsunami aid donations in 2005 deductible for 2004"
    document = Document("t", f"{title}\n\nCitizens may write off their gifts.", "en", title=title)
    found = headline(document, _summary(document))
    assert found is not None
    assert found.text == "Tsunami aid donations in 2005 deductible for 2004"
    cited = found.citation
    assert document.text[cited.start : cited.end] == found.text


def test_since_an_earlier_brief_a_story_keeps_its_id_when_an_earlier_report_joins() -> None:
    """A report dated before the story's founder joins it: the story is the one found before,
    and keeps its ID (a regrouping would name it by its new earliest document)."""
    from service.pipeline.stories.brief import Earlier

    before_docs, before_summaries = _corpus([*FLOOD[:2], *ELECTION], ["2024-10-20"] * 4)
    before = brief_of_stories(
        before_docs, before_summaries, BriefRequest(max_words=200, stories="auto"), RecordingMerge()
    )
    flood_id = next(s.id for s in before.stories if "d0" in s.documents)
    documents, summaries = _corpus(
        [*FLOOD[:2], *ELECTION, FLOOD[2]], ["2024-10-20"] * 4 + ["2024-10-19"]
    )
    since = brief_of_stories(
        documents,
        summaries,
        BriefRequest(max_words=200, stories="auto"),
        RecordingMerge(),
        earlier=Earlier.from_dict(brief_to_dict(before)),
    )
    (flood,) = since.stories
    assert (flood.id, flood.documents, flood.came_from) == (
        flood_id,
        ["d0", "d1", "d4"],
        [flood_id],
    )
