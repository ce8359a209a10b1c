"""A brief as Markdown, from its view: footnote citations, one footnote per cited document with
its spans; a section per story under its headline when there are several, and the stories too
small for a brief of their own listed by headline under "Also reported"."""

from __future__ import annotations

import html

from service.pipeline.render.view import (
    BriefView,
    DisagreementView,
    Marker,
    SentenceView,
    StoryView,
)


def as_markdown(view: BriefView) -> str:
    parts = ["## Brief"]
    if view.stories:
        parts += _stories(view.stories)
    else:
        parts += _body(view.sentences, view.disagreements, "###", view.corrections)
    if view.dropped:
        parts.append(f"_{view.dropped} sentence(s) left out: not supported by their evidence._")
    if view.notes:
        parts.append("\n".join(f"> {_inert(note)}" for note in view.notes))
    if view.cited:
        parts.append(
            "\n".join(
                f"[^{source.number}]: Document `{source.document_id}`, characters "
                + ", ".join(f"{m.start}-{m.end}" for m in source.spans)
                + "."
                for source in view.cited
            )
        )
    return "\n\n".join(parts) + "\n"


def _footnotes(markers: list[Marker]) -> str:
    return "".join(dict.fromkeys(f"[^{marker.number}]" for marker in markers))


def _body(
    sentences: list[SentenceView],
    disagreements: list[DisagreementView],
    heading: str,
    corrections: list[DisagreementView],
) -> list[str]:
    paragraphs = []
    for sentence in sentences:
        date = f"_{_inert(sentence.when)}_ " if sentence.when else ""
        flag = " _(not supported by its evidence)_" if sentence.flagged else ""
        paragraphs.append(f"- {date}{_inert(sentence.text)}{_footnotes(sentence.markers)}{flag}")
    parts = ["\n".join(paragraphs) or "_No sentence fits this brief._"]
    for title, items, joint in (
        ("Where sources differ", disagreements, "; "),
        ("Corrections", corrections, ", "),
    ):
        listed = [
            f"- {_inert(d.about)}: "
            + joint.join(_inert(f.text) + _footnotes(f.markers) for f in d.figures)
            for d in items
        ]
        if listed:
            parts += [f"{heading} {title}", "\n".join(listed)]
    return parts


def _stories(stories: list[StoryView]) -> list[str]:
    parts: list[str] = []
    minor = []
    for story in stories:
        title = _inert(story.headline) + _footnotes(story.markers)
        if not story.sentences:
            minor.append(f"- {title} _({story.line})_")
            continue
        parts += [f"### {title}", f"_{story.line}_"]
        parts += _body(story.sentences, story.disagreements, "####", story.corrections)
    if minor:
        parts += ["### Also reported", "\n".join(minor)]
    return parts


def _inert(text: str) -> str:
    """Source text as inert Markdown: viewers that render inline HTML must not run a document's
    `<script>`, and a stray `[^1]` in a source must not read as one of our footnotes."""
    return html.escape(text, quote=False).replace("[", "\\[")
