"""`python -m bench abuse [--json]`: how fast `/healthz` answers while clients abuse the
service: idle, under two sockets sending a chunk size of -6 again and again, two dripping one-byte
chunks, `--slow` (10) trickling bodies after `Expect: 100-continue` (issue 23), `--waiters` (20)
concurrent `GET /v1/briefs/<id>?wait=60`, `--slow` sockets that trickle a body one byte at a time,
and as many that trickle their headers. Beside the probes, `GET /v1/documents` every 0.1 s says
whether the API (a request thread, not the loop) answers too.

Each scenario gets a fresh gunicorn (2 workers of 4 threads, as the README recommends) on a fresh
SQLite store on 127.0.0.1, with no job worker, so that a brief stays queued and every `?wait=`
waits its whole time. For `--seconds` (15) a prober asks `/healthz` on a new connection every
0.1 s, as an orchestrator would (timeout 60 s), while the abusers run; it reports the probes'
p50/p99/max, how many timed out, what the waiters were answered, and when the server cut each
slow socket off (`SUMMARY_REQUEST_TIMEOUT_SECONDS`, set to `--limit`, 10, for the bench).
Nothing leaves the machine. Needs the dev extras (`requests`).
"""

from __future__ import annotations

import argparse
import json
import select
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench._server import GunicornServer
from bench.load import percentiles

PROBE_EVERY = 0.1
PROBE_TIMEOUT = 60.0
DOCUMENT = {"id": "abuse-1", "text": "The river flooded the valley. Roads were closed at dawn."}


@dataclass
class Scenario:
    name: str
    probes: list[float] = field(default_factory=list)
    probe_failures: int = 0
    answers: Counter[str] = field(default_factory=Counter)  # what the abusers got back
    cut_after: list[float] = field(default_factory=list)  # seconds until the server closed one
    api: list[float] = field(default_factory=list)  # GET /v1/documents beside the probes
    api_failures: int = 0

    def figures(self) -> dict[str, Any]:
        return {
            "probes": len(self.probes),
            **percentiles(self.probes),
            "probe_failures": self.probe_failures,
            "api": {**percentiles(self.api), "failures": self.api_failures},
            "abusers_answered": dict(self.answers),
            "slow_sockets_cut": len(self.cut_after),
            "slow_sockets_cut_after_s": (
                [round(min(self.cut_after), 1), round(max(self.cut_after), 1)]
                if self.cut_after
                else None
            ),
        }


def probe(server: GunicornServer, scenario: Scenario, until: float) -> None:
    """Ask /healthz on a fresh connection every PROBE_EVERY seconds until `until`."""
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            response = requests.get(
                f"{server.url}/healthz", timeout=PROBE_TIMEOUT, headers={"Connection": "close"}
            )
            if response.status_code != 200:
                scenario.probe_failures += 1
        except requests.RequestException:
            scenario.probe_failures += 1
        scenario.probes.append(time.monotonic() - started)
        time.sleep(PROBE_EVERY)


def _status(answer: bytes) -> str:
    line = answer.split(b"\r\n", 1)[0].split()
    return line[1].decode("ascii", "replace") if len(line) > 1 else "closed"


def _read_until(sock: socket.socket, until: float) -> bytes | None:
    """What the server sends until it closes or `until`; None when it said nothing by then."""
    answer = b""
    while (left := until - time.monotonic()) > 0:
        readable, _, _ = select.select([sock], [], [], left)
        if not readable:
            break
        try:
            chunk = sock.recv(65536)
        except OSError:
            return answer
        if not chunk:
            return answer
        answer += chunk
    return answer or None


def waiter(server: GunicornServer, job_id: str, scenario: Scenario, until: float) -> None:
    """Wait on the queued brief; when answered (e.g. 429), wait again after Retry-After."""
    while time.monotonic() < until:
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(
                f"GET /v1/briefs/{job_id}?wait=60 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            answer = _read_until(sock, until)
        if answer is None:
            return
        scenario.answers[_status(answer)] += 1
        retry = 1.0
        for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
            if line.lower().startswith(b"retry-after:"):
                retry = float(line.split(b":", 1)[1])
        time.sleep(min(retry, max(0.0, until - time.monotonic())))


def trickler(
    server: GunicornServer, scenario: Scenario, until: float, every: float, headers: bool
) -> None:
    """One socket sending a request a byte (a body) or a header line (headers) at a time."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        head = "POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if not headers:
            head += "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        sock.sendall(head.encode())
        line = 0
        while time.monotonic() < until:
            answer = _read_until(sock, min(until, time.monotonic() + every))
            if answer is not None:  # the server answered (408) or closed: cut off
                scenario.cut_after.append(time.monotonic() - started)
                scenario.answers[_status(answer)] += 1
                return
            line += 1
            try:
                sock.sendall(f"X-Slow-{line}: {line}\r\n".encode() if headers else b" ")
            except OSError:
                scenario.cut_after.append(time.monotonic() - started)
                scenario.answers["closed"] += 1
                return
        scenario.answers["still open at the end"] += 1


CHUNKED_HEAD = (
    b"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n"
)


def negative_chunk(server: GunicornServer, scenario: Scenario, until: float) -> None:
    """Send a chunk size of -6 (which hung the old reader's loop) again and again (issue 23)."""
    while time.monotonic() < until:
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(CHUNKED_HEAD + b"-6\r\n")
            answer = _read_until(sock, until)
        if answer is None:
            return
        scenario.answers[_status(answer)] += 1
        time.sleep(0.2)


def chunk_drip(server: GunicornServer, scenario: Scenario, until: float) -> None:
    """900 KB of one-byte chunks, then one every 10 ms (the old reader re-parsed from the start);
    again on a new connection whenever the server answers or closes this one."""
    while time.monotonic() < until:
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            try:
                sock.sendall(CHUNKED_HEAD)
                for _ in range(15):  # 900 KB in all
                    sock.sendall(b"1\r\n \r\n" * 10_000)
                while time.monotonic() < until:
                    time.sleep(0.01)
                    sock.sendall(b"1\r\n \r\n")
            except OSError:
                answer = _read_until(sock, min(until, time.monotonic() + 1))
                scenario.answers[_status(answer) if answer else "closed"] += 1
                time.sleep(0.2)
                continue
        scenario.answers["still open at the end"] += 1
        return


def expect_trickler(server: GunicornServer, scenario: Scenario, until: float, every: float) -> None:
    """`Expect: 100-continue`, then a body byte every `every` s (they held request threads)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(
            b"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
            b"\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n\r\n"
        )
        while time.monotonic() < until:
            answer = _read_until(sock, min(until, time.monotonic() + every))
            if answer is not None and not answer.startswith(b"HTTP/1.1 100"):
                scenario.cut_after.append(time.monotonic() - started)
                scenario.answers[_status(answer)] += 1
                return
            try:
                sock.sendall(b" ")
            except OSError:
                scenario.answers["closed"] += 1
                return
        scenario.answers["still open at the end"] += 1


def api_prober(server: GunicornServer, scenario: Scenario, until: float) -> None:
    """`GET /v1/documents` every 0.1 s beside the probes: the API, not only the loop, answers."""
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            requests.get(f"{server.url}/v1/documents", timeout=PROBE_TIMEOUT).raise_for_status()
        except requests.RequestException:
            scenario.api_failures += 1
        scenario.api.append(time.monotonic() - started)
        time.sleep(max(0.0, PROBE_EVERY - (time.monotonic() - started)))


def run_scenario(
    workdir: Path, name: str, seconds: float, limit: int, abusers: Callable[..., list[Any]]
) -> Scenario:
    scenario = Scenario(name)
    env = {
        "SUMMARY_EMBEDDED_WORKER": "false",  # briefs stay queued: every ?wait= waits it all
        "SUMMARY_REQUEST_TIMEOUT_SECONDS": str(limit),
        "SUMMARY_MAX_WAIT_SECONDS": "60",
        "SUMMARY_RATE_LIMIT": "",
    }
    with GunicornServer(workdir / name.replace(" ", "-"), workers=2, threads=4, env=env) as server:
        stored = requests.post(f"{server.url}/v1/documents", json=DOCUMENT, timeout=30)
        stored.raise_for_status()
        job = requests.post(f"{server.url}/v1/briefs", json={}, timeout=30).json()
        until = time.monotonic() + seconds
        threads = [
            threading.Thread(target=target, args=args, daemon=True)
            for target, args in abusers(server, job["id"], scenario, until)
        ]
        threads.append(
            threading.Thread(target=api_prober, args=(server, scenario, until), daemon=True)
        )
        for thread in threads:
            thread.start()
        time.sleep(min(1.0, seconds / 10))  # the abusers are in before the first probe
        probe(server, scenario, until)
        for thread in threads:
            thread.join(timeout=PROBE_TIMEOUT)
        server.kill_all()  # waits still running would only delay a graceful stop
    return scenario


def measure(seconds: float, waiters: int, slow: int, every: float, limit: int) -> dict[str, Any]:
    def no_one(*_: Any) -> list[Any]:
        return []

    def waiting(server: GunicornServer, job_id: str, s: Scenario, until: float) -> list[Any]:
        return [(waiter, (server, job_id, s, until)) for _ in range(waiters)]

    def slow_bodies(server: GunicornServer, _job: str, s: Scenario, until: float) -> list[Any]:
        return [(trickler, (server, s, until, every, False)) for _ in range(slow)]

    def slow_headers(server: GunicornServer, _job: str, s: Scenario, until: float) -> list[Any]:
        return [(trickler, (server, s, until, every, True)) for _ in range(slow)]

    def negative(server: GunicornServer, _job: str, s: Scenario, until: float) -> list[Any]:
        return [(negative_chunk, (server, s, until)) for _ in range(2)]

    def drip(server: GunicornServer, _job: str, s: Scenario, until: float) -> list[Any]:
        return [(chunk_drip, (server, s, until)) for _ in range(2)]

    def expecting(server: GunicornServer, _job: str, s: Scenario, until: float) -> list[Any]:
        return [(expect_trickler, (server, s, until, every)) for _ in range(slow)]

    scenarios = {
        "idle": no_one,
        "2 negative chunks": negative,
        "2 chunk drips": drip,
        f"{slow} Expect bodies": expecting,
        f"{waiters} waiters": waiting,
        f"{slow} slow bodies": slow_bodies,
        f"{slow} slow headers": slow_headers,
    }
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="summary-abuse-") as tmp:
        for name, abusers in scenarios.items():
            results[name] = run_scenario(Path(tmp), name, seconds, limit, abusers).figures()
    return {
        "config": {
            "workers": 2,
            "threads": 4,
            "seconds": seconds,
            "waiters": waiters,
            "slow_sockets": slow,
            "trickle_every_s": every,
            "request_timeout_s": limit,
        },
        "scenarios": results,
    }


def _print(result: dict[str, Any]) -> None:
    c = result["config"]
    print(
        f"/healthz on a fresh connection every {PROBE_EVERY} s for {c['seconds']} s; "
        f"{c['workers']} workers x {c['threads']} threads; request limit {c['request_timeout_s']} s"
    )
    for name, s in result["scenarios"].items():
        cut = s["slow_sockets_cut_after_s"]
        print(
            f"  {name:<16} probes {s['probes']:>4}  p50 {s.get('p50_ms', '-'):>8} ms  "
            f"p99 {s.get('p99_ms', '-'):>8} ms  max {s.get('max_ms', '-'):>8} ms  "
            f"failed {s['probe_failures']}  API p99 {s['api'].get('p99_ms', '-')} ms "
            f"max {s['api'].get('max_ms', '-')} ms failed {s['api']['failures']}"
            + (f"  abusers got {s['abusers_answered']}" if s["abusers_answered"] else "")
            + (f"  cut after {cut[0]}-{cut[1]} s" if cut else "")
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench abuse", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=15.0, help="probing time per scenario")
    parser.add_argument("--waiters", type=int, default=20)
    parser.add_argument("--slow", type=int, default=10, help="slow sockets (bodies, headers)")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between trickles")
    parser.add_argument("--limit", type=int, default=10, help="request time limit, seconds")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = measure(args.seconds, args.waiters, args.slow, args.every, args.limit)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
