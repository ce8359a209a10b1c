"""gunicorn's threaded worker, made to hold against slow clients (gunicorn.conf.py's worker_class).

gunicorn's `gthread` worker gives a connection one of its few request threads as soon as its first
byte arrives, and the thread then blocks until the rest of the headers and body come in, with a
time limit per socket read only: ten sockets that each send a byte every few seconds hold every
thread for as long as they like, and nothing else is answered (issue 15). This worker differs in
three ways:

- **Requests are read before a thread is given.** Its event loop (the one that accepts
  connections) reads each request, without blocking, until the headers are complete and the body
  too (`Content-Length`, or the last chunk of a chunked body), up to `BODY_BUFFER` bytes of it;
  only then does a thread parse and serve it. A slow or idle client costs a socket, not a thread.
  A larger body, one sent after `Expect: 100-continue`, or any request once the loop holds
  `BUFFERED_LIMIT` bytes in all (so that many sockets cannot fill the memory), is read by the
  thread as before.
- **One time limit for the whole request**: `SUMMARY_REQUEST_TIMEOUT_SECONDS`, counted from the
  request's first byte, covers the headers and the body, whoever reads them: a request still
  incomplete then is answered `408 request_timeout` by the loop, and a thread reading the rest of
  a large body gets only the time that is left (`request_deadline()` tells the app, so that
  `?wait=` counts from the same start). A new connection that sends nothing for `IDLE_SECONDS`,
  or a kept-alive one for gunicorn's `keepalive`, is closed.
- **`GET /healthz` is answered by the loop itself** once its request is in: a liveness probe does
  not queue behind busy threads (the app answers it from memory, in milliseconds).

Errors gunicorn answers itself, before the app sees a request (a malformed request line or
header, 414, 431, `Content-Length` with `Transfer-Encoding`, a NUL in a header), are written in
the service's one JSON error shape with an `X-Request-ID`, instead of gunicorn's HTML page.

TLS and HTTP/2 prior knowledge, which this service does not use (a proxy terminates TLS), fall
back to gunicorn's own behaviour.
"""

from __future__ import annotations

import contextlib
import json
import re
import selectors
import socket
import threading
import time
import uuid
from concurrent import futures
from functools import partial
from typing import Any

from gunicorn import util
from gunicorn.workers import gthread

from service.config import Settings

HEAD_LIMIT = 64 * 1024  # a longer head goes to a thread, whose parser refuses it (414/431)
BODY_BUFFER = 1024 * 1024  # body bytes the loop reads before a thread takes over
BUFFERED_LIMIT = 64 * 1024 * 1024  # bytes the loop holds for all its requests at most
IDLE_SECONDS = 10.0  # a new connection that sends nothing for this long is closed
PROBE_SECONDS = 2.0  # the most the loop spends answering one probe
PROBES = (b"GET /healthz ", b"GET /healthz?", b"HEAD /healthz ", b"HEAD /healthz?")
READ_SIZE = 256 * 1024
CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")

_local = threading.local()

# What gunicorn's own error answers are, as the service's error codes.
ERROR_CODES = {
    400: "bad_request",
    403: "forbidden",
    408: "request_timeout",
    413: "request_too_large",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
}


def request_deadline() -> float | None:
    """When the request this thread serves must be done (time.monotonic()), as the worker
    counted from its first byte; None when not served by this worker."""
    deadline: float | None = getattr(_local, "deadline", None)
    return deadline


def error_answer(status: int, reason: str, message: str) -> bytes:
    """A whole HTTP answer in the one error shape, closing the connection."""
    body = json.dumps(
        {
            "error": {
                "status": status,
                "code": ERROR_CODES.get(status, "bad_request"),
                "message": message,
                "field": None,
            }
        }
    ).encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"X-Request-ID: {uuid.uuid4().hex}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error`, in the service's error shape rather than as HTML."""
    if status_int >= 500:
        message = "internal error; the service log has the details"
    else:
        message = f"{reason}: {mesg}" if mesg else reason
    util.write_nonblock(sock, error_answer(status_int, reason, message))


def request_ready(buffer: bytes | bytearray) -> bool:
    """Whether the loop has read enough of a request to give it to a thread: its head and its
    whole body, or more than the loop buffers, or something the parser must refuse anyway."""
    start = 0
    while buffer.startswith(b"\r\n", start):  # empty lines before a request are skipped
        start += 2
    end = buffer.find(b"\r\n\r\n", start)
    if end < 0:
        return len(buffer) > HEAD_LIMIT or buffer.find(b"\n\n", start) >= 0
    fields: dict[bytes, list[bytes]] = {}
    for line in bytes(buffer[start:end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields.setdefault(name.strip().lower(), []).append(value.strip().lower())
    body = len(buffer) - (end + 4)
    if body >= BODY_BUFFER or any(b"100-continue" in v for v in fields.get(b"expect", [])):
        return True
    if b"transfer-encoding" in fields:
        encodings = b",".join(fields[b"transfer-encoding"])
        return not encodings.endswith(b"chunked") or chunked_complete(buffer, end + 4)
    lengths = fields.get(b"content-length")
    if not lengths or len(lengths) > 1 or not lengths[0].isdigit():
        return True  # no body, or one the parser refuses
    return body >= int(lengths[0])


def chunked_complete(buffer: bytes | bytearray, pos: int) -> bool:
    """Whether a chunked body starting at `pos` has arrived up to its last chunk and trailers;
    True also when it is malformed (the parser will say so)."""
    while True:
        eol = buffer.find(b"\r\n", pos)
        if eol < 0:
            return False
        digits = bytes(buffer[pos:eol]).split(b";", 1)[0].strip()
        if not CHUNK_SIZE.fullmatch(digits):
            return True  # "-6", "+6", "1_0", "0x6": int() takes them, the parser refuses them
        size = int(digits, 16)
        if size == 0:
            return buffer.find(b"\r\n\r\n", eol) >= 0
        pos = eol + 2 + size + 2
        if pos > len(buffer):
            return False


class _DeadlineSocket:
    """The client's socket as the request parser reads it: no read may go past `deadline`."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def recv(self, size: int) -> bytes:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive within its time limit")
        prior = self._sock.gettimeout()
        self._sock.settimeout(left if prior is None else min(prior, left))
        try:
            return self._sock.recv(size)
        finally:
            self._sock.settimeout(prior)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class BufferedThreadWorker(gthread.ThreadWorker):
    """`gthread`, with requests read by the event loop before a thread serves them."""

    def init_process(self) -> None:
        self.limit = float(Settings.from_env().request_timeout_seconds)
        self.reading: set[Any] = set()  # connections whose request the loop is reading
        self.buffered = 0  # bytes of their requests the loop holds
        self.buffering = not self.cfg.is_ssl and self.cfg.http2_cleartext not in (
            "prior-knowledge",
            "both",
        )
        util.write_error = write_json_error  # gunicorn's own error answers, as JSON
        super().init_process()

    def enqueue_req(self, conn: Any) -> None:
        """Read the request in the loop first; a thread gets it once it is all in."""
        if getattr(conn, "ready", False) or not self.buffering:
            conn.ready = False
            super().enqueue_req(conn)
            return
        now = time.monotonic()
        pending = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        conn.buffer = bytearray(pending)
        self.buffered += len(pending)
        conn.began = now if pending else None
        idle = IDLE_SECONDS if conn.parser is None else float(self.cfg.keepalive)
        conn.idle_until = now + max(idle, 1.0)
        conn.sock.setblocking(False)
        if pending and request_ready(conn.buffer):
            self.dispatch(conn)
            return
        self.reading.add(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_request_bytes, conn))

    def on_request_bytes(self, conn: Any, _sock: Any) -> None:
        try:
            data = conn.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self.forget(conn)
            return
        if conn.began is None:
            conn.began = time.monotonic()
        conn.buffer += data
        self.buffered += len(data)
        if request_ready(conn.buffer) or self.buffered > BUFFERED_LIMIT:
            self.poller.unregister(conn.sock)
            self.reading.discard(conn)
            self.dispatch(conn)

    def dispatch(self, conn: Any) -> None:
        """Hand the request read so far to the parser, and the connection to a thread (or, for
        a probe, serve it here)."""
        self.buffered -= len(conn.buffer)
        conn.sock.setblocking(True)
        conn.init()
        conn.parser.unreader.unread(bytes(conn.buffer))
        deadline = conn.began + self.limit
        probe = conn.buffer.lstrip(b"\r\n").startswith(PROBES) and request_ready(conn.buffer)
        if probe:
            deadline = min(deadline, time.monotonic() + PROBE_SECONDS)
        conn.deadline = deadline
        conn.parser.unreader.sock = _DeadlineSocket(conn.sock, deadline)
        conn.buffer = bytearray()
        conn.data_ready = True
        conn.ready = True
        if not probe:
            self.enqueue_req(conn)
            return
        conn.ready = False
        done: futures.Future[Any] = futures.Future()
        try:
            done.set_result(self.handle(conn))
        except Exception as exc:  # handle() catches what a request raises; this is a bug
            done.set_exception(exc)
        self.finish_request(conn, done)

    def handle(self, conn: Any) -> Any:
        _local.deadline = getattr(conn, "deadline", None)
        try:
            return super().handle(conn)
        finally:
            _local.deadline = None

    def murder_pending(self) -> None:
        """Also end requests the loop reads: 408 past the time limit, a close when idle."""
        super().murder_pending()
        now = time.monotonic()
        for conn in list(self.reading):
            if conn.began is None and now >= conn.idle_until:
                self.forget(conn)
            elif conn.began is not None and now >= conn.began + self.limit:
                limit = f"{self.limit:g}"
                answer = error_answer(
                    408,
                    "Request Timeout",
                    f"the request (headers and body) did not arrive within {limit} s",
                )
                with contextlib.suppress(OSError):
                    conn.sock.send(answer)
                self.log.warning("request not received within %s s from %s", limit, conn.client)
                self.forget(conn)

    def forget(self, conn: Any) -> None:
        """Close a connection the loop was reading from."""
        self.reading.discard(conn)
        self.buffered -= len(conn.buffer)
        conn.buffer = bytearray()
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)
        self.nr_conns -= 1
        conn.close()
