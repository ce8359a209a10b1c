"""The command line: `python -m service brief corpus/`, `serve`, `models fetch`.

`brief` runs the service's own path without HTTP: the files are ingested into a store, a brief
job is queued and run by the same task code the workers run, and the JSON printed by
`--format json` is the job exactly as `GET /v1/briefs/<id>` returns it.

Exit codes: 0 success, 1 the brief failed, 2 bad usage or input, 3 a model could not be loaded.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from service.config import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MODEL = 0, 1, 2, 3
TEXT_SUFFIXES = {".txt", ".md", ".text"}
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]+")


class UsageError(Exception):
    """Bad arguments or input files: reported on one line, exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("SUMMARY_LOG_LEVEL", "WARNING").upper(),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # one readable line; the traceback only when asked for
        from service.pipeline.summarisers.registry import ModelLoadError

        logging.getLogger(__name__).debug("command failed", exc_info=True)
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_MODEL if isinstance(exc, ModelLoadError) else EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m service",
        description="Multi-document summarisation: cited briefs of news corpora.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    brief = commands.add_parser(
        "brief",
        help="print a brief of text files or folders",
        description="Summarise text files (a folder: its *.txt and *.md files) into one brief "
        "whose sentences cite the files they rest on. A file's ID is its name without suffix.",
    )
    brief.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    brief.add_argument(
        "--max-words",
        type=int,
        default=None,
        help="length of the brief in words (default: SUMMARY_DEFAULT_MAX_WORDS)",
    )
    brief.add_argument(
        "--format",
        choices=["text", "md", "json"],
        default="text",
        help="text with [id] markers (default), Markdown, or the API's JSON",
    )
    brief.add_argument(
        "--language",
        default=None,
        help="declare the language of every file instead of detecting it",
    )
    brief.add_argument(
        "--model",
        default=None,
        help="seq2seq checkpoint (hub name or local path) to summarise with",
    )
    brief.add_argument(
        "--database",
        default=None,
        help="store URL that keeps summaries between runs (default: a temporary one)",
    )
    brief.set_defaults(run=_brief)

    serve = commands.add_parser("serve", help="run the HTTP service under gunicorn")
    serve.set_defaults(run=_serve)

    models = commands.add_parser("models", help="the model registry and its weights")
    model_commands = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    fetch = model_commands.add_parser(
        "fetch", help="download the registry's checkpoints into a local folder (needs the hub)"
    )
    fetch.add_argument(
        "--dest", type=Path, default=None, help="target folder (default: <models_dir>/weights)"
    )
    fetch.add_argument(
        "--language",
        action="append",
        default=None,
        help="only the checkpoint serving this language (repeatable)",
    )
    fetch.set_defaults(run=_models_fetch)
    listing = model_commands.add_parser("list", help="show the registry and what is local")
    listing.set_defaults(run=_models_list)
    return parser


def collect_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES)
            if not found:
                raise UsageError(f"{path}: no .txt or .md files in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    return files


def document_id_for(path: Path) -> str:
    return _ID_UNSAFE.sub("-", path.stem).strip("-._:")[:128] or "document"


def read_documents(files: Sequence[Path], language: str | None) -> list[dict[str, Any]]:
    documents = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{path}: not valid UTF-8 text") from None
        document: dict[str, Any] = {"id": document_id_for(path), "text": text}
        if language:
            document["language"] = language
        documents.append(document)
    return documents


def _brief(args: argparse.Namespace) -> int:
    from service.errors import ServiceError
    from service.ingest import ingest
    from service.jobs.briefs import create_brief_job, job_to_dict
    from service.jobs.run import run_job
    from service.pipeline.engine import Pipeline
    from service.store import Store

    overrides: dict[str, Any] = {}
    if args.model:
        overrides.update(summariser="seq2seq", seq2seq_model=args.model)
    with tempfile.TemporaryDirectory(prefix="summary-") as tmp:
        overrides["database_url"] = args.database or f"sqlite:///{Path(tmp) / 'brief.sqlite3'}"
        settings = Settings.from_env(overrides)
        documents = read_documents(collect_files(args.paths), args.language)
        store = Store(settings.database_url)
        store.create_all()
        pipeline = Pipeline(settings)
        try:
            pipeline.load()
            ingest(store, settings, {"documents": documents}, replace=True)
            job = create_brief_job(
                store,
                [d["id"] for d in documents],
                None,
                args.max_words or settings.default_max_words,
            )
            finished = run_job(store, pipeline, job.id)
        except ServiceError as exc:
            raise UsageError(str(exc)) from None
        finally:
            store.dispose()
    result = job_to_dict(finished) if finished else None
    if result is None or result["status"] != "done":
        reason = (result or {}).get("error") or {"reason": "the job was not run"}
        print(f"error: the brief failed: {reason['reason']}", file=sys.stderr)
        return EXIT_FAILED
    print(_render(result, args.format))
    return EXIT_OK


def _render(result: dict[str, Any], form: str) -> str:
    brief = result["brief"]
    if form == "json":
        return json.dumps(result, ensure_ascii=False, indent=2)
    if form == "md":
        return str(brief["markdown"])
    lines = [str(brief["text"]), ""]
    models = ", ".join(f"{m['kind']} {m['name']}" for m in brief["models"])
    lines.append(f"({brief['words']} words from {len(brief['documents'])} documents; {models})")
    lines.extend(brief["notes"])
    return "\n".join(lines)


def _serve(args: argparse.Namespace) -> int:
    config = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"
    os.execvp(
        sys.executable, [sys.executable, "-m", "gunicorn", "-c", str(config), "service.wsgi:app"]
    )
    return EXIT_OK  # not reached


def _models_fetch(args: argparse.Namespace) -> int:
    from service.pipeline.summarisers.registry import (
        fetch_weights,
        load_registry,
        weights_dir_in,
    )

    settings = Settings.from_env()
    root = args.dest or Path(settings.models_dir) / "weights"
    for entry in load_registry(Path(settings.models_dir)):
        if args.language and not set(args.language) & set(entry.languages):
            continue
        print(f"fetching {entry.name}@{entry.revision} (licence {entry.licence})", file=sys.stderr)
        path = fetch_weights(entry, weights_dir_in(root, entry))
        print(f"{entry.name}@{entry.revision} -> {path}")
    return EXIT_OK


def _models_list(args: argparse.Namespace) -> int:
    from service.pipeline.summarisers.registry import (
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
