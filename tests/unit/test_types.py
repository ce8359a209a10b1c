"""The pipeline's data types as the store keeps them: a cached summary reads back as it was."""

from __future__ import annotations

import json

import numpy as np
import pytest

from service.pipeline.types import (
    Citation,
    DocumentFacts,
    ModelInfo,
    SentenceVectors,
    Summary,
    SummarySentence,
)


def _summary(count: int, vectors: SentenceVectors | None = None) -> Summary:
    sentences = [
        SummarySentence(f"Sentence number {i}.", [Citation("d", 20 * i, 20 * i + 19)], 0.5, i)
        for i in range(count)
    ]
    facts = DocumentFacts("d", "en", "m", 40, 1, False, count)
    return Summary("d", ModelInfo("m", "extractive", "1"), sentences, facts, vectors)


def _unit_rows(count: int, width: int = 384) -> np.ndarray:
    rows = np.random.default_rng(0).normal(size=(count, width)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_vectors_round_trip_through_json_exactly():
    vectors = SentenceVectors.of("minilm@1", _unit_rows(3))
    summary = _summary(3, vectors)
    back = Summary.from_dict(json.loads(json.dumps(summary.to_dict())))
    assert back.vectors is not None and back.vectors.model == "minilm@1"
    assert back.vectors.rows.dtype == np.float32
    assert np.array_equal(back.vectors.rows, vectors.rows)  # the same brief, fresh or cached
    assert back.sentences == summary.sentences


def test_vectors_are_float16_close_to_the_embedding():
    rows = _unit_rows(4)
    kept = SentenceVectors.of("minilm@1", rows).rows
    assert np.abs(kept - rows).max() < 1e-3
    assert np.allclose(np.linalg.norm(kept, axis=1), 1.0, atol=1e-3)


def test_a_summary_cached_before_vectors_reads_without_them():
    data = _summary(2).to_dict()
    assert "vectors" not in data
    assert Summary.from_dict(data).vectors is None


def test_vectors_count_only_for_their_model_and_sentences():
    summary = _summary(2, SentenceVectors.of("minilm@1", _unit_rows(2)))
    assert summary.vectors_by("minilm@1") is not None
    assert summary.vectors_by("minilm@2") is None
    short = _summary(3, SentenceVectors.of("minilm@1", _unit_rows(2)))
    assert short.vectors_by("minilm@1") is None  # not one row per sentence: not trusted


def test_an_unknown_vector_encoding_is_refused():
    data = _summary(1, SentenceVectors.of("minilm@1", _unit_rows(1))).to_dict()
    data["vectors"]["dtype"] = "int4"
    with pytest.raises(ValueError, match="unknown vector encoding"):
        Summary.from_dict(data)
