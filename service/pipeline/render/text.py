"""A brief as plain text, from its view: each sentence opened by its date in brackets and followed
by `[document-id]` markers. `as_text` is the brief's own text (its JSON's `text`); `as_report`
is what the command line prints: a section per story, the figures sources give differently and
the ones later reports corrected, and a line on the brief's length, sources and models."""

from __future__ import annotations

from service.pipeline.render.view import (
    BriefView,
    DisagreementView,
    Marker,
    SentenceView,
    StoryView,
    cited_documents,
)


def as_text(view: BriefView) -> str:
    return _sentences(view.sentences).strip()


def as_report(view: BriefView) -> str:
    lines = (
        _sections(view.stories)
        if view.stories
        else [as_text(view), *_differences(view.disagreements, view.corrections)]
    )
    models = ", ".join(view.models)
    lines += ["", f"({view.words} words from {len(view.sources)} documents; {models})"]
    lines.extend(view.notes)
    return "\n".join(lines)


def _sentences(sentences: list[SentenceView]) -> str:
    return " ".join(
        (f"({s.when}) " if s.when else "") + s.text + " " + _markers(s.markers) for s in sentences
    )


def _markers(markers: list[Marker]) -> str:
    return "".join(f"[{document_id}]" for document_id in cited_documents(markers))


def _sections(stories: list[StoryView]) -> list[str]:
    """A section per story under its headline; stories without a brief under "Also reported"."""
    lines: list[str] = []
    for story in (s for s in stories if s.sentences):
        lines += [*([""] if lines else []), _headline(story), _sentences(story.sentences)]
        lines += _differences(story.disagreements, story.corrections)
    minor = [story for story in stories if not story.sentences]
    if minor:
        lines += ["", "Also reported:", *(f"- {_headline(story)}" for story in minor)]
    return lines


def _headline(story: StoryView) -> str:
    """The story's headline, citing its document, then "(3 sources, 2024-12-20 to ...)"."""
    cited = f" [{story.markers[0].document_id}]" if story.markers else ""
    return f"{story.headline}{cited} ({story.line})"


def _differences(
    disagreements: list[DisagreementView], corrections: list[DisagreementView]
) -> list[str]:
    """The figures that differ: "Where sources differ" ("killed: 60 [a]; 65 [b]"), then
    "Corrections" ("killed: 65 (reported 8 Jan 2005) [b], earlier 60 (7 Jan 2005) [a]")."""
    lines = []
    for title, items, joint in (
        ("Where sources differ:", disagreements, "; "),
        ("Corrections:", corrections, ", "),
    ):
        listed = [
            f"- {d.about}: " + joint.join(f"{f.text} {_markers(f.markers)}" for f in d.figures)
            for d in items
        ]
        lines += ["", title, *listed] if listed else []
    return lines
