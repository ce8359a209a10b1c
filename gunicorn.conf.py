"""gunicorn settings: `gunicorn -c gunicorn.conf.py service.wsgi:app`.

Environment: SUMMARY_BIND (127.0.0.1:8000), WEB_CONCURRENCY (2 worker processes), SUMMARY_THREADS
(4 request threads per process, of which at most SUMMARY_MAX_WAITERS wait on `?wait=` at once, so
that the others answer everyone else), and every SUMMARY_* setting of service/config.py.

The worker class is gunicorn's `gthread` made to hold against slow clients
(service/http/server.py): each request is read whole by the worker's event loop before a thread
serves it, within SUMMARY_REQUEST_TIMEOUT_SECONDS from its first byte; `/healthz` is answered by
the loop; gunicorn's own errors (414, 431, malformed requests) are JSON.

The app is not preloaded: each worker process imports it and builds its own app after the fork,
then loads its models here in `post_worker_init`, so that a configured model that cannot be loaded
stops the server at startup with a clear message rather than failing the first brief.

Metrics: every worker writes its Prometheus counts under PROMETHEUS_MULTIPROC_DIR (a fresh folder
made at startup unless set), so that `/metrics` from any worker sums them all. The access log is
JSON, one line per request, with its request ID.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from service.config import Settings

_settings = Settings.from_env()

bind = os.environ.get("SUMMARY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "service.http.server.BufferedThreadWorker"
threads = int(os.environ.get("SUMMARY_THREADS", "4"))
if _settings.max_waiters >= threads:
    print(
        f"gunicorn.conf.py: SUMMARY_MAX_WAITERS ({_settings.max_waiters}) leaves none of the "
        f"{threads} request threads (SUMMARY_THREADS) free while requests wait on ?wait=",
        file=sys.stderr,
    )
preload_app = False
# A request may legitimately wait `max_wait_seconds` for a brief, and is cut at
# `request_timeout_seconds`; a worker silent for longer than either, and more, is hung.
timeout = max(_settings.max_wait_seconds, _settings.request_timeout_seconds) + 30
graceful_timeout = 30
keepalive = 5
accesslog = "-"
logger_class = "service.observability.access_log.JSONAccessLogger"
errorlog = "-"
loglevel = _settings.log_level.lower()
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # heartbeat file off a possibly slow overlay disk (containers)


def on_starting(server):  # type: ignore[no-untyped-def]
    """In the master, before any worker: a clean folder for the workers' metrics."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        parent = "/dev/shm" if os.path.isdir("/dev/shm") else None
        folder = tempfile.mkdtemp(prefix="summary-metrics-", dir=parent)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    Path(folder).mkdir(parents=True, exist_ok=True)
    for stale in Path(folder).glob("*.db"):  # counts of an earlier run of the service
        stale.unlink()
    server.log.info("worker metrics in %s", folder)


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """A worker is gone (exited or killed): its live gauges no longer count."""
    from prometheus_client import multiprocess

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)


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
    rather than after its lease (`job_lease_seconds`) runs out."""
    app = getattr(worker, "wsgi", None)
    if app is not None and "worker" in getattr(app, "extensions", {}):
        app.extensions["worker"].shutdown()
