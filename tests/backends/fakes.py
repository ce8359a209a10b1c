"""A fast, deterministic pipeline for the back-end tests: the first sentence of each document as
its summary, the real merge over hashed bag-of-words vectors. It can be told to kill its process
once, the first time it meets a document containing `KILL_ONCE` (a worker dying mid-task)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from service.pipeline.merge import merge_summaries
from service.pipeline.types import (
    Brief,
    Citation,
    Document,
    DocumentFacts,
    ModelInfo,
    Summary,
    SummarySentence,
)

MODEL = ModelInfo(name="fake-first-sentence", kind="extractive")
KILL_ONCE = "KILL-THE-WORKER-ONCE"


def bag_of_words(texts: list[str]) -> np.ndarray:
    vectors = np.zeros((len(texts), 64))
    for row, text in enumerate(texts):
        for word in text.lower().split():
            vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


class FakePipeline:
    def __init__(self, kill_marker: Path | None = None) -> None:
        self.kill_marker = kill_marker
        self.summarised: list[str] = []

    def summary_key(self, document: Document) -> str:
        return hashlib.sha256(f"fake:{document.text}".encode()).hexdigest()

    def summarise(self, document: Document) -> Summary:
        marker = self.kill_marker
        if marker is not None and KILL_ONCE in document.text and not marker.exists():
            marker.write_text(str(os.getpid()))
            os._exit(1)  # the worker process dies mid-task, without acknowledging it
        self.summarised.append(document.id)
        end = document.text.find(".") + 1 or len(document.text)
        sentence = SummarySentence(document.text[:end], [Citation(document.id, 0, end)], 1.0, 0)
        facts = DocumentFacts(document.id, document.language, MODEL.name, 10, 1, False, 1)
        return Summary(document.id, MODEL, [sentence], facts)

    def merge(
        self, documents: Sequence[Document], summaries: Sequence[Summary], max_words: int
    ) -> Brief:
        return merge_summaries(summaries, documents, bag_of_words, max_words)
