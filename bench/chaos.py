"""`python -m bench chaos [--json]`: faults injected into a running brief, measured from
outside, on real PostgreSQL, Redis, gunicorn and Celery worker processes.

For each back end (`celery`: the API under gunicorn hands jobs to Celery workers through Redis;
`embedded`: the API's own processes run them) a fault-free brief of a small MultiLing corpus is
made first; then, for each scenario, the store forgets every job and summary, the same brief is
asked for again, and the fault strikes once a third of the documents are summarised (or when the
merge begins):

- `map_kill`: the worker process holding a map step dies with its whole process group (SIGKILL),
  as when a machine is lost; a fresh Celery worker is started at once, as an operator would;
- `merge_kill`: the same, to the worker holding the merge;
- `postgres_restart`: `pg_ctlcluster --skip-systemctl-redirect VERSION CLUSTER restart`;
- `redis_restart`: Redis shut down without saving and started again (its queues are lost);
- `api_kill`: every gunicorn worker process of the API is killed (SIGKILL) while a client waits
  on `GET /v1/briefs/<id>?wait=`; the client asks again until it has its answer.

Each reports how long after the fault the brief was done, the job's time against the fault-free
one, whether the brief equals the fault-free brief, and the documents lost or counted twice.

By default PostgreSQL and Redis are servers of the benchmark's own (a cluster made with
`pg_createcluster` on a free port, dropped at the end; a `redis-server` on a free port), so that
restarting them disturbs nobody else; `--shared` uses those on 5432 and 6379 instead (a database
and a queue of its own, but their restarts are everyone's). Every connection is to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench._server import (
    REPO,
    GunicornServer,
    free_port,
    kill_group,
    start_celery_worker,
)
from service.store import DatabaseError, JobRecord, Store
from service.store.records import TAKEN, TaskRecord

MULTILING = Path(
    os.environ.get("CHAOS_MULTILING", REPO.parent / "shared/data/multiling2011/english")
)
SCENARIOS = ("map_kill", "merge_kill", "postgres_restart", "redis_restart", "api_kill")
CELERY_ONLY = {"redis_restart"}
MAP = "map-"
POLL_SECONDS = 0.02


# The servers -------------------------------------------------------------------------------------


def run(*command: str, timeout: float = 60) -> None:
    subprocess.run(command, check=True, timeout=timeout, capture_output=True)


class Postgres:
    """A database of the benchmark's own (`<prefix>_<random>`, dropped at the end), in the shared
    `main` cluster on 127.0.0.1:5432 or in a cluster made for the benchmark."""

    def __init__(self, shared: bool, prefix: str = "summary_chaos") -> None:
        self.version = sorted(os.listdir("/etc/postgresql"))[-1]
        self.shared = shared
        self.cluster = "main" if shared else f"chaos{uuid.uuid4().hex[:6]}"
        self.port = 5432 if shared else free_port()
        self.database = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{self.database}"

    def __enter__(self) -> Postgres:
        if not self.shared:
            run(
                *("pg_createcluster", self.version, self.cluster, "-p", str(self.port)),
                *("--start", "--", "--auth-host=trust", "--auth-local=trust"),
            )
        self._admin(f'CREATE DATABASE "{self.database}"')
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.shared:
            self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        else:
            run("pg_dropcluster", self.version, self.cluster, "--stop")

    def _admin(self, statement: str) -> None:
        run(
            *("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"),
            *("-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", statement),
        )

    def restart(self) -> None:
        run(
            *("pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.cluster),
            "restart",
        )


class Redis:
    """A Redis without persistence: the shared one on 6379, or one started for the benchmark."""

    def __init__(self, shared: bool, workdir: Path) -> None:
        self.shared = shared
        self.port = 6379 if shared else free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        run(
            *("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1"),
            *("--port", str(self.port), "--save", "", "--appendonly", "no"),
            *(
                "--dir",
                str(self.workdir),
                "--pidfile",
                str(self.workdir / f"redis-{self.port}.pid"),
            ),
        )
        for _ in range(100):
            with contextlib.suppress(subprocess.CalledProcessError):
                run("redis-cli", "-p", str(self.port), "ping")
                return
            time.sleep(0.05)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            run("redis-cli", "-p", str(self.port), "shutdown", "nosave")

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> Redis:
        if not self.shared:
            self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if not self.shared:
            self.stop()


# The service -------------------------------------------------------------------------------------


@dataclass
class Service:
    """The API under gunicorn and, for `celery`, Celery workers (each its own process group)."""

    backend: str
    postgres: Postgres
    redis: Redis
    workdir: Path
    workers: int
    batch: int
    broker: str | None = None  # instead of Redis (e.g. amqp://guest:guest@127.0.0.1:5672//)
    queue: str = field(default_factory=lambda: f"briefs-chaos-{uuid.uuid4().hex[:8]}")
    celery: list[subprocess.Popen[bytes]] = field(default_factory=list)
    api: GunicornServer | None = None

    @property
    def env(self) -> dict[str, str]:
        return {
            "SUMMARY_DATABASE_URL": self.postgres.url,
            "SUMMARY_JOB_BACKEND": self.backend,
            "SUMMARY_CELERY_BROKER_URL": self.broker or self.redis.url,
            "SUMMARY_CELERY_QUEUE": self.queue,
            "SUMMARY_CELERY_MAP_BATCH": str(self.batch),
            "SUMMARY_RATE_LIMIT": "",
        }

    def __enter__(self) -> Service:
        self.api = GunicornServer(self.workdir / "api", workers=2, env=self.env)
        self.api.start()
        if self.backend == "celery":
            for _ in range(self.workers):
                self.start_worker()
        return self

    def __exit__(self, *_exc: object) -> None:
        for process in self.celery:
            kill_group(process)
        if self.api is not None:
            self.api.kill_all()

    def start_worker(self) -> None:
        assert self.api is not None
        number = len(self.celery)
        self.celery.append(
            start_celery_worker(
                self.queue,
                f"chaos{number}",
                {**self.api.env, **self.env},
                self.workdir / f"celery-{number}.log",
                loglevel="INFO",
            )
        )

    @property
    def url(self) -> str:
        assert self.api is not None
        return self.api.url


class Probe:
    """What the benchmark reads of the store (directly: polling the API would be too slow to
    catch a merge), saying "not now" while the database restarts."""

    def __init__(self, url: str) -> None:
        self.store = Store(url)

    def job(self, job_id: str) -> JobRecord | None:
        try:
            return self.store.get_job(job_id)
        except DatabaseError:
            return None

    def tasks(self, job_id: str) -> list[TaskRecord]:
        try:
            return self.store.job_tasks(job_id)
        except DatabaseError:
            return []


# One run -----------------------------------------------------------------------------------------


def corpus(count: int) -> list[dict[str, str]]:
    documents = []
    for cluster in sorted(MULTILING.iterdir()):
        for path in sorted((cluster / "docs").glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            documents.append({"id": f"{cluster.name}-{path.stem}", "text": text, "language": "en"})
            if len(documents) == count:
                return documents
    return documents


def fingerprint(brief: dict[str, Any]) -> Any:
    """What two briefs must share to be the same brief: text, sources and citations."""
    return (
        brief.get("text"),
        brief.get("documents"),
        [
            [c.get("document_id") for c in s.get("citations", [])]
            for s in brief.get("sentences", [])
        ],
    )


def ask(url: str, ids: list[str]) -> str:
    response = requests.post(f"{url}/v1/briefs", json={"document_ids": ids}, timeout=60)
    response.raise_for_status()
    return str(response.json()["id"])


def wait_done(url: str, job_id: str, deadline: float) -> dict[str, Any] | None:
    """Wait on `?wait=` until the job ends, asking again when the connection drops."""
    while time.monotonic() < deadline:
        asked = time.monotonic()
        try:
            response = requests.get(f"{url}/v1/briefs/{job_id}?wait=20", timeout=40)
            job: dict[str, Any] = response.json()
            if job.get("status") in ("done", "failed"):
                return job
        except (requests.RequestException, ValueError):
            pass
        time.sleep(max(0.0, 0.2 - (time.monotonic() - asked)))  # refused or cut: not too often
    return None


def pid_of(holder: str | None) -> int | None:
    """The process ID in `host:pid[:tag]`."""
    parts = (holder or "").split(":")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


@dataclass
class Fault:
    """A scenario's trigger (the job's state it waits for) and what it does then."""

    ready: Callable[[Probe, str], bool]
    strike: Callable[[Probe, str], None]


def third_done(probe: Probe, job_id: str) -> bool:
    job = probe.job(job_id)
    return job is not None and job.progress_total > job.progress_done >= job.progress_total / 3


def faults(service: Service) -> dict[str, Fault]:
    def holder_of(probe: Probe, job_id: str, prefix: str) -> int | None:
        """The process running the job (embedded) or holding its task named `prefix`..."""
        if service.backend == "embedded":
            job = probe.job(job_id)
            return None if job is None else pid_of(job.worker)
        tasks = probe.tasks(job_id)
        for task in tasks:
            if task.state == TAKEN and task.name.startswith(prefix):
                return pid_of(task.taken_by)
        job = probe.job(job_id)
        if not tasks and prefix == MAP and job is not None and job.progress_done:
            return service.celery[0].pid  # a release without leases: every worker is mapping
        return None

    def merging(probe: Probe, job_id: str) -> bool:
        if service.backend == "embedded":
            job = probe.job(job_id)
            return job is not None and job.stage == "merging"
        return holder_of(probe, job_id, "merge") is not None

    def kill(prefix: str) -> Callable[[Probe, str], None]:
        def strike(probe: Probe, job_id: str) -> None:
            pid = holder_of(probe, job_id, prefix)
            assert pid is not None
            if service.backend == "embedded":
                os.kill(pid, signal.SIGKILL)  # a gunicorn worker (gunicorn starts another)
                return
            os.killpg(os.getpgid(pid), signal.SIGKILL)  # the Celery worker and its pool
            service.start_worker()  # a fresh machine takes the lost one's place

        return strike

    def kill_api(probe: Probe, job_id: str) -> None:
        assert service.api is not None
        for pid in service.api.worker_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    return {
        "map_kill": Fault(
            lambda p, j: third_done(p, j) and holder_of(p, j, MAP) is not None,
            kill(MAP),
        ),
        "merge_kill": Fault(merging, kill("merge")),
        "postgres_restart": Fault(third_done, lambda p, j: service.postgres.restart()),
        "redis_restart": Fault(third_done, lambda p, j: service.redis.restart()),
        "api_kill": Fault(third_done, kill_api),
    }


def run_brief(
    service: Service, probe: Probe, ids: list[str], fault: Fault | None, timeout: float
) -> dict[str, Any]:
    probe.store.forget_jobs()
    started = time.monotonic()
    deadline = started + timeout
    job_id = ask(service.url, ids)
    answer: dict[str, Any] = {}
    waiter = threading.Thread(
        target=lambda: answer.update(job=wait_done(service.url, job_id, deadline)), daemon=True
    )
    waiter.start()  # a client waiting on ?wait= all along
    struck = None
    while fault is not None and struck is None and waiter.is_alive():
        if fault.ready(probe, job_id):
            struck = time.monotonic()  # a restart's own seconds count as the fault's
            fault.strike(probe, job_id)
        time.sleep(POLL_SECONDS)
    waiter.join(max(deadline - time.monotonic(), 0))
    ended = time.monotonic()
    job = answer.get("job") or {}
    last = probe.job(job_id)
    return {
        "job": job,
        "job_id": job_id,
        "seconds": round(ended - started, 1),
        "struck": struck is not None,
        # None: no fault, or the brief never came (`status` is then "timed out")
        "recovery_seconds": None if struck is None or not job else round(ended - struck, 1),
        "fault_at_seconds": None if struck is None else round(struck - started, 1),
        "progress": None if last is None else f"{last.progress_done}/{last.progress_total}",
    }


def check(run: dict[str, Any], ids: list[str], baseline: dict[str, Any] | None) -> dict[str, Any]:
    job = run.pop("job")
    brief = job.get("brief") or {}
    documents = list(brief.get("documents") or [])
    progress = job.get("progress") or {}
    run.update(
        status=job.get("status", "timed out"),
        lost=len(set(ids) - set(documents)),
        doubled=len(documents) - len(set(documents)) + max(progress.get("done", 0) - len(ids), 0),
        retries=progress.get("retries", 0),
        note=progress.get("note"),
        fingerprint=fingerprint(brief),
    )
    if baseline is not None:
        run["brief_equal"] = run["fingerprint"] == baseline["fingerprint"]
        if not run["brief_equal"]:  # what differs first, to tell why
            run["difference"] = next(
                [str(a)[:300], str(b)[:300]]
                for a, b in zip(run["fingerprint"], baseline["fingerprint"], strict=True)
                if a != b
            )
        run["extra_seconds"] = round(run["seconds"] - baseline["seconds"], 1)
    return run


def work_metrics(url: str) -> dict[str, float]:
    """The lost and re-sent work /metrics counts, by label."""
    found: dict[str, float] = {}
    with contextlib.suppress(requests.RequestException):
        for line in requests.get(f"{url}/metrics", timeout=30).text.splitlines():
            if line.startswith(("summary_job_work_lost_total", "summary_job_work_resent_total")):
                name, value = line.rsplit(" ", 1)
                found[name] = found.get(name, 0.0) + float(value)
    return found


def bench_backend(
    backend: str, args: argparse.Namespace, postgres: Postgres, redis: Redis, workdir: Path
) -> dict[str, Any]:
    documents = corpus(args.documents)
    ids = [d["id"] for d in documents]
    results: dict[str, Any] = {}
    deployment = Service(
        backend, postgres, redis, workdir / backend, args.workers, args.batch, args.broker
    )
    with deployment as service:
        response = requests.post(
            f"{service.url}/v1/documents", json={"documents": documents}, timeout=120
        )
        response.raise_for_status()
        probe = Probe(postgres.url)
        run_brief(service, probe, ids, None, args.timeout)  # every worker loads its models
        baseline = check(run_brief(service, probe, ids, None, args.timeout), ids, None)
        results["fault_free"] = baseline
        chosen = [
            s
            for s in args.scenarios
            if (backend == "celery" or s not in CELERY_ONLY)
            and not (args.broker and s == "redis_restart")  # the broker is not Redis
        ]
        for name in chosen:
            outcome = run_brief(service, probe, ids, faults(service)[name], args.timeout)
            results[name] = check(outcome, ids, baseline)
            if service.api is not None:
                service.api.wait_ready()
        results["metrics"] = work_metrics(service.url)
        probe.store.dispose()
    for result in results.values():
        result.pop("fingerprint", None)
    return results


def report(results: dict[str, Any]) -> str:
    lines = [
        "| Back end | Scenario | Fault at | Done after fault | Job | Fault-free | Same brief | "
        "Lost | Doubled | Retries |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for backend, runs in results["backends"].items():
        base = runs["fault_free"]
        for name, run in runs.items():
            if name in ("fault_free", "metrics"):
                continue
            lines.append(
                f"| {backend} | {name} | {run['fault_at_seconds']} s | "
                f"{run['recovery_seconds']} s | {run['seconds']} s ({run['status']}) | "
                f"{base['seconds']} s | {run.get('brief_equal')} | {run['lost']} | "
                f"{run['doubled']} | {run['retries']} |"
            )
        lines.append(f"\n{backend} /metrics: {runs['metrics']}\n")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench chaos", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--documents", type=int, default=30, help="MultiLing English documents")
    parser.add_argument("--workers", type=int, default=2, help="Celery workers (concurrency 1)")
    parser.add_argument("--batch", type=int, default=4, help="SUMMARY_CELERY_MAP_BATCH")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per brief at most")
    parser.add_argument("--backends", nargs="+", default=["celery", "embedded"])
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument(
        "--shared", action="store_true", help="PostgreSQL on 5432 and Redis on 6379 (restarted!)"
    )
    parser.add_argument(
        "--broker", help="Celery's broker instead of Redis, e.g. amqp://guest:guest@127.0.0.1//"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="chaos-") as folder:
        workdir = Path(folder)
        with Postgres(args.shared) as postgres, Redis(args.shared, workdir) as redis:
            results: dict[str, Any] = {
                "settings": {k: v for k, v in vars(args).items() if k != "json"},
                "backends": {
                    backend: bench_backend(backend, args, postgres, redis, workdir)
                    for backend in args.backends
                },
            }
    results["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(results, indent=2) if args.json else report(results))
    problems = [
        (backend, name)
        for backend, runs in results["backends"].items()
        for name, run in runs.items()
        if name != "metrics"
        and (
            run["lost"]
            or run["doubled"]
            or run["status"] != "done"
            or not run.get("brief_equal", True)
        )
    ]
    return 1 if problems else 0
