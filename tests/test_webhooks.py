"""Outgoing webhooks, against real receivers on 127.0.0.1 (tests/receivers.py).

Changes are made through the app (HTTP) or its operations; the worker runs as
`manage.py deliver_webhooks --once`, in this process, so it sees this test's database.
Time is moved on by a clock that stands in for `django.utils.timezone.now`, which both the
app and django-tasks read.
"""

import datetime
import io
import json
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook as Verifier

from plans import delivery, limits, operations
from plans.defaults import create_plan_from_template
from plans.models import Delivery, OutgoingEvent, ProgressLogEntry, Status, Webhook
from tests.conftest import HTMX
from tests.receivers import Answer, Receiver, unused_port

# The worker runs in this process and, as in production, closes its database connection
# between tasks: each test commits, rather than running inside one transaction.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loopback_webhooks")]


def deliver() -> str:
    out = io.StringIO()
    call_command("deliver_webhooks", "--once", stdout=out)
    return out.getvalue()


def add_webhook(url: str, *args: str) -> Webhook:
    out, err = io.StringIO(), io.StringIO()
    call_command("add_webhook", url, *args, stdout=out, stderr=err)
    webhook = Webhook.objects.get(pk=int(out.getvalue()))
    if webhook.format == "standard":
        assert webhook.secret in err.getvalue()
    return webhook


def log(plan, text: str, user=None) -> None:
    operations.add_log_entry(plan.pk, update=text, user=user)


def test_a_status_change_arrives_signed_as_the_library_verifies_it(alice, receiver):
    webhook = add_webhook(receiver.url, "--events", "plan.status_changed")
    plan = create_plan_from_template(fix_name="Stop the retry storm", issue_id="INC-7")

    response = alice.post(
        f"/plans/{plan.pk}/status/",
        {"expected": "planning", "to": "in_progress"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert receiver.received == []  # nothing is sent by the request itself
    deliver()

    (got,) = receiver.received
    payload = Verifier(webhook.secret).verify(got.body, got.headers)
    assert payload["type"] == "plan.status_changed"
    data = payload["data"]
    assert data["actor"] == "alice"
    assert data["status_change"] == {"from": "planning", "to": "in_progress"}
    assert data["plan"] == {
        "id": plan.pk,
        "issue_id": "INC-7",
        "fix_name": "Stop the retry storm",
        "priority": plan.priority,
        "status": "in_progress",
        "status_label": "In Progress",
        "url": f"https://fixtracker.example.com/plans/{plan.pk}/",
    }
    assert data["summary"] == "INC-7: Stop the retry storm: status Planning → In Progress"
    assert got.headers["webhook-id"] == OutgoingEvent.objects.get().message_id
    assert got.headers["Content-Type"] == "application/json"
    # A tampered body does not verify.
    with pytest.raises(Exception, match="signature"):
        Verifier(webhook.secret).verify(got.body.replace(b"INC-7", b"INC-8"), got.headers)


def test_each_kind_of_event_is_sent_to_who_wants_it(alice, receiver):
    everything = add_webhook(receiver.url)
    add_webhook(receiver.url + "?only=log", "--events", "log.entry_added")
    add_webhook(receiver.url + "?only=p0", "--priorities", "P0")
    plan = create_plan_from_template(fix_name="Fix", issue_id="INC-1")
    alice.post(f"/plans/{plan.pk}/log/", {"update": "Canary looks good"}, headers=HTMX)
    alice.post(f"/plans/{plan.pk}/share/", {"label": "Support", "expires_in": "7"}, headers=HTMX)
    step = plan.steps.first()
    for task in step.tasks.all():
        alice.post(f"/plans/{plan.pk}/rows/tasks/{task.pk}/done/", {"done": "true"}, headers=HTMX)
    for before, after in [("planning", "in_progress"), ("in_progress", "in_review")]:
        alice.post(f"/plans/{plan.pk}/status/", {"expected": before, "to": after}, headers=HTMX)
    deployed = {"expected": "in_review", "to": "deployed"}
    assert alice.post(f"/plans/{plan.pk}/status/", deployed, headers=HTMX).status_code == 200

    deliver()

    by_path = {}
    for got in receiver.received:
        by_path.setdefault(got.path, []).append(got.json["type"])
    assert by_path["/hook"] == [
        "plan.created",
        "log.entry_added",
        "share_link.created",
        "step.completed",
        "plan.status_changed",
        "plan.status_changed",
        # Wanted both ways, a move to Deployed is told once.
        "plan.deployed",
    ]
    assert by_path["/hook?only=log"] == ["log.entry_added"]
    assert "/hook?only=p0" not in by_path  # the plan is P2
    share = next(r.json for r in receiver.received if r.json["type"] == "share_link.created")
    assert share["data"]["share_link"]["label"] == "Support"
    assert "/s/" not in json.dumps(share)  # never the link itself
    deployed = receiver.received[-1].json["data"]
    assert deployed["status_change"] == {"from": "in_review", "to": "deployed"}
    assert Delivery.objects.filter(webhook=everything, state="delivered").count() == 7


def test_a_change_that_rolls_back_sends_nothing(alice, receiver):
    add_webhook(receiver.url)
    plan = create_plan_from_template(fix_name="Full log")
    ProgressLogEntry.objects.bulk_create(
        ProgressLogEntry(plan=plan, logged_at=timezone.now(), update=f"entry {i}")
        for i in range(limits.LOG_ENTRIES.value - 1)
    )
    events = OutgoingEvent.objects.count()
    tasks = DBTaskResult.objects.count()

    # The log is full: the entry, its history and its event are all refused together.
    response = alice.post(f"/plans/{plan.pk}/log/", {"update": "one too many"}, headers=HTMX)

    assert response.status_code == 422
    assert OutgoingEvent.objects.count() == events
    assert DBTaskResult.objects.count() == tasks
    with pytest.raises(RuntimeError), operations.changing(plan.pk) as change:
        change.announce(*operations.notify.status_events("", "planning", "in_progress"))
        raise RuntimeError("the change fails after naming its event")
    assert OutgoingEvent.objects.count() == events
    deliver()
    assert [r.json["type"] for r in receiver.received] == ["plan.created"]


def test_a_receiver_down_then_back_gets_every_event_with_the_same_ids(receiver, clock):
    port = unused_port()
    down = Receiver(port)
    add_webhook(down.url)
    plan = create_plan_from_template(fix_name="Outage")
    for i in range(5):
        log(plan, f"update {i}")
    sent = set(OutgoingEvent.objects.values_list("message_id", flat=True))
    assert len(sent) == 6  # created, and five log entries

    deliver()
    deliver()  # nothing more is due yet

    waiting = Delivery.objects.all()
    assert {d.state for d in waiting} == {"pending"}
    assert {d.attempts for d in waiting} == {1}
    assert {d.error for d in waiting} == {"connection refused"}
    first_retry = max(d.next_attempt_at for d in waiting)
    for _ in range(3):
        clock.to(first_retry + datetime.timedelta(hours=1))
        deliver()
        first_retry = max(d.next_attempt_at for d in Delivery.objects.all())
    assert {d.attempts for d in Delivery.objects.all()} == {4}

    down.start()
    try:
        clock.to(first_retry)
        deliver()
    finally:
        down.stop()

    assert sorted(down.ids()) == sorted(sent)
    assert {(d.state, d.attempts) for d in Delivery.objects.all()} == {("delivered", 5)}


def test_failures_are_retried_with_growing_delays_for_a_day_then_given_up(receiver, clock):
    receiver.answer = Answer(status=503, body=b"busy")
    add_webhook(receiver.url, "--events", "log.entry_added")
    plan = create_plan_from_template(fix_name="Flaky receiver")
    log(plan, "one")
    deliver()
    start = Delivery.objects.get().last_attempt_at
    gaps = []
    while (current := Delivery.objects.get()).state == "pending":
        gaps.append((current.next_attempt_at - current.last_attempt_at).total_seconds())
        clock.to(current.next_attempt_at)
        deliver()

    current = Delivery.objects.get()
    assert current.state == "failed"
    assert current.last_attempt_at - start >= datetime.timedelta(hours=24)
    assert current.attempts == len(receiver.received) == len(gaps) + 1
    assert (current.status_code, current.response, current.error) == (503, "busy", "answered 503")
    assert len(set(receiver.ids())) == 1
    # Ten seconds, three times longer each time, at most six hours; a fifth either way.
    for attempt, gap in enumerate(gaps, start=1):
        planned = min(10 * 3 ** (attempt - 1), 6 * 3600)
        assert 0.8 * planned <= gap <= 1.2 * planned


def test_a_slow_receiver_is_cut_off_at_the_timeout(receiver, settings):
    settings.FIXTRACKER_WEBHOOK_TIMEOUT_SECONDS = 1
    receiver.answer = Answer(delay=10)
    add_webhook(receiver.url, "--events", "plan.created")
    create_plan_from_template(fix_name="Slow")

    began = time.monotonic()
    deliver()

    assert time.monotonic() - began < 3
    current = Delivery.objects.get()
    assert (current.state, current.error) == ("pending", "timed out after 1 s")


def test_a_dripping_receiver_is_cut_off_at_the_timeout_too(receiver, settings):
    settings.FIXTRACKER_WEBHOOK_TIMEOUT_SECONDS = 1
    receiver.answer = Answer(body=b"x" * 100, drip=0.2)
    add_webhook(receiver.url, "--events", "plan.created")
    create_plan_from_template(fix_name="Drip")

    began = time.monotonic()
    deliver()

    assert time.monotonic() - began < 3
    assert Delivery.objects.get().error == "timed out after 1 s"


def test_only_the_start_of_a_large_answer_is_read_and_kept(receiver, settings):
    settings.FIXTRACKER_WEBHOOK_RESPONSE_BYTES = 2000
    receiver.answer = Answer(body=b"<html>" + b"y" * 5_000_000)
    add_webhook(receiver.url, "--events", "plan.created")
    create_plan_from_template(fix_name="Large")

    deliver()

    current = Delivery.objects.get()
    assert current.state == "delivered"
    assert current.response.startswith("<html>yyy") and len(current.response) == 1000


def test_a_redirect_is_not_followed(receiver):
    receiver.answer = Answer(status=302, headers={"Location": "http://169.254.169.254/"})
    add_webhook(receiver.url, "--events", "plan.created")
    create_plan_from_template(fix_name="Redirect")

    deliver()

    current = Delivery.objects.get()
    assert (current.state, current.status_code, current.error) == ("pending", 302, "answered 302")
    assert len(receiver.received) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8000/hook",
        "http://localhost:8000/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
    ],
)
def test_addresses_inside_the_network_are_refused_unless_allowed(url, settings):
    settings.FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS = []

    with pytest.raises(CommandError, match="private, loopback or reserved"):
        add_webhook(url)

    assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    "url, said",
    [
        ("ftp://example.com/x", "Only http:// and https://"),
        ("file:///etc/passwd", "Only http:// and https://"),
        ("https://user:pw@example.com/x", "Leave the user and password out"),
        ("https:///nohost", "no host"),
        ("http://example.com:99999/", "Not a URL"),
    ],
)
def test_only_http_urls_to_a_host_are_taken(url, said):
    with pytest.raises(CommandError, match=said):
        add_webhook(url)


def test_an_address_refused_later_is_not_called(receiver, settings):
    add_webhook(receiver.url, "--events", "plan.created")
    settings.FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS = []
    create_plan_from_template(fix_name="Rebound")

    deliver()

    assert receiver.received == []
    assert Delivery.objects.get().error.startswith(
        "refused: 127.0.0.1 resolves to a private, loopback or reserved address"
    )


def test_a_slack_endpoint_receives_messages_slack_accepts(alice, receiver):
    add_webhook(receiver.url, "--format", "slack")
    plan = create_plan_from_template(fix_name="Fix <script> & co", issue_id="INC-9")
    alice.post(f"/plans/{plan.pk}/log/", {"update": "Rolled back <@here> *fast*"}, headers=HTMX)
    alice.post(f"/plans/{plan.pk}/status/", {"expected": "planning", "to": "in_progress"})

    deliver()

    assert len(receiver.received) == 3
    for got in receiver.received:
        assert got.headers["Content-Type"] == "application/json"
        assert "webhook-signature" not in got.headers
        assert_slack_accepts(got.json)
    logged = receiver.received[1].json
    assert "Rolled back &lt;@here&gt; *fast*" in logged["text"]
    link = logged["blocks"][0]["text"]["text"]
    assert link.startswith(
        f"*<https://fixtracker.example.com/plans/{plan.pk}/|INC-9: Fix &lt;script&gt; &amp; co>*"
    )
    assert "P2 · Planning · by alice" in logged["blocks"][1]["elements"][0]["text"]


def assert_slack_accepts(message: dict) -> None:
    """What Slack's incoming webhooks take: a non-empty `text`, and Block Kit blocks of
    known types within Slack's limits; `<`, `>` and `&` escaped except in links."""
    assert isinstance(message["text"], str) and message["text"].strip()
    assert len(message["text"]) <= 40000
    blocks = message.get("blocks", [])
    assert len(blocks) <= 50
    texts = [message["text"]]
    for block in blocks:
        assert block["type"] in {"section", "context", "divider", "header"}
        if block["type"] == "section":
            assert block["text"]["type"] in {"mrkdwn", "plain_text"}
            assert 1 <= len(block["text"]["text"]) <= 3000
            texts.append(block["text"]["text"])
        if block["type"] == "context":
            assert 1 <= len(block["elements"]) <= 10
            for element in block["elements"]:
                assert element["type"] in {"mrkdwn", "plain_text", "image"}
                texts.append(element["text"])
    for text in texts:
        # Outside <url|label> links, no raw angle brackets.
        import re

        bare = re.sub(r"<https?://[^|>\s]+\|[^<>]*>", "", text)
        assert "<" not in bare and ">" not in bare, text


def test_an_endpoint_failing_for_days_is_disabled_and_holds_its_events(receiver, clock):
    receiver.answer = Answer(status=500)
    webhook = add_webhook(receiver.url, "--events", "log.entry_added")
    plan = create_plan_from_template(fix_name="Dead endpoint")
    for day in range(4):
        log(plan, f"day {day}")
        deliver()
        clock.advance(days=1)
        deliver()

    webhook.refresh_from_db()
    before_disabled = len(receiver.received)
    assert not webhook.enabled
    assert webhook.disabled_reason.startswith("Every attempt failed for 3 days")
    log(plan, "while disabled")
    deliver()  # its attempt finds the endpoint disabled, and holds it
    assert len(receiver.received) == before_disabled
    held = Delivery.objects.filter(state="held").count()
    assert held >= 2
    assert Delivery.objects.filter(state="pending").count() == 0

    receiver.answer = Answer()
    assert delivery.enable(webhook.pk) == held
    before = len(receiver.received)
    deliver()
    updates = [got.json["data"]["entry"]["update"] for got in receiver.received[before:]]
    assert "while disabled" in updates
    assert not Delivery.objects.filter(state__in=["held", "pending"]).exists()


def test_an_attempt_whose_worker_died_is_made_again(receiver, clock):
    add_webhook(receiver.url, "--events", "plan.created")
    create_plan_from_template(fix_name="Lost worker")
    current = Delivery.objects.get()
    # As a worker leaves it when killed mid-attempt: claimed, its task running forever.
    Delivery.objects.filter(pk=current.pk).update(
        state="sending", attempts=1, lease_until=timezone.now() + datetime.timedelta(seconds=70)
    )
    DBTaskResult.objects.update(status="RUNNING")

    deliver()
    assert receiver.received == []  # its lease has not run out
    clock.advance(minutes=2)
    deliver()

    assert receiver.ids() == [current.event.message_id]
    assert Delivery.objects.get().state == "delivered"


def test_two_tasks_for_one_attempt_make_it_once(receiver):
    add_webhook(receiver.url, "--events", "plan.created")
    create_plan_from_template(fix_name="Twice queued")
    current = Delivery.objects.get()
    # A second task for the same attempt, as a retry of a lost enqueue might make.
    delivery.queue(current, timezone.now())

    deliver()

    assert len(receiver.received) == 1
    assert DBTaskResult.objects.filter(return_value="made already").count() == 1


def test_redeliver_sends_the_same_message_again(receiver):
    webhook = add_webhook(receiver.url, "--events", "plan.created")
    create_plan_from_template(fix_name="Again")
    deliver()
    current = Delivery.objects.get()

    assert delivery.redeliver(current.pk, webhook.pk)
    # Pressed again while it waits: the same attempt, queued twice, is made once.
    assert delivery.redeliver(current.pk, webhook.pk)
    deliver()

    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    assert Delivery.objects.get().attempts == 2


def test_old_deliveries_and_their_tasks_are_pruned(receiver, clock, settings):
    add_webhook(receiver.url, "--events", "plan.created")
    create_plan_from_template(fix_name="Old")
    deliver()
    clock.advance(days=settings.FIXTRACKER_WEBHOOK_KEEP_DAYS + 1)

    assert delivery.prune() == 1

    assert not OutgoingEvent.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_plan_without_webhooks_writes_no_events(alice):
    plan = create_plan_from_template(fix_name="Quiet")
    alice.post(f"/plans/{plan.pk}/status/", {"expected": "planning", "to": "in_progress"})

    assert Status(plan.__class__.objects.get().status) == Status.IN_PROGRESS
    assert not OutgoingEvent.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_host_name_that_does_not_resolve_in_time_ends_the_attempt(
    receiver, monkeypatch, settings
):
    settings.FIXTRACKER_WEBHOOK_TIMEOUT_SECONDS = 1
    add_webhook(receiver.url, "--events", "plan.created")
    answered = threading.Event()

    def resolver_that_hangs(*args, **kwargs):
        answered.wait(30)
        raise OSError("gave up")

    monkeypatch.setattr(delivery.socket, "getaddrinfo", resolver_that_hangs)
    create_plan_from_template(fix_name="Slow DNS")

    began = time.monotonic()
    deliver()
    answered.set()

    assert time.monotonic() - began < 3
    assert Delivery.objects.get().error == "could not find host 127.0.0.1: no answer within 1 s"
