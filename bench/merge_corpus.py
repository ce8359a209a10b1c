"""A synthetic corpus of N documents with cached summaries, made from the benchmark's news text.

Each document is eight sentences sampled from one MultiLing news cluster (so documents of a
cluster share facts, as real coverage of one event does); its summary is three of them, citing
their spans. Deterministic for a given N.

Sampled from a finite set of news sentences, most sentences of a large corpus recur verbatim
(about 1,600 distinct of 30,000 summary sentences at 10,000 documents), which a real corpus does
not do. `make_corpus(..., distinct=True)` makes a corpus of distinct sentences whose stories are
known: each document retells one news report (eight consecutive sentences of it, from a place
drawn for it, as rewritten wire copy does), and every sentence is attributed to an outlet drawn
for it ("..., the Varola Courier reported."), one of about 20,000 made-up names. Its story is the
MultiLing cluster of the report it retells (`make_labelled_corpus`), as the stories benchmark
scores MultiLing itself.
"""

from __future__ import annotations

import hashlib
import random
import re
from pathlib import Path

from bench.speed_model import news_files
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


_SYLLABLES = ("va", "ro", "la", "mi", "ne", "to", "sa", "ke", "lu", "di", "ba", "or", "en", "qui")
_PAPERS = ("Courier", "Herald", "Times", "Post", "Tribune", "Gazette", "Journal", "Observer")


def outlet(rng: random.Random) -> str:
    """A made-up newspaper: "the Varola Courier"."""
    place = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
    return f"the {place.capitalize()} {rng.choice(_PAPERS)}"


def attributed(sentence: str, source: str) -> str:
    """The sentence as `source` reported it: "X happened." -> "X happened, the ... reported."."""
    body = sentence.rstrip(".!?")
    return f"{body}, {source} reported."


def make_corpus(
    count: int, seed: int = 0, distinct: bool = False
) -> tuple[list[Document], list[Summary]]:
    documents, summaries, _ = make_labelled_corpus(count, seed, distinct)
    return documents, summaries


def make_labelled_corpus(
    count: int, seed: int = 0, distinct: bool = False
) -> tuple[list[Document], list[Summary], list[int]]:
    """The corpus, and each document's story: the news cluster its sentences come from."""
    rng = random.Random(seed)
    files = news_files()
    clusters = cluster_sentences(files)
    reports = [(path.parent.parent.name, cluster_sentences([path])) for path in files]
    names = sorted({name for name, found in reports if found})
    reports = [(name, found) for name, found in reports if found]
    documents, summaries, labels = [], [], []
    for number in range(count):
        if distinct:
            name, (report,) = reports[rng.randrange(len(reports))]
            story = names.index(name)
            start = rng.randrange(len(report))
            picked = [report[(start + i) % len(report)] for i in range(SENTENCES_PER_DOCUMENT)]
            picked = [attributed(sentence, outlet(rng)) for sentence in picked]
        else:
            story = rng.randrange(len(clusters))
            picked = rng.sample(clusters[story], SENTENCES_PER_DOCUMENT)
        labels.append(story)
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
    return documents, summaries, labels


def text_key(document: Document) -> str:
    return hashlib.sha256(document.text.encode("utf-8")).hexdigest()
