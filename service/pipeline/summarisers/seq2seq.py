"""Abstractive summaries from any transformers seq2seq checkpoint (BART, PEGASUS, T5, mT5).

Shaped like a transformers pipeline, since transformers 5 has no summarisation pipeline left:
`preprocess` (chunk -> tensors), `_forward` (generate, the only torch-bound step), `postprocess`
(ids -> sentences). A model's text never cites itself: `alignment.cite_drafts` ties each generated
sentence to the source sentence that supports it, or drops it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from service.pipeline.documents.language import rules_language
from service.pipeline.documents.sentences import sentence_spans
from service.pipeline.models.ct2_tuning import Plan
from service.pipeline.models.embeddings import Embedder
from service.pipeline.models.registry import (
    GENERATION_KEYS,
    ModelLoadError,
    weights_fingerprint,
)
from service.pipeline.summarisers.alignment import MIN_SUPPORT, cite_drafts
from service.pipeline.summarisers.base import Prepared, document_facts
from service.pipeline.types import (
    Chunk,
    Document,
    ModelInfo,
    Sentence,
    SentenceVectors,
    Summary,
    SummarySentence,
)

log = logging.getLogger(__name__)

# Bump whenever chunked generation or alignment.py (evidence, de-duplication) changes.
ALGORITHM_VERSION = "chunked-aligned-1"
FLOAT32, INT8 = "float32", "int8"
RUNTIMES = (FLOAT32, INT8)
# What runs float32 generation: CTranslate2 (a converted copy, the same tokens as generate(), see
# runtimes/ct2_seq2seq.py) or torch's generate() itself; int8 is always torch's. Read from
# SUMMARY_SEQ2SEQ_ENGINE; CTranslate2 falls back to torch, with a warning, when it cannot load.
CTRANSLATE2, TORCH = "ctranslate2", "torch"
ENGINES = (CTRANSLATE2, TORCH)
# Chunks per generate() when the batch size is left to the runtime. On CTranslate2 it is measured
# on the machine at the first load (models/ct2_tuning.py); these are torch's, measured with
# `python -m bench speed` on a 2-core Intel Xeon, distilbart-cnn's shape, 56 tokens, 4 beams:
# float32 runs 1.4x faster 4 at a time than 1 at a time, 8 are slower again; int8 gains nothing
# from 2 and loses from 4, where reordering the beams' cached keys and values, not the weights,
# becomes the memory traffic that bounds each step).
AUTO_BATCH = 0
DEFAULT_BATCH_SIZES = {FLOAT32: 4, INT8: 1}
UNSTATED_INPUT_LIMIT = 1024  # input limit assumed for a checkpoint that states none
UNBOUNDED = 100_000  # tokenizers without a limit report a huge `model_max_length`
DEFAULT_MAX_NEW_TOKENS = 128  # when the checkpoint leaves generate()'s 20-token default
T5_PREFIX = "summarize: "


@dataclass(frozen=True)
class GenerationSettings:
    num_beams: int
    max_new_tokens: int
    min_new_tokens: int
    no_repeat_ngram_size: int
    length_penalty: float

    @classmethod
    def resolve(
        cls, checkpoint: Mapping[str, Any], task: Mapping[str, Any], overrides: Mapping[str, Any]
    ) -> GenerationSettings:
        """The checkpoint's generation config, then its summarisation settings, then overrides."""
        values = {**checkpoint, **task}
        merged = {**values, **_as_new_tokens(values), **overrides}
        return cls(
            num_beams=int(merged.get("num_beams") or 1),
            max_new_tokens=int(merged.get("max_new_tokens") or DEFAULT_MAX_NEW_TOKENS),
            min_new_tokens=int(merged.get("min_new_tokens") or 0),
            no_repeat_ngram_size=int(merged.get("no_repeat_ngram_size") or 0),
            length_penalty=float(merged.get("length_penalty") or 1.0),
        )

    def generate_options(self) -> dict[str, Any]:
        """generate() arguments; lengths as max/min_length, which count the decoder's start token,
        so that the checkpoint's own max_length cannot conflict with them."""
        options: dict[str, Any] = {
            "num_beams": self.num_beams,
            "max_length": self.max_new_tokens + 1,
            "min_length": self.min_new_tokens + 1,
            "no_repeat_ngram_size": self.no_repeat_ngram_size,
        }
        if self.num_beams > 1:
            options["length_penalty"] = self.length_penalty
        return options


def _as_new_tokens(values: Mapping[str, Any]) -> dict[str, int]:
    """Legacy max/min_length count the decoder's start token; new-token counts do not."""
    converted = {}
    if not values.get("max_new_tokens") and values.get("max_length"):
        converted["max_new_tokens"] = max(int(values["max_length"]) - 1, 1)
    if not values.get("min_new_tokens") and values.get("min_length"):
        converted["min_new_tokens"] = max(int(values["min_length"]) - 1, 0)
    return converted


@dataclass(frozen=True)
class _Checkpoint:
    """What is known without the weights: enough to chunk and to name the cache key."""

    tokenizer: Any
    generation: GenerationSettings
    prefix: str
    limit: int  # tokens the encoder reads, special tokens and prefix included
    reserved: int  # of those, taken by special tokens and the prefix


class Seq2SeqSummariser:
    """Summarise each chunk with a seq2seq model, then tie every sentence to evidence.

    Tokenizer and config load on first use (chunking needs them), the weights on first generate();
    both once per process. One lock serialises tokenizer and model use: fast tokenizers are not
    safe across threads, and generate() already uses every core.
    """

    def __init__(
        self,
        name_or_path: str,
        embedder: Embedder,
        *,
        name: str | None = None,
        revision: str | None = None,
        max_input_tokens: int | None = None,
        generation: Mapping[str, Any] | None = None,
        prefix: str | None = None,
        max_sentences: int | None = None,
        min_support: float = MIN_SUPPORT,
        runtime: str = FLOAT32,
        batch_size: int = AUTO_BATCH,
        engine: str | None = None,
    ) -> None:
        unknown = set(generation or {}) - GENERATION_KEYS
        if unknown:
            raise ValueError(f"unknown generation settings: {sorted(unknown)}")
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
        if batch_size < 0:
            raise ValueError(f"batch_size must be 0 (by runtime) or more, not {batch_size}")
        engine = engine or CTRANSLATE2
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
        self.runtime = runtime
        # int8 is torch's dynamic quantisation: CTranslate2 serves float32 only.
        self.wanted_engine = engine if runtime == FLOAT32 else TORCH
        self.generator: str | None = None  # what generates, once the weights are loaded
        self.fallback_reason: str | None = None
        self.batch_size = batch_size or DEFAULT_BATCH_SIZES[runtime]
        self._batch_setting = batch_size
        self.plan: Plan | None = None  # how CTranslate2 generates here, once loaded
        self.source = name_or_path
        self.local = looks_local(name_or_path)
        self.embedder = embedder
        self.max_sentences = max_sentences
        self.min_support = min_support
        self.fingerprint = self._fingerprint()  # of a local folder's files, else None
        self.info = ModelInfo(name or name_or_path, "seq2seq", revision or self.fingerprint)
        self._revision = revision
        self._input_cap = max_input_tokens
        self._overrides = dict(generation or {})
        self._prefix = prefix
        self._lock = threading.RLock()
        self._checkpoint_parts: _Checkpoint | None = None
        self._model: Any = None
        self._ct2: Any = None

    def _fingerprint(self) -> str | None:
        path = Path(self.source).expanduser()
        return weights_fingerprint(path) if self.local and path.is_dir() else None

    def load(self, *, weights: bool = True) -> None:
        """Load now rather than on first use; raise ModelLoadError naming what failed."""
        self._checkpoint()
        if weights:
            self._loaded_model()

    @property
    def loaded(self) -> bool:
        """Whether the weights are in memory (not only tokenizer and config)."""
        return self._model is not None or self._ct2 is not None

    @property
    def max_input_tokens(self) -> int:
        checkpoint = self._checkpoint()
        return checkpoint.limit - checkpoint.reserved

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        tokenizer = self._checkpoint().tokenizer
        with self._lock:
            encoded = tokenizer(texts, add_special_tokens=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]

    @property
    def cache_key(self) -> str:
        checkpoint = self._checkpoint()
        aligner = self.embedder.info
        return "|".join(
            [
                "seq2seq",
                self.info.name,
                self.info.revision or "unpinned",
                f"files={self.fingerprint}",
                json.dumps(asdict(checkpoint.generation), sort_keys=True),
                f"prefix={checkpoint.prefix!r}",
                f"input={checkpoint.limit}",
                f"max_sentences={self.max_sentences}",
                f"min_support={self.min_support}",
                f"runtime={self.runtime}",
                f"aligner={aligner.name}@{aligner.revision}",
                ALGORITHM_VERSION,
            ]
        )

    # Loading --------------------------------------------------------------------------------------

    def _options(self) -> dict[str, Any]:
        """A local checkpoint never touches the network; a hub one is read at its pinned commit."""
        if self.local:
            return {"local_files_only": True}
        return {"revision": self._revision} if self._revision else {}

    def _where(self) -> str:
        return str(Path(self.source).expanduser()) if self.local else self.source

    def _checkpoint(self) -> _Checkpoint:
        with self._lock:
            if self._checkpoint_parts is None:
                self._checkpoint_parts = self._load_checkpoint()
            return self._checkpoint_parts

    def _load_checkpoint(self) -> _Checkpoint:
        if self.local and not Path(self._where()).is_dir():
            raise ModelLoadError(self.info.name, f"no model directory at {self._where()}")
        from transformers import AutoConfig, AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(self._where(), **self._options())
            config = AutoConfig.from_pretrained(self._where(), **self._options())
            checkpoint_generation = _checkpoint_generation(self._where(), self._options())
        except Exception as exc:  # from_pretrained raises OSError, ValueError, KeyError...
            raise ModelLoadError(
                self.info.name, f"cannot load tokenizer and config from {self._where()}: {exc}"
            ) from exc
        task = (getattr(config, "task_specific_params", None) or {}).get("summarization", {})
        prefix = self._prefix
        if prefix is None:
            prefix = task.get("prefix", T5_PREFIX if config.model_type == "t5" else "")
        prefix_ids = tokenizer(prefix, add_special_tokens=False)["input_ids"] if prefix else []
        return _Checkpoint(
            tokenizer=tokenizer,
            generation=GenerationSettings.resolve(checkpoint_generation, task, self._overrides),
            prefix=prefix,
            limit=_input_limit(tokenizer, config, self._input_cap),
            reserved=tokenizer.num_special_tokens_to_add() + len(prefix_ids),
        )

    def _loaded_model(self) -> Any:
        self._checkpoint()
        with self._lock:
            if self._model is None and self._ct2 is None:
                if self.wanted_engine == CTRANSLATE2:
                    self._ct2 = self._load_ct2()
                if self._ct2 is None:
                    self._model = self._load_model()
                self.generator = CTRANSLATE2 if self._ct2 is not None else TORCH
            return self._ct2 if self._ct2 is not None else self._model

    def _load_ct2(self) -> Any:
        """The checkpoint converted to CTranslate2 (converted now when no copy is cached), or None
        with a warning: generation then runs on torch, slower, with the same tokens."""
        if not self.local:
            self.fallback_reason = "a hub checkpoint: only local folders are converted"
            return None
        started = time.monotonic()
        try:
            import torch

            from service.pipeline.models.ct2_seq2seq import ensure_converted
            from service.pipeline.models.runtimes import cache_roots

            source = Path(self._where())
            folder = ensure_converted(source, cache_roots())
            generation = _generation_config(self._where(), self._options())
            generator = self._tuned_generator(folder, generation, torch.get_num_threads())
        except Exception as exc:  # ImportError, conversion or load failures: never fatal
            self.fallback_reason = f"{type(exc).__name__}: {exc}"
            log.warning(
                "%s generates on torch, not CTranslate2 (slower, same tokens): %s",
                self.info.name,
                self.fallback_reason,
            )
            return None
        log.info(
            "loaded %s from %s (CTranslate2, float32) in %.1fs",
            self.info.name,
            folder,
            time.monotonic() - started,
        )
        return generator

    def _tuned_generator(self, folder: Path, generation: Any, cores: int) -> Any:
        """The converted model run as measured fastest on this machine (`ct2_tuning`), or as
        SUMMARY_SEQ2SEQ_BATCH_SIZE says; one chunk at a time on every core when measuring
        fails."""
        from service.pipeline.models import ct2_tuning
        from service.pipeline.models.ct2_seq2seq import Ct2Generator
        from service.pipeline.models.runtimes import user_cache_dir

        tokenizer = self._checkpoint().tokenizer
        made: dict[tuple[int, int], Any] = {}

        def generator(intra: int, inter: int) -> Any:
            if (intra, inter) not in made:
                made[intra, inter] = Ct2Generator(folder, tokenizer, generation, intra, inter)
            return made[intra, inter]

        def probe_run(batch: int, intra: int, inter: int) -> Any:
            ids, mask, options = self._probes()
            chosen = generator(intra, inter)

            def run() -> None:
                chosen.max_batch_size = batch
                chosen.generate(ids, mask, options)

            return run

        try:
            plan = ct2_tuning.tuned(folder, cores, probe_run, self._batch_setting, user_cache_dir())
        except Exception as exc:  # a probe that fails must not cost CTranslate2 itself
            log.warning("could not measure seq2seq batching (%s): one chunk at a time", exc)
            plan = ct2_tuning.Plan(1, cores, 1, ct2_tuning.SETTING)
        chosen = generator(plan.intra_threads, plan.inter_threads)
        chosen.max_batch_size = plan.chunks_per_batch
        _keep_torch_threads(cores)
        self.plan, self.batch_size = plan, plan.chunks_per_batch
        ct2_tuning.ACTIVE[self.info.name] = plan
        return chosen

    def _probes(self) -> tuple[Any, Any, dict[str, Any]]:
        """`ct2_tuning`'s probe inputs, tokenised as chunks are, padded as one batch, and the
        checkpoint's generation settings with the probe's length."""
        import torch

        from service.pipeline.models import ct2_tuning

        checkpoint = self._checkpoint()
        rows = []
        with self._lock:
            for text, share in ct2_tuning.probe_texts():
                most = max(int(checkpoint.limit * share), checkpoint.reserved + 1)
                encoded = checkpoint.tokenizer(
                    checkpoint.prefix + text, truncation=True, max_length=most
                )
                rows.append(list(encoded["input_ids"]))
        width = max(len(row) for row in rows)
        pad = checkpoint.tokenizer.pad_token_id or 0
        ids = torch.tensor([row + [pad] * (width - len(row)) for row in rows])
        mask = torch.tensor([[1] * len(row) + [0] * (width - len(row)) for row in rows])
        length = ct2_tuning.PROBE_NEW_TOKENS + 1  # as generate_options(), the start token counted
        options = {
            **checkpoint.generation.generate_options(),
            "max_length": length,
            "min_length": length,
        }
        return ids, mask, options

    def _load_model(self) -> Any:
        import torch
        from transformers import AutoModelForSeq2SeqLM
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # a bar per load is noise in a service log
        started = time.monotonic()
        try:
            model = AutoModelForSeq2SeqLM.from_pretrained(
                self._where(), dtype=torch.float32, **self._options()
            )
        except Exception as exc:  # as above: many unrelated exception types
            raise ModelLoadError(
                self.info.name, f"cannot load weights from {self._where()}: {exc}"
            ) from exc
        model.eval()
        if self.runtime == INT8:
            model = quantize_linear_int8(model)
        elapsed = time.monotonic() - started
        log.info(
            "loaded %s from %s (%s) in %.1fs", self.info.name, self._where(), self.runtime, elapsed
        )
        return model

    # Inference ------------------------------------------------------------------------------------

    def preprocess(self, chunks: Sequence[Chunk]) -> dict[str, Any]:
        """Chunks as one padded batch for the encoder: prefix, sentences on one line, cut to the
        limit."""
        checkpoint = self._checkpoint()
        texts = [
            checkpoint.prefix + " ".join(" ".join(s.text.split()) for s in chunk.sentences)
            for chunk in chunks
        ]
        with self._lock:
            encoded = checkpoint.tokenizer(
                texts,
                return_tensors="pt",
                truncation=True,
                max_length=checkpoint.limit,
                padding=True,
            )
        return {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}

    def _forward(self, inputs: dict[str, Any]) -> Any:
        """generate(), the only step bound to the device: no autograd state at all."""
        import torch

        model = self._loaded_model()
        options = self._checkpoint().generation.generate_options()
        if self._ct2 is not None:
            with self._lock:
                rows = self._ct2.generate(inputs["input_ids"], inputs["attention_mask"], options)
                if self.plan is not None:
                    _keep_torch_threads(self.plan.intra_threads * self.plan.inter_threads)
            return _padded(rows, self._checkpoint().tokenizer.pad_token_id or 0)
        with self._lock, torch.inference_mode():
            return model.generate(**inputs, **options)

    def postprocess(self, output_ids: Any, languages: Sequence[str]) -> list[list[str]]:
        """Each decoded output cut into sentences with the rules for its language."""
        tokenizer = self._checkpoint().tokenizer
        with self._lock:
            decoded = tokenizer.batch_decode(output_ids, skip_special_tokens=True)
        outputs = []
        for raw, language in zip(decoded, languages, strict=True):
            text = " ".join(raw.replace("<n>", " ").split())  # PEGASUS writes newlines as <n>
            rules = rules_language(language)
            outputs.append([text[start:end] for start, end in sentence_spans(text, rules)])
        return outputs

    def summarise_chunks(
        self, chunks: Sequence[Chunk], languages: Sequence[str]
    ) -> list[list[str]]:
        """The generated sentences of each chunk (in `languages[i]` for `chunks[i]`), in order."""
        if not chunks:
            return []
        return self.postprocess(self.generate_chunks(chunks), languages)

    def generate_chunks(self, chunks: Sequence[Chunk]) -> list[list[int]]:
        """The generated token ids of each chunk, in order (padding left in).

        Chunks are sorted by length so that a batch pads little, and generated a call at a time:
        on CTranslate2 a call is the plan's batches, one for each worker, as measured fastest on
        this machine (`ct2_tuning`); on torch `batch_size` chunks. A batch gives each chunk the
        tokens it gets alone (CTranslate2's batches are exact; `bench speed` checks it).
        """
        order = sorted(range(len(chunks)), key=lambda at: chunks[at].tokens)
        outputs: list[list[int]] = [[] for _ in chunks]
        self._loaded_model()  # CTranslate2's plan is known once loaded
        step = self.chunks_per_call
        for first in range(0, len(order), step):
            batch = order[first : first + step]
            generated = self._forward(self.preprocess([chunks[at] for at in batch])).tolist()
            for at, row in zip(batch, generated, strict=True):
                outputs[at] = row
        return outputs

    @property
    def chunks_per_call(self) -> int:
        """Chunks a generate() call is given: on CTranslate2 the measured plan's (its batches, one
        for each worker), known once the model is loaded; on torch `batch_size`."""
        return self.plan.chunks_per_call if self._ct2 is not None and self.plan else self.batch_size

    @property
    def documents_per_call(self) -> int:
        """Twice a generate() call's chunks in documents: a news article is a chunk or two, so
        their chunks fill whole batches, sorted by length among more of them. On CTranslate2 the
        call's size is measured at the first load, so this loads the model (a worker's first
        job); a model that cannot load answers torch's default and fails on summarising."""
        if self.wanted_engine == CTRANSLATE2:
            with contextlib.suppress(ModelLoadError):
                self._loaded_model()
        if self._ct2 is not None and self.plan is not None:
            return self.plan.documents_per_call
        return 2 * self.batch_size

    def summarise(
        self, document: Document, sentences: list[Sentence], chunks: list[Chunk], truncated: bool
    ) -> Summary:
        return self.summarise_many([Prepared(document, sentences, chunks, truncated)])[0]

    def summarise_many(self, prepared: Sequence[Prepared]) -> list[Summary]:
        """The chunks of all `prepared` generated together (`summarise_chunks`), then each
        document's sentences tied to its own evidence."""
        chunks = [chunk for item in prepared for chunk in item.chunks]
        languages = [item.document.language for item in prepared for _chunk in item.chunks]
        generated = iter(self.summarise_chunks(chunks, languages))
        return [
            self._summary(item, [next(generated) for _chunk in item.chunks]) for item in prepared
        ]

    def _summary(self, item: Prepared, generated: list[list[str]]) -> Summary:
        drafts = [
            (text, chunk)
            for chunk, texts in zip(item.chunks, generated, strict=True)
            for text in texts
        ]
        picked: list[SummarySentence] = []
        vectors: SentenceVectors | None = None
        if drafts:
            picked, vectors = cite_drafts(
                drafts, item.sentences, self.embedder, self.min_support, self.max_sentences
            )
        facts = document_facts(self, item.document, item.sentences, item.chunks, item.truncated)
        return Summary(item.document.id, self.info, picked, facts, vectors)


def _checkpoint_generation(where: str, options: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint's own generation settings, as transformers finds them, without the weights.

    Old checkpoints (BART from 2020) keep them in config.json rather than generation_config.json.
    """
    from transformers import GenerationConfig

    try:
        found = GenerationConfig.from_pretrained(where, **options)
    except OSError:
        found = GenerationConfig.from_pretrained(
            where, config_file_name="config.json", _from_model_config=True, **options
        )
    return found.to_diff_dict()


def _keep_torch_threads(threads: int) -> None:
    """CTranslate2 sets OpenMP's thread count, which torch shares, to its `intra_threads` in the
    calling thread: one, for a worker per core. Torch's own models (the embedder's fallback,
    alignment) must keep the cores they were given."""
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def _padded(rows: list[list[int]], pad: int) -> Any:
    """Token rows as one tensor, shorter rows padded at the end, as generate() returns them."""
    import torch

    width = max(len(row) for row in rows)
    return torch.tensor([row + [pad] * (width - len(row)) for row in rows], dtype=torch.long)


def _generation_config(where: str, options: dict[str, Any]) -> Any:
    """The GenerationConfig generate() uses: the checkpoint's generation_config.json, else one made
    from its model config (old checkpoints), with the decoder's start token filled in from the
    model config where it is left out (as generate() does)."""
    from transformers import AutoConfig, GenerationConfig

    config = AutoConfig.from_pretrained(where, **options)
    try:
        generation = GenerationConfig.from_pretrained(where, **options)
    except OSError:
        generation = GenerationConfig.from_model_config(config)
    if generation.decoder_start_token_id is None:
        generation.decoder_start_token_id = getattr(config, "decoder_start_token_id", None)
    if generation.decoder_start_token_id is None:
        generation.decoder_start_token_id = config.pad_token_id  # T5's start token
    return generation


def _input_limit(tokenizer: Any, config: Any, cap: int | None) -> int:
    """The least of the tokenizer's, the position embeddings' and the registry's limits."""
    positions = getattr(config, "max_position_embeddings", None)
    positions = positions or getattr(config, "n_positions", None)
    stated = [
        int(limit)
        for limit in (tokenizer.model_max_length, positions, cap)
        if limit and int(limit) < UNBOUNDED
    ]
    return min(stated) if stated else UNSTATED_INPUT_LIMIT


def looks_local(name_or_path: str) -> bool:
    """A path (existing, or written like one) rather than a hub id such as "owner/name"."""
    if Path(name_or_path).expanduser().exists():
        return True
    written_as_path = name_or_path.startswith(("/", ".", "~")) or "\\" in name_or_path
    return written_as_path or name_or_path.count("/") > 1


def quantize_linear_int8(model: Any) -> Any:
    """Dynamic int8 quantisation of every linear layer (weights stored as int8, activations
    quantised on the fly): the layers that hold nearly all of a seq2seq model's work on CPU."""
    import warnings

    import torch

    with warnings.catch_warnings():
        # torch.ao's quantisation is deprecated for torchao, which is not packaged for CPU here.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*", category=UserWarning)
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
