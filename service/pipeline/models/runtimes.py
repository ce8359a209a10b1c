"""Fast CPU runtimes for the service's models, built from the same weights at install or first use.

- `onnx_embedding`: a sentence-transformers model (Transformer, mean pooling, normalisation) as one
  ONNX graph run by ONNX Runtime; the embedder's default, with the torch path as its fallback.
- `ct2_seq2seq`: a seq2seq checkpoint converted to CTranslate2, decoded with the checkpoint's own
  beam search settings.

Each conversion is cached on disk under `runtime_cache_dir()` and made again when missing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

CACHE_FOLDER = ".runtimes"  # under <models_dir>/weights/, which git ignores


def runtime_cache_dir(models_dir: Path | str | None = None) -> Path:
    """Where converted models live: `<models_dir>/weights/.runtimes` (`SUMMARY_MODELS_DIR`'s),
    beside the fetched checkpoints."""
    if models_dir is None:
        from service.config import Settings

        models_dir = Settings.from_env().models_dir
    return Path(models_dir) / "weights" / CACHE_FOLDER


def cache_roots() -> list[Path]:
    """Where to look for a converted model, and to put one, in order: the checkout's (or the
    image's) own `models/weights/.runtimes`, then `SUMMARY_MODELS_DIR`'s when that is elsewhere,
    then the user's cache. Copies are named by their content, so any process finds one made by any
    other, whatever models folder each was told to use (a test's or a benchmark's server with
    a temporary one included) and none converts the same weights twice."""
    from service.config import REPO_ROOT

    roots = [runtime_cache_dir(REPO_ROOT / "models"), runtime_cache_dir(), user_cache_dir()]
    return list(dict.fromkeys(roots))


def first_writable(roots: Sequence[Path], what: str) -> Path:
    """The first of `roots` that exists (made if need be) and can be written; OSError if none."""
    failures = []
    for root in roots:
        try:
            root.mkdir(parents=True, exist_ok=True)
            if os.access(root, os.W_OK):
                return root
            failures.append(f"{root}: not writable")
        except OSError as exc:
            failures.append(f"{root}: {exc}")
    raise OSError(f"no writable folder for {what}: " + "; ".join(failures))


def user_cache_dir() -> Path:
    """The fallback when the models folder is read-only: the user's own cache."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "summary-service" / "runtimes"
