"""Seq2SeqSummariser on a tiny BART built locally, loaded as production loads a checkpoint."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from service.config import Settings
from service.pipeline.documents.chunking import chunk_sentences
from service.pipeline.models.embeddings import Embedder
from service.pipeline.models.registry import ModelLoadError
from service.pipeline.summarisers.alignment import share_in_evidence
from service.pipeline.summarisers.choice import SummariserChoice
from service.pipeline.summarisers.seq2seq import GenerationSettings, Seq2SeqSummariser, looks_local
from service.pipeline.types import Chunk, Document, Sentence, Summary


def settings(**overrides: object) -> Settings:
    return Settings.from_env(overrides=overrides, environ={})


def summarise(
    summariser, document: Document, sentences: list[Sentence], max_chunks: int = 16
) -> Summary:
    chunks, cut = chunk_sentences(
        sentences, summariser.count_tokens, summariser.max_input_tokens, max_chunks=max_chunks
    )
    return summariser.summarise(document, sentences, chunks, cut)


def assert_cites_real_sentences(summary: Summary, document: Document, sentences: list[Sentence]):
    spans = {(s.start, s.end): s for s in sentences}
    for picked in summary.sentences:
        assert picked.text.strip()
        (citation,) = picked.citations
        assert citation.document_id == document.id
        source = spans[(citation.start, citation.end)]  # the span of a real content sentence
        assert document.text[citation.start : citation.end] == source.text
        assert picked.position == source.index


def count_forward_calls(summariser: Seq2SeqSummariser, monkeypatch: pytest.MonkeyPatch) -> list:
    calls: list = []
    forward = summariser._forward

    def spy(inputs):
        calls.append(tuple(inputs["input_ids"].shape))  # (chunks in the batch, tokens)
        return forward(inputs)

    monkeypatch.setattr(summariser, "_forward", spy)
    return calls


# Without the model -------------------------------------------------------------------------------


def test_generation_settings_checkpoint_then_task_then_overrides() -> None:
    checkpoint = {"num_beams": 4, "max_length": 142, "min_length": 56, "length_penalty": 2.0}
    assert GenerationSettings.resolve(checkpoint, {}, {}) == GenerationSettings(
        num_beams=4,
        max_new_tokens=141,
        min_new_tokens=55,
        no_repeat_ngram_size=0,
        length_penalty=2.0,
    )
    task = {"no_repeat_ngram_size": 3, "num_beams": 2}
    overrides = {"max_new_tokens": 60, "num_beams": 6}
    resolved = GenerationSettings.resolve(checkpoint, task, overrides)
    assert (resolved.num_beams, resolved.max_new_tokens, resolved.no_repeat_ngram_size) == (
        6,
        60,
        3,
    )
    assert GenerationSettings.resolve({}, {}, {}).max_new_tokens == 128  # not generate()'s 20


@pytest.mark.parametrize(
    ("name", "local"),
    [
        ("sshleifer/distilbart-cnn-12-6", False),
        ("t5-small", False),
        ("/srv/models/distilbart", True),
        ("./weights/distilbart", True),
        ("~/models/bart", True),
        ("models/weights/sshleifer--distilbart-cnn-12-6", True),
    ],
)
def test_paths_are_told_from_hub_names(name: str, local: bool) -> None:
    assert looks_local(name) is local


def test_word_overlap_counts_words_or_character_pairs() -> None:
    assert (
        share_in_evidence("Ukraine captured soldiers", "Soldiers were captured by Ukraine.") == 1.0
    )
    assert share_in_evidence("flour and salt", "Ukraine captured soldiers") == 0.0
    assert share_in_evidence("朝鲜士兵被俘", "乌克兰俘虏了两名朝鲜士兵") > 0.5


def test_a_missing_model_directory_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    summariser = Seq2SeqSummariser(str(missing), Embedder())
    with pytest.raises(ModelLoadError, match=str(missing)):
        summariser.load()


def test_a_broken_checkpoint_is_a_clear_error(tmp_path: Path, tiny_seq2seq_dir: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny_seq2seq_dir, broken)
    (broken / "model.safetensors").write_bytes(b"not weights")
    summariser = Seq2SeqSummariser(str(broken), Embedder())
    summariser.load(weights=False)  # config and tokenizer are fine
    with pytest.raises(ModelLoadError, match=r"cannot load weights from .*broken"):
        summariser.load()


# The tiny model, without generating -------------------------------------------------------------


def test_limits_and_tokens_come_from_the_checkpoint(tiny_seq2seq_dir: Path) -> None:
    summariser = Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder())
    assert summariser.max_input_tokens == 128 - 2  # positions, less <s> and </s>
    capped = Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder(), max_input_tokens=64)
    assert capped.max_input_tokens == 62
    counts = summariser.count_tokens(["Ukraine", "Ukraine captured two soldiers.", ""])
    assert counts[0] >= 1 and counts[1] > counts[0] and counts[2] == 0
    assert summariser.info.kind == "seq2seq"
    assert summariser.info.revision and summariser.info.revision.startswith("sha256:")


def test_a_task_prefix_is_counted_against_the_limit(tiny_seq2seq_dir: Path) -> None:
    plain = Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder())
    prefixed = Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder(), prefix="summarize: ")
    assert prefixed.max_input_tokens < plain.max_input_tokens
    assert prefixed.cache_key != plain.cache_key


def test_t5_checkpoints_get_their_task_prefix_from_the_config(tmp_path: Path, tiny_seq2seq_dir):
    copy = tmp_path / "with-task"
    shutil.copytree(tiny_seq2seq_dir, copy)
    config = json.loads((copy / "config.json").read_text())
    config["task_specific_params"] = {"summarization": {"prefix": "summarize: ", "num_beams": 3}}
    (copy / "config.json").write_text(json.dumps(config))
    summariser = Seq2SeqSummariser(str(copy), Embedder())
    assert "prefix='summarize: '" in summariser.cache_key
    assert '"num_beams": 3' in summariser.cache_key


def test_old_checkpoints_keep_generation_settings_in_their_config(tmp_path: Path, tiny_seq2seq_dir):
    """As distilbart-cnn-12-6 does: no generation_config.json, the settings in config.json."""
    copy = tmp_path / "legacy"
    shutil.copytree(tiny_seq2seq_dir, copy)
    (copy / "generation_config.json").unlink()
    config = json.loads((copy / "config.json").read_text())
    config.update(num_beams=4, max_length=142, min_length=56, length_penalty=2.0)
    (copy / "config.json").write_text(json.dumps(config))
    key = Seq2SeqSummariser(str(copy), Embedder()).cache_key
    expected = {"num_beams": 4, "max_new_tokens": 141, "min_new_tokens": 55, "length_penalty": 2.0}
    assert all(f'"{name}": {value}' in key for name, value in expected.items())


def test_the_cache_key_follows_every_setting(tiny_seq2seq_dir: Path) -> None:
    def key(**options: Any) -> str:
        return Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder(), **options).cache_key

    base = key()
    assert base == key()
    assert '"num_beams": 2' in base  # from the checkpoint's generation_config.json
    assert (
        len(
            {
                base,
                key(generation={"num_beams": 3}),
                key(generation={"max_new_tokens": 9}),
                key(max_sentences=3),
                key(min_support=0.5),
                key(revision="abc"),
                key(max_input_tokens=64),
            }
        )
        == 7
    )


def test_the_cache_key_follows_the_weights(tmp_path: Path, tiny_seq2seq_dir: Path) -> None:
    copy = tmp_path / "retrained"
    shutil.copytree(tiny_seq2seq_dir, copy)
    unpinned = Seq2SeqSummariser(str(copy), Embedder()).cache_key
    pinned = Seq2SeqSummariser(str(copy), Embedder(), revision="0" * 40).cache_key
    with (copy / "model.safetensors").open("r+b") as weights:
        weights.seek(-4, 2)
        weights.write(b"\x01\x02\x03\x04")
    assert Seq2SeqSummariser(str(copy), Embedder()).cache_key != unpinned
    assert Seq2SeqSummariser(str(copy), Embedder(), revision="0" * 40).cache_key != pinned


def test_unknown_generation_settings_are_refused(tiny_seq2seq_dir: Path) -> None:
    with pytest.raises(ValueError, match="temperature"):
        Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder(), generation={"temperature": 0.7})


# Generating ---------------------------------------------------------------------------------------


def test_generation_settings_reach_generate(tiny_seq2seq_dir: Path) -> None:
    text = "Ukrainian forces captured two wounded North Korean soldiers in the Kursk region."
    chunk = Chunk("doc", 0, (Sentence("doc", 0, 0, len(text), text, block=0),), tokens=20)
    lengths = {}
    for longest in (3, 12):
        summariser = Seq2SeqSummariser(
            str(tiny_seq2seq_dir), Embedder(),
            generation={"max_new_tokens": longest, "min_new_tokens": longest},
        )  # fmt: skip
        output = summariser._forward(summariser.preprocess([chunk]))
        lengths[longest] = output.shape[1] - 1  # less the decoder's start token
    assert lengths == {3: 3, 12: 12}


@pytest.mark.slow
def test_a_long_document_is_read_chunk_by_chunk_through_the_production_path(
    seeds, embedder, tiny_seq2seq_dir, monkeypatch
) -> None:
    configured = settings(summariser="seq2seq", seq2seq_model=str(tiny_seq2seq_dir))
    choice = SummariserChoice(configured, embedder)
    summariser = choice.for_language("en")
    assert isinstance(summariser, Seq2SeqSummariser)
    calls = count_forward_calls(summariser, monkeypatch)
    document, sentences = seeds[0]
    summary = summarise(summariser, document, sentences)
    assert summary.facts.chunks > 1
    batch = summariser.chunks_per_call  # as measured on this machine, or as set
    assert [rows for rows, _ in calls] == [
        min(batch, summary.facts.chunks - at) for at in range(0, summary.facts.chunks, batch)
    ]  # every chunk generated, `chunks_per_call` chunks per generate()
    assert max(tokens for _, tokens in calls) <= 128
    assert summary.model.name == str(tiny_seq2seq_dir)
    assert len(summary.sentences) <= configured.summary_sentences
    assert_cites_real_sentences(summary, document, sentences)


@pytest.mark.slow
def test_every_generated_sentence_cites_a_real_sentence(seeds, embedder, tiny_seq2seq_dir):
    summariser = Seq2SeqSummariser(str(tiny_seq2seq_dir), embedder, min_support=-1.0)
    for document, sentences in seeds:
        summary = summarise(summariser, document, sentences, max_chunks=4)
        assert summary.sentences  # nonsense, yet kept: support is not required here
        assert_cites_real_sentences(summary, document, sentences)
        assert summary.facts.tokens == sum(summariser.count_tokens([s.text for s in sentences]))


@pytest.mark.slow
def test_generated_sentences_without_support_are_dropped(seeds, embedder, tiny_seq2seq_dir):
    summariser = Seq2SeqSummariser(str(tiny_seq2seq_dir), embedder, min_support=1.01)
    document, sentences = seeds[0]
    summary = summarise(summariser, document, sentences)
    assert summary.sentences == []
    assert summary.facts.chunks > 1


@pytest.mark.slow
def test_a_sentence_cites_the_source_sentence_it_restates(embedder, tiny_seq2seq_dir, monkeypatch):
    texts = [
        "Ukrainian forces captured two wounded North Korean soldiers in the Kursk region.",
        "The prisoners are held in line with international law, officials said.",
        "South Korean intelligence helped translate during their questioning.",
    ]
    document = Document("doc", " ".join(texts), "en")
    sentences, start = [], 0
    for index, text in enumerate(texts):
        sentences.append(Sentence("doc", index, start, start + len(text), text, block=0))
        start += len(text) + 1
    chunk = Chunk("doc", 0, tuple(sentences), tokens=40)
    summariser = Seq2SeqSummariser(str(tiny_seq2seq_dir), embedder)
    restated = [
        "Seoul's spies helped with translation when the prisoners were questioned.",
        "Two North Korean soldiers were captured by Ukraine in Kursk.",
        "Two North Korean soldiers were captured by Ukraine in Kursk.",  # said again: kept once
        "The recipe needs two cups of flour and a pinch of salt.",  # no support: dropped
    ]
    monkeypatch.setattr(
        summariser, "summarise_chunks", lambda chunks, language: [restated for _ in chunks]
    )
    summary = summariser.summarise(document, sentences, [chunk], False)
    assert [(s.text, s.position) for s in summary.sentences] == [(restated[0], 2), (restated[1], 0)]
    assert_cites_real_sentences(summary, document, sentences)


# Speed: batching and the int8 runtime -------------------------------------------------------------


def seed_chunks(seeds, summariser: Seq2SeqSummariser, count: int) -> list[Chunk]:
    _document, sentences = seeds[0]
    chunks, _ = chunk_sentences(sentences, summariser.count_tokens, summariser.max_input_tokens)
    return chunks[:count]


@pytest.mark.slow
def test_batched_generation_says_what_one_at_a_time_says(seeds, tiny_seq2seq_dir: Path) -> None:
    one = Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder(), batch_size=1)
    four = Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder(), batch_size=4)
    chunks = seed_chunks(seeds, one, 5)
    assert len({chunk.tokens for chunk in chunks}) > 1  # padding is exercised
    english = ["en"] * len(chunks)
    assert four.summarise_chunks(chunks, english) == one.summarise_chunks(chunks, english)
    assert one.cache_key == four.cache_key  # the batch size does not change what is said


def test_the_int8_runtime_quantises_the_linear_layers(tiny_seq2seq_dir: Path) -> None:
    import torch

    exact = Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder())
    fast = Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder(), runtime="int8")
    assert fast.cache_key != exact.cache_key  # its wording may differ: never share a cache
    model = fast._loaded_model()
    kinds = {type(module).__module__ for module in model.modules()}
    assert any("quantized" in kind for kind in kinds)
    assert not any(type(m) is torch.nn.Linear for m in model.modules())
    text = "Ukrainian forces captured two wounded North Korean soldiers in the Kursk region."
    chunk = Chunk("doc", 0, (Sentence("doc", 0, 0, len(text), text, block=0),), tokens=20)
    assert fast._forward(fast.preprocess([chunk])).shape[1] > 1


def test_unknown_runtimes_and_batch_sizes_are_refused(tiny_seq2seq_dir: Path) -> None:
    with pytest.raises(ValueError, match="runtime"):
        Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder(), runtime="fp4")
    with pytest.raises(ValueError, match="batch_size"):
        Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder(), batch_size=-1)
    with pytest.raises(ValueError, match="SEQ2SEQ_BATCH_SIZE"):
        settings(seq2seq_batch_size=-1)


def test_the_batch_size_is_picked_by_runtime_unless_set(tiny_seq2seq_dir: Path) -> None:
    def batch(**options: Any) -> int:
        return Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder(), **options).batch_size

    assert batch() == batch(runtime="float32") == 4
    assert batch(runtime="int8") == 1
    assert batch(runtime="int8", batch_size=3) == 3


def test_a_generated_summary_carries_its_sentence_vectors(
    seeds, tiny_seq2seq_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pipeline embeds a generated summary's sentences once, when it is made, and caches the
    vectors with it: a brief over it never embeds them again."""
    import numpy as np

    from service.pipeline.runner import Pipeline

    pipeline = Pipeline(settings(summariser="seq2seq", seq2seq_model=str(tiny_seq2seq_dir)))
    document = seeds[0][0]
    calls: list[list[str]] = []
    encode = pipeline.embedder.encode
    monkeypatch.setattr(
        pipeline.embedder, "encode", lambda texts: calls.append(texts) or encode(texts)
    )
    summary = pipeline.summarise(document)
    assert len(calls) == 2, "the source and the generated sentences, each embedded once"
    assert summary.sentences, "the tiny model says something of a seed article"
    rows = summary.vectors_by(pipeline.embedder.identity)
    assert rows is not None
    expected = pipeline.embedder.encode([s.text for s in summary.sentences])
    assert np.abs(rows - expected).max() < 1e-3
    assert Summary.from_dict(summary.to_dict()).vectors_by(pipeline.embedder.identity) is not None
