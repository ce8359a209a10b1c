"""`summarise brief`: a brief of files, printed.

It runs the service's own path without HTTP: the files are ingested into a store, a brief job is
queued and run by the same task code the workers run, and the JSON printed by `--format json` is
the job exactly as `GET /v1/briefs/<id>` returns it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from service.brief_request import (
    DEFAULT_MAX_WORDS,
    DEFAULT_STORY_MODE,
    MAX_MAX_WORDS,
    MIN_MAX_WORDS,
    STORY_MODES,
    BriefRequest,
)
from service.cli.base import UsageError, fail
from service.config import Settings
from service.exit_codes import EXIT_CODES, EXIT_FAILED, EXIT_OK
from service.pipeline.render import brief_report

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
FEED_SUFFIXES = {".xml", ".rss", ".atom"}  # as service.ingest.readers.feed (not imported: fast)
JSONL_SUFFIXES = {".jsonl", ".ndjson"}  # one document a line, as POST /v1/documents takes it
PROGRESS_AFTER = 3  # documents; a progress bar only for more
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]+")
_DOCUMENT_FIELD = re.compile(r"^documents\[(\d+)\]")

ProgressCallback = Callable[[int, int, str], None]


def add_parser(commands: Any) -> None:
    brief = commands.add_parser(
        "brief",
        help="print a brief of text, Markdown or HTML files and folders",
        description="Summarise files into one brief whose sentences cite the files they rest on. "
        "A folder stands for its .txt, .md, .html, .jsonl and .xml/.rss/.atom files (recursively, "
        "hidden ones left out); an HTML file is read as an article page (its article text, title, "
        "date, author and site, without the page's furniture); a feed is a document per entry. "
        "Each file is a document whose ID is its name without the suffix, except a .jsonl (JSON "
        "Lines) file: one document a line, in the API's document shape (id, text, title, url, "
        "published, language), so that a desk's export with dates and titles is briefed as it "
        "is. The brief goes to stdout; progress (more than 3 files, on a terminal) and errors go "
        "to stderr.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    brief.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="a file or a folder of files"
    )
    brief.add_argument(
        "--format",
        "-f",
        choices=["text", "md", "json"],
        default="text",
        help="text: the brief with [document-id] markers (default); md: Markdown with "
        "footnote citations; json: the job as GET /v1/briefs/<id> returns it",
    )
    brief.add_argument(
        "--max-words",
        "-w",
        type=_max_words,
        default=None,
        metavar="N",
        help=f"length of the brief, {MIN_MAX_WORDS} to {MAX_MAX_WORDS} words "
        f"(default: SUMMARY_DEFAULT_MAX_WORDS, {DEFAULT_MAX_WORDS})",
    )
    brief.add_argument(
        "--stories",
        choices=STORY_MODES,
        default=DEFAULT_STORY_MODE,
        help="auto: a section per story found among the files; one: the files as one story, a "
        f"single brief (default: {DEFAULT_STORY_MODE})",
    )
    brief.add_argument(
        "--model",
        default=None,
        metavar="NAME_OR_PATH",
        help="summarise with this seq2seq checkpoint (hub name or local folder); without it, the "
        "registry's model for each language where its weights are local, else extractive",
    )
    brief.add_argument(
        "--language",
        default=None,
        metavar="CODE",
        help="the language of every file (e.g. en, fr) instead of detecting each one's",
    )
    brief.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="store URL that keeps documents and summaries between runs, so that an unchanged "
        "file is not summarised again (default: a temporary store)",
    )
    brief.set_defaults(run=_brief)


def _max_words(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not MIN_MAX_WORDS <= number <= MAX_MAX_WORDS:
        raise argparse.ArgumentTypeError(f"{number} is not from {MIN_MAX_WORDS} to {MAX_MAX_WORDS}")
    return number


def collect_files(paths: Sequence[Path]) -> list[Path]:
    """The files named, and those in the folders named, each once, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower()
                in TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | FEED_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                raise UsageError(
                    f"{path}: no .txt, .md, .html, .jsonl or feed files in this folder"
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    unique = {file.resolve(): file for file in reversed(files)}  # the first mention wins
    return sorted(unique.values(), key=files.index)


def document_id_for(path: Path) -> str:
    return _ID_UNSAFE.sub("-", path.stem).strip("-._:")[:128] or "document"


def read_documents(
    files: Sequence[Path], language: str | None, where: list[str] | None = None
) -> list[dict[str, Any]]:
    """One document per file (per line of a JSON Lines file), as POST /v1/documents takes it;
    an HTML file as `html` (the service reads its article and metadata), a feed a document per
    entry; UsageError names a bad file. `where` gets, per document, the file (and line) it came
    from."""
    from service.ingest.readers.feed import FeedError, read_feed

    documents: list[dict[str, Any]] = []
    owners: dict[str, str] = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise UsageError(f"{path}: not UTF-8 text") from None
        except OSError as exc:
            raise UsageError(f"{path}: cannot be read ({exc.strerror})") from None
        if path.suffix.lower() in JSONL_SUFFIXES:
            for line, row in _json_lines(path, text):
                _add(documents, owners, where, row, f"{path}:{line}", language)
            continue
        if path.suffix.lower() in FEED_SUFFIXES:
            try:
                entries = read_feed(text)
            except FeedError as exc:
                raise UsageError(f"{path}: {exc}") from None
            for entry in entries:
                if entry["id"] not in owners:  # the same entry in two feeds: stored once
                    _add(documents, owners, where, entry, str(path), language)
            continue
        document: dict[str, Any] = {"id": document_id_for(path)}
        if path.suffix.lower() in HTML_SUFFIXES:
            document["html"] = text
        else:
            document["text"] = text
        if not text.strip():
            raise UsageError(f"{path}: there is no text in it")
        _add(documents, owners, where, document, str(path), language)
    return documents


def _json_lines(path: Path, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The documents of a JSON Lines file with their line numbers; blank lines are skipped. A
    line without an `id` is named by the file and line (the API would name it by its text)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(document, dict):
            raise UsageError(f"{path}:{number}: a line must be a JSON object (a document)")
        if document.get("id") is None:
            document["id"] = f"{document_id_for(path)}-{number}"
        yield number, document


def _add(
    documents: list[dict[str, Any]],
    owners: dict[str, str],
    where: list[str] | None,
    document: dict[str, Any],
    origin: str,
    language: str | None,
) -> None:
    if language:
        document["language"] = language
    key = str(document.get("id"))
    if key in owners:
        raise UsageError(f"{owners[key]} and {origin} would both be document {key!r}; rename one")
    owners[key] = origin
    documents.append(document)
    if where is not None:
        where.append(origin)


def _brief(args: argparse.Namespace) -> int:
    files = collect_files(args.paths)
    origins: list[str] = []
    documents = read_documents(files, args.language, origins)
    overrides: dict[str, Any] = {}
    if args.model:
        overrides.update(summariser="seq2seq", seq2seq_model=args.model)
    with tempfile.TemporaryDirectory(prefix="summary-") as tmp:
        overrides["database_url"] = args.database or f"sqlite:///{Path(tmp) / 'brief.sqlite3'}"
        settings = Settings.from_env(overrides)
        request = {"document_ids": [d["id"] for d in documents], "stories": args.stories}
        if args.max_words is not None:
            request["max_words"] = args.max_words
        result = _run_brief(settings, documents, origins, request)
    if result["status"] != "done":
        reason = (result.get("error") or {}).get("reason") or "the job was not run"
        return fail(f"the brief failed: {reason}", EXIT_FAILED)
    print(render(result, args.format))
    return EXIT_OK


def _run_brief(
    settings: Settings,
    documents: list[dict[str, Any]],
    files: Sequence[str | Path],
    request: dict[str, Any],
) -> dict[str, Any]:
    """Ingest, queue and run the brief job as a worker would; the job as the API shows it."""
    from service.errors import ServiceError
    from service.ingest.documents import ingest
    from service.jobs.briefs import create_brief_job, job_to_dict, wait_for_job
    from service.jobs.run import run_job
    from service.store import Store

    store = Store(settings.database_url)
    try:
        store.create_all()
        try:  # the input is checked before any model loads: a bad file fails at once
            ingest(store, settings, {"documents": documents}, replace=True)
            job = create_brief_job(
                store,
                BriefRequest.parse(request),
                default_max_words=settings.default_max_words,
            )
        except ServiceError as exc:
            raise UsageError(_naming_the_file(exc, files)) from None
        from service.pipeline.runner import Pipeline  # imports torch: only now

        pipeline = Pipeline(settings)
        pipeline.load()
        with progress_bar(len(documents)) as on_progress:
            finished = run_job(store, pipeline, job.id, on_progress=on_progress)
        # None: a worker of a service sharing --database took the job first; wait for it there.
        while finished is None or not finished.finished:
            finished = wait_for_job(store, job.id, 60)
            if finished is None:
                return {"status": "failed", "error": {"reason": "the job was deleted"}}
    finally:
        store.dispose()
    return job_to_dict(finished)


def _naming_the_file(exc: Any, files: Sequence[str | Path]) -> str:
    """`documents[3].text: ...` as `corpus/d.txt: ...`: the file, not the request, is the input;
    a line of a JSON Lines file keeps the field it names (`export.jsonl:4: published: ...`)."""
    field = getattr(exc, "field", None) or ""
    found = _DOCUMENT_FIELD.match(field)
    if found is None or int(found.group(1)) >= len(files):
        return str(exc)
    message = str(exc).removeprefix(f"{field}: ")
    origin = str(files[int(found.group(1))])
    inner = field[found.end() :].lstrip(".")
    if inner and Path(origin.rsplit(":", 1)[0]).suffix.lower() in JSONL_SUFFIXES:
        return f"{origin}: {inner}: {message}"
    return f"{origin}: {message}"


@contextmanager
def progress_bar(total: int, delay: float = 0.5) -> Iterator[ProgressCallback | None]:
    """A bar on stderr for more than `PROGRESS_AFTER` documents, when stderr is a terminal,
    shown after `delay` seconds; it is cleared when done, so that the terminal keeps the brief."""
    if total <= PROGRESS_AFTER or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(
        total=total, unit="doc", desc="summarising", file=sys.stderr, leave=False, delay=delay
    ) as bar:

        def update(done: int, total: int, stage: str) -> None:
            bar.total = total
            bar.update(done - bar.n)  # redrawn at most ten times a second
            if stage != bar.desc:
                bar.set_description_str(stage)  # redrawn at once

        yield update


def render(result: dict[str, Any], form: str) -> str:
    """The finished job in the `--format` asked for."""
    brief = result["brief"]
    if form == "json":
        return json.dumps(result, ensure_ascii=False, indent=2)
    if form == "md":
        return str(brief["markdown"]).rstrip("\n")
    return brief_report(brief)
