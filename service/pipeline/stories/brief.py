"""A brief of stories: the corpus grouped into stories (`stories.py`), each merged on its own.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/stories/brief.py`) says
how and why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from service.brief_request import BriefRequest
from service.pipeline.documents.chronology import document_date, without_dateline
from service.pipeline.documents.reading import document_sentences
from service.pipeline.stories.allocation import allocate
from service.pipeline.stories.finding import StoryGroup, group_stories
from service.pipeline.stories.growth import stories_since
from service.pipeline.types import (
    Brief,
    Citation,
    Document,
    Headline,
    Story,
    Summary,
)

HEADLINE_WORDS = 20  # a headline a reader scans: at most about this many words
MIN_HEADLINE_WORDS = 3  # a lead shorter than this names no event ("Hello.")

MergeStory = Callable[[Sequence[Document], Sequence[Summary], int], Brief]


@dataclass(frozen=True)
class Earlier:
    """What a brief "since" an earlier one needs of it: its documents, its stories' documents by
    story ID, and the sentences it said."""

    documents: frozenset[str]
    stories: dict[str, list[str]]
    said: frozenset[str]

    @classmethod
    def from_dict(cls, brief: Mapping[str, Any]) -> Earlier:
        """From the brief's JSON (`render.brief_to_dict`); a brief stored before stories is one
        story of all its documents."""
        documents = [str(i) for i in brief.get("documents") or []]
        stories = {
            str(story["id"]): [str(i) for i in story.get("documents") or []]
            for story in brief.get("stories") or []
        } or {"": documents}
        said = frozenset(str(s.get("text", "")) for s in brief.get("sentences") or [])
        return cls(frozenset(documents), stories, said)

    def sources(self, document_ids: set[str]) -> list[str]:
        """The earlier stories that held any of `document_ids`."""
        return [key for key, held in self.stories.items() if key and document_ids & set(held)]


def brief_of_stories(
    documents: Sequence[Document],
    summaries: Sequence[Summary],
    request: BriefRequest,
    merge_story: MergeStory,
    *,
    earlier: Earlier | None = None,
) -> Brief:
    """The brief of `documents` (summaries[i] is documents[i]'s) that the completed `request`
    asks for: one story per event found, or the whole corpus as one story when its `stories` is
    "one", in at most its `max_words`."""
    max_words, story_mode = request.solver_options()
    read = [i for i, summary in enumerate(summaries) if not summary.facts.error]
    if story_mode == "one" or len(read) < 2:  # a document that failed is in the notes alone
        groups = [StoryGroup(read, read[0])] if read else []
    elif earlier is not None and "" not in earlier.stories:  # its stories are kept and grown
        groups = [
            StoryGroup([read[m] for m in g.members], read[g.centre], g.key)
            for g in stories_since([documents[i] for i in read], earlier.stories)
        ]
    else:
        groups = [
            StoryGroup([read[m] for m in g.members], read[g.centre])
            for g in group_stories([documents[i] for i in read])
        ]
    ranked = sorted(groups, key=lambda g: _importance(g, documents))
    # Each story's documents to merge: all of them, or only those added since `earlier`.
    merged = [_added(group.members, documents, earlier) for group in ranked]
    shown = [(group, members) for group, members in zip(ranked, merged, strict=True) if members]

    def merge_shown(index: int, words: int) -> Brief | None:
        members = shown[index][1]
        brief = merge_story([documents[i] for i in members], [summaries[i] for i in members], words)
        return _unsaid(brief, earlier) if earlier is not None else brief

    briefs = allocate([len(members) for _, members in shown], max_words, merge_shown)
    parts: list[tuple[Story, Brief | None]] = []
    for (group, _), brief in zip(shown, briefs, strict=True):
        story = _story(group, documents, summaries, brief)
        parts.append((_since(story, documents, group, earlier), brief))
    return _combined(documents, summaries, parts, max_words)


def _added(members: list[int], documents: Sequence[Document], earlier: Earlier | None) -> list[int]:
    if earlier is None:
        return members
    return [i for i in members if documents[i].id not in earlier.documents]


def _unsaid(brief: Brief, earlier: Earlier) -> Brief:
    return replace(brief, sentences=[s for s in brief.sentences if s.text not in earlier.said])


def _since(
    story: Story, documents: Sequence[Document], group: StoryGroup, earlier: Earlier | None
) -> Story:
    if earlier is None:
        return story
    came_from = earlier.sources({documents[i].id for i in group.members})
    return replace(story, came_from=came_from, new=not came_from)


def _importance(group: StoryGroup, documents: Sequence[Document]) -> tuple[int, int, int]:
    latest = max((document_date(documents[i]) or date.min for i in group.members), default=date.min)
    return (-len(group.members), -latest.toordinal(), group.members[0])


def _story(
    group: StoryGroup,
    documents: Sequence[Document],
    summaries: Sequence[Summary],
    brief: Brief | None,
) -> Story:
    members = [documents[i] for i in group.members]
    dated = sorted(d for d in (document_date(m) for m in members) if d is not None)
    founder = min(members, key=lambda d: (document_date(d) or date.max, d.id))
    return Story(
        id=group.key or "s" + hashlib.sha256(founder.id.encode("utf-8")).hexdigest()[:15],
        headline=story_headline(
            [group.centre, *(i for i in group.members if i != group.centre)],
            documents,
            summaries,
            brief.sentences[0].text if brief and brief.sentences else None,
        ),
        documents=[m.id for m in members],
        sentences=brief.sentences if brief else [],
        disagreements=brief.disagreements if brief else [],
        first_published=dated[0].isoformat() if dated else None,
        last_published=dated[-1].isoformat() if dated else None,
        dropped=brief.dropped if brief else 0,
    )


def story_headline(
    members: list[int],
    documents: Sequence[Document],
    summaries: Sequence[Summary],
    first_sentence: str | None,
) -> Headline | None:
    """A headline a reader can scan: of its documents' (its most typical first) headlines
    (`headline`), the first that is a title of at most `HEADLINE_WORDS` words; else the shortest
    of their leads that is; else the shortest of all. Never the story's first sentence again: a
    headline that repeats it word for word is passed over while another is left."""
    found = [(i, h) for i in members if (h := headline(documents[i], summaries[i])) is not None]
    if not found:
        return None
    repeated = _plain(first_sentence or "")
    fresh = [(i, h) for i, h in found if _plain(h.text) != repeated] or found
    titles = [
        h
        for i, h in fresh
        if h.text == (documents[i].title or "").strip() and len(h.text.split()) <= HEADLINE_WORDS
    ]
    if titles:
        return titles[0]
    short = [h for _, h in fresh if _short(h.text)]
    return min(short or [h for _, h in fresh], key=lambda h: len(h.text.split()))


def _short(text: str) -> bool:
    return MIN_HEADLINE_WORDS <= len(text.split()) <= HEADLINE_WORDS


def _plain(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .")


def headline(document: Document, summary: Summary) -> Headline | None:
    """The document's headline, quoted where its text has it: its title (declared, or derived at
    ingest from the headline line the cleaner finds, `cleaning.find_headline`), else its
    summary's earliest sentence; only a document with neither (its summary is empty) is cleaned
    again, for its first content sentence. A dateline that opens it ("2005/01/08 ...") is left
    out (`chronology.without_dateline`). A declared title its text does not hold (a desk's
    export sends title and text apart) cites the document with an empty span (0-0)."""
    title = (document.title or "").strip()
    if title:
        at = document.text.find(title)
        start, end = (at, at + len(title)) if at >= 0 else (0, 0)
        return _undated(Headline(title, Citation(document.id, start, end)))
    quoted = [s for s in summary.sentences if s.citations]
    if quoted:
        first = min(quoted, key=lambda s: s.position)
        return _undated(Headline(first.text, first.citations[0]))
    sentences = document_sentences(document)
    if not sentences:
        return None
    lead = sentences[0]
    return _undated(Headline(lead.text, Citation(document.id, lead.start, lead.end)))


def _undated(found: Headline) -> Headline:
    """The headline without its opening dateline, its citation moved past it where it quotes."""
    text = without_dateline(found.text)
    if text == found.text:
        return found
    cited = found.citation
    skipped = len(found.text) - len(text)
    start = cited.start + skipped if cited.end > cited.start else cited.start
    return Headline(text, replace(cited, start=min(start, cited.end)))


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
        titles={d.id: d.title for d in documents if d.title},
    )
