"""The renderings of a brief: its JSON (what the API and the command line return), its text and
Markdown (stored in the JSON), and the command line's text report. The HTML page is the web
page's templates over `service.web.brief_view`, which labels figures with the functions here."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from service.pipeline.merge.when import when_label
from service.pipeline.types import Brief, BriefSentence, Citation, Disagreement, Story


def brief_text(brief: Brief) -> str:
    """Plain text, each sentence opened by its date in brackets and followed by inline
    `[document-id]` markers."""
    return " ".join(
        f"{_dated_prefix(s)}{s.text} " + "".join(f"[{doc_id}]" for doc_id in s.document_ids)
        for s in brief.sentences
    ).strip()


def _dated_prefix(sentence: BriefSentence) -> str:
    """ "(8 Jan 2005) ": the date of what the sentence reports (`when.when_label`)."""
    return f"({when_label(sentence.when)}) " if sentence.when else ""


def brief_markdown(brief: Brief) -> str:
    """Markdown with footnote-style citations: one footnote per cited document. A brief of
    several stories has a section per story, under its headline, and the stories too small for
    a brief of their own listed by headline under "Also reported"."""
    notes = _Footnotes()
    if len(brief.stories) > 1:
        parts = ["## Brief", *_story_sections(brief.stories, notes)]
    else:
        parts = ["## Brief", *_story_body(brief.sentences, brief.disagreements, notes, "###")]
    if brief.dropped:
        parts.append(f"_{brief.dropped} sentence(s) left out: not supported by their evidence._")
    if brief.notes:
        parts.append("\n".join(f"> {_markdown_text(note)}" for note in brief.notes))
    if notes.numbers:
        parts.append(notes.markdown())
    return "\n\n".join(parts) + "\n"


class _Footnotes:
    """One footnote number per cited document, in order of first citation, with its spans."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.spans: dict[str, list[str]] = {}

    def mark(self, citation: Citation) -> str:
        number = self.numbers.setdefault(citation.document_id, len(self.numbers) + 1)
        _add_span(self.spans, citation.document_id, f"{citation.start}-{citation.end}")
        return f"[^{number}]"

    def markdown(self) -> str:
        return "\n".join(
            f"[^{n}]: Document `{doc_id}`, characters {', '.join(self.spans[doc_id])}."
            for doc_id, n in self.numbers.items()
        )


def _story_body(
    sentences: list[BriefSentence],
    disagreements: list[Disagreement],
    notes: _Footnotes,
    heading: str,
) -> list[str]:
    paragraphs = []
    for sentence in sentences:
        markers = "".join(dict.fromkeys(notes.mark(c) for c in sentence.citations))
        flag = "" if sentence.supported else " _(not supported by its evidence)_"
        date = f"_{_markdown_text(when_label(sentence.when))}_ " if sentence.when else ""
        paragraphs.append(f"- {date}{_markdown_text(sentence.text)}{markers}{flag}")
    differences = []
    for disagreement in disagreements:
        figures = [
            _markdown_text(figure_label(figure.to_dict()))
            + "".join(dict.fromkeys(notes.mark(c) for c in figure.citations))
            for figure in disagreement.figures
        ]
        subject = _markdown_text(subject_label(disagreement.to_dict()))
        differences.append(f"- {subject}: {'; '.join(figures)}")
    parts = ["\n".join(paragraphs) or "_No sentence fits this brief._"]
    if differences:
        parts += [f"{heading} Where sources differ", "\n".join(differences)]
    return parts


def _story_sections(stories: list[Story], notes: _Footnotes) -> list[str]:
    parts: list[str] = []
    minor = []
    for story in stories:
        title = _headline_markdown(story, notes)
        if not story.sentences:
            minor.append(f"- {title} _({_story_line(story)})_")
            continue
        parts += [f"### {title}", f"_{_story_line(story)}_"]
        parts += _story_body(story.sentences, story.disagreements, notes, "####")
    if minor:
        parts += ["### Also reported", "\n".join(minor)]
    return parts


def _headline_markdown(story: Story, notes: _Footnotes) -> str:
    if story.headline is None:
        return f"Story {story.id}"
    return _markdown_text(story.headline.text) + notes.mark(story.headline.citation)


def _story_line(story: Story) -> str:
    """ "3 sources, 2024-12-20 to 2024-12-27"."""
    count = len(story.documents)
    line = f"{count} source{'s' if count != 1 else ''}"
    first, last = story.first_published, story.last_published
    if first and last:
        line += f", {first}" if first == last else f", {first} to {last}"
    return line


def figure_label(figure: Mapping[str, Any]) -> str:
    """A figure as a reader should see it, from its wire form: "nearly 3,000, per Zelensky, in
    December"; hedge, source and scope only where its text states them."""
    value = " ".join(part for part in (figure.get("qualifier"), figure.get("value")) if part)
    said = [f"per {figure['source']}" if figure.get("source") else "", figure.get("scope") or ""]
    return ", ".join([str(value), *(part for part in said if part)])


def subject_label(disagreement: Mapping[str, Any]) -> str:
    """What a disagreement is about, with its unit when it has one: "aid (US$ million)"."""
    about, unit = str(disagreement.get("about") or ""), disagreement.get("unit")
    return f"{about} ({unit})" if unit else about


def _add_span(spans: dict[str, list[str]], document_id: str, span: str) -> None:
    if span not in spans.setdefault(document_id, []):
        spans[document_id].append(span)


def brief_report(brief: Mapping[str, Any]) -> str:
    """The brief as a reader reads it in a terminal (the command line's text), from its JSON:
    a section per story under its headline when there are several, the figures sources give
    differently, then a line on its length, sources and models, and its notes."""
    stories = brief.get("stories") or []
    if len(stories) > 1:
        lines = _report_sections(stories)
    else:
        lines = [str(brief["text"]), *_report_differences(brief.get("disagreements") or [])]
    models = ", ".join(f"{m['kind']} {m['name']}" for m in brief["models"])
    lines += ["", f"({brief['words']} words from {len(brief['documents'])} documents; {models})"]
    lines.extend(brief["notes"])
    return "\n".join(lines)


def _report_sections(stories: list[dict[str, Any]]) -> list[str]:
    """A section per story under its headline; stories without a brief under "Also reported"."""
    lines: list[str] = []
    minor = [story for story in stories if not story["sentences"]]
    for story in stories:
        if story["sentences"]:
            text = " ".join(
                _report_dated(s)
                + s["text"]
                + " "
                + "".join(f"[{i}]" for i in _cited(s["citations"]))
                for s in story["sentences"]
            )
            lines += [*([""] if lines else []), _report_headline(story), text]
            lines += _report_differences(story["disagreements"])
    if minor:
        lines += ["", "Also reported:", *(f"- {_report_headline(story)}" for story in minor)]
    return lines


def _report_headline(story: dict[str, Any]) -> str:
    """The story's headline, citing its document, then "(3 sources, 2024-12-20 to ...)"."""
    headline = story.get("headline") or {}
    text = headline.get("text") or f"Story {story['id']}"
    cited = f" [{headline['citation']['document_id']}]" if headline else ""
    count = len(story["documents"])
    when = [d for d in dict.fromkeys((story["first_published"], story["last_published"])) if d]
    dates = f", {' to '.join(when)}" if when else ""
    return f"{text}{cited} ({count} source{'s' if count != 1 else ''}{dates})"


def _cited(citations: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(str(c["document_id"]) for c in citations))


def _report_dated(sentence: dict[str, Any]) -> str:
    """ "(8 Jan 2005) ", as the brief's own text opens each sentence (`brief_text`)."""
    when = sentence.get("when")
    return f"({when_label(when)}) " if when else ""


def _report_differences(disagreements: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for item in (d for d in disagreements if d.get("figures")):
        figures = "; ".join(
            f"{figure_label(f)} " + "".join(f"[{i}]" for i in _cited(f["citations"]))
            for f in item["figures"]
        )
        lines.append(f"- {subject_label(item)}: {figures}")
    return ["", "Where sources differ:", *lines] if lines else []


def brief_to_dict(brief: Brief) -> dict[str, Any]:
    return {
        "sentences": [_sentence_to_dict(s) for s in brief.sentences],
        "text": brief_text(brief),
        "markdown": brief_markdown(brief),
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


def _markdown_text(text: str) -> str:
    """Source text as inert Markdown: viewers that render inline HTML must not run a document's
    `<script>`, and a stray `[^1]` in a source must not read as one of our footnotes."""
    return html.escape(text, quote=False).replace("[", "\\[")
