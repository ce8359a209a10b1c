"""Celery workers that vanish whole in the middle of a brief (SIGKILL of the worker's process
group, as when its machine is lost: nothing is handed back to the broker), and a Redis that
restarts without persistence mid-job (its queues are lost). The dispatcher, in this process as in
the API's, sends the lost work again once its lease expires; the job ends with the brief a
fault-free run makes, every document in it once, and its progress says what was redone.

Untimed: the lease is shortened to a few seconds (`SUMMARY_JOB_STALE_SECONDS`), and every wait has
a generous bound only so that a broken build fails instead of hanging."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client import REGISTRY

from bench._server import GunicornServer
from bench.chaos import Postgres, Redis, wait_done
from service.brief_request import BriefRequest
from service.config import Settings
from service.jobs import background_worker, create_brief_job, run_job
from service.observability.jobs import JobMetrics
from service.store import DONE, JobRecord, Store
from service.store.records import TAKEN
from tests.backends import test_celery
from tests.faults.injected import SLOW_ENV, SLOW_MERGE_ENV, FaultInjectingPipeline
from tests.unit import test_jobs
from tests.unit.test_store import new_document

LEASE_SECONDS = 6  # work not renewed for this long lost its worker (renewed every second)
BOUND_SECONDS = 300  # not a timing assertion: only how long to wait before calling it hung
TEXTS = {
    **test_celery.TEXTS,
    "f": test_jobs.TEXTS["a"],
    "g": test_jobs.TEXTS["b"],
    "h": test_jobs.LATER,
}

pytestmark = pytest.mark.slow


def fingerprint(brief: dict[str, Any] | None) -> Any:
    """What two briefs must share to be the same: the text, the sources, each citation."""
    assert brief is not None
    citations = [[c["document_id"] for c in s["citations"]] for s in brief["sentences"]]
    return brief["text"], brief["documents"], citations


@pytest.fixture
def fault_free(tmp_path: Path, pipeline: FaultInjectingPipeline) -> Any:
    """The brief of TEXTS made in one go, without faults, in a store of its own."""
    store = Store(f"sqlite:///{tmp_path}/fault-free.sqlite3")
    store.create_all()
    store.put_documents([new_document(i, t) for i, t in TEXTS.items()], replace=False)
    job = run_job(
        store,
        pipeline,
        create_brief_job(
            store,
            BriefRequest.parse({"document_ids": list(TEXTS), "language": None, "max_words": 100}),
        ).id,
    )
    store.dispose()
    pipeline.reset()
    assert job is not None and job.status == DONE
    return fingerprint(job.result)


class Workers:
    """Celery worker processes, each the leader of its own process group."""

    def __init__(self, settings: Settings, tmp_path: Path) -> None:
        self.settings = settings
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        env = {
            **test_celery.worker_env(self.settings),
            SLOW_ENV: "0.4",  # a map step lasts long enough to be caught
            SLOW_MERGE_ENV: "4",  # and so does the merge
        }
        log = self.tmp_path / f"celery-{len(self.processes)}.log"
        process = test_celery.start_worker_process(env, log, own_group=True)
        self.processes.append(process)
        return process

    def kill(self, pid: int) -> None:
        """SIGKILL the process group of the worker that `pid` (a pool process) belongs to."""
        group = os.getpgid(pid)
        assert group in {p.pid for p in self.processes}
        os.killpg(group, signal.SIGKILL)

    def logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")[-2000:]
            for path in sorted(self.tmp_path.glob("celery-*.log"))
        )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)


def celery_settings(database_url: str, broker_url: str, queue: str) -> Settings:
    return Settings.from_env(
        {
            "database_url": database_url,
            "job_backend": "celery",
            "celery_broker_url": broker_url,
            "celery_queue": queue,
            "celery_map_batch": 2,
            "job_stale_seconds": LEASE_SECONDS,
            "worker_poll_seconds": 0.2,
        },
        environ={},
    )


@pytest.fixture
def service(tmp_path: Path, pipeline: FaultInjectingPipeline) -> Iterator[Callable[..., Any]]:
    """Start the store, the dispatcher (the API's background thread) and the workers of a
    deployment on `settings`; everything is stopped at the end."""
    started: list[Any] = []

    def start(settings: Settings) -> tuple[Store, Workers, JobRecord]:
        store = Store(settings.database_url)
        store.create_all()
        store.put_documents([new_document(i, t) for i, t in TEXTS.items()], replace=False)
        dispatcher = background_worker(store, pipeline, settings, JobMetrics())
        workers = Workers(settings, tmp_path)
        started.extend([workers, dispatcher, store])
        if settings.job_backend == "celery":
            workers.start()
        else:  # the embedded worker runs the job in this process, on the session's pipeline
            pipeline.seconds_per_document = 0.4
        job = create_brief_job(
            store,
            BriefRequest.parse({"document_ids": list(TEXTS), "language": None, "max_words": 100}),
        )
        dispatcher.ensure_started()
        return store, workers, job

    yield start
    for thing in started:
        if isinstance(thing, Workers):
            thing.stop()
        elif isinstance(thing, Store):
            thing.dispose()
        else:
            thing.stop(timeout=10)


def wait_for(what: str, condition: Callable[[], Any], workers: Workers) -> Any:
    deadline = time.monotonic() + BOUND_SECONDS
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(f"never saw {what}\n{workers.logs()}")


def taken(store: Store, job_id: str, prefix: str) -> int | None:
    """The process ID of a pool process holding a task of the job whose name starts so."""
    for task in store.job_tasks(job_id):
        if task.state == TAKEN and task.name.startswith(prefix) and task.taken_by:
            return int(task.taken_by.split(":")[1])
    return None


def assert_whole(store: Store, job_id: str, fault_free: Any, workers: Workers) -> JobRecord:
    job = wait_for("the job end", lambda: (j := store.get_job(job_id)).finished and j, workers)
    assert job.status == DONE, f"{job.error}\n{workers.logs()}"
    assert fingerprint(job.result) == fault_free
    assert job.result["documents"] == list(TEXTS)  # none lost, none twice
    assert (job.progress_done, job.progress_total) == (len(TEXTS), len(TEXTS))
    assert all(f["error"] is None for f in job.result["document_facts"])
    assert store.job_tasks(job_id) == [] and store.job_outcomes(job_id) == {}
    return job


def counted(step: str) -> float:
    return REGISTRY.get_sample_value("summary_job_work_lost_total", {"step": step}) or 0.0


def test_workers_lost_whole_during_the_map_and_the_merge(
    service, pg_url, celery_queue, fault_free
) -> None:
    from tests.backends.conftest import REDIS_URL

    lost_before = {step: counted(step) for step in ("map", "merge")}
    store, workers, job = service(celery_settings(pg_url, REDIS_URL, celery_queue))

    def mapping() -> int | None:
        current = store.get_job(job.id)
        return taken(store, job.id, "map-") if current and current.progress_done >= 1 else None

    workers.kill(wait_for("a map step under way", mapping, workers))
    workers.start()  # a fresh machine takes the lost one's place
    workers.kill(wait_for("the merge under way", lambda: taken(store, job.id, "merge"), workers))
    workers.start()

    finished = assert_whole(store, job.id, fault_free, workers)
    assert finished.retries == 2
    assert finished.note is not None and "the merge" in finished.note
    assert counted("map") == lost_before["map"] + 1
    assert counted("merge") == lost_before["merge"] + 1


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, Callable[[], None]]]:
    """A Redis without persistence of this test's own, on a free port, and a way to restart it
    (restarting the shared one would disturb other tests)."""
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        pytest.skip("redis-server is not installed")
    with Redis(shared=False, workdir=tmp_path) as redis:
        yield redis.url, redis.restart


@pytest.fixture
def own_postgres() -> Iterator[tuple[str, Callable[[], None]]]:
    """A PostgreSQL cluster of this test's own (Debian's pg_createcluster, as root), on a free
    port, and a way to restart it (`pg_ctlcluster ... restart`)."""
    if shutil.which("pg_createcluster") is None or os.geteuid() != 0:
        pytest.skip("a PostgreSQL cluster of its own needs Debian's pg_createcluster, as root")
    with Postgres(shared=False) as postgres:
        yield postgres.url, postgres.restart


@pytest.mark.parametrize("backend", ["celery", "embedded"])
def test_a_postgresql_restarted_mid_job_loses_no_work(
    service, own_postgres, celery_queue, fault_free, backend
) -> None:
    from tests.backends.conftest import REDIS_URL

    database, restart = own_postgres
    settings = celery_settings(database, REDIS_URL, celery_queue)
    store, workers, job = service(dataclasses.replace(settings, job_backend=backend))

    def mapping() -> bool:
        current = store.get_job(job.id)
        return current is not None and current.progress_done >= 2

    wait_for("the map under way", mapping, workers)
    restart()
    assert_whole(store, job.id, fault_free, workers)


def test_a_redis_restarted_mid_job_loses_no_work(
    service, pg_url, own_redis, fault_free, tmp_path
) -> None:
    broker, restart = own_redis
    resent = {"reason": "broker_restart"}
    before = REGISTRY.get_sample_value("summary_job_work_resent_total", resent) or 0.0
    store, workers, job = service(celery_settings(pg_url, broker, "briefs"))

    def mapping() -> bool:
        current = store.get_job(job.id)
        return current is not None and current.progress_done >= 2

    wait_for("the map under way", mapping, workers)
    restart()  # the queued map steps are lost with it
    assert_whole(store, job.id, fault_free, workers)
    # The dispatcher saw that the broker lost its queues, and sent what was waiting again.
    assert (REGISTRY.get_sample_value("summary_job_work_resent_total", resent) or 0.0) > before


def test_the_api_killed_while_a_client_waits_costs_the_job_nothing(
    pg_url, celery_queue, fault_free, tmp_path
) -> None:
    """Every gunicorn worker of the API is killed (SIGKILL) while a client waits on `?wait=`;
    gunicorn starts new ones, the client asks again, and gets the brief the Celery workers
    made meanwhile."""
    from tests.backends.conftest import REDIS_URL

    settings = celery_settings(pg_url, REDIS_URL, celery_queue)
    env = {
        key: value
        for key, value in test_celery.worker_env(settings).items()
        if key.startswith("SUMMARY_") and key != "SUMMARY_SUMMARISER"
    }
    store = Store(pg_url)
    workers = Workers(settings, tmp_path)
    with GunicornServer(tmp_path / "api", workers=2, env={**env, "SUMMARY_RATE_LIMIT": ""}) as api:
        try:
            store.put_documents([new_document(i, t) for i, t in TEXTS.items()], replace=False)
            workers.start()
            request = {"document_ids": list(TEXTS), "max_words": 100}  # as `fault_free`'s
            response = requests.post(f"{api.url}/v1/briefs", json=request, timeout=60)
            assert response.status_code == 202, response.text
            job_id = response.json()["id"]
            answer: dict[str, Any] = {}
            client = threading.Thread(
                target=lambda: answer.update(
                    job=wait_done(api.url, job_id, time.monotonic() + BOUND_SECONDS)
                )
            )
            client.start()

            def mapping() -> bool:
                current = store.get_job(job_id)
                return current is not None and current.progress_done >= 2

            wait_for("the map under way", mapping, workers)
            killed = api.worker_pids()
            for pid in killed:
                os.kill(pid, signal.SIGKILL)
            client.join()
            assert answer["job"] is not None, workers.logs()
            assert answer["job"]["status"] == "done"
            assert fingerprint(answer["job"]["brief"]) == fault_free
            assert not set(killed) & set(api.worker_pids())  # the client was answered by others
            assert_whole(store, job_id, fault_free, workers)
        finally:
            workers.stop()
            store.dispose()
