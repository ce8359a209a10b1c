"""The time limit of a request on the live gunicorn: a body that trickles in is cut off with a 408
in the error shape, and the service goes on answering others meanwhile."""

from __future__ import annotations

import json
import socket
import time

import pytest
import requests

pytestmark = pytest.mark.slow


def test_a_body_that_never_arrives_is_answered_408(server, auth):
    limit = float(server.env["SUMMARY_REQUEST_TIMEOUT_SECONDS"])
    head = (
        "POST /v1/documents HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n"
        f"Authorization: {auth['Authorization']}\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 10000\r\n\r\n"
        '{"text": "only the start'
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=limit * 5) as client:
        client.sendall(head.encode())
        started = time.monotonic()
        assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200  # others
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
        elapsed = time.monotonic() - started
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 408"), answer[:300]
    body = json.loads(rest.split(b"\r\n\r\n", 1)[1])
    assert body["error"]["code"] == "request_timeout" and body["error"]["status"] == 408
    assert limit - 1 <= elapsed <= limit + 10
