"""Against a live gunicorn with the service's worker (service/http/server.py): slow clients and
waiters cannot starve the probes or other clients, the time limit holds for the whole request,
and gunicorn's own errors come in the one JSON shape with an X-Request-ID (issue 15).

One worker of two threads, so that three abusers would be enough to starve a plain `gthread`."""

from __future__ import annotations

import contextlib
import http.client
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bench._server import GunicornServer, free_port

pytestmark = pytest.mark.slow

LIMIT = 3  # SUMMARY_REQUEST_TIMEOUT_SECONDS
DOCUMENT = {"id": "a1", "text": "The river flooded the valley. Roads were closed."}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GunicornServer]:
    env = {
        "SUMMARY_REQUEST_TIMEOUT_SECONDS": str(LIMIT),
        "SUMMARY_EMBEDDED_WORKER": "false",  # briefs stay queued: a ?wait= waits all its time
        "SUMMARY_MAX_WAITERS": "1",
        "SUMMARY_RATE_LIMIT": "",
    }
    folder = tmp_path_factory.mktemp("slow-clients")
    with GunicornServer(folder, workers=1, threads=2, env=env) as live:
        assert requests.post(f"{live.url}/v1/documents", json=DOCUMENT, timeout=30).ok
        yield live


def _open(server: GunicornServer, head: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=LIMIT + 10)
    sock.sendall(head)
    return sock


def _answer(sock: socket.socket) -> tuple[int, dict[str, str], dict]:
    raw = b""
    while chunk := sock.recv(65536):
        raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body)


def _timed_get(server: GunicornServer, path: str) -> tuple[int, float]:
    started = time.monotonic()
    response = requests.get(f"{server.url}{path}", timeout=LIMIT * 3)
    return response.status_code, time.monotonic() - started


SLOW_BODY = (
    b"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: 500\r\n\r\n{"
)
SLOW_HEADERS = b"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nX-One: 1\r\n"


def test_slow_sockets_hold_no_thread_and_are_cut_at_the_time_limit(server):
    started = time.monotonic()
    slow = [_open(server, SLOW_BODY) for _ in range(4)] + [
        _open(server, SLOW_HEADERS) for _ in range(4)
    ]
    for round_ in range(2):
        time.sleep(0.5)
        for sock in slow:  # a byte at a time: never quiet long enough for a per-read timeout
            sock.sendall(b" " if sock in slow[:4] else f"X-{round_}: 1\r\n".encode())
        for path in ("/healthz", "/v1/documents", "/readyz"):
            status, seconds = _timed_get(server, path)
            assert status == 200 and seconds < 1, (path, seconds)
    for sock in slow:
        status, headers, body = _answer(sock)
        sock.close()
        assert status == 408 and body["error"]["code"] == "request_timeout"
        assert headers["Content-Type"] == "application/json" and headers["X-Request-ID"]
    assert LIMIT - 0.5 <= time.monotonic() - started <= LIMIT + 2.5


def test_trickled_expect_and_large_bodies_hold_no_thread(server):
    """Bodies after `Expect: 100-continue` and over 1 MB were read by request threads: four of
    each, a byte at a time, held both threads (issue 23). The loop reads them now."""
    expect = _open(
        server,
        b"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Expect: 100-continue\r\nContent-Length: 1000\r\n\r\n",
    )
    expect.settimeout(5)
    assert expect.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
    slow = [expect] + [
        _open(
            server,
            b"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + (
                b"Expect: 100-continue\r\nContent-Length: 1000\r\n\r\n"
                if i % 2
                else b"Content-Length: 2000000\r\n\r\n" + b" " * 1_100_000
            ),
        )
        for i in range(7)
    ]
    try:
        for _ in range(3):
            time.sleep(0.2)
            for sock in slow:
                sock.sendall(b" ")
            # the time limit (3 s) would free a held thread; the answer must come before it
            assert requests.get(f"{server.url}/v1/documents", timeout=2).status_code == 200
    finally:
        for sock in slow:
            sock.close()


def test_waiters_beyond_the_limit_are_429_and_the_probe_stays_fast(server):
    job = requests.post(f"{server.url}/v1/briefs", json={}, timeout=10).json()
    path = f"/v1/briefs/{job['id']}?wait=2"
    waiting = _open(server, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    time.sleep(0.3)
    try:
        refused = requests.get(f"{server.url}{path}", timeout=5)
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_waiters"
        assert refused.headers["Retry-After"]
        for probe in ("/healthz", f"/v1/briefs/{job['id']}"):
            status, seconds = _timed_get(server, probe)
            assert status == 200 and seconds < 1, (probe, seconds)
    finally:
        waiting.close()


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /v1/documents?x=" + b"a" * 5000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414),
        (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
        (
            b"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
        ),
        (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Nul: a\x00b\r\n\r\n", 400),
        (b"NOT A REQUEST\r\n\r\n", 400),
    ],
)
def test_gunicorns_own_errors_are_the_json_error_shape(server, request_bytes, status):
    with _open(server, request_bytes) as sock:
        got, headers, body = _answer(sock)
    assert got == status and body["error"]["status"] == status
    assert set(body["error"]) == {"status", "code", "message", "field"}
    assert headers["Content-Type"] == "application/json" and len(headers["X-Request-ID"]) == 32


def test_a_chunked_body_and_a_kept_alive_connection_still_work(server):
    def chunks() -> Iterator[bytes]:
        yield b'{"id": "c1", '
        yield b'"text": "Sent in chunks. Two of them."}'

    with requests.Session() as session:
        created = session.post(
            f"{server.url}/v1/documents",
            data=chunks(),
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        for _ in range(3):
            assert session.get(f"{server.url}/healthz", timeout=5).status_code == 200
            assert session.get(f"{server.url}/v1/documents/c1", timeout=5).status_code == 200


def test_a_request_after_a_probe_on_a_kept_alive_connection_is_answered(server):
    """The loop answers /healthz itself; the connection then went back on the poller and was
    taken off it again, so the next request sat unread until the keep-alive limit closed the
    socket under it (a reset, seen by clients that reuse connections)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=LIMIT + 10)
    try:
        for path in ("/healthz", "/v1/documents", "/healthz", "/healthz", "/v1/documents"):
            connection.request("GET", path, headers={"Host": "127.0.0.1"})
            response = connection.getresponse()
            response.read()
            assert response.status == 200, path
            assert not response.will_close, path
    finally:
        connection.close()


def test_negative_chunk_sizes_are_refused_at_once_and_the_probe_stays_up(server):
    """Two 112-byte requests with a chunk size of -6 hung the event loop for minutes."""
    head = (
        b"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    socks = [_open(server, head + size + b"\r\n") for size in (b"-6", b"-8;x")]
    for sock in socks:
        sock.settimeout(5)
        status, _, body = _answer(sock)
        sock.close()
        assert status == 400
        assert body["error"]["status"] == 400
    assert _timed_get(server, "/healthz")[0] == 200


def test_a_rebound_host_and_a_cross_site_post_are_refused_from_outside(server):
    """DNS rebinding and a cross-site "simple" POST reached the data of a keyless service."""
    for request_bytes, status, code in (
        (
            b"GET /v1/documents HTTP/1.1\r\nHost: attacker.test\r\nConnection: close\r\n\r\n",
            400,
            "host_not_allowed",
        ),
        (
            b"POST /v1/briefs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
            b"Origin: http://attacker.test\r\nConnection: close\r\n\r\n",
            403,
            "cross_site_request",
        ),
        (
            b"POST /v1/briefs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
            b"Connection: close\r\n\r\n",
            415,
            "unsupported_media_type",
        ),
    ):
        with _open(server, request_bytes) as sock:
            got, _, body = _answer(sock)
        assert (got, body["error"]["code"]) == (status, code)


NGINX_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"


@pytest.fixture(scope="module")
def proxy(server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """deploy/nginx.conf (docker-compose's proxy) in front of the server, when nginx is here."""
    nginx = shutil.which("nginx", path="/usr/sbin:/usr/local/sbin:/usr/bin:/usr/local/bin")
    if nginx is None:
        pytest.skip("nginx is not installed")
    port = free_port()
    conf = (
        NGINX_CONF.read_text()
        .replace("server api:8000;", f"server 127.0.0.1:{server.port};")
        .replace("listen 8080;", f"listen 127.0.0.1:{port};")
    )
    path = tmp_path_factory.mktemp("proxy") / "nginx.conf"
    path.write_text(conf)
    process = subprocess.Popen(
        [nginx, "-c", str(path), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{url}/healthz", timeout=2).ok:
                    break
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def test_the_proxy_passes_requests_on_and_answers_its_own_errors_as_json(proxy):
    answered = requests.get(f"{proxy}/v1/documents/a1", headers={"X-Request-ID": "r-1"}, timeout=5)
    assert answered.status_code == 200 and answered.headers["X-Request-ID"] == "r-1"
    for response, status in [
        (requests.get(f"{proxy}/v1/documents?x={'a' * 9000}", timeout=5), 414),
        (requests.post(f"{proxy}/v1/documents", data=b"x" * (17 << 20), timeout=30), 413),
    ]:
        assert response.status_code == status
        assert response.headers["Content-Type"] == "application/json"
        assert response.json()["error"]["status"] == status and response.headers["X-Request-ID"]
