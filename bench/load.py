"""`python -m bench load [--json]`: a real gunicorn under concurrent writes, briefs and
deletes; then nothing may be lost, duplicated, altered, or answered with a 5xx.

A gunicorn with `--workers` processes (4) serves a fresh SQLite database. `--clients` writer
threads (8), each with its own API key, send `--documents` documents (2,000) as single POSTs,
batches and PUTs, and re-send some (which must come back `unchanged`); meanwhile brief clients
queue briefs of documents already stored, deleters remove documents made to be deleted, and readers
page through the corpus. Afterwards the database is read directly:

- every accepted document is stored exactly once, with its exact text; every deleted one is gone;
- no request got a 5xx, and no answer mentions a database lock;
- every brief job ended (`done`, or `failed` only because a document was deleted after the request).

Printed: requests per second, latency percentiles per kind of request, and the counts checked.
Exit status 0 when every check passed. Needs the dev extras (`requests`).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench._server import GunicornServer
from service.keys import KeyStore
from service.store import Store

LOCK_WORDS = ("locked", "database is busy", "busy timeout")
WORDS = (
    "river",
    "council",
    "market",
    "storm",
    "village",
    "bridge",
    "harvest",
    "minister",
    "border",
    "festival",
    "railway",
    "hospital",
    "school",
    "factory",
    "election",
    "drought",
    "harbour",
    "museum",
    "airport",
    "forest",
    "mountain",
    "coast",
    "report",
    "budget",
    "protest",
    "treaty",
    "vaccine",
    "satellite",
    "reservoir",
    "earthquake",
    "tunnel",
    "ceasefire",
)
SCRIPTS = ("Zürich", "Ελλάδα", "Кыргызстан", "日本", "São Paulo", "Kraków", "Þórshöfn")
FINISHED = ("done", "failed")


@dataclass
class LoadConfig:
    workers: int = 4
    clients: int = 8
    documents: int = 2000
    briefers: int = 2
    deleters: int = 1
    readers: int = 1
    batch: int = 8
    threads: int = 4
    job_wait_seconds: float = 180.0


@dataclass
class Outcome:
    """What the clients saw and what the database holds afterwards."""

    seconds: float = 0.0
    requests: int = 0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    server_errors: list[str] = field(default_factory=list)
    lock_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    accepted: dict[str, str] = field(default_factory=dict)  # id -> text
    resent_unchanged: int = 0
    deleted: set[str] = field(default_factory=set)
    jobs: dict[str, str] = field(default_factory=dict)  # job id -> final status
    job_failures: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def ok(self) -> bool:
        return not (self.server_errors or self.lock_errors or self.unexpected or self.problems)


class Client:
    """One thread's HTTP session; every answer is timed, counted and screened."""

    def __init__(self, base: str, key: str, outcome: Outcome) -> None:
        self.base = base
        self.outcome = outcome
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"

    def call(self, kind: str, method: str, path: str, expected: tuple[int, ...], **kw: Any) -> Any:
        started = time.perf_counter()
        response = self.session.request(method, self.base + path, timeout=120, **kw)
        elapsed = time.perf_counter() - started
        text = response.text
        with self.outcome.lock:
            self.outcome.requests += 1
            self.outcome.latencies[kind].append(elapsed)
            self.outcome.statuses[response.status_code] += 1
            where = f"{method} {path} -> {response.status_code}: {text[:300]}"
            if response.status_code >= 500:
                self.outcome.server_errors.append(where)
            if any(word in text.lower() for word in LOCK_WORDS):
                self.outcome.lock_errors.append(where)
            if response.status_code not in expected and response.status_code < 500:
                self.outcome.unexpected.append(where)
        return response


def make_documents(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Distinct documents: some with IDs, some named by their text; some made to be deleted."""
    rng = random.Random(seed)
    documents = []
    for n in range(count):
        sentences = []
        for _ in range(rng.randint(3, 8)):
            words = rng.sample(WORDS, rng.randint(6, 12))
            words[1] = rng.choice(SCRIPTS)
            sentences.append(" ".join(words).capitalize() + ".")
        text = f"Dispatch {n} from {rng.choice(SCRIPTS)}. " + " ".join(sentences)
        document: dict[str, Any] = {"text": text}
        if n % 10 == 0:
            document["id"] = f"del-{n}"  # the deleters remove these
        elif n % 2 == 0:
            document["id"] = f"doc-{n}"
        documents.append(document)
    return documents


def _content_id(text: str) -> str:
    from service.ingest.documents import content_id

    return content_id(text)


def writer(client: Client, documents: list[dict[str, Any]], batch: int, rng: random.Random) -> None:
    position = 0
    while position < len(documents):
        size = rng.choice((1, 1, batch, batch, batch * 2))
        chunk = documents[position : position + size]
        position += size
        if len(chunk) == 1 and "id" in chunk[0] and rng.random() < 0.3:
            document = chunk[0]
            response = client.call(
                "put", "PUT", f"/v1/documents/{document['id']}", (200, 201), json=document
            )
        elif len(chunk) == 1:
            response = client.call("post", "POST", "/v1/documents", (200, 201), json=chunk[0])
        else:
            body = {"documents": chunk}
            response = client.call("batch", "POST", "/v1/documents", (200, 201), json=body)
        if response.status_code in (200, 201):
            _accept(client, chunk, response.json()["documents"])
            kept = [d for d in chunk if not d.get("id", "").startswith("del-")]
            if kept and rng.random() < 0.05:  # a client retrying: the same documents, stored once
                again = client.call(
                    "post", "POST", "/v1/documents", (200,), json={"documents": kept}
                )
                if again.status_code == 200:
                    unchanged = sum(d["status"] == "unchanged" for d in again.json()["documents"])
                    with client.outcome.lock:
                        client.outcome.resent_unchanged += unchanged


def _accept(client: Client, sent: list[dict[str, Any]], stored: list[dict[str, Any]]) -> None:
    with client.outcome.lock:
        for document, result in zip(sent, stored, strict=True):
            expected_id = document.get("id") or _content_id(document["text"])
            if result["id"] != expected_id:
                client.outcome.problems.append(f"{expected_id} stored as {result['id']}")
            client.outcome.accepted[result["id"]] = document["text"]


def briefer(client: Client, done: threading.Event, rng: random.Random) -> None:
    while not done.is_set():
        with client.outcome.lock:
            candidates = [i for i in client.outcome.accepted if i not in client.outcome.deleted]
        if len(candidates) < 3:
            time.sleep(0.2)
            continue
        ids = rng.sample(candidates[-200:], rng.randint(2, 5))
        body = {"document_ids": ids, "max_words": 80}
        response = client.call("brief", "POST", "/v1/briefs", (201, 202, 404, 409), json=body)
        if response.status_code in (201, 202):
            with client.outcome.lock:
                client.outcome.jobs[response.json()["id"]] = "queued"
        time.sleep(rng.uniform(0.2, 0.6))


def deleter(client: Client, done: threading.Event, rng: random.Random) -> None:
    """Delete every `del-*` document once it is stored, finishing after the writers do."""
    while True:
        with client.outcome.lock:
            ready = [i for i in client.outcome.accepted if i.startswith("del-")]
            pending = [i for i in ready if i not in client.outcome.deleted]
        if not pending:
            if done.is_set():
                return
            time.sleep(0.1)
            continue
        document_id = rng.choice(pending)
        # 404: another deleter was first.
        client.call("read", "GET", f"/v1/documents/{document_id}", (200, 404))
        response = client.call("delete", "DELETE", f"/v1/documents/{document_id}", (204, 404))
        if response.status_code == 204:
            with client.outcome.lock:
                client.outcome.deleted.add(document_id)


def reader(client: Client, done: threading.Event, rng: random.Random) -> None:
    while not done.is_set():
        cursor = None
        for _ in range(3):
            query = "?limit=100" + (f"&cursor={cursor}" if cursor else "")
            response = client.call("list", "GET", f"/v1/documents{query}", (200,))
            cursor = response.json().get("next_cursor") if response.status_code == 200 else None
            if cursor is None:
                break
        time.sleep(rng.uniform(0.05, 0.2))


def _keys(server: GunicornServer, count: int) -> list[str]:
    store = Store(f"sqlite:///{server.database}")
    store.create_all()
    keys = KeyStore(store)
    secrets = [keys.create(f"load-{n}").secret for n in range(count)]
    store.dispose()
    return secrets


def _threads(targets: list[Callable[[], None]]) -> list[threading.Thread]:
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    return threads


def run(config: LoadConfig, workdir: Path) -> Outcome:
    outcome = Outcome()
    env = {"SUMMARY_RATE_LIMIT": "", "SUMMARY_WORKER_POLL_SECONDS": "0.5"}
    server = GunicornServer(workdir, workers=config.workers, threads=config.threads, env=env)
    people = config.clients + config.briefers + config.deleters + config.readers + 1
    keys = iter(_keys(server, people))
    server.start()
    try:
        documents = make_documents(config.documents)
        clients = [Client(server.url, next(keys), outcome) for _ in range(people)]
        done = threading.Event()
        shares = [documents[n :: config.clients] for n in range(config.clients)]
        started = time.perf_counter()
        writers = _threads(
            [
                _bound(writer, clients[n], shares[n], config.batch, random.Random(n))
                for n in range(config.clients)
            ]
        )
        others = iter(clients[config.clients : -1])
        side = [
            _bound(briefer, next(others), done, random.Random(100 + n))
            for n in range(config.briefers)
        ]
        side += [
            _bound(deleter, next(others), done, random.Random(200 + n))
            for n in range(config.deleters)
        ]
        side += [
            _bound(reader, next(others), done, random.Random(300 + n))
            for n in range(config.readers)
        ]
        side_threads = _threads(side)
        for thread in writers:
            thread.join()
        done.set()
        for thread in side_threads:
            thread.join()
        outcome.seconds = time.perf_counter() - started
        _await_jobs(clients[-1], outcome, config.job_wait_seconds)
        _check_store(server.database, outcome)
    finally:
        server.stop()
    return outcome


def _bound(function: Callable[..., None], *args: Any) -> Callable[[], None]:
    return lambda: function(*args)


def _await_jobs(client: Client, outcome: Outcome, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    for job_id in list(outcome.jobs):
        while True:
            left = deadline - time.monotonic()
            wait = max(0.0, min(30.0, left))
            response = client.call("poll", "GET", f"/v1/briefs/{job_id}?wait={wait:.1f}", (200,))
            job = response.json() if response.status_code == 200 else {}
            if job.get("status") in FINISHED or left <= 0:
                break
        outcome.jobs[job_id] = job.get("status", "unknown")
        if job.get("status") == "failed":
            outcome.job_failures[job_id] = job["error"]["reason"]


def _check_store(database: Path, outcome: Outcome) -> None:
    """Read the database itself: exactly the accepted, not deleted documents, texts exact."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        rows = dict(conn.execute("SELECT id, text FROM documents").fetchall())
        states = dict(conn.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall())
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
    expected = {i: t for i, t in outcome.accepted.items() if i not in outcome.deleted}
    missing = sorted(set(expected) - set(rows))
    extra = sorted(set(rows) - set(expected))
    altered = sorted(i for i in set(expected) & set(rows) if rows[i] != expected[i])
    for label, ids in (("missing", missing), ("unexpected", extra), ("altered", altered)):
        if ids:
            outcome.problems.append(f"{len(ids)} documents {label}: {ids[:10]}")
    if integrity != "ok" or orphans:
        outcome.problems.append(f"integrity {integrity}, foreign-key violations {orphans[:5]}")
    unfinished = {s: n for s, n in states.items() if s not in FINISHED}
    if unfinished:
        outcome.problems.append(f"jobs not finished: {unfinished}")
    for job_id, reason in outcome.job_failures.items():
        if "deleted after the brief was requested" not in reason:
            outcome.problems.append(f"job {job_id} failed: {reason}")


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"p50_ms": at(0.50), "p90_ms": at(0.90), "p99_ms": at(0.99), "max_ms": at(1.0)}


def report(config: LoadConfig, outcome: Outcome) -> dict[str, Any]:
    """The figures of the load phase; the final polls for unfinished briefs (`poll`, which wait
    on purpose) are listed by kind but left out of the totals."""
    during = {kind: v for kind, v in outcome.latencies.items() if kind != "poll"}
    everything = [v for values in during.values() for v in values]
    return {
        "config": asdict(config),
        "ok": outcome.ok,
        "seconds": round(outcome.seconds, 2),
        "requests": len(everything),
        "requests_per_second": round(len(everything) / outcome.seconds, 1)
        if outcome.seconds
        else 0,
        "documents_per_second": round(len(outcome.accepted) / outcome.seconds, 1)
        if outcome.seconds
        else 0,
        "latency": percentiles(everything),
        "latency_by_kind": {
            k: {"count": len(v), **percentiles(v)} for k, v in sorted(outcome.latencies.items())
        },
        "statuses": dict(sorted(outcome.statuses.items())),
        "checked": {
            "documents_accepted": len(outcome.accepted),
            "documents_deleted": len(outcome.deleted),
            "documents_stored_exactly": len(outcome.accepted) - len(outcome.deleted),
            "resent_unchanged": outcome.resent_unchanged,
            "briefs": dict(sorted(_count(outcome.jobs.values()).items())),
            "server_errors": len(outcome.server_errors),
            "lock_errors": len(outcome.lock_errors),
            "unexpected_answers": len(outcome.unexpected),
        },
        "problems": outcome.problems
        + outcome.server_errors[:5]
        + outcome.lock_errors[:5]
        + outcome.unexpected[:5],
    }


def _count(values: Iterator[str] | Any) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        counts[value] += 1
    return counts


def _print(result: dict[str, Any]) -> None:
    c = result["checked"]
    print(
        f"{result['requests']} requests in {result['seconds']} s: "
        f"{result['requests_per_second']} requests/s, {result['documents_per_second']} documents/s "
        f"({result['config']['workers']} workers, {result['config']['clients']} writers)"
    )
    print("latency (ms): " + ", ".join(f"{k} {v}" for k, v in result["latency"].items()))
    for kind, stats in result["latency_by_kind"].items():
        print(
            f"  {kind:<7} n={stats['count']:<6} "
            + " ".join(f"{k}={v}" for k, v in stats.items() if k != "count")
        )
    print(
        f"checked: {c['documents_accepted']} documents accepted, {c['documents_deleted']} deleted, "
        f"{c['documents_stored_exactly']} stored exactly once with their exact text; "
        f"{c['resent_unchanged']} re-sent came back unchanged; briefs {c['briefs']}; "
        f"{c['server_errors']} 5xx, {c['lock_errors']} lock errors, "
        f"{c['unexpected_answers']} unexpected answers"
    )
    print("statuses: " + ", ".join(f"{k}: {v}" for k, v in result["statuses"].items()))
    for problem in result["problems"]:
        print(f"PROBLEM: {problem}")
    print("OK" if result["ok"] else "FAILED")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench load", description=__doc__.split("\n\n")[0]
    )
    defaults = LoadConfig()
    for name in ("workers", "clients", "documents", "briefers", "deleters", "readers", "batch"):
        parser.add_argument(f"--{name}", type=int, default=getattr(defaults, name))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--keep", type=Path, default=None, help="keep the server's folder here")
    args = parser.parse_args(argv)
    config = LoadConfig(
        **{
            k: getattr(args, k)
            for k in ("workers", "clients", "documents", "briefers", "deleters", "readers", "batch")
        }
    )
    with tempfile.TemporaryDirectory(prefix="summary-load-") as tmp:
        workdir = args.keep or Path(tmp)
        result = report(config, run(config, workdir))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(result)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
