"""Structured logs: one JSON object per line, with the context a record was logged in.

Context comes from two places and becomes top-level keys, so that a log search can follow one
request, job or document across threads and processes:

- `extra` (`log.info("...", extra={"job_id": job.id})`), for one record;
- `log_context(request_id=...)`, for every record logged inside it, by any logger, in this thread
  or task (a `contextvars` context): the API binds each request's ID, the job runner a job's.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

CONTEXT_ATTRIBUTE = "log_context"  # the LogRecord attribute that carries the bound context
_EMPTY: Mapping[str, Any] = MappingProxyType({})
_context: ContextVar[Mapping[str, Any]] = ContextVar("log_context", default=_EMPTY)

# Attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_STANDARD.add(CONTEXT_ATTRIBUTE)


def bind(**fields: Any) -> Token[Mapping[str, Any]]:
    """Add `fields` to the context of every record logged from here on; `unbind(token)` ends it."""
    return _context.set(MappingProxyType({**_context.get(), **fields}))


def unbind(token: Token[Mapping[str, Any]]) -> None:
    _context.reset(token)


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    token = bind(**fields)
    try:
        yield
    finally:
        unbind(token)


def current_context() -> Mapping[str, Any]:
    return _context.get()


def _install_record_factory() -> None:
    """Stamp every record with the bound context, under one attribute so that it never collides
    with a key of `extra` (which logging refuses to overwrite)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_log_context", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        setattr(record, CONTEXT_ATTRIBUTE, _context.get())
        return record

    factory.adds_log_context = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, CONTEXT_ATTRIBUTE, None) or {})
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(
    level: str, logger_name: str = "service", *, own_handler: bool = False
) -> None:
    """Send the service's logs to stderr as JSON lines, once per process.

    Only the `service` logger is configured: gunicorn keeps its own access and error logs, and
    where the root logger already has handlers (pytest, an embedding application) records
    propagate to them instead, unless `own_handler` (a Celery worker, whose root logger Celery
    formats as text): then the service's records are JSON lines of their own.
    """
    _install_record_factory()
    logger = logging.getLogger(logger_name)
    logger.setLevel(level.upper())
    if logger.handlers or (logging.getLogger().handlers and not own_handler):
        return
    logger.propagate = not own_handler
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter())
    logger.addHandler(handler)
