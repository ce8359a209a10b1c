"""A brief made by a separate Celery worker process, over real PostgreSQL and Redis, including
a worker process that dies mid-task (the job survives: the task is redelivered and redone)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.config import Settings
from service.jobs import EmbeddedWorker, create_brief_job
from service.store import DONE, NewDocument, Store
from tests.backends.fakes import KILL_ONCE, FakePipeline

REPO = Path(__file__).resolve().parents[2]
TEXTS = {
    "a": "Troops crossed the river at dawn. Officials confirmed it later.",
    "b": "Heavy rain flooded the northern valley. Roads were closed.",
    "c": f"The central bank raised rates by half a point. {KILL_ONCE} Markets fell.",
    "d": "A new bridge opened in the capital on Monday. Traffic eased.",
    "e": "Wildfires burned across the southern hills. Residents fled.",
}

pytestmark = pytest.mark.slow


def document(document_id: str, text: str) -> NewDocument:
    return NewDocument(
        id=document_id,
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        title=None,
        url=None,
        published=None,
        declared_language=None,
        language="en",
        language_confidence=0.99,
        language_source="detected",
        chars=len(text),
        bytes=len(text.encode()),
    )


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


@pytest.fixture
def worker_process(settings: Settings, tmp_path: Path) -> Iterator[tuple[subprocess.Popen, Path]]:
    marker = tmp_path / "killed-once"
    env = {
        **os.environ,
        "SUMMARY_DATABASE_URL": settings.database_url,
        "SUMMARY_JOB_BACKEND": "celery",
        "SUMMARY_CELERY_BROKER_URL": settings.celery_broker_url,
        "SUMMARY_CELERY_QUEUE": settings.celery_queue,
        "SUMMARY_CELERY_MAP_BATCH": str(settings.celery_map_batch),
        "SUMMARY_TEST_KILL_MARKER": str(marker),
    }
    log = (tmp_path / "celery.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.backends.celery_worker"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process, marker
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_a_celery_worker_process_makes_the_brief_and_survives_a_death(
    settings: Settings, worker_process, tmp_path: Path
) -> None:
    process, marker = worker_process
    store = Store(settings.database_url)
    store.create_all()
    store.put_documents([document(i, t) for i, t in TEXTS.items()], replace=False)
    job = create_brief_job(store, list(TEXTS), None, 100)
    dispatcher = EmbeddedWorker(store, FakePipeline(), settings)
    assert dispatcher.run_pending() == 1  # handed to Celery, not run here
    assert dispatcher.run_pending() == 0  # and only once
    deadline = time.monotonic() + 60
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
    cited = {c["document_id"] for s in current.result["sentences"] for c in s["citations"]}
    assert cited == set(TEXTS)  # the document whose worker died was redone, not lost
    assert marker.exists()  # a worker process did die on it
    assert "WorkerLostError" in log or "exited" in log
    assert store.get_job(job.id).result == current.result
    assert store.job_outcomes(job.id) == {}  # the reduce step cleared the map steps' outcomes
    store.dispose()
