"""gunicorn's access log as JSON lines, with the request ID the service answered with.

`logger_class` in gunicorn.conf.py. One line per request: time, client address, method, path,
query, status, bytes sent, duration and request ID, so that a log search joins it to the
service's own JSON logs (and a brief job's) by `request_id`.
"""

from __future__ import annotations

import json
import traceback
from datetime import UTC, datetime
from typing import Any

from gunicorn.glogging import Logger


class JSONAccessLogger(Logger):
    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        try:
            atoms = self.atoms(resp, req, environ, request_time)
            entry = {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "level": "INFO",
                "logger": "gunicorn.access",
                "remote": atoms["h"],
                "method": atoms["m"],
                "path": atoms["U"],
                "query": atoms["q"] or None,
                "status": int(atoms["s"]),
                "bytes": atoms["B"],
                "duration_ms": round(request_time.total_seconds() * 1000, 3),
                "request_id": atoms.get("{x-request-id}o"),
            }
            self.access_log.info(json.dumps(entry, ensure_ascii=False))
        except Exception:
            self.error(traceback.format_exc())
