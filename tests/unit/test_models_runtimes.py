"""`models fetch` builds the fast runtimes, so that the service's first start does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.cli import main
from service.cli import models as models_command
from service.exit_codes import EXIT_OK
from service.pipeline.models.ct2_seq2seq import find_converted


def test_runtimes_only_converts_fetched_checkpoints_and_downloads_nothing(
    tiny_models_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    built = []
    monkeypatch.setattr(models_command, "_build_embedding_runtime", built.append)
    monkeypatch.setattr(
        "service.pipeline.models.registry.fetch_weights",
        lambda *args: pytest.fail("downloaded"),
    )
    monkeypatch.setenv("SUMMARY_MODELS_DIR", str(tiny_models_dir))
    assert main(["models", "fetch", "--runtimes-only"]) == EXIT_OK
    weights = tiny_models_dir / "weights"
    checkpoint = weights / "sshleifer--distilbart-cnn-12-6"
    converted = find_converted(checkpoint, [weights / ".runtimes"])
    assert converted is not None and (converted / "model.bin").is_file()
    assert "CTranslate2, float32" in capsys.readouterr().out
    assert len(built) == 1  # and the embedding model's ONNX graph
