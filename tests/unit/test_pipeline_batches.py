"""`Pipeline.summarise_many`: a batch of documents in one model call gives each document what it
gets alone (extractive: the same picks from the same vectors, to float noise; seq2seq: the same
generated tokens), and one failing document fails alone."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from service.config import Settings
from service.pipeline.runner import Pipeline, each_alone_on_failure
from service.pipeline.types import Document, Summary


def settings(**overrides: object) -> Settings:
    return Settings.from_env(overrides=overrides, environ={})


@pytest.fixture
def documents(seeds) -> list[Document]:
    """The seed articles, and one of them again as French (another language: sentence rules,
    and for extractive words instead of embeddings)."""
    english = [document for document, _sentences in seeds]
    return [*english, replace(english[0], id="as-french", language="fr")]


def assert_same_summary(batched: Summary, alone: Summary, identity: str) -> None:
    """Equal but for float noise in the vectors and the scores made of them (a sentence may sit
    in another padded batch)."""
    assert batched.document_id == alone.document_id
    picks = [[(s.text, s.citations, s.position) for s in x.sentences] for x in (batched, alone)]
    assert picks[0] == picks[1]
    scores = [[s.score for s in x.sentences] for x in (batched, alone)]
    assert scores[0] == pytest.approx(scores[1], abs=1e-5)
    assert batched.facts == alone.facts and batched.concepts == alone.concepts
    ours, theirs = batched.vectors_by(identity), alone.vectors_by(identity)
    assert (ours is None) == (theirs is None)
    if ours is not None and theirs is not None:
        assert ours.shape == theirs.shape and np.abs(ours - theirs).max(initial=0.0) < 1e-5


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """Sizes of the first argument of each call of `owner.name`."""
    sizes: list[int] = []
    real = getattr(owner, name)

    def spy(first, *args, **kwargs):
        sizes.append(len(first))
        return real(first, *args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return sizes


def test_extractive_batches_give_each_document_what_it_gets_alone(
    pipeline, documents, monkeypatch
) -> None:
    alone = [pipeline.summarise(document) for document in documents]
    encoded = count_calls(monkeypatch, pipeline.embedder, "encode")
    batched = pipeline.summarise_many(documents)
    # One call embeds every English sentence read; one more the French summary's picks.
    assert len(encoded) == 2 and encoded[0] > 5 * len(documents)
    for ours, theirs in zip(batched, alone, strict=True):
        assert isinstance(ours, Summary) and ours.sentences
        assert_same_summary(ours, theirs, pipeline.embedder.identity)


@pytest.mark.slow
def test_seq2seq_batches_generate_the_tokens_each_document_gets_alone(
    tiny_seq2seq_dir: Path, documents, monkeypatch
) -> None:
    # two chunks a call, as set (measuring would choose by this machine: test_ct2_tuning.py)
    pipeline = Pipeline(
        settings(summariser="seq2seq", seq2seq_model=str(tiny_seq2seq_dir), seq2seq_batch_size=2)
    )
    (summariser,) = {pipeline.summariser_for(document) for document in documents}
    generated: dict[str, list[list[str]]] = {}
    real = summariser.summarise_chunks

    def recording(chunks, languages):
        outputs = real(chunks, languages)
        for chunk, language, output in zip(chunks, languages, outputs, strict=True):
            generated[f"{chunk.document_id}/{chunk.index}/{language}"] = output
        return outputs

    monkeypatch.setattr(summariser, "summarise_chunks", recording)
    forwarded = count_calls(monkeypatch, summariser, "preprocess")  # chunks per generate()
    alone = [pipeline.summarise(document) for document in documents]
    by_one, calls_alone = dict(generated), len(forwarded)
    generated.clear()
    forwarded.clear()
    batched = pipeline.summarise_many(documents)
    assert generated == by_one  # every chunk's generated text, token for token the same
    assert sum(1 for sentences in by_one.values() if sentences) > len(documents)
    assert sum(forwarded) == len(by_one) and len(forwarded) < calls_alone
    assert max(forwarded) == summariser.chunks_per_call  # chunks of several documents per call
    for ours, theirs in zip(batched, alone, strict=True):
        assert isinstance(ours, Summary)
        assert_same_summary(ours, theirs, pipeline.embedder.identity)


def test_a_document_that_fails_in_a_batch_fails_alone(pipeline, documents, monkeypatch) -> None:
    summariser = pipeline.summariser_for(documents[0])
    real = summariser.summarise_many
    calls: list[list[str]] = []

    def fragile(prepared):
        calls.append([item.document.id for item in prepared])
        if any(item.document.id == documents[1].id for item in prepared):
            raise MemoryError("cannot allocate the batch")
        return real(prepared)

    monkeypatch.setattr(summariser, "summarise_many", fragile)
    english = documents[:3]
    results = pipeline.summarise_many(english)
    assert calls == [[d.id for d in english], *([d.id] for d in english)]
    assert isinstance(results[1], MemoryError)
    assert all(isinstance(results[at], Summary) for at in (0, 2))
    with pytest.raises(MemoryError):
        pipeline.summarise(documents[1])  # the batch of one raises what it met


def test_a_document_that_cannot_be_prepared_costs_the_batch_nothing(
    pipeline, documents, monkeypatch
) -> None:
    real = pipeline.clean

    def clean(document):
        if document.id == documents[0].id:
            raise ValueError("unreadable")
        return real(document)

    monkeypatch.setattr(pipeline, "clean", clean)
    results = pipeline.summarise_many(documents[:2])
    assert isinstance(results[0], ValueError) and isinstance(results[1], Summary)


def test_each_alone_on_failure_calls_once_when_nothing_fails() -> None:
    calls: list[list[int]] = []

    def double(items):
        calls.append(list(items))
        if 3 in items:
            raise ValueError("three")
        return [2 * item for item in items]

    assert each_alone_on_failure(double, [1, 2]) == [2, 4] and calls == [[1, 2]]
    calls.clear()
    results = each_alone_on_failure(double, [1, 3, 2])
    assert results[0::2] == [2, 4] and isinstance(results[1], ValueError)
    assert calls == [[1, 3, 2], [1], [3], [2]]
