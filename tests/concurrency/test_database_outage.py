"""PostgreSQL stops under a running server: 503 pages within seconds, then recovery by itself.

This stops and starts the machine's PostgreSQL cluster, so it is not part of the default
run (`-m outage` selects it); `.ci/run` runs it after the PostgreSQL suite.
"""

import os
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.outage


def cluster(action: str) -> None:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(
        [
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            version,
            "main",
            action,
            *(["-m", "fast"] if action == "stop" else []),
        ],
        check=True,
        capture_output=True,
    )


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds} s"
        time.sleep(0.2)


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_pages_answer_503_while_the_database_is_down_and_recover_after(served):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.fail("the outage test stops PostgreSQL: run it with DATABASE_URL=postgres://...")
    client = served.client(0)
    plan_page = f"/plans/{served.plan}/"
    tick = f"/plans/{served.plan}/rows/tasks/{served.tasks[0]}/done/"
    assert client.get(plan_page)[0] == 200

    cluster("stop")
    try:
        (status, body), seconds = timed(lambda: client.get(plan_page))
        assert status == 503 and "cannot reach its database" in body
        assert seconds < 5
        (status, _body), seconds = timed(lambda: client.get("/healthz"))
        assert status == 503 and seconds < 5
        assert client.post(tick, {"done": "true"})[0] == 503
    finally:
        cluster("start")

    wait_for(lambda: client.get("/healthz")[0] == 200, 30, "/healthz answering 200 again")
    # The same gunicorn workers, not restarted: they reconnect by themselves.
    assert client.get(plan_page)[0] == 200
    assert client.post(tick, {"done": "true"})[0] == 200
