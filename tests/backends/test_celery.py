"""A brief made by a separate Celery worker process on the real pipeline, over real PostgreSQL and
Redis, including a worker process that dies mid-task on one document (the job survives: the task
is redelivered and redone)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.brief_request import BriefRequest
from service.config import Settings
from service.jobs import background_worker, create_brief_job
from service.logs import log_context
from service.store import DONE, Store
from tests.faults.injected import FAULT_ENV, KILL_MARKER_ENV, FaultInjectingPipeline
from tests.unit.test_jobs import assert_quotes_its_sources
from tests.unit.test_store import new_document

REPO = Path(__file__).resolve().parents[2]
TEXTS = {
    "a": "Government troops crossed the Dnipro at dawn on Tuesday, the regional governor said. "
    "The army has not said how many soldiers took part in the operation.",
    "b": "Rescue teams used boats on Sunday to reach villages cut off by floods in the north. "
    "Forecasters expect more rain in the region later this week.",
    "c": "The central bank raised its main interest rate by half a percentage point on Thursday. "
    "Stock markets fell sharply after the announcement, led by property and retail shares. "
    "The governor said further rises could not be ruled out.",
    "d": "A new bridge over the harbour opened in the capital on Monday after three years of work. "
    "The bridge cost 40 million euros, most of it paid by the national government.",
    "e": "Wildfires burned across the southern hills for a second day on Wednesday. "
    "More than two thousand residents fled their homes as the flames approached three towns.",
}
KILLS_ITS_WORKER = "c"  # the first worker process to summarise it dies (SIGKILL)

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(pg_url, celery_queue) -> Settings:  # type: ignore[no-untyped-def]
    from tests.backends.conftest import REDIS_URL

    return Settings.from_env(
        {
            "database_url": pg_url,
            "job_backend": "celery",
            "celery_broker_url": REDIS_URL,
            "celery_queue": celery_queue,
            "celery_map_batch": 2,
        },
        environ={},
    )


def worker_env(settings: Settings) -> dict[str, str]:
    """The environment of a Celery worker process of the deployment `settings` describe."""
    return {
        **os.environ,
        "SUMMARY_DATABASE_URL": settings.database_url,
        "SUMMARY_JOB_BACKEND": "celery",
        "SUMMARY_CELERY_BROKER_URL": settings.celery_broker_url,
        "SUMMARY_CELERY_QUEUE": settings.celery_queue,
        "SUMMARY_CELERY_MAP_BATCH": str(settings.celery_map_batch),
        "SUMMARY_JOB_STALE_SECONDS": str(settings.job_stale_seconds),
        "SUMMARY_SUMMARISER": "extractive",
    }


def start_worker_process(
    env: dict[str, str], log: Path, *, own_group: bool = False
) -> subprocess.Popen[bytes]:
    """`python -m tests.backends.celery_worker` in `env`, its output in `log`; `own_group`: the
    leader of a process group of its own (to be killed whole, as a lost machine)."""
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.backends.celery_worker"],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=own_group,
        )


def metrics_dir(tmp_path: Path) -> Path:
    """Where the worker's processes count their metrics (summed as gunicorn's workers are)."""
    path = tmp_path / "metrics"
    path.mkdir(exist_ok=True)
    return path


def worker_metrics(tmp_path: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(metrics_dir(tmp_path)))
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in registry.collect()
        for sample in family.samples
    }


@pytest.fixture
def worker_process(settings: Settings, tmp_path: Path) -> Iterator[tuple[subprocess.Popen, Path]]:
    marker = tmp_path / "killed-once"
    env = {
        **worker_env(settings),
        FAULT_ENV["kill_once"]: KILLS_ITS_WORKER,
        KILL_MARKER_ENV: str(marker),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir(tmp_path)),
    }
    process = start_worker_process(env, tmp_path / "celery.log")
    try:
        yield process, marker
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_celery_worker_process_makes_the_brief_and_survives_a_death(
    settings: Settings, worker_process, tmp_path: Path, pipeline: FaultInjectingPipeline
) -> None:
    process, marker = worker_process
    store = Store(settings.database_url)
    store.create_all()
    store.put_documents([new_document(i, t) for i, t in TEXTS.items()], replace=False)
    with log_context(request_id="req-celery-1"):  # as the HTTP layer binds it
        job = create_brief_job(
            store,
            BriefRequest.parse({"document_ids": list(TEXTS), "language": None, "max_words": 100}),
        )
    dispatcher = background_worker(store, pipeline, settings)
    assert dispatcher.run_pending() == 1  # handed to Celery, not run here
    assert dispatcher.run_pending() == 0  # and only once
    assert pipeline.summarised == []
    deadline = time.monotonic() + 120  # each new pool process loads MiniLM first
    seen_progress = set()
    while time.monotonic() < deadline:
        current = store.get_job(job.id)
        seen_progress.add((current.progress_done, current.stage))
        if current.finished:
            break
        assert process.poll() is None, (tmp_path / "celery.log").read_text()[-3000:]
        time.sleep(0.1)
    log = (tmp_path / "celery.log").read_text()
    assert current.status == DONE, f"{current.status} {current.error}\n{log[-3000:]}"
    assert current.worker.startswith("celery:")
    assert (current.progress_done, current.progress_total) == (5, 5)
    assert current.result["notes"] == []
    assert all(f["error"] is None for f in current.result["document_facts"])
    # The document whose worker died was redone, not lost: it is summarised and quoted.
    assert assert_quotes_its_sources(current.result, TEXTS) == set(TEXTS)
    assert marker.exists()  # a worker process did die on it
    assert "WorkerLostError" in log or "exited" in log
    assert store.get_job(job.id).result == current.result
    assert store.job_outcomes(job.id) == {}  # the reduce step cleared the map steps' outcomes
    store.dispose()

    # The same job metrics as the embedded worker's, counted in the worker's processes.
    found = worker_metrics(tmp_path)
    for stage in ("queued", "starting", "summarising", "merging"):
        key = ("summary_job_stage_duration_seconds_count", (("stage", stage),))
        assert found.get(key, 0) >= 1, stage
    assert found[("summary_job_duration_seconds_count", (("status", "done"),))] == 1
    assert found[("summary_summary_cache_total", (("result", "miss"),))] == len(TEXTS)
    # And the same log context: every record of the job's steps names the request that queued it.
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    steps = [line for line in lines if line.get("job_id") == job.id]
    assert any("started by celery:" in line["message"] for line in steps), lines[-20:]
    assert any("done" in line["message"] for line in steps), lines[-20:]
    assert all(line.get("request_id") == "req-celery-1" for line in steps), steps
