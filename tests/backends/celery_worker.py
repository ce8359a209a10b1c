"""A separate Celery worker process for the back-end tests: the service's own Celery app and task
code, with `FakePipeline` as its pipeline. Settings come from the environment (SUMMARY_*), and
SUMMARY_TEST_KILL_MARKER names the file that makes it die once mid-task.

    python -m tests.backends.celery_worker
"""

from __future__ import annotations

import os
from pathlib import Path

from service.config import Settings
from service.jobs import celery_app
from tests.backends.fakes import FakePipeline


def main() -> None:
    settings = Settings.from_env()
    marker = os.environ.get("SUMMARY_TEST_KILL_MARKER")
    celery_app.build_pipeline = lambda _settings: FakePipeline(Path(marker) if marker else None)
    app = celery_app.make_celery(settings)
    app.worker_main(
        [
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            f"--queues={settings.celery_queue}",
            f"--hostname={settings.celery_queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ]
    )


if __name__ == "__main__":
    main()
