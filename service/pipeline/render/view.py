"""What a reader sees of a brief, read from its JSON: the one model that every rendering (text,
Markdown, the command line's report, the web page's HTML) writes out.

Sources are numbered in order of first citation, story by story and headline first, so that a
marker `[2]` means the same document in the Markdown and on the page; documents the brief covers
but never cites follow. Fields a brief gained over time are read where present, so that briefs
stored before them still render.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from service.pipeline.merge.when import when_label


@dataclass(frozen=True)
class Marker:
    """One citation: source `number`, and the cited span of that document's stored text."""

    number: int
    document_id: str
    start: int
    end: int


def cited_documents(markers: Iterable[Marker]) -> list[str]:
    """The documents `markers` cite, each once, in order."""
    return list(dict.fromkeys(marker.document_id for marker in markers))


@dataclass(frozen=True)
class SentenceView:
    text: str
    markers: list[Marker]
    sources: int
    support: float | None = None
    flagged: bool = False  # failed the faithfulness check
    problems: list[str] = field(default_factory=list)
    when: str | None = None  # "8 Jan 2005", "reported 8 Jan 2005" (`date_label`)
    expression: str | None = None  # what the date was read from, "on Saturday"


@dataclass(frozen=True)
class SourceView:
    number: int
    document_id: str
    title: str | None
    spans: list[Marker] = field(default_factory=list)  # empty: covered, not cited


@dataclass(frozen=True)
class FigureView:
    text: str  # `figure_label`
    markers: list[Marker]


@dataclass(frozen=True)
class DisagreementView:
    """Figures that differ: a disagreement, or a correction (the current figure first, then the
    earlier ones, each labelled with the day it was reported)."""

    about: str  # `subject_label`
    figures: list[FigureView]
    kind: str = "disagreement"


@dataclass(frozen=True)
class StoryView:
    """A story of a brief of several: its headline (cited) and its own brief, if it has one."""

    id: str
    headline: str  # "Story <id>" for a story without one, then without markers
    markers: list[Marker]
    line: str  # "3 sources, 2024-12-20 to 2024-12-27"
    sentences: list[SentenceView]
    disagreements: list[DisagreementView]
    corrections: list[DisagreementView] = field(default_factory=list)


@dataclass(frozen=True)
class BriefView:
    sentences: list[SentenceView]
    sources: list[SourceView]  # every document of the brief, numbered
    disagreements: list[DisagreementView]
    notes: list[str]
    dropped: int
    words: int | None
    max_words: int | None
    models: list[str]
    facts: list[Mapping[str, Any]]
    stories: list[StoryView] = field(default_factory=list)  # only for a brief of several
    corrections: list[DisagreementView] = field(default_factory=list)

    @property
    def briefed(self) -> list[StoryView]:
        return [story for story in self.stories if story.sentences]

    @property
    def also_reported(self) -> list[StoryView]:
        return [story for story in self.stories if not story.sentences]

    @property
    def cited(self) -> list[SourceView]:
        return [source for source in self.sources if source.spans]


class _Numbering:
    """Source numbers, handed out in order of first citation."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.spans: dict[str, list[Marker]] = {}

    def markers(self, citations: Iterable[Any]) -> list[Marker]:
        found = []
        for citation in citations:
            if not isinstance(citation, Mapping) or "document_id" not in citation:
                continue
            document_id = str(citation["document_id"])
            number = self.numbers.setdefault(document_id, len(self.numbers) + 1)
            marker = Marker(
                number, document_id, int(citation.get("start", 0)), int(citation.get("end", 0))
            )
            if marker not in self.spans.setdefault(document_id, []):
                self.spans[document_id].append(marker)
            found.append(marker)
        return found


def brief_view(
    brief: Mapping[str, Any], titles: Mapping[str, str | None] | None = None
) -> BriefView:
    """The view of a brief's JSON; `titles` maps document IDs to their titles, where known."""
    numbering = _Numbering()
    found = [s for s in brief.get("stories") or [] if isinstance(s, Mapping)]
    # Where any sentence of the brief is dated, one without a date says so, as a sentence of an
    # undated report with a relative time ("on Saturday") already does: a sentence with no label
    # beside dated ones would read as dated like the one before it.
    shown = [*(brief.get("sentences") or []), *(s for t in found for s in t.get("sentences") or [])]
    dated = any(isinstance(s, Mapping) and isinstance(s.get("when"), Mapping) for s in shown)
    undated = UNDATED if dated else None
    stories = [_story(story, numbering, undated) for story in found] if len(found) > 1 else []
    sentences = _sentences(brief.get("sentences") or [], numbering, undated)
    disagreements, corrections = _differences(brief.get("disagreements") or [], numbering)
    for document_id in brief.get("documents") or []:
        numbering.numbers.setdefault(str(document_id), len(numbering.numbers) + 1)
    titles = titles or {}
    sources = [
        SourceView(
            number, document_id, titles.get(document_id), numbering.spans.get(document_id, [])
        )
        for document_id, number in numbering.numbers.items()
    ]
    return BriefView(
        sentences=sentences,
        sources=sources,
        disagreements=disagreements,
        corrections=corrections,
        notes=[str(note) for note in brief.get("notes") or []],
        dropped=int(brief.get("dropped_sentences") or 0),
        words=brief.get("words"),
        max_words=brief.get("max_words"),
        models=[_model_name(m) for m in brief.get("models") or []],
        facts=[f for f in brief.get("document_facts") or [] if isinstance(f, Mapping)],
        stories=stories,
    )


UNDATED = "date unknown"  # the label `when_label` gives an undated relative time


def date_label(when: Any) -> str | None:
    """A sentence's date as a reader sees it (`when.when_label`); None where it has none it can
    read."""
    if not isinstance(when, Mapping):
        return None
    try:
        return when_label(when)
    except (KeyError, TypeError, ValueError):
        return None


def figure_label(figure: Mapping[str, Any]) -> str:
    """A figure as a reader should see it, from its JSON: "nearly 3,000, per Zelensky, in
    December"; hedge, source and scope only where its text states them."""
    value = " ".join(part for part in (figure.get("qualifier"), figure.get("value")) if part)
    said = [f"per {figure['source']}" if figure.get("source") else "", figure.get("scope") or ""]
    return ", ".join([str(value), *(part for part in said if part)])


def reported_label(figure: Mapping[str, Any], current: bool) -> str:
    """A figure of a correction: "65 (reported 8 Jan 2005)", "earlier 60 (7 Jan 2005)"."""
    label = figure_label(figure) if current else f"earlier {figure_label(figure)}"
    try:
        day = when_label({"start": figure["reported"], "end": figure["reported"]})
    except (KeyError, TypeError, ValueError):
        return label
    return f"{label} (reported {day})" if current else f"{label} ({day})"


def subject_label(disagreement: Mapping[str, Any]) -> str:
    """What a disagreement is about, with its unit when it has one: "aid (US$ million)"."""
    about, unit = str(disagreement.get("about") or ""), disagreement.get("unit")
    return f"{about} ({unit})" if unit else about


def _sentences(
    items: Iterable[Any], numbering: _Numbering, undated: str | None = None
) -> list[SentenceView]:
    return [
        SentenceView(
            text=str(s.get("text", "")),
            markers=numbering.markers(s.get("citations") or []),
            sources=int(s.get("sources") or len(s.get("citations") or [])),
            support=_number(s.get("support")),
            flagged=s.get("supported") is False,
            problems=[str(p) for p in s.get("problems") or []],
            when=date_label(s.get("when")) or undated,
            expression=_expression(s.get("when")),
        )
        for s in items
        if isinstance(s, Mapping)
    ]


def _expression(when: Any) -> str | None:
    found = when.get("expression") if isinstance(when, Mapping) else None
    return str(found) if found else None


def _differences(
    items: Iterable[Any], numbering: _Numbering
) -> tuple[list[DisagreementView], list[DisagreementView]]:
    """The disagreements, and the corrections (an item stored without a `kind` is a
    disagreement)."""
    views = [view for item in items if (view := _disagreement(item, numbering)) is not None]
    return (
        [v for v in views if v.kind != "correction"],
        [v for v in views if v.kind == "correction"],
    )


def _story(story: Mapping[str, Any], numbering: _Numbering, undated: str | None) -> StoryView:
    headline = story.get("headline") if isinstance(story.get("headline"), Mapping) else None
    count = len(story.get("documents") or [])
    dates = [d for d in dict.fromkeys((story.get("first_published"), story.get("last_published")))]
    when = " to ".join(str(d) for d in dates if d)
    disagreements, corrections = _differences(story.get("disagreements") or [], numbering)
    return StoryView(
        id=str(story.get("id", "")),
        headline=str(headline.get("text", "")) if headline else f"Story {story.get('id', '')}",
        markers=numbering.markers([headline["citation"]]) if headline else [],
        line=f"{count} source{'s' if count != 1 else ''}" + (f", {when}" if when else ""),
        sentences=_sentences(story.get("sentences") or [], numbering, undated),
        disagreements=disagreements,
        corrections=corrections,
    )


def _disagreement(item: Any, numbering: _Numbering) -> DisagreementView | None:
    if not isinstance(item, Mapping) or not isinstance(item.get("figures"), list):
        return None
    kind = "correction" if item.get("kind") == "correction" else "disagreement"
    figures = [
        FigureView(
            reported_label(f, at == 0) if kind == "correction" else figure_label(f),
            numbering.markers(f.get("citations") or []),
        )
        for at, f in enumerate(f for f in item["figures"] if isinstance(f, Mapping))
    ]
    return DisagreementView(subject_label(item), figures, kind) if figures else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _model_name(model: Any) -> str:
    if not isinstance(model, Mapping):
        return str(model)
    return " ".join(str(model[k]) for k in ("kind", "name") if model.get(k))
