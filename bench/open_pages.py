"""Issue 14's budget: 200 engineers' open pages on one plan must not load the server more
than 200 stakeholder pages on it do.

A stakeholder page asks every FIXTRACKER_POLL_SECONDS whether the plan changed (a 304); an
engineer's page holds a stream open and is told (plans/watch.py). The two cost the server
in different ways, so both are measured the same way: the CPU time the server's processes
(gunicorn's and PostgreSQL's) spend per second while the 200 pages are open on a plan that
does not change, read from /proc. A stream also costs its opening, once per
FIXTRACKER_LIVE_STREAM_SECONDS (the browser opens it again when the server ends it): that
is measured too and spread over the stream's life.
"""

import http.client
import os
import selectors
import socket
import time
from pathlib import Path

OPEN_PAGES = 200
TICK = os.sysconf("SC_CLK_TCK")


def server_cpu(gunicorn_pid: int) -> float:
    """CPU seconds so far of gunicorn's master and workers and of every PostgreSQL process."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        pid, parent = int(entry.name), int(fields[1])
        if name.startswith("postgres") or gunicorn_pid in (pid, parent):
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def ask(port: int, path: str, headers: dict) -> http.client.HTTPResponse:
    """One GET on a connection of its own, as a page asking long after its last request
    does; the response, read."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers)
    with connection.getresponse() as response:
        response.read()
    connection.close()
    return response


def stakeholder_pages(port: int, gunicorn_pid: int, token: str, every: int, seconds: float):
    """CPU seconds per second of OPEN_PAGES pages each asking every `every` seconds. Each
    ask opens its own connection: a page's keep-alive ended long before it asks again."""
    path = f"/s/{token}/"
    etag = ask(port, path, {"HX-Request": "true"}).headers["ETag"]
    headers = {"HX-Request": "true", "If-None-Match": etag}
    gap = every / OPEN_PAGES
    start_cpu, start = server_cpu(gunicorn_pid), time.monotonic()
    asked, due = 0, start
    while time.monotonic() - start < seconds:
        status = ask(port, path, headers).status
        assert status == 304, status
        asked += 1
        due += gap
        time.sleep(max(0.0, due - time.monotonic()))
    spent = server_cpu(gunicorn_pid) - start_cpu
    return spent / (time.monotonic() - start), asked


def live_pages(
    port: int, gunicorn_pid: int, plan: int, cookies: list[str], every: int, seconds: float
):
    """CPU seconds per second of OPEN_PAGES pages holding their streams, the opening of each
    (CPU seconds, per stream) and how many the server refused: those pages ask every
    `every` seconds instead (a 304 from /live/), and their asking is measured with the
    streams."""
    start_cpu = server_cpu(gunicorn_pid)
    streams, refused = [], 0
    for cookie in cookies[:OPEN_PAGES]:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(
            (
                f"GET /plans/{plan}/events/?since=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Cookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"retry:" not in head:
            chunk = sock.recv(4096)
            head += chunk
            if not chunk or (b"\r\n\r\n" in head and not head.startswith(b"HTTP/1.1 200")):
                break
        if head.startswith(b"HTTP/1.1 200"):
            streams.append(sock)
        else:
            refused += 1
            sock.close()
    opening = (server_cpu(gunicorn_pid) - start_cpu) / OPEN_PAGES
    path = f"/plans/{plan}/live/"
    etag = ask(port, path, {"Cookie": cookies[0]}).headers["ETag"]
    asking = {"Cookie": cookies[0], "If-None-Match": etag}
    # The streams stay open and are read, as browsers read them, while the plan is quiet.
    reader = selectors.DefaultSelector()
    for sock in streams:
        sock.setblocking(False)
        reader.register(sock, selectors.EVENT_READ)
    start_cpu, start = server_cpu(gunicorn_pid), time.monotonic()
    due = start
    while time.monotonic() - start < seconds:
        if refused and time.monotonic() >= due:
            status = ask(port, path, asking).status
            assert status == 304, status
            due += every / refused
        for key, _ in reader.select(timeout=0.05):
            if not key.fileobj.recv(4096):
                reader.unregister(key.fileobj)
    spent = server_cpu(gunicorn_pid) - start_cpu
    steady = spent / (time.monotonic() - start)
    for sock in streams:
        sock.close()
    return steady, opening, refused


def compare(port: int, gunicorn_pid: int, seeded: dict, seconds: float) -> list[str]:
    """Prints both loads and their ratio; returns what is over budget."""
    plan, token = seeded["large_plan"], seeded["token"]
    poll_every, live_every, stream_seconds = seeded["asks_every"]
    polls, asked = stakeholder_pages(port, gunicorn_pid, token, poll_every, seconds)
    cookies = [f"sessionid={session}" for session in seeded["sessions"]]
    steady, opening, refused = live_pages(port, gunicorn_pid, plan, cookies, live_every, seconds)
    live = steady + opening * OPEN_PAGES / stream_seconds
    print(f"\n{OPEN_PAGES} open pages on one plan that does not change, {seconds:.0f} s each")
    print("server CPU (gunicorn + PostgreSQL) per second of wall time")
    print(
        f"{'stakeholder pages, a 304 every':<40}{poll_every:>4} s{polls * 1000:>10.1f} ms/s"
        f"   ({asked} asks)"
    )
    held = f"engineers' pages, {OPEN_PAGES - refused} streams held"
    if refused:
        held += f" + {refused} asking every {live_every} s"
    print(f"{held:<46}{steady * 1000:>10.1f} ms/s")
    print(
        f"{'  + opening each, once per':<40}{stream_seconds:>4} s"
        f"{opening * OPEN_PAGES / stream_seconds * 1000:>10.1f} ms/s"
        f"   ({opening * 1000:.1f} ms each)"
    )
    ratio = live / polls
    verdict = "ok" if ratio <= 1 else "OVER"
    print(f"{'live pages / stakeholder pages':<46}{ratio:>9.2f}x  budget 1.0x  {verdict}")
    return [] if verdict == "ok" else [f"{OPEN_PAGES} live pages"]
