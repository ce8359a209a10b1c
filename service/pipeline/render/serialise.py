"""A brief's JSON, as the API and the command line return it and the store keeps it: the
pipeline's dataclasses written out, with the brief's text and Markdown rendered from its view."""

from __future__ import annotations

from typing import Any

from service.pipeline.render.markdown import as_markdown
from service.pipeline.render.text import as_text
from service.pipeline.render.view import brief_view
from service.pipeline.types import Brief, BriefSentence, Story


def brief_to_dict(brief: Brief) -> dict[str, Any]:
    sentences = [_sentence_to_dict(s) for s in brief.sentences]
    rest: dict[str, Any] = {
        "documents": brief.documents,
        "document_titles": [
            {"document_id": document_id, "title": title}
            for document_id, title in brief.titles.items()
        ],
        "models": [m.to_dict() for m in brief.models],
        "document_facts": [f.to_dict() for f in brief.facts],
        "max_words": brief.max_words,
        "words": brief.words,
        "notes": brief.notes,
        "disagreements": [d.to_dict() for d in brief.disagreements],
        "dropped_sentences": brief.dropped,
        "stories": [_story_to_dict(story) for story in brief.stories],
        "republished": [
            {"document_id": document_id, "copies": copies}
            for document_id, copies in brief.republished.items()
        ],
    }
    view = brief_view({"sentences": sentences, **rest})
    return {"sentences": sentences, "text": as_text(view), "markdown": as_markdown(view), **rest}


def _sentence_to_dict(s: BriefSentence) -> dict[str, Any]:
    return {
        "text": s.text,
        "citations": [c.to_dict() for c in s.citations],
        "sources": len(s.document_ids),
        "score": s.score,
        "support": s.support,
        "supported": s.supported,
        **({"problems": s.problems} if s.problems else {}),
        **({"trimmed": [c.to_dict() for c in s.trimmed]} if s.trimmed else {}),
        "when": s.when.to_dict() if s.when else None,
    }


def _story_to_dict(story: Story) -> dict[str, Any]:
    headline = story.headline
    return {
        "id": story.id,
        "headline": (
            {"text": headline.text, "citation": headline.citation.to_dict()} if headline else None
        ),
        "documents": story.documents,
        "sentences": [_sentence_to_dict(s) for s in story.sentences],
        "disagreements": [d.to_dict() for d in story.disagreements],
        "timeline": timeline(story.sentences),
        "first_published": story.first_published,
        "last_published": story.last_published,
        "dropped_sentences": story.dropped,
        "came_from": story.came_from,
        "new": story.new,
    }


def timeline(sentences: list[BriefSentence]) -> list[dict[str, Any]]:
    """A story's dated sentences in the order of their dates: `sentence` indexes `sentences`."""
    dated = [
        (s.when.start, s.when.end or "", at, s.when)
        for at, s in enumerate(sentences)
        if s.when is not None and s.when.start
    ]
    return [{**when.to_dict(), "sentence": at} for _, _, at, when in sorted(dated)]
