"""The pipeline, stage by stage, for one process: document -> summary, summaries -> brief.

One `Pipeline` per process. Models load lazily (first use or `load()`), never at import time, so
that gunicorn can fork workers before torch starts any thread.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar

import numpy as np

from service.brief_request import BriefRequest
from service.config import Settings
from service.pipeline.documents.chunking import chunk_sentences
from service.pipeline.documents.cleaning import clean_document
from service.pipeline.documents.reading import remember_sentences
from service.pipeline.documents.sentences import split_sentences
from service.pipeline.merge.concepts import document_concepts
from service.pipeline.merge.copies import one_per_copy, republished_notes
from service.pipeline.merge.summaries import merge_summaries
from service.pipeline.models.embeddings import Embedder, default_embedding_model
from service.pipeline.stories.brief import Earlier, brief_of_stories
from service.pipeline.summarisers.base import Prepared, Summariser
from service.pipeline.summarisers.choice import SummariserChoice
from service.pipeline.types import (
    Brief,
    CleanedDocument,
    Document,
    DocumentHead,
    SentenceVectors,
    Summary,
)

log = logging.getLogger(__name__)

# Bump when cleaning, sentence splitting or chunking change what a summariser is given, or
# what a summary carries (3: the document's concepts; 4: a caption above a photo credit cut;
# 5: concepts without a wire dateline; 6: an extractor's text without the headline and
# standfirst over it; 7: "Spc.", "Pfc.", "Pvt." end no English sentence).
PREPARATION_VERSION = "7"

Item = TypeVar("Item")
Result = TypeVar("Result")


def available_cores() -> int:
    """CPU cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def set_torch_threads(settings: Settings) -> int:
    """Give torch `torch_threads` threads, or one per available core: torch's own default counts
    the host's cores, which oversubscribes a container limited to fewer. Returns the count."""
    import torch

    threads = settings.torch_threads if settings.torch_threads > 0 else available_cores()
    torch.set_num_threads(threads)
    return threads


class Pipeline:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._embedder: Embedder | None = None
        self._choice: SummariserChoice | None = None

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                name = self.settings.embedding_model or default_embedding_model()
                # ONNX Runtime gets the threads torch would (SUMMARY_TORCH_THREADS, else cores).
                self._embedder = Embedder(
                    name,
                    threads=self.settings.torch_threads,
                    runtime=self.settings.embedding_runtime,
                )
            return self._embedder

    @property
    def choice(self) -> SummariserChoice:
        embedder = self.embedder
        with self._lock:
            if self._choice is None:
                self._choice = SummariserChoice(self.settings, embedder)
            return self._choice

    def load(self) -> None:
        """Load every model this process will need; raise ModelLoadError if one cannot load."""
        set_torch_threads(self.settings)
        self.choice.check()
        log.info("embedder ready: %s", self.embedder.describe())
        log.info("summariser ready: %s", self.describe())

    def describe(self) -> dict[str, Any]:
        return self.choice.describe()

    def summariser_for(self, document: Document) -> Summariser:
        return self.choice.for_language(document.language)

    def summary_key(self, document: DocumentHead) -> str:
        """Everything that changes a document's summary: its text (by the SHA-256 ingest stored,
        so the text need not be read), language, model, settings, and its ID, which every
        citation of the summary carries (two documents with one text must not share a summary
        that cites only one of them)."""
        parts = [
            document.id,
            document.sha256,
            document.language,
            self.choice.for_language(document.language).cache_key,
            PREPARATION_VERSION,
            f"chunks={self.settings.max_chunks_per_document}",
            f"overlap={self.settings.chunk_overlap_sentences}",
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    def clean(self, document: Document) -> CleanedDocument:
        return clean_document(document)

    def documents_per_call(self, document: DocumentHead) -> int:
        """How many documents like `document` `summarise_many` is best given at once."""
        return self.choice.for_language(document.language).documents_per_call

    def summarise(self, document: Document) -> Summary:
        """`document`'s summary: `summarise_many` of one, raising what it could not."""
        result = self.summarise_many([document])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def summarise_many(self, documents: Sequence[Document]) -> list[Summary | Exception]:
        """Each document's summary, or the exception that stopped it, in order.

        Each is cleaned, split and chunked alone; then each summariser's documents are
        summarised in one call (a seq2seq model's chunks generated together, an embedding
        model's sentences embedded together), which gives each document what it gets alone. A
        document that fails fails alone: when a call for many raises, each is tried on its own.
        """
        results: dict[int, Summary | Exception] = {}
        groups: dict[int, tuple[Summariser, list[int], list[Prepared]]] = {}
        for at, document in enumerate(documents):
            try:
                summariser = self.summariser_for(document)
                prepared = self._prepare(document, summariser)
            except Exception as exc:
                results[at] = exc
                continue
            group = groups.setdefault(id(summariser), (summariser, [], []))
            group[1].append(at)
            group[2].append(prepared)
        for summariser, places, items in groups.values():
            summarised = each_alone_on_failure(partial(self._summarised, summariser), items)
            results.update(zip(places, summarised, strict=True))
        return [results[at] for at in range(len(documents))]

    def _prepare(self, document: Document, summariser: Summariser) -> Prepared:
        cleaned = self.clean(document)
        sentences = split_sentences(cleaned)
        remember_sentences(document, sentences)  # the merge reads the documents it cites again
        chunks, truncated = chunk_sentences(
            sentences,
            summariser.count_tokens,
            summariser.max_input_tokens,
            overlap_sentences=self.settings.chunk_overlap_sentences,
            max_chunks=self.settings.max_chunks_per_document,
        )
        removed = sum(span.end - span.start for span in cleaned.removed)
        return Prepared(document, sentences, chunks, truncated, removed_chars=removed)

    def _summarised(self, summariser: Summariser, items: Sequence[Prepared]) -> list[Summary]:
        """The summaries of `items` by one call of `summariser`, with what it does not know
        (the characters cleaning removed, the document's concepts) and their vectors."""
        summaries = [
            replace(
                summary,
                facts=replace(summary.facts, removed_chars=item.removed_chars),
                concepts=document_concepts(
                    [s.text for s in item.sentences], item.document.language
                ),
            )
            for summary, item in zip(summariser.summarise_many(items), items, strict=True)
        ]
        return self._with_vectors(summaries)

    def _with_vectors(self, summaries: list[Summary]) -> list[Summary]:
        """The summaries with their sentences' embeddings, cached with them so that no brief
        embeds them again (the extractive summariser and the aligner of generated text have
        them already; an extractive summary in a language the model does not know has not),
        embedded in one call for all that lack them."""
        identity = self.embedder.identity
        lacking = [
            at for at, s in enumerate(summaries) if s.sentences and s.vectors_by(identity) is None
        ]
        if lacking:
            texts = [s.text for at in lacking for s in summaries[at].sentences]
            ends = np.cumsum([len(summaries[at].sentences) for at in lacking])[:-1]
            for at, rows in zip(lacking, np.split(self.embedder.encode(texts), ends), strict=True):
                summaries[at] = replace(summaries[at], vectors=SentenceVectors.of(identity, rows))
        return summaries

    def merge(
        self,
        documents: Sequence[Document],
        summaries: Sequence[Summary],
        request: BriefRequest,
        earlier: Earlier | None = None,
    ) -> Brief:
        """The brief the completed `request` asks for (`stories/brief.py`): each story merged by
        `merge_summaries`."""

        def merge_story(chosen: Sequence[Document], theirs: Sequence[Summary], words: int) -> Brief:
            return merge_summaries(
                theirs,
                chosen,
                self.embedder.encode,
                words,
                embedding_model=self.embedder.identity,
                on_unsupported=self.settings.unsupported_sentences,
                min_support=self.settings.min_support,
            )

        documents, summaries, republished = one_per_copy(documents, summaries)
        brief = brief_of_stories(documents, summaries, request, merge_story, earlier=earlier)
        if not republished:
            return brief
        notes = [*brief.notes, *republished_notes(republished)]
        return replace(brief, republished=republished, notes=notes)


def each_alone_on_failure(
    call: Callable[[Sequence[Item]], Sequence[Result]], items: Sequence[Item]
) -> list[Result | Exception]:
    """`call(items)`, one result per item; when it raises, `call([item])` for each item, so
    that what one item raises is its own result and costs the others nothing but time."""
    try:
        return list(call(items))
    except Exception as exc:
        if len(items) == 1:
            return [exc]
        log.warning(
            "a call for %d items raised %s; trying each alone", len(items), type(exc).__name__
        )
    results: list[Result | Exception] = []
    for item in items:
        try:
            results.extend(call([item]))
        except Exception as exc:
            results.append(exc)
    return results
