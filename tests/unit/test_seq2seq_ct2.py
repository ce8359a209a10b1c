"""Seq2seq on CTranslate2: a converted copy that says, token for token, what generate() says."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from service.config import Settings
from service.pipeline.documents.chunking import chunk_sentences
from service.pipeline.models import ct2_seq2seq
from service.pipeline.models.embeddings import Embedder
from service.pipeline.summarisers import seq2seq
from service.pipeline.summarisers.seq2seq import Seq2SeqSummariser
from service.pipeline.types import Chunk


def engines(folder: Path, **options: Any) -> tuple[Seq2SeqSummariser, Seq2SeqSummariser]:
    fast = Seq2SeqSummariser(str(folder), Embedder(), engine="ctranslate2", **options)
    exact = Seq2SeqSummariser(str(folder), Embedder(), engine="torch", **options)
    return fast, exact


def chunks_of(seeds: Any, summariser: Seq2SeqSummariser, count: int) -> list[Chunk]:
    found = []
    for _document, sentences in seeds:
        chunks, _ = chunk_sentences(sentences, summariser.count_tokens, summariser.max_input_tokens)
        found.extend(chunks)
    return found[:count]


def generated(summariser: Seq2SeqSummariser, chunks: list[Chunk]) -> list[list[int]]:
    output = summariser._forward(summariser.preprocess(chunks))
    pad = summariser._checkpoint().tokenizer.pad_token_id
    return [[token for token in row if token != pad] for row in output.tolist()]


@pytest.mark.slow
@pytest.mark.parametrize("batch", [1, 4])
def test_ctranslate2_generates_what_generate_does(seeds, tiny_seq2seq_dir: Path, batch) -> None:
    fast, exact = engines(tiny_seq2seq_dir)
    chunks = chunks_of(seeds, exact, 12)
    assert len({chunk.tokens for chunk in chunks}) > 1  # padding is exercised
    for first in range(0, len(chunks), batch):
        some = chunks[first : first + batch]
        assert generated(fast, some) == generated(exact, some)
    assert (fast.generator, exact.generator) == ("ctranslate2", "torch")
    assert fast.cache_key == exact.cache_key  # the same tokens: one cache


@pytest.fixture
def forced_end_checkpoint(tmp_path: Path, tiny_seq2seq_dir: Path) -> Path:
    """The tiny BART with BART's forced end token and length penalty, as distilbart has them."""
    folder = tmp_path / "forced-end"
    shutil.copytree(tiny_seq2seq_dir, folder)
    path = folder / "generation_config.json"
    settings = json.loads(path.read_text())
    settings.update(forced_eos_token_id=2, length_penalty=2.0, num_beams=4, early_stopping=True)
    path.write_text(json.dumps(settings))
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("lengths", [(10, 10), (2, 10), (4, 30)])
def test_a_forced_end_token_is_ranked_as_generate_ranks_it(
    seeds, forced_end_checkpoint: Path, lengths: tuple[int, int]
) -> None:
    least, most = lengths
    generation = {"min_new_tokens": least, "max_new_tokens": most}
    fast, exact = engines(forced_end_checkpoint, generation=generation, batch_size=1)
    for chunk in chunks_of(seeds, exact, 8):
        assert generated(fast, [chunk]) == generated(exact, [chunk])
    assert fast.generator == "ctranslate2"


def test_without_ctranslate2_generation_runs_on_torch(
    tiny_seq2seq_dir: Path,
    caplog: pytest.LogCaptureFixture,
    without_package: Callable[[str], None],
) -> None:
    without_package("ctranslate2")
    summariser = Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder(), engine="ctranslate2")
    with caplog.at_level(logging.WARNING, logger=seq2seq.__name__):
        summariser.load()
    assert summariser.generator == "torch" and summariser.loaded
    assert "ctranslate2" in (summariser.fallback_reason or "")
    assert "generates on torch" in caplog.text


def test_a_failed_conversion_falls_back_to_torch(
    tiny_seq2seq_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> Path:
        raise ValueError("unsupported architecture")

    monkeypatch.setattr(ct2_seq2seq, "ensure_converted", broken)
    summariser = Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder())
    summariser.load()
    assert summariser.generator == "torch"
    assert summariser.fallback_reason == "ValueError: unsupported architecture"


def test_the_engine_is_chosen_by_argument_runtime_or_setting(tiny_seq2seq_dir: Path) -> None:
    folder = str(tiny_seq2seq_dir)
    assert Seq2SeqSummariser(folder, Embedder()).wanted_engine == "ctranslate2"
    assert Seq2SeqSummariser(folder, Embedder(), runtime="int8").wanted_engine == "torch"
    assert Seq2SeqSummariser(folder, Embedder(), engine="torch").wanted_engine == "torch"
    with pytest.raises(ValueError, match="engine"):
        Seq2SeqSummariser(folder, Embedder(), engine="onnx")
    settings = Settings.from_env(environ={"SUMMARY_SEQ2SEQ_ENGINE": "torch"})
    assert settings.seq2seq_engine == "torch"


def test_conversions_are_cached_by_the_checkpoint_files(tmp_path: Path, tiny_seq2seq_dir) -> None:
    roots = [tmp_path / "runtimes"]
    first = ct2_seq2seq.ensure_converted(tiny_seq2seq_dir, roots)
    assert (first / "model.bin").is_file()
    assert ct2_seq2seq.ensure_converted(tiny_seq2seq_dir, roots) == first
    changed = tmp_path / "changed"
    shutil.copytree(tiny_seq2seq_dir, changed)
    (changed / "config.json").write_text((changed / "config.json").read_text() + "\n")
    assert ct2_seq2seq.find_converted(changed, roots) is None
