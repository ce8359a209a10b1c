"""A real gunicorn serving the service on loopback, for the benchmarks and the fault and contract
tests: start it, wait until it is ready, find and kill its workers, restart it; and Celery worker
processes of the service, each in its own process group (`start_celery_worker`, `kill_group`).

Not a benchmark itself: the leading underscore keeps it out of `python -m bench`'s list.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import requests

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process started in a session of its own, with all it started, and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)


def start_celery_worker(
    queue: str, hostname: str, env: Mapping[str, str], log: Path, loglevel: str = "WARNING"
) -> subprocess.Popen[bytes]:
    """A Celery worker process of the service (one pool process) on `queue`, in its own process
    group so that `kill_group` kills it as a lost machine would; its output appended to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "service.jobs.celery_app", "worker"),
                *(f"--queues={queue}", "--concurrency=1", f"--hostname={hostname}@%h"),
                *("--without-gossip", "--without-mingle", f"--loglevel={loglevel}"),
            ],
            cwd=REPO,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


class ServerFailed(RuntimeError):
    """gunicorn exited, or did not become ready in time; the message ends with its log."""


class GunicornServer:
    """`with GunicornServer(workdir, workers=4) as server: requests.get(server.url + ...)`.

    The database is a SQLite file in `workdir` (kept across `restart()`); the models folder has
    the real registry and no weights, so the summariser is the extractive one (real MiniLM).
    """

    def __init__(
        self,
        workdir: Path,
        *,
        workers: int = 2,
        threads: int = 4,
        app: str = "service.wsgi:app",
        env: Mapping[str, str] | None = None,
        ready_timeout: float = 180.0,
    ) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.database = self.workdir / "service.sqlite3"
        self.log_path = self.workdir / "gunicorn.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = app
        self.ready_timeout = ready_timeout
        models = self.workdir / "models"
        models.mkdir(exist_ok=True)
        shutil.copy(REPO / "models" / "registry.toml", models / "registry.toml")
        self.env = {
            **os.environ,
            "SUMMARY_BIND": f"127.0.0.1:{self.port}",
            "SUMMARY_DATABASE_URL": f"sqlite:///{self.database}",
            "SUMMARY_MODELS_DIR": str(models),
            "SUMMARY_SUMMARISER": "extractive",
            "WEB_CONCURRENCY": str(workers),
            "SUMMARY_THREADS": str(threads),
            "SUMMARY_TORCH_THREADS": "1",  # workers share the machine's cores
            **(env or {}),
        }
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # each server makes its own
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> GunicornServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", self.app],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as one in `kill_all`
        )
        log.close()
        self.wait_ready()

    def wait_ready(self) -> None:
        """Until /readyz answers 200 from every worker (each worker answers as it is ready)."""
        deadline = time.monotonic() + self.ready_timeout
        expected = int(self.env["WEB_CONCURRENCY"])
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise ServerFailed(f"gunicorn exited:\n{self.log_tail()}")
            if len(self.worker_pids()) >= expected and self._ready():
                return
            time.sleep(0.5)
        raise ServerFailed(f"not ready within {self.ready_timeout:g} s:\n{self.log_tail()}")

    def _ready(self) -> bool:
        try:
            return requests.get(f"{self.url}/readyz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def worker_pids(self) -> list[int]:
        """The master's live children: its worker processes."""
        if self.process is None or self.process.poll() is not None:
            return []
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [int(child) for child in children]

    def stop(self, timeout: float = 60.0) -> None:
        """A graceful stop (SIGTERM): workers hand their running jobs back to the queue."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill_all()

    def kill_all(self) -> None:
        """The whole service dies at once (SIGKILL to master and workers): a crash or power cut."""
        if self.process is not None:
            kill_group(self.process)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""
