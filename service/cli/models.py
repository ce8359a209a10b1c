"""`summarise models fetch|list`: the model registry and its weights."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from service.config import Settings
from service.exit_codes import EXIT_OK


def add_parser(commands: Any) -> None:
    models = commands.add_parser(
        "models",
        help="the model registry and its weights",
        description="The registry (models/registry.toml) names the checkpoint serving each "
        "language. Without its weights a language is summarised extractively.",
    )
    actions = models.add_subparsers(
        dest="models_command", required=True, metavar="ACTION", title="actions"
    )
    fetch = actions.add_parser(
        "fetch",
        help="download the registry's checkpoints (needs the Hugging Face hub)",
        description="Download each checkpoint of the registry, at its pinned revision, into its "
        "own folder under --dest.",
    )
    fetch.add_argument(
        "--dest", type=Path, default=None, help="target folder (default: <models_dir>/weights)"
    )
    fetch.add_argument(
        "--language",
        action="append",
        default=None,
        metavar="CODE",
        help="only the checkpoint serving this language (repeatable)",
    )
    fetch.add_argument(
        "--runtimes-only",
        action="store_true",
        help="download nothing: only build the fast runtimes of what is local (the embedding "
        "model's ONNX graph, CTranslate2 copies of fetched checkpoints)",
    )
    fetch.set_defaults(run=_models_fetch)
    listing = actions.add_parser(
        "list", help="show the registry and which weights are local", description=None
    )
    listing.set_defaults(run=_models_list)


def _models_fetch(args: argparse.Namespace) -> int:
    from service.pipeline.models.registry import (
        fetch_weights,
        load_registry,
        weights_dir_in,
    )

    settings = Settings.from_env()
    root = args.dest or Path(settings.models_dir) / "weights"
    for entry in load_registry(Path(settings.models_dir)):
        if args.language and not set(args.language) & set(entry.languages):
            continue
        path = weights_dir_in(root, entry)
        if not args.runtimes_only:
            print(
                f"fetching {entry.name}@{entry.revision} (licence {entry.licence})",
                file=sys.stderr,
            )
            path = fetch_weights(entry, path)
            print(f"{entry.name}@{entry.revision} -> {path}")
        _convert_checkpoint(entry.name, path, root)
    _build_embedding_runtime(settings)
    return EXIT_OK


def _build_embedding_runtime(settings: Settings) -> None:
    """The embedding model's ONNX graph, built now rather than at the service's first start."""
    from service.pipeline.models.embeddings import Embedder, default_embedding_model

    embedder = Embedder(settings.embedding_model or default_embedding_model(), runtime="onnx")
    embedder.load()
    print(f"embedding model {embedder.identity}: {embedder.runtime}")


def _convert_checkpoint(name: str, path: Path, weights_root: Path) -> None:
    """A fetched checkpoint's CTranslate2 copy, beside it under `weights/.runtimes`: the service
    loads it instead of converting at its first start. A failure leaves it on torch."""
    from service.pipeline.models.ct2_seq2seq import ensure_converted
    from service.pipeline.models.registry import weights_available
    from service.pipeline.models.runtimes import CACHE_FOLDER

    if not weights_available(path):
        return
    try:
        converted = ensure_converted(path, [weights_root / CACHE_FOLDER])
    except Exception as exc:  # any converter failure: the checkpoint still serves, on torch
        print(f"{name}: no CTranslate2 copy ({type(exc).__name__}: {exc})", file=sys.stderr)
        return
    print(f"{name} -> {converted} (CTranslate2, float32)")


def _models_list(args: argparse.Namespace) -> int:
    from service.pipeline.models.registry import (
        load_registry,
        local_weights_dir,
        weights_available,
    )

    settings = Settings.from_env()
    models_dir = Path(settings.models_dir)
    for entry in load_registry(models_dir):
        local = local_weights_dir(models_dir, entry)
        state = "local" if weights_available(local) else "not fetched"
        print(
            f"{entry.name}@{entry.revision} [{entry.licence}] {state}: {', '.join(entry.languages)}"
        )
    return EXIT_OK
