"""A brief of stories: the corpus grouped into stories (`stories.py`), each merged on its own.

Each story gets its own brief from the same merge as a single brief (`merge_summaries`, passed in
as `merge`), within its share of `max_words`. Stories are taken by importance (number of
documents, then the latest date); each is offered a share of the words in proportion to its
documents, but never less than `MIN_STORY_WORDS`, since a brief shorter than that says too little
to be worth reading. When fewer words than that are left, the remaining stories are shown by their
headline only ("Also reported"). Words a story's brief leaves unused go to the next stories.

A story's ID names its founding document (the earliest, then the smallest ID), so it stays the
same while later reports join the story.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import date

from service.pipeline.chronology import document_date
from service.pipeline.cleaning import clean_document
from service.pipeline.sentences import split_sentences
from service.pipeline.stories import StoryGroup, group_stories
from service.pipeline.types import (
    Brief,
    Citation,
    Document,
    Headline,
    Story,
    Summary,
)

MIN_STORY_WORDS = 60
HEADLINE_WORDS = (4, 25)  # a title line shorter is a section label ("World News"), longer is prose
MODES = ("auto", "one")

Merge = Callable[[Sequence[Document], Sequence[Summary], int], Brief]


def brief_of_stories(
    documents: Sequence[Document],
    summaries: Sequence[Summary],
    max_words: int,
    merge: Merge,
    *,
    stories: str = "auto",
) -> Brief:
    """The brief of `documents` (summaries[i] is documents[i]'s): one story per event found, or
    the whole corpus as one story when `stories` is "one"."""
    if stories == "one" or len(documents) < 2:
        groups = [StoryGroup(list(range(len(documents))), 0)]
    else:
        groups = group_stories(documents)
    ranked = sorted(groups, key=lambda g: _importance(g, documents))
    total = sum(len(g.members) for g in ranked)
    left = max_words
    parts: list[tuple[Story, Brief | None]] = []
    for group in ranked:
        share = max(MIN_STORY_WORDS, max_words * len(group.members) // max(total, 1))
        words = left if len(ranked) == 1 else min(share, left)
        brief = None
        if words >= MIN_STORY_WORDS or len(ranked) == 1:
            brief = merge(
                [documents[i] for i in group.members], [summaries[i] for i in group.members], words
            )
            left -= brief.words
        parts.append((_story(group, documents, summaries, brief), brief))
    return _combined(documents, summaries, parts, max_words)


def _importance(group: StoryGroup, documents: Sequence[Document]) -> tuple[int, int, int]:
    latest = max((_date(documents[i]) or date.min for i in group.members), default=date.min)
    return (-len(group.members), -latest.toordinal(), group.members[0])


def _date(document: Document) -> date | None:
    return document_date(document)


def _story(
    group: StoryGroup,
    documents: Sequence[Document],
    summaries: Sequence[Summary],
    brief: Brief | None,
) -> Story:
    members = [documents[i] for i in group.members]
    dated = sorted(d for d in (_date(m) for m in members) if d is not None)
    founder = min(members, key=lambda d: (_date(d) or date.max, d.id))
    return Story(
        id="s" + hashlib.sha256(founder.id.encode("utf-8")).hexdigest()[:15],
        headline=headline(documents[group.centre], summaries[group.centre]),
        documents=[m.id for m in members],
        sentences=brief.sentences if brief else [],
        disagreements=brief.disagreements if brief else [],
        first_published=dated[0].isoformat() if dated else None,
        last_published=dated[-1].isoformat() if dated else None,
        dropped=brief.dropped if brief else 0,
    )


def headline(document: Document, summary: Summary) -> Headline | None:
    """The document's headline, quoted where its text has it: its title line as the cleaner
    found it (before the article, without sentence-final punctuation, of headline length), or
    its declared title where the text holds it; else its summary's earliest sentence, else its
    first content sentence."""
    cleaned = clean_document(document)
    body = cleaned.blocks[0].start if cleaned.blocks else len(document.text)
    low, high = HEADLINE_WORDS
    for span in cleaned.removed:
        text = document.text[span.start : span.end]
        title = span.start < body and span.reason == "no-sentence-structure"
        if title and low <= len(text.split()) <= high:
            return Headline(text.strip(), Citation(document.id, span.start, span.end))
    if document.title and (at := document.text.find(document.title)) >= 0:
        return Headline(document.title, Citation(document.id, at, at + len(document.title)))
    quoted = [s for s in summary.sentences if s.citations]
    if quoted:
        first = min(quoted, key=lambda s: s.position)
        return Headline(first.text, first.citations[0])
    sentences = split_sentences(cleaned)
    if not sentences:
        return None
    lead = sentences[0]
    return Headline(lead.text, Citation(document.id, lead.start, lead.end))


def _combined(
    documents: Sequence[Document],
    summaries: Sequence[Summary],
    parts: list[tuple[Story, Brief | None]],
    max_words: int,
) -> Brief:
    """One brief of every story's: the sentences and disagreements of each in story order; the
    notes of each (a document that failed), and those of the stories shown by headline only."""
    briefs = [brief for _, brief in parts if brief is not None]
    briefed = {document_id for brief in briefs for document_id in brief.documents}
    failed = [s for s in summaries if s.facts.error and s.document_id not in briefed]
    return Brief(
        sentences=[s for b in briefs for s in b.sentences],
        documents=[d.id for d in documents],
        models=list(dict.fromkeys(s.model for s in summaries if not s.facts.error)),
        facts=[s.facts for s in summaries],
        max_words=max_words,
        notes=[note for brief in briefs for note in brief.notes]
        + [f"{s.document_id}: not summarised ({s.facts.error})" for s in failed],
        disagreements=[d for b in briefs for d in b.disagreements],
        dropped=sum(b.dropped for b in briefs),
        stories=[story for story, _ in parts],
    )
