"""The one interface every per-document summariser implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from service.pipeline.types import Chunk, Document, DocumentFacts, ModelInfo, Sentence, Summary


@dataclass(frozen=True)
class Prepared:
    """A document as a summariser is given it: its content sentences, cut into `chunks`."""

    document: Document
    sentences: list[Sentence]
    chunks: list[Chunk]
    truncated: bool
    removed_chars: int = 0  # what cleaning took out of the text


class Summariser(Protocol):
    """Summarise documents from their cleaned sentences, several in one model call.

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

    @property
    def documents_per_call(self) -> int:
        """How many documents `summarise_many` is best given at once."""
        ...

    def summarise_many(self, prepared: Sequence[Prepared]) -> list[Summary]:
        """Each document's summary, in order: the same as each alone gives (batching is exact),
        made in as few model calls as the model allows."""
        ...

    def summarise(
        self, document: Document, sentences: list[Sentence], chunks: list[Chunk], truncated: bool
    ) -> Summary:
        """Summarise `document`, whose content sentences were cut into `chunks` (a batch of one)."""
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
