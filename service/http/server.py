"""gunicorn's threaded worker, made to hold against slow clients (gunicorn.conf.py's worker_class):
requests are read by its event loop, framed by h11, before a thread is given to them; one time
limit covers the whole request. DEVELOPERS.md ("The worker that holds against slow clients")
says how and why.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import selectors
import socket
import tempfile
import threading
import time
import uuid
from concurrent import futures
from functools import partial
from typing import Any

import h11
from gunicorn import util
from gunicorn.workers import gthread

from service.config import Settings

HEAD_LIMIT = 64 * 1024  # a longer head goes to a thread, whose parser refuses it (414/431)
BODY_BUFFER = 1024 * 1024  # body bytes the loop reads before a thread takes over
BUFFERED_LIMIT = 64 * 1024 * 1024  # bytes the loop holds for all its requests at most
IDLE_SECONDS = 10.0  # a new connection that sends nothing for this long is closed
PROBE_SECONDS = 2.0  # the most the loop spends answering one probe
READ_SIZE = 64 * 1024  # what the loop reads from one socket at a turn
# h11 spends ~15 us per chunk: past FREE_CHUNKS, a body must average MIN_CHUNK bytes a chunk, so
# that a drip of one-byte chunks (6 bytes on the wire each) cannot hold the loop for seconds.
FREE_CHUNKS = 1024
MIN_CHUNK = 64

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


REASONS = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
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


class FramingError(Exception):
    """A request the loop answers itself, at once: `status` and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


REQUEST_LINE = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+ [^ ]+ HTTP/[0-9]\.[0-9]\r?")
FRAMING_MESSAGE = (
    "the request is not valid HTTP/1.1: its request line, headers, Content-Length or chunk "
    "sizes are malformed or conflict"
)
DROPPED = {b"content-length", b"transfer-encoding", b"expect"}


class RequestReader:
    """One HTTP/1.1 request, framed by h11 as its bytes arrive (each byte is parsed once).

    `feed()` takes what the socket gave and says whether the request is complete; it raises
    `FramingError` for anything h11 refuses (negative, huge or malformed chunk sizes, a bad
    request line, HTTP/0.9) and for what the service refuses before the body arrives: both
    `Content-Length` and `Transfer-Encoding`, more than one length, or a body larger than
    `max_body` (413, whether announced by `Content-Length` or by one chunk's size), a body cut
    into more than FREE_CHUNKS chunks averaging under MIN_CHUNK bytes (400). The body,
    decoded from its chunks, is spooled to a temporary file past `BODY_BUFFER` bytes.
    `request_bytes()` is then the request as gunicorn's parser reads it: the same request line
    and headers, with a `Content-Length` for the decoded body and no `Expect` (the loop has
    answered it).
    """

    def __init__(self, max_body: int) -> None:
        self.max_body = max_body
        self.parser = h11.Connection(h11.SERVER, max_incomplete_event_size=HEAD_LIMIT)
        self.request: h11.Request | None = None
        # closed by _RequestSource once gunicorn has read it, or by the worker's forget()
        self.body: Any = tempfile.SpooledTemporaryFile(max_size=BODY_BUFFER)  # noqa: SIM115
        self.size = 0  # decoded body bytes so far
        self.pieces = 0  # h11 Data events so far (one or more per chunk)
        self.line_seen = False
        self.head = bytearray()  # the first bytes, until the request line is checked
        self.complete = False
        self.continue_due = False  # a "100 Continue" the loop must send now

    def feed(self, data: bytes) -> bool:
        """Parse `data`; True once the whole request is in."""
        if not self.line_seen:
            self._check_request_line(data)
        self.parser.receive_data(data)
        while True:
            try:
                event = self.parser.next_event()
            except h11.RemoteProtocolError as exc:
                status = 431 if exc.error_status_hint == 431 else 400
                message = (
                    f"the request head is longer than {HEAD_LIMIT} bytes"
                    if status == 431
                    else FRAMING_MESSAGE
                )
                raise FramingError(status, message) from None
            if event is h11.NEED_DATA:
                self._check_chunk_size()
                return False
            if isinstance(event, h11.Request):
                self._check_head(event)
            elif isinstance(event, h11.Data):
                self.size += len(event.data)
                self.pieces += 1
                if self.size > self.max_body:
                    raise FramingError(413, self._too_large())
                if self.pieces > FREE_CHUNKS and self.pieces * MIN_CHUNK > self.size:
                    raise FramingError(
                        400,
                        f"the chunked body is cut into too many small chunks: past {FREE_CHUNKS}, "
                        f"chunks must average {MIN_CHUNK} bytes",
                    )
                self.body.write(event.data)
            elif isinstance(event, h11.EndOfMessage) or event is h11.PAUSED:
                self.complete = True
                return True
            else:  # ConnectionClosed: the client half-closed before its request was whole
                raise FramingError(400, "the connection closed before the request was complete")

    def _check_request_line(self, data: bytes) -> None:
        self.head += data
        text = bytes(self.head).lstrip(b"\r\n")
        end = text.find(b"\n")
        if end < 0:
            if len(text) > HEAD_LIMIT:
                raise FramingError(431, f"the request head is longer than {HEAD_LIMIT} bytes")
            return
        if not REQUEST_LINE.fullmatch(text[:end]):  # HTTP/0.9 ("GET /") waits for no blank line
            raise FramingError(400, FRAMING_MESSAGE)
        self.line_seen = True
        self.head = bytearray()

    def _check_head(self, event: h11.Request) -> None:
        self.request = event
        names = [name for name, _ in event.headers]
        lengths = [value for name, value in event.headers if name == b"content-length"]
        if b"transfer-encoding" in names and lengths:
            raise FramingError(400, "the request has both Content-Length and Transfer-Encoding")
        if lengths and int(lengths[0]) > self.max_body:
            raise FramingError(413, self._too_large())
        self.continue_due = self.parser.they_are_waiting_for_100_continue

    def _check_chunk_size(self) -> None:
        """A chunk announced larger than what is left of the allowance is refused now, not
        once its bytes have come (h11 keeps what is left of the chunk in its reader)."""
        left = getattr(self.parser._reader, "_bytes_in_chunk", 0)
        if self.size + left > self.max_body:
            raise FramingError(413, self._too_large())

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_body} bytes"

    def is_probe(self) -> bool:
        """Whether this is `GET /healthz` (or HEAD), which the loop serves itself."""
        request = self.request
        if request is None or request.method not in (b"GET", b"HEAD"):
            return False
        return request.target == b"/healthz" or request.target.startswith(b"/healthz?")

    def request_bytes(self) -> bytes:
        """The request line and headers as gunicorn's parser reads them (the body follows)."""
        assert self.request is not None
        request = self.request
        version = request.http_version
        lines = [b"%s %s HTTP/%s" % (request.method, request.target, version)]
        lines += [
            b"%s: %s" % (name, value)
            for name, value in request.headers.raw_items()
            if name.lower() not in DROPPED
        ]
        if self.size or request.method not in (b"GET", b"HEAD"):
            lines.append(b"Content-Length: %d" % self.size)
        return b"\r\n".join(lines) + b"\r\n\r\n"

    def leftover(self) -> bytes:
        """Bytes the client sent after this request (a pipelined next one)."""
        data, _ = self.parser.trailing_data
        return bytes(data)


class _RequestSource:
    """What gunicorn's parser reads for a request the loop has read: its head, the body from
    the spool, then the client's socket (a kept-alive connection's next request)."""

    def __init__(self, head: bytes, body: Any, rest: bytes, sock: Any) -> None:
        body.seek(0)
        self._parts: list[Any] = [io.BytesIO(head), body, io.BytesIO(rest)]
        self._sock = sock

    def recv(self, size: int) -> bytes:
        while self._parts:
            data = self._parts[0].read(size)
            if data:
                return bytes(data)
            self._parts.pop(0).close()
        return bytes(self._sock.recv(size))

    def unread(self) -> bytes:
        """What gunicorn has not read of the parts (given back to the loop after an answer)."""
        data = b"".join(part.read() for part in self._parts)
        for part in self._parts:
            part.close()
        self._parts = []
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


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
        settings = Settings.from_env()
        self.limit = float(settings.request_timeout_seconds)
        self.max_body = settings.max_request_bytes
        self.reading: set[Any] = set()  # connections whose request the loop is reading
        self.buffered = 0  # body bytes the loop holds in memory for them
        self.spooled = 0  # body bytes the loop holds on disk for them
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
        # a kept-alive connection: what the parser read ahead, a pipelined next request
        pending = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        conn.reader = RequestReader(self.max_body)
        conn.held = 0
        conn.on_disk = False
        conn.began = now if pending else None
        idle = IDLE_SECONDS if conn.parser is None else float(self.cfg.keepalive)
        conn.idle_until = now + max(idle, 1.0)
        conn.sock.setblocking(False)
        self.reading.add(conn)
        if pending and self.take(conn, pending):
            return
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
        self.take(conn, data)

    def take(self, conn: Any, data: bytes) -> bool:
        """Parse what the client sent; True once the connection has left the loop's reading
        (its request handed on, or refused)."""
        reader: RequestReader = conn.reader
        try:
            complete = reader.feed(data)
        except FramingError as refused:
            self.refuse(conn, refused.status, refused.message)
            return True
        self.hold(conn, reader.size)
        if reader.continue_due:
            reader.continue_due = False
            with contextlib.suppress(OSError):
                conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        if not complete:
            return False
        self.reading.discard(conn)
        self.release(conn)
        # Off the poller before the request is served: a probe is answered here, and its
        # kept-alive connection registered again for the next request, which an unregister
        # after dispatch would undo (the next request then sat unread until the keep-alive
        # murder closed the socket under it: a reset).
        with contextlib.suppress(KeyError, ValueError):
            self.poller.unregister(conn.sock)
        self.dispatch(conn)
        return True

    def hold(self, conn: Any, size: int) -> None:
        """Count the body bytes a connection holds; past `BUFFERED_LIMIT` in memory for all
        connections, its body goes to disk now rather than at `BODY_BUFFER`."""
        grown = size - conn.held
        conn.held = size
        if conn.on_disk:
            self.spooled += grown
            return
        self.buffered += grown
        if size > BODY_BUFFER or self.buffered > BUFFERED_LIMIT:
            conn.reader.body.rollover()
            conn.on_disk = True
            self.buffered -= size
            self.spooled += size

    def release(self, conn: Any) -> None:
        if conn.on_disk:
            self.spooled -= conn.held
        else:
            self.buffered -= conn.held
        conn.held = 0

    def dispatch(self, conn: Any) -> None:
        """Hand the request to gunicorn's parser, and the connection to a thread (or, for a
        probe, serve it here)."""
        reader: RequestReader = conn.reader
        conn.reader = None
        conn.sock.setblocking(True)
        conn.init()
        deadline = conn.began + self.limit
        probe = reader.is_probe()
        if probe:
            deadline = min(deadline, time.monotonic() + PROBE_SECONDS)
        conn.deadline = deadline
        conn.source = _RequestSource(
            reader.request_bytes(),
            reader.body,
            reader.leftover(),
            _DeadlineSocket(conn.sock, deadline),
        )
        conn.parser.unreader.sock = conn.source
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

    def finish_request(self, conn: Any, fs: futures.Future[Any]) -> None:
        """A kept-alive connection's bytes the loop read past the answered request go back to
        the parser's buffer, where gunicorn looks for a next request before polling."""
        source = getattr(conn, "source", None)
        conn.source = None
        if source is not None:
            rest = source.unread()
            if rest and not fs.cancelled() and fs.exception() is None and fs.result():
                conn.parser.unreader.unread(rest)
        super().finish_request(conn, fs)

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
                self.log.warning("request not received within %s s from %s", limit, conn.client)
                self.refuse(
                    conn, 408, f"the request (headers and body) did not arrive within {limit} s"
                )

    def refuse(self, conn: Any, status: int, message: str) -> None:
        """Answer a request the loop reads with an error, and close its connection."""
        answer = error_answer(status, REASONS.get(status, "Bad Request"), message)
        with contextlib.suppress(OSError):
            conn.sock.send(answer)
        self.forget(conn)

    def forget(self, conn: Any) -> None:
        """Close a connection the loop was reading from."""
        self.reading.discard(conn)
        self.release(conn)
        if conn.reader is not None:
            conn.reader.body.close()
            conn.reader = None
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)
        self.nr_conns -= 1
        conn.close()
