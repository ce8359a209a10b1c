"""The worker's request reader (service/http/server.py `RequestReader`, h11 underneath): framing
errors are refused at once, a request however it is split arrives whole and the same, and no
input makes it loop or raise anything but `FramingError` (issue 23)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.http.server import FramingError, RequestReader

MAX = 16_000_000
HEAD = b"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"


def _read(data: bytes, *pieces: int) -> RequestReader:
    reader = RequestReader(MAX)
    if not pieces:
        assert reader.feed(data)
        return reader
    cuts = [0, *pieces, len(data)]
    results = [reader.feed(data[a:b]) for a, b in itertools.pairwise(cuts) if b > a]
    assert results[-1] and not any(results[:-1])
    return reader


def _body(reader: RequestReader) -> bytes:
    reader.body.seek(0)
    return bytes(reader.body.read())


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n-6\r\n", 400),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n-8;x\r\n", 400),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n0x6\r\n", 400),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"F" * 18 + b"\r\n", 413),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"F" * 30 + b"\r\n", 400),
        (HEAD + b"Content-Length: " + b"1" + b"0" * 30 + b"\r\n\r\n", 400),  # h11: too long
        (HEAD + b"Content-Length: 16000001\r\n\r\n", 413),
        (HEAD + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
        (HEAD + b"Content-Length: -5\r\n\r\n", 400),
        (HEAD + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (b"GET /\r\n", 400),  # HTTP/0.9: no blank line ever comes
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000, 431),
    ],
)
def test_framing_errors_are_refused_at_once(data, status):
    reader = RequestReader(MAX)
    with pytest.raises(FramingError) as refused:
        reader.feed(data)
    assert refused.value.status == status
    assert "Error" not in refused.value.message and "'" not in refused.value.message


def test_a_drip_of_tiny_chunks_is_refused_and_larger_chunks_are_not():
    """900 KB of one-byte chunks held the old reader's loop for seconds (issue 23)."""
    reader = RequestReader(MAX)
    reader.feed(HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
    with pytest.raises(FramingError) as refused:
        for _ in range(100):
            reader.feed(b"1\r\n \r\n" * 1000)
    assert refused.value.status == 400 and reader.pieces == 1025
    fine = RequestReader(MAX)
    data = HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"40\r\n" + b"x" * 64 + b"\r\n"
    assert not fine.feed(data + (b"40\r\n" + b"x" * 64 + b"\r\n") * 5000)
    assert fine.feed(b"0\r\n\r\n") and fine.size == 64 * 5001


def test_a_chunked_body_arrives_decoded_and_is_handed_on_with_its_length():
    data = HEAD + b"Transfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n1\r\n!\r\n0\r\n\r\n"
    reader = _read(data, len(HEAD) + 10, len(HEAD) + 40)
    assert _body(reader) == b"hello!"
    head = reader.request_bytes()
    assert head.startswith(b"POST /v1/documents HTTP/1.1\r\n")
    assert b"Content-Length: 6\r\n" in head and b"chunked" not in head.lower()


def test_expect_100_continue_is_answered_by_the_loop_and_not_handed_on():
    reader = RequestReader(MAX)
    assert not reader.feed(HEAD + b"Expect: 100-continue\r\nContent-Length: 2\r\n\r\n")
    assert reader.continue_due
    assert reader.feed(b"{}")
    assert b"expect" not in reader.request_bytes().lower()


def test_a_large_body_is_spooled_to_disk():
    body = b"x" * (2 * 1024 * 1024)
    reader = _read(HEAD + b"Content-Length: %d\r\n\r\n" % len(body) + body, len(HEAD) + 30)
    assert reader.body._rolled and _body(reader) == body


def test_a_pipelined_request_is_left_over_for_the_next_read():
    second = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    reader = RequestReader(MAX)
    assert reader.feed(HEAD + b"Content-Length: 2\r\n\r\n{}" + second)
    assert reader.leftover() == second


def test_healthz_is_a_probe_and_nothing_else_is():
    assert _read(b"GET /healthz?x=1 HTTP/1.1\r\nHost: a\r\n\r\n").is_probe()
    assert not _read(b"GET /healthzx HTTP/1.1\r\nHost: a\r\n\r\n").is_probe()
    assert not _read(HEAD + b"Content-Length: 0\r\n\r\n").is_probe()


requests_ = st.builds(
    lambda body, chunked, sizes: (body, chunked, sizes),
    st.binary(max_size=300),
    st.booleans(),
    st.lists(st.integers(min_value=1, max_value=40), max_size=10),
)


@settings(max_examples=200, deadline=None)
@given(requests_, st.lists(st.integers(min_value=0, max_value=600), max_size=8))
def test_a_valid_request_split_anywhere_arrives_whole_and_the_same(case, cuts):
    body, chunked, sizes = case
    if chunked:
        encoded, rest = b"", body
        for size in [*sizes, len(body)]:
            piece, rest = rest[:size], rest[size:]
            if piece:
                encoded += b"%x\r\n%s\r\n" % (len(piece), piece)
        data = HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + encoded + b"0\r\n\r\n"
    else:
        data = HEAD + b"Content-Length: %d\r\n\r\n" % len(body) + body
    points = sorted({c for c in cuts if 0 < c < len(data)})
    reader = _read(data, *points)
    assert _body(reader) == body
    assert b"Content-Length: %d\r\n" % len(body) in reader.request_bytes()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.lists(st.integers(min_value=0, max_value=400), max_size=6))
def test_any_bytes_are_read_refused_or_waited_for_never_anything_else(noise, cuts):
    """Arbitrary bytes after a request line and in its head: each feed returns or raises
    FramingError, and a body never grows past what was sent."""
    for data in (noise, HEAD + noise, HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + noise):
        reader = RequestReader(1000)
        points = [0, *sorted({c for c in cuts if 0 < c < len(data)}), len(data)]
        try:
            for a, b in itertools.pairwise(points):
                if reader.feed(data[a:b]):
                    break
        except FramingError as refused:
            assert refused.status in (400, 413, 431)
        assert reader.size <= len(data)
