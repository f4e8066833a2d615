"""The webhook worker as production runs it: `manage.py deliver_webhooks` processes beside
gunicorn, on the server's database, sending to receivers on 127.0.0.1 (tests/receivers.py).
"""

import collections
import json
import subprocess
import sys
import time

import pytest

from bench.server import ROOT, run_python
from tests.concurrency.conftest import _serve
from tests.receivers import Answer

pytestmark = pytest.mark.concurrency

COUNTS = """
import json
from django_tasks_db.models import DBTaskResult
from plans.models import Delivery, OutgoingEvent
workers = {w for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for w in ids}
print(json.dumps({
    "events": sorted(OutgoingEvent.objects.values_list("message_id", flat=True)),
    "undelivered": Delivery.objects.exclude(state="delivered").count(),
    "workers": len(workers),
    "attempts": dict(Delivery.objects.values_list("event__message_id", "attempts")),
}))
"""


@pytest.fixture
def served(tmp_path):
    yield from _serve(
        tmp_path,
        1,
        FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
        FIXTRACKER_WEBHOOK_TIMEOUT_SECONDS="15",
        FIXTRACKER_WEBHOOK_FIRST_RETRY_SECONDS="0.2",
    )


@pytest.fixture
def start_worker(served):
    workers = []

    def start():
        command = [sys.executable, "manage.py", "deliver_webhooks", "--interval", "0.1"]
        worker = subprocess.Popen(
            command,
            cwd=ROOT,
            env=served.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.terminate()
    # SIGTERM ends a worker after the attempt in hand, cleanly.
    codes = [worker.wait(timeout=30) for worker in workers]
    errors = [worker.stderr.read().decode() for worker in workers]
    assert codes == [0] * len(workers), errors


def counts(served) -> dict:
    return json.loads(run_python(served.env, "manage.py", "shell", "-v0", "-c", COUNTS))


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.1)
    return found


def test_a_receiver_that_takes_10_s_never_slows_a_tick(served, receiver, start_worker):
    receiver.answer = Answer(delay=10)
    run_python(served.env, "manage.py", "add_webhook", receiver.url)
    client = served.client(0)
    start_worker()
    status, _ = client.post(f"/plans/{served.plan}/log/", {"update": "Paging the receiver"})
    assert status == 200
    # The worker is now inside the receiver's ten seconds.
    wait_for(lambda: receiver.started, 30, "the worker to call the receiver")

    took = []
    for task in served.tasks:
        began = time.monotonic()
        status, _ = client.post(f"/plans/{served.plan}/rows/tasks/{task}/done/", {"done": "true"})
        took.append(time.monotonic() - began)
        assert status == 200
    held = receiver.received == []

    assert held, "the receiver answered before the ticks were over"
    assert max(took) < 1.0, f"slowest tick {max(took):.2f} s"
    # Forty ticks complete five steps: each an event, none lost while the receiver lagged.
    receiver.answer = Answer()
    receiver.released.set()
    wait_for(lambda: counts(served)["undelivered"] == 0, 90, "every event delivered")
    assert sorted(set(receiver.ids())) == counts(served)["events"]
    types = collections.Counter(got.json["type"] for got in receiver.received)
    assert types["step.completed"] == 5 and types["log.entry_added"] == 1


def test_two_workers_make_each_attempt_once(served, receiver, start_worker):
    # Refused at first, so that every event is attempted again and again by both workers.
    receiver.answer = Answer(status=500, delay=0.02)
    run_python(served.env, "manage.py", "add_webhook", receiver.url, "--events", "log.entry_added")
    client = served.client(0)
    for i in range(40):
        status, _ = client.post(f"/plans/{served.plan}/log/", {"update": f"entry {i}"})
        assert status == 200
    start_worker()
    start_worker()
    wait_for(lambda: len(set(receiver.ids())) == 40, 60, "every event's first attempt")
    receiver.answer = Answer(status=200)
    wait_for(lambda: counts(served)["undelivered"] == 0, 90, "every event delivered")

    final = counts(served)
    got = collections.Counter(receiver.ids())
    assert sorted(got) == final["events"] and len(got) == 40
    # An attempt made by both workers would reach the receiver once more than counted.
    assert dict(got) == final["attempts"]
    assert sum(got.values()) > 40, "some events were retried"
    assert final["workers"] == 2, "both workers took some of the tasks"
