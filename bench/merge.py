"""`python -m bench merge [--json] [--distinct]`: how a brief over cached summaries grows.

For 1,000, 5,000 and 10,000 documents (a synthetic corpus sampled from the benchmark's news, see
`merge_corpus`; with `--distinct`, its corpus of distinct sentences whose stories are known), each
size in a fresh process so that its peak memory is its own:

- `merge`: the pipeline's merge alone (`merge_summaries` with the real sentence embeddings);
  each summary carries its sentences' vectors, as the pipeline caches them when it summarises a
  document (`embedding_seconds`: what making them took, once);
- `job`: a whole brief job through `run_job` on a SQLite store whose summaries are all cached
  (reading documents and summaries, the brief key, the outcomes, the merge, storing the brief);
- peak resident memory of the process.

The baseline is the smallest size: ratios show the growth against the growth in documents.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from service.brief_request import BriefRequest

SIZES = (1_000, 5_000, 10_000)
MAX_WORDS = 250


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench merge")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument(
        "--distinct", action="store_true", help="the corpus of distinct sentences (merge_corpus)"
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a single size, in-process
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.distinct)))
        return 0
    rows = [_in_fresh_process(size, args.distinct) for size in args.sizes]
    base = rows[0]
    for row in rows:
        row["documents_ratio"] = round(row["documents"] / base["documents"], 1)
        row["merge_ratio"] = round(row["merge_seconds"] / base["merge_seconds"], 1)
        row["job_ratio"] = round(row["job_seconds"] / base["job_seconds"], 1)
    print(json.dumps(rows, indent=2) if args.json else render(rows))
    return 0


def _in_fresh_process(size: int, distinct: bool = False) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench", "merge", "--one", str(size)]
    command += ["--distinct"] if distinct else []
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"merge benchmark for {size} documents failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(size: int, distinct: bool = False) -> dict[str, Any]:
    from bench.merge_corpus import make_corpus
    from bench.merge_store import BenchPipeline

    documents, summaries = make_corpus(size, distinct=distinct)
    pipeline = BenchPipeline()
    embedder = pipeline.embedder
    embedder.load()
    embedding_started = time.perf_counter()
    summaries = with_vectors(summaries, embedder)
    embedding_seconds = time.perf_counter() - embedding_started
    started = time.perf_counter()
    brief = pipeline.merge(documents, summaries, BriefRequest(max_words=MAX_WORDS, stories="auto"))
    merge_seconds = time.perf_counter() - started
    job_seconds, status = _job(documents, summaries, pipeline)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "documents": size,
        "summary_sentences": sum(len(s.sentences) for s in summaries),
        # Sampled from a finite news set, many sentences recur: a real corpus repeats fewer.
        "distinct_sentences": len({x.text for s in summaries for x in s.sentences}),
        # What summarising paid once, not the merge: each distinct sentence embedded.
        "embedding_seconds": round(embedding_seconds, 2),
        "merge_seconds": round(merge_seconds, 2),
        "job_seconds": round(job_seconds, 2),
        "job_status": status,
        "brief_words": brief.words,
        "peak_rss_mib": round(peak_kib / 1024),
    }


def with_vectors(summaries: list[Any], embedder: Any) -> list[Any]:
    """The summaries with their sentence vectors, as the pipeline caches them when it makes a
    summary (each distinct sentence of the synthetic corpus embedded once)."""
    from dataclasses import replace

    from service.pipeline.types import SentenceVectors

    texts = list(dict.fromkeys(s.text for summary in summaries for s in summary.sentences))
    rows = dict(zip(texts, embedder.encode(texts), strict=True))
    return [
        replace(
            summary,
            vectors=SentenceVectors.of(
                embedder.identity, np.stack([rows[s.text] for s in summary.sentences])
            ),
        )
        for summary in summaries
    ]


def _job(documents: list[Any], summaries: list[Any], pipeline: Any) -> tuple[float, str]:
    from bench.merge_store import fill_store
    from service.jobs import create_brief_job, run_job
    from service.store import Store

    with tempfile.TemporaryDirectory(prefix="bench-merge-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'merge.sqlite3'}")
        store.create_all()
        fill_store(store, documents, summaries)
        job = create_brief_job(
            store,
            BriefRequest.parse(
                {
                    "document_ids": [d.id for d in documents],
                    "language": None,
                    "max_words": MAX_WORDS,
                }
            ),
        )
        started = time.perf_counter()
        finished = run_job(store, pipeline, job.id)
        seconds = time.perf_counter() - started
        store.dispose()
    return seconds, finished.status if finished else "not run"


def render(rows: list[dict[str, Any]]) -> str:
    lines = [
        "merge over cached summaries (3 sentences per document, max_words 250); baseline: "
        f"{rows[0]['documents']} documents",
        f"{'documents':>10}{'x docs':>8}{'merge s':>9}{'x':>6}{'job s':>8}{'x':>6}{'peak MiB':>10}",
    ]
    for row in rows:
        lines.append(
            f"{row['documents']:>10}{row['documents_ratio']:>8}{row['merge_seconds']:>9.2f}"
            f"{row['merge_ratio']:>6}{row['job_seconds']:>8.2f}{row['job_ratio']:>6}"
            f"{row['peak_rss_mib']:>10}"
        )
    return "\n".join(lines)
