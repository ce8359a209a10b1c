"""One source per story copy: documents that ingest recorded as copies of one original (the same
wire story republished, `Document.copy_of`; see `service/ingest/copies.py`) are merged as one.

The merge sees one document of each set of copies: the original where the brief holds it, else the
first of its copies in the brief. The others are not merged at all, so everything the merge counts
(a sentence's sources, the documents that state a concept, corroboration, "Where sources differ")
counts the story once; the brief lists them as republications of the one it cites.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.pipeline.types import Document, Summary


def one_per_copy(
    documents: Sequence[Document], summaries: Sequence[Summary]
) -> tuple[list[Document], list[Summary], dict[str, list[str]]]:
    """`documents` and their `summaries` (in the same order) with one document per set of copies,
    and the copies left out by the ID of the document kept for them (in the brief's order)."""
    present = {d.id for d in documents}
    kept: dict[str, str] = {}  # the original's ID -> the document of the brief that stands for it
    for document in documents:
        root = document.copy_of if document.copy_of is not None else document.id
        if root not in kept:
            kept[root] = root if root in present else document.id
    republished: dict[str, list[str]] = {}
    chosen_documents: list[Document] = []
    chosen_summaries: list[Summary] = []
    for document, summary in zip(documents, summaries, strict=True):
        root = document.copy_of if document.copy_of is not None else document.id
        if kept[root] == document.id:
            chosen_documents.append(document)
            chosen_summaries.append(summary)
        else:
            republished.setdefault(kept[root], []).append(document.id)
    return chosen_documents, chosen_summaries, republished


def republished_notes(republished: dict[str, list[str]]) -> list[str]:
    return [
        f"{original}: also published as {', '.join(copies)} (cited once, as {original})"
        for original, copies in republished.items()
    ]
