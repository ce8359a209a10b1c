"""Renderings of a brief: the JSON the API and the command line return, plain text, Markdown."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from service.pipeline.types import Brief


def brief_text(brief: Brief) -> str:
    """Plain text, each sentence followed by inline `[document-id]` markers."""
    return " ".join(
        f"{s.text} " + "".join(f"[{doc_id}]" for doc_id in s.document_ids) for s in brief.sentences
    ).strip()


def brief_markdown(brief: Brief) -> str:
    """Markdown with footnote-style citations: one footnote per cited document."""
    numbers: dict[str, int] = {}
    spans: dict[str, list[str]] = {}
    paragraphs = []
    for sentence in brief.sentences:
        markers = []
        for citation in sentence.citations:
            number = numbers.setdefault(citation.document_id, len(numbers) + 1)
            _add_span(spans, citation.document_id, f"{citation.start}-{citation.end}")
            if f"[^{number}]" not in markers:
                markers.append(f"[^{number}]")
        flag = "" if sentence.supported else " _(not supported by its evidence)_"
        paragraphs.append(f"- {_markdown_text(sentence.text)}{''.join(markers)}{flag}")
    differences = []
    for disagreement in brief.disagreements:
        figures = []
        for figure in disagreement.figures:
            marks = []
            for citation in figure.citations:
                number = numbers.setdefault(citation.document_id, len(numbers) + 1)
                _add_span(spans, citation.document_id, f"{citation.start}-{citation.end}")
                marks.append(f"[^{number}]")
            figures.append(
                f"{_markdown_text(figure_label(figure.to_dict()))}{''.join(dict.fromkeys(marks))}"
            )
        subject = _markdown_text(subject_label(disagreement.to_dict()))
        differences.append(f"- {subject}: {'; '.join(figures)}")
    footnotes = [
        f"[^{n}]: Document `{doc_id}`, characters {', '.join(spans[doc_id])}."
        for doc_id, n in numbers.items()
    ]
    parts = ["## Brief", "\n".join(paragraphs) or "_No sentence fits this brief._"]
    if differences:
        parts += ["### Where sources differ", "\n".join(differences)]
    if brief.dropped:
        parts.append(f"_{brief.dropped} sentence(s) left out: not supported by their evidence._")
    if brief.notes:
        parts.append("\n".join(f"> {_markdown_text(note)}" for note in brief.notes))
    if footnotes:
        parts.append("\n".join(footnotes))
    return "\n\n".join(parts) + "\n"


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


def brief_to_dict(brief: Brief) -> dict[str, Any]:
    return {
        "sentences": [
            {
                "text": s.text,
                "citations": [c.to_dict() for c in s.citations],
                "sources": len(s.document_ids),
                "score": s.score,
                "support": s.support,
                "supported": s.supported,
                **({"problems": s.problems} if s.problems else {}),
                **({"trimmed": [c.to_dict() for c in s.trimmed]} if s.trimmed else {}),
            }
            for s in brief.sentences
        ],
        "text": brief_text(brief),
        "markdown": brief_markdown(brief),
        "documents": brief.documents,
        "models": [m.to_dict() for m in brief.models],
        "document_facts": [f.to_dict() for f in brief.facts],
        "max_words": brief.max_words,
        "words": brief.words,
        "notes": brief.notes,
        "disagreements": [d.to_dict() for d in brief.disagreements],
        "dropped_sentences": brief.dropped,
    }


def _markdown_text(text: str) -> str:
    """Source text as inert Markdown: viewers that render inline HTML must not run a document's
    `<script>`, and a stray `[^1]` in a source must not read as one of our footnotes."""
    return html.escape(text, quote=False).replace("[", "\\[")
