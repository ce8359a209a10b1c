"""The one interface every per-document summariser implements."""

from __future__ import annotations

from typing import Protocol

from service.pipeline.types import Chunk, Document, DocumentFacts, ModelInfo, Sentence, Summary


class Summariser(Protocol):
    """Summarise one document from its cleaned sentences.

    Implementations load their weights lazily (first use), never at import time, so that a process
    can fork before torch starts its threads.
    """

    info: ModelInfo

    @property
    def max_input_tokens(self) -> int:
        """The model's real input limit, in its own tokens (special tokens excluded)."""
        ...

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Length of each text in the model's own tokens, without special tokens."""
        ...

    @property
    def cache_key(self) -> str:
        """Names the model, its revision and every setting that changes the output."""
        ...

    def summarise(
        self, document: Document, sentences: list[Sentence], chunks: list[Chunk], truncated: bool
    ) -> Summary:
        """Summarise `document`, whose content sentences were cut into `chunks`."""
        ...


def document_facts(
    summariser: Summariser,
    document: Document,
    sentences: list[Sentence],
    chunks: list[Chunk],
    truncated: bool,
) -> DocumentFacts:
    """What a summariser read of a document, as every summariser reports it."""
    return DocumentFacts(
        document_id=document.id,
        language=document.language,
        model=summariser.info.name,
        tokens=sum(summariser.count_tokens([sentence.text for sentence in sentences])),
        chunks=len(chunks),
        truncated=truncated,
        sentences=len(sentences),
    )
