"""A synthetic corpus of N documents with cached summaries, made from the benchmark's news text.

Each document is eight sentences sampled from one MultiLing news cluster (so documents of a
cluster share facts, as real coverage of one event does); its summary is three of them, citing
their spans. Deterministic for a given N.
"""

from __future__ import annotations

import hashlib
import random
import re
from pathlib import Path

from service.bench.speed_model import news_files
from service.pipeline.types import (
    Citation,
    Document,
    DocumentFacts,
    ModelInfo,
    Summary,
    SummarySentence,
)

SENTENCES_PER_DOCUMENT = 8
SUMMARY_SENTENCES = 3
MODEL = ModelInfo(name="bench-sampled-sentences", kind="extractive")
_SENTENCE = re.compile(r"[^.!?]*[A-Za-z][^.!?]{30,}[.!?]")


def cluster_sentences(files: list[Path]) -> list[list[str]]:
    """The sentences of each news cluster (the folder two levels above a document)."""
    clusters: dict[str, list[str]] = {}
    for path in files:
        body = path.read_text(encoding="utf-8").split("\n", 1)[-1]
        found = [" ".join(m.group(0).split()) for m in _SENTENCE.finditer(body)]
        clusters.setdefault(path.parent.parent.name, []).extend(found)
    return [sentences for _, sentences in sorted(clusters.items()) if len(sentences) > 10]


def make_corpus(count: int, seed: int = 0) -> tuple[list[Document], list[Summary]]:
    rng = random.Random(seed)
    clusters = cluster_sentences(news_files())
    documents, summaries = [], []
    for number in range(count):
        picked = rng.sample(rng.choice(clusters), SENTENCES_PER_DOCUMENT)
        document_id = f"doc{number:06d}"
        text = " ".join(picked)
        document = Document(document_id, text, "en")
        offsets = []
        at = 0
        for sentence in picked:
            offsets.append((at, at + len(sentence)))
            at += len(sentence) + 1
        chosen = sorted(rng.sample(range(SENTENCES_PER_DOCUMENT), SUMMARY_SENTENCES))
        sentences = [
            SummarySentence(
                picked[i], [Citation(document_id, *offsets[i])], 1.0 - i / 10, position=i
            )
            for i in chosen
        ]
        facts = DocumentFacts(document_id, "en", MODEL.name, len(text.split()), 1, False, 8)
        documents.append(document)
        summaries.append(Summary(document_id, MODEL, sentences, facts))
    return documents, summaries


def text_key(document: Document) -> str:
    return hashlib.sha256(document.text.encode("utf-8")).hexdigest()
