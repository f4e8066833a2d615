"""Engineers' open pages hold streams (server-sent events) on gunicorn as production runs
it: every stream hears of a tick within a couple of seconds, whichever worker holds it,
and the streams hold no database connection, so requests still find one."""

import re
import socket
import time

import pytest

from tests.concurrency.conftest import _serve

pytestmark = pytest.mark.concurrency

STREAMS = 12


def serve_streams(tmp_path, **settings: str):
    """gunicorn whose every worker has room for all the test's streams, however the workers
    share them out, and threads besides for the requests."""
    yield from _serve(
        tmp_path,
        1,
        GUNICORN_THREADS=str(STREAMS + 8),
        FIXTRACKER_LIVE_STREAMS=str(STREAMS),
        **settings,
    )


@pytest.fixture
def served(tmp_path):
    # Two workers; on PostgreSQL, a pool of 2 connections each.
    yield from serve_streams(tmp_path, WEB_CONCURRENCY="2", DATABASE_POOL_SIZE="2")


def open_stream(served, session: str) -> socket.socket:
    host, port = served.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(
        f"GET /plans/{served.plan}/events/ HTTP/1.1\r\nHost: {host}\r\n"
        f"Cookie: sessionid={session}\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    head = b""
    while b"retry:" not in head:
        chunk = sock.recv(4096)
        assert chunk, head
        head += chunk
    assert head.startswith(b"HTTP/1.1 200"), head
    return sock


def versions_told(sock: socket.socket, seconds: float) -> list[int]:
    """The versions a stream sends within `seconds`, once it has sent one."""
    told, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline and b"data:" not in told:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            told += sock.recv(4096)
        except TimeoutError:
            break
    return [int(v) for v in re.findall(rb"data: (\d+)\n\n", told)]


def test_every_stream_hears_of_a_tick_and_none_holds_a_connection(served):
    streams = [open_stream(served, served.sessions[i]) for i in range(STREAMS)]
    try:
        ticked = time.monotonic()
        # More requests than the two pools' four connections, while twelve streams wait.
        for i in range(4):
            status, _ = served.client(i).post(
                f"/plans/{served.plan}/rows/tasks/{served.tasks[i]}/done/", {"done": "true"}
            )
            assert status == 200

        told = [versions_told(sock, 5) for sock in streams]

        assert all(versions for versions in told), told
        assert time.monotonic() - ticked < 5
        status, page = served.client(0).get(f"/plans/{served.plan}/")
        assert status == 200
        assert "4 of 51 checkboxes ticked" in page
    finally:
        for sock in streams:
            sock.close()


@pytest.fixture
def recycled(tmp_path):
    # One worker replaced after a few requests, as max_requests does in production.
    yield from serve_streams(
        tmp_path,
        WEB_CONCURRENCY="1",
        GUNICORN_CMD_ARGS="--max-requests 20 --max-requests-jitter 0",
    )


def test_a_worker_replaced_after_max_requests_ends_its_streams_at_once(recycled):
    stream = open_stream(recycled, recycled.sessions[0])
    client = recycled.client(1)
    try:
        for _ in range(20):
            client.get("/healthz")
        asked = time.monotonic()
        stream.settimeout(10)
        rest = b""
        while chunk := stream.recv(4096):  # the stream ends: the worker does not wait on it
            rest += chunk
        ended = time.monotonic() - asked
        assert rest.endswith(b"0\r\n\r\n"), rest
        assert ended < 5
        # And the new worker answers.
        assert client.get("/healthz")[0] == 200
    finally:
        stream.close()
