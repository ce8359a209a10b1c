"""`python -m bench scaleout [--json]`: the map step of a fresh brief on one Celery worker
process against two.

For each worker count (`--workers`, default 1 and 2, in the same run): a PostgreSQL database of
its own (`summary_bench_<random>` on 127.0.0.1:5432, dropped at the end), a Celery queue of its
own on the Redis at 127.0.0.1:6379, and that many Celery worker processes (`--concurrency 1`
each, `SUMMARY_JOB_BACKEND=celery`, `SUMMARY_CELERY_MAP_BATCH=--batch`, `SUMMARY_TORCH_THREADS`
`--threads`, by default cores / workers as the README advises), each its own process group,
killed at the end. A warm-up brief of other fresh documents (two map batches per worker) loads
every worker's models first; then `--documents` fresh documents (those of the `fresh` benchmark:
MultiLing English news, copies under new IDs with their whitespace perturbed, so no cache hit)
are ingested and a brief of them is sent to the workers as the API's dispatcher sends it
(`briefs.start`).

The benchmark polls the job's row in the store: `map` is from the job's start (its status
running) to its last document summarised (`progress_done == progress_total`: the last map batch
done), `merge` from then to the brief stored. It prints each count's seconds and the map's
speed-up over the first count.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench._server import kill_group, start_celery_worker
from bench.chaos import Postgres
from bench.fresh import MAX_WORDS, documents
from service.brief_request import BriefRequest

POLL_SECONDS = 0.05
REDIS = "redis://127.0.0.1:6379/0"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench scaleout")
    parser.add_argument("--documents", type=int, default=1_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, default=25, help="SUMMARY_CELERY_MAP_BATCH")
    parser.add_argument(
        "--threads", type=int, default=0, help="model threads per worker (default: cores / workers)"
    )
    parser.add_argument("--timeout", type=float, default=1_800, help="seconds per brief")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    rows = [
        measure(count, args.documents, args.batch, args.threads, args.timeout)
        for count in args.workers
    ]
    first = rows[0]["map_seconds"]
    for row in rows:
        row["map_speedup"] = round(first / row["map_seconds"], 2) if row["map_seconds"] else None
    report = {
        "cores": len(os.sched_getaffinity(0)),
        "load_average": round(os.getloadavg()[0], 2),
        "documents": args.documents,
        "batch": args.batch,
        "runs": rows,
    }
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


@contextmanager
def workers(count: int, env: dict[str, str], workdir: Path) -> Iterator[None]:
    """`count` Celery worker processes, one pool process each, killed with their groups."""
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for number in range(count):
            processes.append(
                start_celery_worker(
                    env["SUMMARY_CELERY_QUEUE"],
                    f"scaleout{number}",
                    {**os.environ, **env},
                    workdir / f"celery-{number}.log",
                )
            )
        yield
    finally:
        for process in processes:
            kill_group(process)


def brief(
    store: Any, settings: Any, requests: list[dict[str, Any]], timeout: float
) -> dict[str, Any]:
    """Ingest `requests`, send their brief to the workers and time its map and merge."""
    from service.ingest.documents import ingest
    from service.jobs.briefs import create_brief_job
    from service.jobs.celery_app import START, make_celery

    for first in range(0, len(requests), settings.max_batch_documents):
        ingest(
            store, settings, {"documents": requests[first : first + settings.max_batch_documents]}
        )
    job = create_brief_job(
        store,
        BriefRequest.parse(
            {"document_ids": [d["id"] for d in requests], "language": None, "max_words": MAX_WORDS}
        ),
    )
    celery = make_celery(settings)
    sent = time.perf_counter()
    celery.send_task(START, args=[job.id], queue=settings.celery_queue)
    started = mapped = None
    deadline = sent + timeout
    while time.perf_counter() < deadline:
        record = store.get_job(job.id)
        now = time.perf_counter()
        if record is not None:
            if started is None and (record.started_at is not None or record.finished):
                started = now
            if (
                mapped is None
                and record.progress_total
                and (record.progress_done >= record.progress_total)
            ):
                mapped = now
            if record.finished:
                assert started is not None and mapped is not None
                return {
                    "status": record.status,
                    "error": record.error,
                    "brief_words": (record.result or {}).get("words"),
                    "queued_seconds": round(started - sent, 2),
                    "map_seconds": round(mapped - started, 2),
                    "merge_seconds": round(now - mapped, 2),
                    "job_seconds": round(now - started, 2),
                }
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"brief {job.id} not done in {timeout} s")


def measure(count: int, size: int, batch: int, threads: int, timeout: float) -> dict[str, Any]:
    """One worker count: its own database, queue and workers; a warm-up brief, then the brief."""
    from service.config import Settings
    from service.store import Store

    threads = threads or max(len(os.sched_getaffinity(0)) // count, 1)  # the README's: cores / N
    warm = 2 * count * batch
    made = documents(size + warm)  # the warm-up's copies are perturbed differently: no cache hit
    with (
        tempfile.TemporaryDirectory(prefix="bench-scaleout-") as tmp,
        Postgres(shared=True, prefix="summary_bench") as postgres,
    ):
        url = postgres.url
        env = {
            "SUMMARY_DATABASE_URL": url,
            "SUMMARY_JOB_BACKEND": "celery",
            "SUMMARY_CELERY_BROKER_URL": REDIS,
            "SUMMARY_CELERY_QUEUE": f"briefs-scaleout-{uuid.uuid4().hex[:8]}",
            "SUMMARY_CELERY_MAP_BATCH": str(batch),
            "SUMMARY_TORCH_THREADS": str(threads),
        }
        saved = {key: os.environ.get(key) for key in env}
        os.environ.update(env)
        try:
            settings = Settings.from_env()
            store = Store(url)
            store.create_all()
            with workers(count, env, Path(tmp)):
                warmup = brief(store, settings, made[size:], timeout)
                row = brief(store, settings, made[:size], timeout)
            store.dispose()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return {
        "workers": count,
        "threads": threads,
        "warmup_job_seconds": warmup["job_seconds"],
        **row,
    }


def render(report: dict[str, Any]) -> str:
    lines = [
        f"scale-out: a fresh brief of {report['documents']} documents, map batches of "
        f"{report['batch']}, {report['cores']} cores (load average {report['load_average']})",
        f"{'workers':>8}{'threads':>8}{'map s':>9}{'merge s':>9}{'job s':>9}"
        f"{'map speed-up':>14}  status",
    ]
    for row in report["runs"]:
        lines.append(
            f"{row['workers']:>8}{row['threads']:>8}{row['map_seconds']:>9}{row['merge_seconds']:>9}"
            f"{row['job_seconds']:>9}{row['map_speedup']:>13}x  {row['status']}"
        )
    return "\n".join(lines)
