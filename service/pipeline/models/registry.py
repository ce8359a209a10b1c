"""The model registry: which seq2seq checkpoint serves which language, and where its weights live.

`models/registry.toml` lists the checkpoints in order of preference; the first entry that lists a
language serves it. Fetched weights live under `models/weights/<owner>--<name>/`, never in git.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.pipeline.documents.language import normalise_language

REGISTRY_FILE = "registry.toml"
GENERATION_KEYS = frozenset(
    {"num_beams", "max_new_tokens", "min_new_tokens", "no_repeat_ngram_size", "length_penalty"}
)
TOKENIZER_FILES = (
    "tokenizer.json",
    "spiece.model",
    "sentencepiece.bpe.model",
    "tokenizer.model",
    "vocab.json",
    "vocab.txt",
)
FINGERPRINT_BYTES = 1 << 20


class ModelLoadError(RuntimeError):
    """A model cannot be loaded or fetched; the message names the model and says why."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"model {name!r}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class ModelEntry:
    name: str  # hub repository id
    revision: str  # commit the weights are pinned to
    licence: str
    languages: tuple[str, ...]  # ISO 639-1 codes as langdetect names them ("zh-cn")
    max_input_tokens: int | None = None  # what the checkpoint was trained on, when below its limit
    note: str = ""
    prefix: str | None = None  # text put before the input; None lets the checkpoint's config say
    generation: dict[str, Any] = field(default_factory=dict, hash=False)


def load_registry(models_dir: Path | str) -> list[ModelEntry]:
    """Read `registry.toml` from `models_dir`; a malformed entry is an error that names the file."""
    path = Path(models_dir) / REGISTRY_FILE
    try:
        with path.open("rb") as handle:
            tables = tomllib.load(handle).get("model", [])
        return [_entry(table) for table in tables]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: not a valid model registry: {exc!r}") from exc


def _entry(table: dict[str, Any]) -> ModelEntry:
    generation = dict(table.get("generation", {}))
    unknown = set(generation) - GENERATION_KEYS
    if unknown:
        raise ValueError(f"{table['name']}: unknown generation settings {sorted(unknown)}")
    limit = table.get("max_input_tokens")
    return ModelEntry(
        name=str(table["name"]),
        revision=str(table["revision"]),
        licence=str(table["licence"]),
        languages=tuple(normalise_language(code) for code in table["languages"]),
        max_input_tokens=None if limit is None else int(limit),
        note=str(table.get("note", "")),
        prefix=table.get("prefix"),
        generation=generation,
    )


def entries_for_language(language: str, entries: Sequence[ModelEntry]) -> list[ModelEntry]:
    """Entries that serve `language`, best first: exact codes, then the same primary subtag."""
    code = normalise_language(language)
    primary = code.split("-")[0]
    exact = [entry for entry in entries if code in entry.languages]
    close = [
        entry
        for entry in entries
        if entry not in exact and primary in {known.split("-")[0] for known in entry.languages}
    ]
    return exact + close


def entry_for_language(language: str, entries: Sequence[ModelEntry]) -> ModelEntry | None:
    """The entry that serves `language`, or None where the registry has no model for it."""
    found = entries_for_language(language, entries)
    return found[0] if found else None


def local_weights_dir(models_dir: Path | str, entry: ModelEntry) -> Path:
    return weights_dir_in(Path(models_dir) / "weights", entry)


def weights_dir_in(weights_root: Path | str, entry: ModelEntry) -> Path:
    """Where `models fetch` puts an entry's files under a weights folder."""
    return Path(weights_root) / entry.name.replace("/", "--")


def weights_available(path: Path | str) -> bool:
    """True when `path` holds a config, a tokenizer and weights: enough to load with no network."""
    folder = Path(path)
    if not (folder / "config.json").is_file():
        return False
    has_tokenizer = any((folder / name).is_file() for name in TOKENIZER_FILES)
    has_weights = any(item.is_file() and is_weights_file(item.name) for item in folder.iterdir())
    return has_tokenizer and has_weights


def is_weights_file(name: str) -> bool:
    """Model weights, as opposed to other binaries a repository may hold (`training_args.bin`)."""
    return name.endswith(".safetensors") or (
        name.startswith("pytorch_model") and name.endswith(".bin")
    )


def weights_fingerprint(path: Path | str) -> str:
    """Identify a local checkpoint by its files' names, sizes, heads and tails, cheaply.

    Hashing every byte of a 2 GB checkpoint would cost seconds at each start; the ends of each file
    and its size change whenever its content does in practice.
    """
    digest = hashlib.sha256()
    for item in sorted(Path(path).iterdir()):
        if not item.is_file() or item.name.startswith("."):
            continue
        size = item.stat().st_size
        digest.update(f"{item.name}\0{size}\0".encode())
        with item.open("rb") as handle:
            digest.update(handle.read(FINGERPRINT_BYTES))
            if size > 2 * FINGERPRINT_BYTES:
                handle.seek(-FINGERPRINT_BYTES, 2)
                digest.update(handle.read())
    return "sha256:" + digest.hexdigest()[:16]


def fetch_weights(entry: ModelEntry, dest: Path | str) -> Path:
    """Download the entry's pinned revision into `dest`: config, tokenizer, one weights format."""
    import huggingface_hub
    from huggingface_hub.errors import HfHubHTTPError

    try:
        files = huggingface_hub.list_repo_files(entry.name, revision=entry.revision)
        folder = huggingface_hub.snapshot_download(
            repo_id=entry.name,
            revision=entry.revision,
            local_dir=str(dest),
            allow_patterns=wanted_files(files),
        )
    except (OSError, ValueError, HfHubHTTPError) as exc:
        raise ModelLoadError(
            entry.name,
            f"cannot download revision {entry.revision} into {dest} "
            f"(is huggingface.co reachable, and HF_HUB_OFFLINE unset?): {exc}",
        ) from exc
    if not weights_available(folder):
        raise ModelLoadError(entry.name, f"{folder} lacks a config, tokenizer or weights file")
    return Path(folder)


def wanted_files(files: Sequence[str]) -> list[str]:
    """Top-level config and tokenizer files, and safetensors weights where the repo has them."""
    top = [name for name in files if "/" not in name]
    safetensors = [name for name in top if name.endswith(".safetensors")]
    weights = safetensors or [name for name in top if is_weights_file(name)]
    support = [name for name in top if name.endswith((".json", ".model", ".txt"))]
    return sorted(support + weights)
