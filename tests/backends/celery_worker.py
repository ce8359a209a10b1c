"""A separate Celery worker process for the back-end tests: the service's own Celery app and task
code on the real pipeline, built in each pool process as the service builds it, but with the faults
the environment names (see `tests.faults.injected`: `FAULTS_KILL_ONCE_IDS` and `FAULTS_KILL_MARKER`
make a pool process die once, mid-task). Settings come from the environment (SUMMARY_*).

    python -m tests.backends.celery_worker
"""

from __future__ import annotations

from service.config import Settings
from service.jobs import celery_app
from service.observability.jobs import JobMetrics
from tests.faults.injected import FaultInjectingPipeline, pipeline_from_env


def build_pipeline(settings: Settings) -> FaultInjectingPipeline:
    """What `celery_app.build_pipeline` builds, faults added: models loaded after the fork."""
    pipeline = pipeline_from_env(settings)
    pipeline.load()
    return pipeline


def main() -> None:
    settings = Settings.from_env()
    celery_app.build_pipeline = build_pipeline
    app = celery_app.make_celery(settings, JobMetrics)
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
