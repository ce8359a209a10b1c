"""The embedder on ONNX Runtime: the torch path's vectors, built once, and never a failed start."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from service.pipeline.models import embeddings, onnx_embedding
from service.pipeline.models.embeddings import Embedder, default_embedding_model

TEXTS = [
    "Ukrainian troops captured two North Korean soldiers in the Kursk region.",
    "  Prices rose.  ",
    "The central bank said inflation would fall back towards its target by next year, "
    "though energy costs remain uncertain and wages are still rising faster than expected.",
    " ".join(["word"] * 400),  # past the model's 256 tokens: embedded from its head
]


@pytest.fixture(scope="module")
def both() -> tuple[Embedder, Embedder]:
    onnx = Embedder(runtime="onnx")
    onnx.load()
    return onnx, Embedder(runtime="torch")


@pytest.mark.slow
def test_onnx_runtime_embeds_as_torch_does(both: tuple[Embedder, Embedder]) -> None:
    onnx, exact = both
    got, want = onnx.encode(TEXTS), exact.encode(TEXTS)
    assert onnx.runtime == "onnx" and exact.runtime == "torch"
    assert got.dtype == np.float32 and got.shape == want.shape == (4, 384)
    assert np.sum(got * want, axis=1).min() > 0.9999
    alone = np.stack([onnx.encode([text])[0] for text in TEXTS])  # no padding at all
    np.testing.assert_allclose(alone, got, atol=1e-5)
    # The same vectors, so the same identity: cached vectors stay valid across runtimes.
    assert onnx.identity == exact.identity
    assert (onnx.max_tokens, onnx.dimension) == (exact.max_tokens, exact.dimension) == (256, 384)
    assert onnx.count_tokens(TEXTS) == exact.count_tokens(TEXTS)


@pytest.mark.slow
def test_the_build_is_cached_and_not_made_again(
    both: tuple[Embedder, Embedder], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any) -> Path:
        raise AssertionError("rebuilt a cached model")

    monkeypatch.setattr(onnx_embedding, "build", refuse)
    again = Embedder(runtime="onnx")
    again.load()
    assert again.runtime == "onnx"


def test_without_onnxruntime_it_embeds_on_torch_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    without_package: Callable[[str], None],
) -> None:
    without_package("onnxruntime")
    monkeypatch.setattr(Embedder, "_load_torch", lambda self: "torch model")
    embedder = Embedder(runtime="onnx")
    with caplog.at_level(logging.WARNING, logger=embeddings.__name__):
        embedder.load()
    assert embedder.runtime == "torch"
    assert "onnxruntime" in (embedder.fallback_reason or "")
    assert "embedding on torch" in caplog.text
    assert embedder.describe()["fallback"] == "ImportError"


def test_a_failed_build_falls_back_to_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> Path:
        raise RuntimeError("export failed")

    monkeypatch.setattr(onnx_embedding, "ensure_built", broken)
    monkeypatch.setattr(Embedder, "_load_torch", lambda self: "torch model")
    embedder = Embedder(runtime="onnx")
    embedder.load()
    assert embedder.runtime == "torch"
    assert embedder.fallback_reason == "RuntimeError: export failed"


def test_no_writable_cache_folder_falls_back_to_torch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setattr(Embedder, "_load_torch", lambda self: "torch model")
    embedder = Embedder(runtime="onnx", cache_dirs=[blocked / "runtimes"])
    embedder.load()
    assert embedder.runtime == "torch"
    assert "no writable folder" in (embedder.fallback_reason or "")


def test_models_other_than_mean_pooled_transformers_are_not_exported(tmp_path: Path) -> None:
    source = Path(default_embedding_model())
    modules = json.loads((source / "modules.json").read_text())
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    (tmp_path / "1_Pooling").mkdir()
    pooling = json.loads((source / "1_Pooling" / "config.json").read_text())
    (tmp_path / "1_Pooling" / "config.json").write_text(
        json.dumps({**pooling, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True})
    )
    with pytest.raises(onnx_embedding.UnsupportedModel, match="cls"):
        onnx_embedding.check_supported(tmp_path)
    onnx_embedding.check_supported(source)


def test_the_runtime_is_chosen_by_argument_or_setting() -> None:
    from service.config import Settings
    from service.pipeline.runner import Pipeline

    assert Embedder().wanted_runtime == "onnx"
    assert Embedder(runtime="torch").wanted_runtime == "torch"
    settings = Settings.from_env(environ={"SUMMARY_EMBEDDING_RUNTIME": "torch"})
    assert Pipeline(settings).embedder.wanted_runtime == "torch"
    with pytest.raises(ValueError, match="onnx or torch"):
        Embedder(runtime="int8")


def test_a_damaged_cached_build_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    damaged = tmp_path / "embedding-x" / "model.onnx"
    damaged.parent.mkdir()
    damaged.write_bytes(b"cut short")
    calls: list[str] = []

    def ensure_built(*args: Any) -> Path:
        calls.append("ensure")
        if damaged.is_file():
            return damaged
        rebuilt = tmp_path / "embedding-y" / "model.onnx"
        return rebuilt

    class Encoder:
        def __init__(self, path: Path, *args: Any, **kwargs: Any) -> None:
            if path == damaged:
                raise RuntimeError("INVALID_PROTOBUF")
            self.path = path

    monkeypatch.setattr(onnx_embedding, "ensure_built", ensure_built)
    monkeypatch.setattr(onnx_embedding, "OnnxEncoder", Encoder)
    embedder = Embedder(runtime="onnx", cache_dirs=[tmp_path])
    embedder.load()
    assert embedder.runtime == "onnx"
    assert calls == ["ensure", "ensure"] and not damaged.parent.exists()
