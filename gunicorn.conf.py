"""gunicorn settings: `gunicorn -c gunicorn.conf.py service.wsgi:app`.

Environment: SUMMARY_BIND (127.0.0.1:8000), WEB_CONCURRENCY (2 worker processes), SUMMARY_THREADS
(4 request threads per process, so that a request waiting on `?wait=` does not hold up the others),
and every SUMMARY_* setting of service/config.py.

The app is not preloaded: each worker process imports it and builds its own app after the fork,
then loads its models here in `post_worker_init`, so that a configured model that cannot be loaded
stops the server at startup with a clear message rather than failing the first brief.
"""

from __future__ import annotations

import json
import os
import sys

from service.config import Settings

_settings = Settings.from_env()

bind = os.environ.get("SUMMARY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("SUMMARY_THREADS", "4"))
preload_app = False
# A request may legitimately wait `max_wait_seconds` for a brief; leave room beyond it.
timeout = _settings.max_wait_seconds + 30
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
loglevel = _settings.log_level.lower()
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # heartbeat file off a possibly slow overlay disk (containers)


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """In each worker, after the fork: load the models, then start the embedded job worker."""
    from gunicorn.arbiter import Arbiter

    app = worker.wsgi
    pipeline = app.extensions["pipeline"]
    try:
        pipeline.load()
    except Exception as exc:
        worker.log.error(
            "cannot load the summarisation models, stopping: %s: %s", type(exc).__name__, exc
        )
        sys.exit(Arbiter.WORKER_BOOT_ERROR)  # the arbiter halts: "Worker failed to boot."
    worker.log.info(
        "summariser ready in worker %s: %s",
        worker.pid,
        json.dumps(pipeline.describe(), default=str),
    )
    if app.config["SETTINGS"].embedded_worker:
        app.extensions["worker"].ensure_started()


def worker_exit(server, worker):  # type: ignore[no-untyped-def]
    """Hand a job this worker was running back to the queue, for another worker to redo now
    rather than after `job_stale_seconds`."""
    app = getattr(worker, "wsgi", None)
    if app is not None and "worker" in getattr(app, "extensions", {}):
        app.extensions["worker"].shutdown()
