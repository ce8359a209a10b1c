"""`python -m bench ingest [--json]`: documents per second into a real gunicorn.

Starts the service under gunicorn on loopback (`gunicorn.conf.py`, `WEB_CONCURRENCY` workers,
a fresh SQLite store, language detection on: no document declares its language), then sends the
benchmark's news articles (7 languages), each under a new ID, from `--clients` client threads:

- `single`: one document per `POST /v1/documents` (the baseline);
- `batch`: `--batch` documents per request, the batch endpoint.

Prints documents per second of each and the ratio.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from bench._server import REPO, GunicornServer

DATA = REPO.parent / "shared" / "data" / "multiling2011"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ingest")
    parser.add_argument("--documents", type=int, default=3000, help="documents per run")
    parser.add_argument("--batch", type=int, default=100, help="documents per batch request")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    report = run(args.documents, args.batch, args.clients, args.workers)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


def articles() -> list[str]:
    files = sorted(DATA.glob("*/M*/docs/*"))
    if not files:
        raise SystemExit(f"no benchmark data under {DATA}")
    return [path.read_text(encoding="utf-8") for path in files]


def run(documents: int, batch: int, clients: int, workers: int) -> dict[str, Any]:
    texts = articles()
    numbers = itertools.count()

    def payloads(count: int, size: int) -> list[dict[str, Any]]:
        bodies = []
        for first in range(0, count, size):
            docs = [
                {"id": f"bench-{next(numbers)}", "text": texts[at % len(texts)]}
                for at in range(first, min(first + size, count))
            ]
            bodies.append(docs[0] if size == 1 else {"documents": docs})
        return bodies

    with _gunicorn(workers) as base:
        single_count = max(documents // 5, 100)  # the baseline is slower: fewer documents
        _send(base, payloads(50, 10), clients)  # warm up every worker
        single = _send(base, payloads(single_count, 1), clients)
        batched = _send(base, payloads(documents, batch), clients)
    single_rate = single_count / single
    batch_rate = documents / batched
    return {
        "workers": workers,
        "clients": clients,
        "cores": len(os.sched_getaffinity(0)),
        "languages": len({p.parent.parent.parent.name for p in DATA.glob("*/M*/docs/*")}),
        "mean_chars": round(sum(map(len, texts)) / len(texts)),
        "single": {
            "documents": single_count,
            "seconds": round(single, 2),
            "docs_per_s": round(single_rate, 1),
        },
        "batch": {
            "documents": documents,
            "batch": batch,
            "seconds": round(batched, 2),
            "docs_per_s": round(batch_rate, 1),
            "ratio": round(batch_rate / single_rate, 2),
        },
    }


def _send(base: str, bodies: list[dict[str, Any]], clients: int) -> float:
    session_per_thread: dict[int, requests.Session] = {}

    def post(body: dict[str, Any]) -> None:
        import threading

        session = session_per_thread.setdefault(threading.get_ident(), requests.Session())
        response = session.post(f"{base}/v1/documents", json=body, timeout=120)
        if response.status_code not in (200, 201):
            raise SystemExit(f"ingest failed: {response.status_code} {response.text[:300]}")

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(post, bodies))
    return time.perf_counter() - started


@contextmanager
def _gunicorn(workers: int) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        env = {"SUMMARY_LOG_LEVEL": "WARNING"}
        with GunicornServer(Path(tmp), workers=workers, env=env) as server:
            yield server.url


def render(report: dict[str, Any]) -> str:
    single, batch = report["single"], report["batch"]
    return "\n".join(
        [
            f"ingest into gunicorn ({report['workers']} workers, {report['cores']} cores, "
            f"{report['clients']} clients), language detection on, news in "
            f"{report['languages']} languages (mean {report['mean_chars']} chars)",
            f"single documents: {single['documents']} in {single['seconds']} s = "
            f"{single['docs_per_s']} docs/s (baseline)",
            f"batches of {batch['batch']}: {batch['documents']} in {batch['seconds']} s = "
            f"{batch['docs_per_s']} docs/s ({batch['ratio']}x)",
        ]
    )
