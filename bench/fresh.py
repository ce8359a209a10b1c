"""`python -m bench fresh [--json]`: a brief of documents the service has never seen.

What a user waits for from "here are my articles" to "here is the brief", measured through the
same code as the API and the `summarise brief` command: `ingest` (validation, language detection,
storage), `create_brief_job`, then `run_job` on a SQLite store (summarise every document, merge),
with the service's own `Pipeline` in its default mode (extractive on all-MiniLM-L6-v2). The
documents are MultiLing English news; beyond its 100 articles each one is repeated under a new ID
with its whitespace perturbed (so its text, its SHA-256 and its summary key are new: no cache
hit). One process, one pipeline: models (and langdetect's profiles) load once (`startup`) and serve
every size.

Each stage's seconds are taken by timing the functions the job calls (their own time: the model's
calls inside a stage count as `embedding`, not as that stage):
startup, language, ingest (the rest of it), cleaning, splitting, chunking, concepts, embedding (the
model, inside summaries and the merge), selection (the extractive choice, less its embedding),
merge (less its embedding) and job (the store, progress, everything else of `run_job`).

`pure_model_seconds`: the same process then embeds every sentence the briefs' summaries embedded,
in one call per size: the model's time with nothing around it. `rest_ratio` is the time that is
not the model (end to end less `embedding`) over `pure_model_seconds`.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.speed_model import news_files
from service.brief_request import BriefRequest

SIZES = (100, 1_000)
MAX_WORDS = 250
STAGES = (
    "language",
    "ingest",
    "cleaning",
    "splitting",
    "chunking",
    "concepts",
    "embedding",
    "selection",
    "merge",
    "job",
)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench fresh")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument(
        "--runtime",
        choices=("onnx", "torch"),
        default=None,
        help="embedding runtime (default: the service's, SUMMARY_EMBEDDING_RUNTIME or onnx)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    report = run(args.sizes, args.runtime)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


class Stopwatch:
    """Own time per stage: a timed call inside another is taken out of the outer one's time."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.within: dict[str, float] = defaultdict(float)  # "inner<outer": inner's seconds
        self._inner: list[float] = []
        self._names: list[str] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self._inner.append(0.0)
        self._names.append(name)
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            inner = self._inner.pop()
            self._names.pop()
            self.seconds[name] += elapsed - inner
            self.calls[name] += 1
            if self._inner:
                self._inner[-1] += elapsed
                self.within[f"{name}<{self._names[-1]}"] += elapsed

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.stage(name):
                return function(*args, **kwargs)

        return timed

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()
        self.within.clear()


def documents(size: int) -> list[dict[str, Any]]:
    """`size` request documents: the MultiLing English articles, then copies under new IDs with
    one more space after their first full stop per copy (a new text, the same sentences)."""
    texts = [path.read_text(encoding="utf-8") for path in news_files()]
    made = []
    for at in range(size):
        copy, text = divmod(at, len(texts))
        body = texts[text]
        if copy:
            stop = max(body.find(". "), 0)
            body = body[: stop + 1] + " " * copy + body[stop + 1 :]
        made.append({"id": f"fresh-{size}-{at:05d}", "text": body})
    return made


def run(sizes: list[int], runtime: str | None) -> dict[str, Any]:
    if runtime:
        os.environ["SUMMARY_EMBEDDING_RUNTIME"] = runtime
    watch = Stopwatch()
    started = time.perf_counter()
    pipeline, store_class = _instrumented_pipeline(watch)
    startup = time.perf_counter() - started
    rows = [_brief(size, pipeline, store_class, watch) for size in sizes]
    return {
        "cores": len(os.sched_getaffinity(0)),
        "load_average": round(os.getloadavg()[0], 2),
        "embedding_runtime": pipeline.embedder.runtime,
        "startup_seconds": round(startup, 2),
        "sizes": rows,
    }


def _instrumented_pipeline(watch: Stopwatch) -> tuple[Any, Any]:
    """The service's pipeline, loaded, with the functions of each stage timed where they are
    looked up (the runner's and ingest's module names, the summariser's and merge's methods)."""
    import service.ingest.documents
    import service.pipeline.runner as runner
    from service.config import Settings
    from service.pipeline.summarisers.extractive import ExtractiveSummariser
    from service.pipeline.types import Document
    from service.store import Store

    service.ingest.documents.detect_language = watch.wrap(
        "language", service.ingest.documents.detect_language
    )
    for name, stage in (
        ("clean_document", "cleaning"),
        ("split_sentences", "splitting"),
        ("chunk_sentences", "chunking"),
        ("document_concepts", "concepts"),
    ):
        setattr(runner, name, watch.wrap(stage, getattr(runner, name)))
    # summarise() of one document is summarise_many() of one: timing the latter times both.
    ExtractiveSummariser.summarise_many = watch.wrap(  # type: ignore[method-assign]
        "selection", ExtractiveSummariser.summarise_many
    )
    runner.Pipeline.merge = watch.wrap("merge", runner.Pipeline.merge)  # type: ignore[method-assign]
    pipeline = runner.Pipeline(Settings.from_env())
    pipeline.load()
    # langdetect reads its language profiles on first use: once per process, as the models load.
    service.ingest.documents.detect_language("Warm the language profiles up once per process.")
    # So do the sentence rules, the stemmer and the stop words: once per process and language.
    warm = Document("warm-up", "Warm the sentence rules up. The stemmer and stop words too.", "en")
    # Through the runner's names, which are the watched ones (mypy: not re-exported by it).
    sentences = runner.split_sentences(pipeline.clean(warm))  # type: ignore[attr-defined]
    runner.document_concepts([s.text for s in sentences], warm.language)  # type: ignore[attr-defined]
    # dateparser compiles its locales' patterns on first use: once per process and language.
    service.ingest.documents.date_document("Warm-up\n\nLe samedi 8 janvier 2005", "en")
    embedder = pipeline.embedder
    embedder.encode = watch.wrap("embedding", embedder.encode)  # type: ignore[method-assign]
    return pipeline, Store


def _brief(size: int, pipeline: Any, store_class: Any, watch: Stopwatch) -> dict[str, Any]:
    from service.config import Settings
    from service.ingest.documents import ingest
    from service.jobs.briefs import create_brief_job
    from service.jobs.run import run_job

    settings = Settings.from_env()
    requests = documents(size)
    watch.reset()
    texts: list[str] = []
    encode = pipeline.embedder.encode

    def recording(batch: list[str]) -> Any:
        texts.extend(batch)
        return encode(batch)

    pipeline.embedder.encode = recording
    with tempfile.TemporaryDirectory(prefix="bench-fresh-") as tmp:
        store = store_class(f"sqlite:///{Path(tmp) / 'fresh.sqlite3'}")
        store.create_all()
        started = time.perf_counter()
        with watch.stage("ingest"):
            for first in range(0, size, settings.max_batch_documents):
                batch = requests[first : first + settings.max_batch_documents]
                ingest(store, settings, {"documents": batch})
        with watch.stage("job"):
            job = create_brief_job(
                store,
                BriefRequest.parse(
                    {
                        "document_ids": [d["id"] for d in requests],
                        "language": None,
                        "max_words": MAX_WORDS,
                    }
                ),
            )
            finished = run_job(store, pipeline, job.id)
        total = time.perf_counter() - started
        store.dispose()
    pipeline.embedder.encode = encode
    stages = {name: round(watch.seconds.get(name, 0.0), 2) for name in STAGES}
    embedded = len(texts)
    calls = watch.calls.get("embedding", 0)
    embedding_in = {
        key.split("<")[1]: round(value, 2)
        for key, value in watch.within.items()
        if key.startswith("embedding<")
    }
    watch.reset()
    started = time.perf_counter()
    pipeline.embedder.encode(texts)
    pure = time.perf_counter() - started
    rest = total - stages["embedding"]
    result = (finished.result or {}) if finished else {}
    return {
        "documents": size,
        "status": finished.status if finished else "not run",
        "brief_words": result.get("words"),
        "seconds": round(total, 2),
        "stages": stages,
        "sentences_embedded": embedded,
        "embedding_calls": calls,
        "embedding_within": embedding_in,
        "pure_model_seconds": round(pure, 2),
        "rest_seconds": round(rest, 2),
        "rest_ratio": round(rest / pure, 2) if pure else None,
    }


def render(report: dict[str, Any]) -> str:
    lines = [
        f"fresh briefs, embedding on {report['embedding_runtime']}, {report['cores']} cores "
        f"(load average {report['load_average']}); startup {report['startup_seconds']} s",
        f"{'docs':>6}{'total s':>9}{'model s':>9}{'rest s':>8}{'rest/model':>11}  stages (s)",
    ]
    for row in report["sizes"]:
        stages = ", ".join(f"{name} {value}" for name, value in row["stages"].items())
        lines.append(
            f"{row['documents']:>6}{row['seconds']:>9}{row['pure_model_seconds']:>9}"
            f"{row['rest_seconds']:>8}{row['rest_ratio']:>11}  {stages}"
        )
    return "\n".join(lines)
