"""`summarise serve`: the HTTP service and its web page under gunicorn."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from service.exit_codes import EXIT_OK


def add_parser(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the HTTP service and its web page under gunicorn",
        description="Run the HTTP API and the web page (at /) under gunicorn with "
        "gunicorn.conf.py. Every SUMMARY_* setting applies; the options below override "
        "SUMMARY_BIND, WEB_CONCURRENCY and SUMMARY_THREADS.",
    )
    serve.add_argument("--bind", metavar="HOST:PORT", help="address (default 127.0.0.1:8000)")
    serve.add_argument("--workers", type=int, metavar="N", help="worker processes (default 2)")
    serve.add_argument("--threads", type=int, metavar="N", help="threads per worker (default 4)")
    serve.set_defaults(run=_serve)


def _serve(args: argparse.Namespace) -> int:
    for name, value in (
        ("SUMMARY_BIND", args.bind),
        ("WEB_CONCURRENCY", args.workers),
        ("SUMMARY_THREADS", args.threads),
    ):
        if value is not None:
            os.environ[name] = str(value)
    config = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
    os.execvp(
        sys.executable, [sys.executable, "-m", "gunicorn", "-c", str(config), "service.wsgi:app"]
    )
    return EXIT_OK  # not reached
