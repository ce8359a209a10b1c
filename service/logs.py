"""Structured logs: one JSON object per line, with the context a record was logged with.

Context travels in `extra` (`log.info("...", extra={"job_id": job.id})`) and becomes top-level keys,
so that a log search can follow one job or document across processes.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str, logger_name: str = "service") -> None:
    """Send the service's logs to stderr as JSON lines, once per process.

    Only the `service` logger is configured: gunicorn keeps its own access and error logs, and
    where the root logger already has handlers (pytest, an embedding application) records
    propagate to them instead.
    """
    logger = logging.getLogger(logger_name)
    logger.setLevel(level.upper())
    if logger.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter())
    logger.addHandler(handler)
