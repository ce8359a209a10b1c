"""A seq2seq checkpoint converted to CTranslate2 and decoded with generate()'s own settings.
DEVELOPERS.md ("Design notes of the pipeline and ingest", `service/pipeline/models/ct2_seq2seq.py`)
says how and why.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from service.pipeline.models.runtimes import first_writable

log = logging.getLogger(__name__)

CONVERT_VERSION = "1"  # bump whenever convert() changes what it writes
MODEL_FILE = "model.bin"
FLOAT32 = "float32"


def conversion_name(source: Path, quantization: str = FLOAT32) -> str:
    import ctranslate2

    from service.pipeline.models.registry import weights_fingerprint

    parts = [weights_fingerprint(source), quantization, CONVERT_VERSION, ctranslate2.__version__]
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]
    return f"ct2-{digest}"


def find_converted(source: Path, roots: Sequence[Path], quantization: str = FLOAT32) -> Path | None:
    name = conversion_name(source, quantization)
    for root in roots:
        if (root / name / MODEL_FILE).is_file():
            return root / name
    return None


def ensure_converted(source: Path, roots: Sequence[Path], quantization: str = FLOAT32) -> Path:
    """The converted copy of `source` under one of `roots`, converted into the first writable
    root when none is there yet."""
    found = find_converted(source, roots, quantization)
    if found is not None:
        return found
    root = first_writable(roots, "the CTranslate2 conversion")
    return convert(source, root / conversion_name(source, quantization), quantization)


def convert(source: Path, dest: Path, quantization: str = FLOAT32) -> Path:
    """Convert into a temporary folder beside `dest`, then rename it whole."""
    import ctranslate2

    class Converter(ctranslate2.converters.TransformersConverter):  # type: ignore[misc]  # untyped
        def load_model(self, model_class: Any, name_or_path: str, **kwargs: Any) -> Any:
            model = super().load_model(model_class, name_or_path, **kwargs)
            config = model.config
            # transformers 5 dropped BART's `normalize_before` (always False for BART itself);
            # CTranslate2's BART loader still reads it.
            if config.model_type == "bart" and not hasattr(config, "normalize_before"):
                config.normalize_before = False
            self._vocab_size = int(config.vocab_size)
            return model

        def load_tokenizer(self, tokenizer_class: Any, name_or_path: str, **kwargs: Any) -> Any:
            tokenizer = super().load_tokenizer(tokenizer_class, name_or_path, **kwargs)
            return _PaddedVocabulary(tokenizer, self._vocab_size)

    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        Converter(str(source), low_cpu_mem_usage=True).convert(
            str(work), quantization=quantization, force=True
        )
        work.chmod(0o755)
        try:
            os.replace(work, dest)
        except OSError:  # another process converted it first
            if not (dest / MODEL_FILE).is_file():
                raise
        log.info("converted %s to CTranslate2 in %.1fs", source, time.monotonic() - started)
        return dest
    finally:
        shutil.rmtree(work, ignore_errors=True)


class _PaddedVocabulary:
    """A tokenizer whose vocabulary fills the model's embedding rows: CTranslate2 wants one token
    per row, and a checkpoint may have rows no token uses (they are never generated in practice,
    and a generated one would decode to nothing)."""

    def __init__(self, tokenizer: Any, size: int) -> None:
        self._tokenizer = tokenizer
        self._size = size

    def get_vocab(self) -> dict[str, int]:
        vocabulary = dict(self._tokenizer.get_vocab())
        used = set(vocabulary.values())
        for row in range(self._size):
            if row not in used:
                vocabulary[f"<unused_row_{row}>"] = row
        return vocabulary

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tokenizer, name)


class Ct2Generator:
    """generate() for a converted checkpoint: token ids in, token ids out, as transformers gives
    them (the decoder's start token first, then the generated tokens and the end token).

    generate()'s settings map onto CTranslate2's beam search one for one, but for one: a
    checkpoint with a `forced_eos_token_id` (BART's) makes its last token the end token whenever a
    hypothesis reaches the length limit, and ranks it with that token's log-probability.
    CTranslate2 stops such a hypothesis without the end token; so it decodes to one token short
    of the limit, returns every beam, and each beam that ran to the limit is scored with the end
    token appended (`score_batch`) and ranked as generate() ranks them.
    """

    def __init__(
        self, folder: Path, tokenizer: Any, generation: Any, threads: int, inter_threads: int = 1
    ) -> None:
        """`threads` work on each batch; `inter_threads` workers (sharing the weights) each take
        a batch of a call's inputs, cut `max_batch_size` at a time (0: the call is one batch)."""
        import json

        import ctranslate2

        self.translator = ctranslate2.Translator(
            str(folder),
            device="cpu",
            compute_type="default",
            intra_threads=max(threads, 1),
            inter_threads=max(inter_threads, 1),
        )
        self.max_batch_size = 0
        vocabulary = json.loads((folder / "shared_vocabulary.json").read_text(encoding="utf-8"))
        self.ids = {token: row for row, token in enumerate(vocabulary)}
        self.tokens = vocabulary
        self.start = int(generation.decoder_start_token_id)
        eos = generation.eos_token_id
        self.eos = eos[0] if isinstance(eos, list) and eos else eos
        self.forced_bos = generation.forced_bos_token_id
        self.forced_eos = generation.forced_eos_token_id

    def generate(
        self, input_ids: Any, attention_mask: Any, options: dict[str, Any]
    ) -> list[list[int]]:
        """`options` are `GenerationSettings.generate_options()`: lengths count the start token."""
        sources = [
            [self.tokens[i] for i, m in zip(ids, mask, strict=True) if m]
            for ids, mask in zip(input_ids.tolist(), attention_mask.tolist(), strict=True)
        ]
        prefix = None
        if self.forced_bos is not None:
            prefix = [[self.tokens[self.forced_bos]] for _ in sources]
        most = int(options["max_length"]) - 1  # new tokens, the end token included
        least = int(options.get("min_length", 1)) - 1
        beams = int(options.get("num_beams", 1))
        penalty = float(options.get("length_penalty", 1.0))
        forced_end = self.forced_eos is not None
        limit = most - 1 if forced_end else most
        results = self.translator.translate_batch(
            sources,
            target_prefix=prefix,
            beam_size=beams,
            length_penalty=penalty,
            no_repeat_ngram_size=int(options.get("no_repeat_ngram_size") or 0),
            max_decoding_length=limit,
            min_decoding_length=min(least, limit),
            return_end_token=True,
            num_hypotheses=beams,
            max_batch_size=self.max_batch_size,
        )
        outputs = []
        for source, result in zip(sources, results, strict=True):
            best = self._best([list(tokens) for tokens in result.hypotheses], source, penalty)
            outputs.append([self.start, *(self.ids[token] for token in best)])
        return outputs

    def _best(self, hypotheses: list[list[str]], source: list[str], penalty: float) -> list[str]:
        """The hypothesis generate() returns, of the beams CTranslate2 finished with.

        generate() ranks finished hypotheses by their summed log-probability over their length
        (generated tokens, the end token included) ** penalty. A forced token scores 0 there (its
        logits processor puts the others at -inf and it at 0): the first token when
        `forced_bos_token_id` is set, and the end token given to a hypothesis that reached the
        limit when `forced_eos_token_id` is. CTranslate2 scores the same sums but not always with
        the same lengths and forced tokens, so hypotheses of different kinds or lengths are scored
        again here (`score_batch`) and ranked by generate()'s rule.
        """
        end = self.tokens[self.eos] if self.eos is not None else None
        forced_end = self.forced_eos is not None
        candidates = []  # (tokens returned, target to score, log-probabilities left off the end)
        for tokens in hypotheses:
            if tokens and tokens[-1] == end:  # ended by the model: its end token counts
                candidates.append((tokens, tokens[:-1], 0))
            elif forced_end:  # ran to the limit: the forced end token is appended, scoring 0
                candidates.append(([*tokens, self.tokens[int(self.forced_eos)]], tokens, 1))
            else:  # ran to the limit, no end token
                candidates.append((tokens, tokens, 1))
        if len({(len(c[0]), c[2]) for c in candidates}) == 1:
            return candidates[0][0]  # one kind, one length: both rank by the same sums
        first = 1 if self.forced_bos is not None else 0
        scored = self.translator.score_batch(
            [source] * len(candidates), [target for _, target, _ in candidates], max_input_length=0
        )
        best, best_score = candidates[0][0], float("-inf")
        for (tokens, _, dropped), scoring in zip(candidates, scored, strict=True):
            counted = scoring.log_probs[first : len(scoring.log_probs) - dropped]
            score = sum(counted) / (len(tokens) ** penalty)
            if score > best_score:
                best, best_score = tokens, score
        return best
