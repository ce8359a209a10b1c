"""Every story with sources shown: leads first, then the words filled."""

from __future__ import annotations

from service.pipeline.stories.allocation import FILL_SHARE, allocate
from service.pipeline.types import Brief, BriefSentence, Citation


def _brief(lengths: list[int], tag: str) -> Brief:
    sentences = [
        BriefSentence(" ".join([f"{tag}{n}"] * length), [Citation(tag, 0, 1)], 1.0)
        for n, length in enumerate(lengths)
    ]
    return Brief(sentences, [tag], [], [], sum(lengths))


class Stories:
    """Each story's merge: the longest run of its sentences (lead first) that fits the words."""

    def __init__(self, sentences: list[list[int]]) -> None:
        self.sentences = sentences
        self.calls: list[tuple[int, int]] = []

    def __call__(self, index: int, words: int) -> Brief | None:
        self.calls.append((index, words))
        kept: list[int] = []
        for length in self.sentences[index]:
            if sum(kept) + length <= words:
                kept.append(length)
        return _brief(kept, f"s{index}_")


def _words(brief: Brief | None) -> int:
    return brief.words if brief is None else sum(len(s.text.split()) for s in brief.sentences)


def test_every_story_of_three_sources_gets_its_lead_before_any_gets_a_second():
    """The pooled MultiLing brief at 400 words left three ten-source stories to "Also reported"
    while 48 words were free: here ten stories of ten sources, each lead 30 words."""
    stories = Stories([[30, 25, 25, 25]] * 10)
    briefs = allocate([10] * 10, 400, stories)
    assert all(brief is not None and brief.sentences for brief in briefs)
    shown = [len(brief.sentences) for brief in briefs if brief]
    assert shown[0] >= 1 and min(shown) == 1
    assert sum(_words(b) for b in briefs) >= FILL_SHARE * 400 - 30


def test_a_nine_source_story_gets_its_lead_before_a_ten_source_story_its_second():
    stories = Stories([[40, 40, 40], [40, 40, 40], [45, 10]])
    briefs = allocate([10, 10, 9], 130, stories)
    assert [len(b.sentences) if b else 0 for b in briefs] == [1, 1, 1]  # 125 words, 5 free


def test_the_words_left_are_filled_to_95_percent():
    stories = Stories([[20, 20, 20, 20, 20, 20, 20, 20], [20, 20]])
    briefs = allocate([6, 3], 200, stories)
    assert sum(_words(b) for b in briefs) >= FILL_SHARE * 200
    assert len(stories.calls) <= 2 + 2  # a merge each, and at most two top-ups


def test_stories_are_merged_only_while_a_lead_could_fit():
    stories = Stories([[50, 50], [30], [30], [30]])
    briefs = allocate([5, 1, 1, 1], 100, stories)
    assert briefs[0] is not None and briefs[1] is not None
    # 20 words left, fewer than the shortest lead shown (30): the others are not merged at all
    assert briefs[2] is None and briefs[3] is None
    assert {i for i, _ in stories.calls} == {0, 1}


def test_a_story_merged_with_nothing_that_fits_keeps_its_brief_without_sentences():
    """Its notes and the sentences it dropped are still told; it is "Also reported"."""
    stories = Stories([[20], [90]])
    briefs = allocate([3, 3], 100, stories)
    assert briefs[0] is not None and len(briefs[0].sentences) == 1
    assert briefs[1] is not None and briefs[1].sentences == []
