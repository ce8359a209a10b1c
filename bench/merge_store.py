"""A store filled with a synthetic corpus and its cached summaries, for the merge benchmark."""

from __future__ import annotations

import hashlib

from bench.merge_corpus import text_key
from service.config import Settings
from service.pipeline.runner import Pipeline
from service.pipeline.types import Document, DocumentHead, Summary
from service.store import NewDocument, Store

BATCH = 500


class BenchPipeline(Pipeline):
    """The real pipeline (extractive, the real MiniLM) whose summaries are all cached under
    `text_key`: a brief job over it only reads and merges."""

    def __init__(self) -> None:
        super().__init__(Settings.from_env({"summariser": "extractive"}))

    def summary_key(self, document: DocumentHead) -> str:
        return document.sha256  # = text_key(document), under which `fill_store` cached it

    def summarise(self, document: Document) -> Summary:
        raise AssertionError(f"{document.id} should have been cached")


def fill_store(store: Store, documents: list[Document], summaries: list[Summary]) -> None:
    for at in range(0, len(documents), BATCH):
        store.put_documents([_new(d) for d in documents[at : at + BATCH]], replace=False)
    store.put_summaries(
        [
            (text_key(document), document.id, summary.to_dict())
            for document, summary in zip(documents, summaries, strict=True)
        ]
    )


def _new(document: Document) -> NewDocument:
    data = document.text.encode("utf-8")
    return NewDocument(
        id=document.id,
        text=document.text,
        sha256=hashlib.sha256(data).hexdigest(),
        title=None,
        url=None,
        published=None,
        declared_language=None,
        language=document.language,
        language_confidence=1.0,
        language_source="declared",
        chars=len(document.text),
        bytes=len(data),
    )
