"""How a brief of several stories shares its words: every story with sources shown.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/stories/allocation.py`)
says how and why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from service.pipeline.types import Brief, BriefSentence

MIN_STORY_WORDS = 60  # a story's first merge is offered at least this many words
LEAD_SOURCES = 3
FILL_SHARE = 0.95
MAX_TOP_UPS = 2
MIN_SENTENCE_WORDS = 4  # as the merge's: no sentence is shorter, so fewer words free end it

# Merges story `i` (its index in the order given) within `words`; None where it has nothing.
MergeStory = Callable[[int, int], Brief | None]


@dataclass
class _Part:
    sources: int
    share: int
    brief: Brief | None = None
    taken: list[BriefSentence] = field(default_factory=list)
    merged_with: int = 0  # the words its brief was merged within

    @property
    def words(self) -> int:
        return sum(_words(s) for s in self.taken)

    def next_sentences(self) -> list[BriefSentence]:
        if self.brief is None:
            return []
        return [s for s in self.brief.sentences if not any(s is t for t in self.taken)]


def allocate(sources: Sequence[int], max_words: int, merge: MergeStory) -> list[Brief | None]:
    """Each story's brief cut to the sentences shown (None: never merged; no sentences: none
    fit, its notes and what it dropped still told), for stories of `sources[i]` documents in
    order of importance."""
    total = sum(sources) or 1
    single = len(sources) == 1
    parts = [
        _Part(n, max_words if single else max(MIN_STORY_WORDS, max_words * n // total))
        for n in sources
    ]
    plan = _Plan(parts, max_words, merge)
    major = [i for i, part in enumerate(parts) if part.sources >= LEAD_SOURCES] or (
        [0] if parts else []
    )
    for i in major:
        plan.take_lead(i)
    for i in range(len(parts)):
        plan.fill(i)
    plan.top_up()
    return [
        replace(part.brief, sentences=_in_brief_order(part)) if part.brief else None
        for part in parts
    ]


class _Plan:
    def __init__(self, parts: list[_Part], max_words: int, merge: MergeStory) -> None:
        self.parts, self.max_words, self.merge = parts, max_words, merge

    @property
    def left(self) -> int:
        return self.max_words - sum(part.words for part in self.parts)

    def _merged(self, i: int, words: int) -> _Part:
        part = self.parts[i]
        if part.brief is None and words >= MIN_SENTENCE_WORDS:
            part.brief = self.merge(i, words)
            part.merged_with = words
        return part

    def take_lead(self, i: int) -> None:
        part = self._merged(i, min(self.parts[i].share, self.left))
        if part.brief is not None and part.brief.sentences and not part.taken:
            lead = part.brief.sentences[0]
            if _words(lead) <= self.left:
                part.taken.append(lead)

    def fill(self, i: int) -> None:
        if self.parts[i].brief is None and self.left < self._shortest_lead():
            return  # a story merged now would need a lead shorter than any story's: not merged
        part = self._merged(i, min(self.parts[i].share, self.left))
        for sentence in part.next_sentences():
            if _words(sentence) <= self.left:
                part.taken.append(sentence)

    def _shortest_lead(self) -> int:
        leads = [_words(part.taken[0]) for part in self.parts if part.taken]
        return min(leads, default=MIN_SENTENCE_WORDS)

    def top_up(self) -> None:
        """Merge the most important stories again with the words left, while many are."""
        tries = 0
        for part in self.parts:
            if tries >= MAX_TOP_UPS or self.left <= (1 - FILL_SHARE) * self.max_words:
                return
            if part.brief is None or not part.taken:
                continue  # never merged, or nothing of it shown
            words = part.words + self.left
            if words <= part.merged_with:
                continue  # merged with as many words already
            tries += 1
            index = self.parts.index(part)
            again = self.merge(index, words)
            part.merged_with = words
            if again is not None and sum(_words(s) for s in again.sentences) > part.words:
                part.brief, part.taken = again, list(again.sentences)


def _in_brief_order(part: _Part) -> list[BriefSentence]:
    """The sentences taken, in the order of the story's brief (lead first)."""
    assert part.brief is not None
    taken = {id(s) for s in part.taken}
    return [s for s in part.brief.sentences if id(s) in taken]


def _words(sentence: BriefSentence) -> int:
    return len(sentence.text.split())
