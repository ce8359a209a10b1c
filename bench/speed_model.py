"""A checkpoint with the architecture of sshleifer/distilbart-cnn-12-6, built without a download.

The configuration values are distilbart-cnn-12-6's own (12 encoder and 6 decoder layers of width
1024, 16 heads, 4096-wide feed-forward, a 50,264-token vocabulary, 1,024 positions, and its
summarisation settings: 4 beams, length penalty 2.0, no repeated trigram); the weights are random.
The tokenizer is a byte-level BPE, as BART's, trained on the benchmark's own news text, so inputs
are real text cut into tokens of realistic number. Speed depends on the shapes, not the values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

NEWS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "multiling2011" / "english"
TOKENIZER_VOCABULARY = 16_000

DISTILBART_CNN_12_6: dict[str, Any] = {
    "vocab_size": 50264,
    "d_model": 1024,
    "encoder_layers": 12,
    "decoder_layers": 6,
    "encoder_attention_heads": 16,
    "decoder_attention_heads": 16,
    "encoder_ffn_dim": 4096,
    "decoder_ffn_dim": 4096,
    "max_position_embeddings": 1024,
    "activation_function": "gelu",
    "scale_embedding": False,
    "bos_token_id": 0,
    "pad_token_id": 1,
    "eos_token_id": 2,
    "decoder_start_token_id": 2,
}
DISTILBART_GENERATION: dict[str, Any] = {
    "bos_token_id": 0,
    "pad_token_id": 1,
    "eos_token_id": 2,
    "decoder_start_token_id": 2,
    "forced_bos_token_id": 0,
    "forced_eos_token_id": 2,
    "num_beams": 4,
    "max_length": 142,
    "min_length": 56,
    "length_penalty": 2.0,
    "no_repeat_ngram_size": 3,
    "early_stopping": True,
}


def news_files(folder: Path = NEWS) -> list[Path]:
    files = sorted(folder.glob("M*/docs/*.txt"))
    if not files:
        raise SystemExit(f"no benchmark data under {folder} (expected ../shared/data)")
    return files


def build_checkpoint(folder: Path, files: list[Path]) -> Path:
    """Save tokenizer, config, generation config and random weights to `folder`."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration, GenerationConfig

    tokenizer = train_tokenizer(files)
    tokenizer.save_pretrained(folder)
    torch.manual_seed(0)
    model = BartForConditionalGeneration(BartConfig(**DISTILBART_CNN_12_6))
    model.generation_config = GenerationConfig(**DISTILBART_GENERATION)
    model.save_pretrained(folder)
    return folder


def train_tokenizer(files: list[Path]) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=TOKENIZER_VOCABULARY,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>"],  # BART's ids 0-3
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train([str(path) for path in files], trainer)
    bpe.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<s>",
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        model_max_length=DISTILBART_CNN_12_6["max_position_embeddings"],
    )
