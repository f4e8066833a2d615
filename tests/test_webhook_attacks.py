"""What an attack on the webhooks found, each kept as a test that failed before its fix."""

import io
import logging
import re
import socket
import threading

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import Client

from plans import delivery, operations
from plans.defaults import create_plan_from_template
from plans.models import Delivery, Webhook
from tests.test_webhooks import add_webhook, deliver

# The worker runs in this process and closes its connection between tasks (test_webhooks).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loopback_webhooks")]


class RawReceiver:
    """Answers every connection with the same raw bytes, HTTP or not."""

    def __init__(self, raw: bytes):
        self.raw = raw
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        threading.Thread(target=self.serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.hits += 1
            with conn:
                conn.settimeout(1)
                try:
                    conn.recv(65536)
                    conn.sendall(self.raw)
                except OSError:
                    pass

    def close(self):
        self.sock.close()


def staff_client(django_user_model, *codenames: str) -> Client:
    user = django_user_model.objects.create_user("vic", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_answers_no_guess_at_a_secret(receiver, django_user_model):
    webhook = add_webhook(receiver.url)
    viewer = staff_client(django_user_model, "view_webhook", "view_delivery")
    guess = {"secret__regex": "^" + re.escape(webhook.secret[:8])}

    assert viewer.get("/admin/plans/webhook/", guess).status_code == 400
    by_delivery = {"webhook__secret__startswith": webhook.secret[:8]}
    assert viewer.get("/admin/plans/delivery/", by_delivery).status_code == 400


def test_a_receivers_nul_in_its_status_line_is_retried_then_given_up(clock):
    raw = RawReceiver(b"NOPE\x00\r\n\r\n")
    try:
        add_webhook(raw.url, "--events", "plan.created")
        create_plan_from_template(fix_name="NUL")
        deliver()
        first = Delivery.objects.get()
        assert first.state == "pending" and "\x00" not in first.error
        assert first.error.startswith("BadStatusLine")
        while (current := Delivery.objects.get()).state == "pending":
            clock.to(current.next_attempt_at)
            deliver()
    finally:
        raw.close()

    assert current.state == "failed"
    assert current.attempts == raw.hits


def test_a_lost_attempt_past_the_retry_window_is_given_up(receiver, clock):
    add_webhook(receiver.url, "--events", "plan.created")
    create_plan_from_template(fix_name="Lost late")
    current = Delivery.objects.get()
    Delivery.objects.filter(pk=current.pk).update(
        state="sending", attempts=3, lease_until=current.retry_until
    )
    clock.to(current.retry_until)
    clock.advance(minutes=1)

    deliver()

    assert receiver.received == []
    gave_up = Delivery.objects.get()
    assert (gave_up.state, gave_up.error) == ("failed", "lost with its worker")


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::a00:5]/hook",  # NAT64 of 10.0.0.5
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",  # NAT64 of 169.254.169.254
        "http://[::a00:5]/hook",  # IPv4-compatible 10.0.0.5
        "http://[::7f00:1]/hook",  # IPv4-compatible loopback
        "http://[2002:a00:5::1]/hook",  # 6to4 of 10.0.0.5
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook",  # Teredo
        "http://[fec0::1]/hook",  # site-local
    ],
)
def test_ipv4_inside_ipv6_is_refused(url, settings):
    settings.FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS = []

    with pytest.raises(CommandError, match="private, loopback or reserved"):
        add_webhook(url)


def test_a_refusal_does_not_say_what_a_name_resolves_to(settings):
    settings.FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS = []

    with pytest.raises(CommandError) as refused:
        add_webhook("http://localhost:8000/hook")

    assert "127.0.0.1" not in str(refused.value)


def test_a_slack_endpoint_made_standard_gets_a_new_secret_shown_once(receiver, admin_client):
    call_command(
        "add_webhook",
        receiver.url,
        "--format",
        "slack",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    webhook = Webhook.objects.get()
    unseen = webhook.secret
    data = {"url": receiver.url, "format": "standard", "events": ["plan.created"]}

    page = admin_client.post(f"/webhooks/{webhook.pk}/edit/", data, follow=True)

    webhook.refresh_from_db()
    assert webhook.format == "standard" and webhook.secret != unseen
    assert webhook.secret in page.text and "shown this once" in page.text
    assert webhook.secret not in admin_client.get(f"/webhooks/{webhook.pk}/").text


def test_a_url_with_characters_outside_ascii_is_called_percent_encoded(receiver):
    add_webhook(receiver.url + "/café?team=équipe", "--events", "plan.created")
    create_plan_from_template(fix_name="Accents")

    deliver()

    assert Delivery.objects.get().state == "delivered"
    assert receiver.received[0].path == "/hook/caf%C3%A9?team=%C3%A9quipe"


@pytest.mark.parametrize("url", ["http://127.0.0.1/\udcff", "http://exa\udcffmple.com/"])
def test_arguments_that_are_not_text_get_a_command_error(url):
    with pytest.raises(CommandError, match="Not text"):
        add_webhook(url)


def test_sending_again_from_the_admin_needs_the_change_permission(receiver, django_user_model):
    add_webhook(receiver.url, "--events", "plan.created")
    create_plan_from_template(fix_name="Viewer")
    deliver()
    sent = Delivery.objects.get()
    viewer = staff_client(django_user_model, "view_delivery")

    viewer.post(
        "/admin/plans/delivery/",
        {"action": "redeliver", "_selected_action": [sent.pk]},
    )
    deliver()

    assert len(receiver.received) == 1


def test_a_slack_urls_secret_path_is_not_logged_or_shown_to_viewers(
    receiver, caplog, django_user_model
):
    caplog.set_level(logging.INFO)
    url = receiver.url + "/services/T000/B000/XXXXSECRETXXXX"
    webhook = add_webhook(url, "--format", "slack", "--events", "plan.created")
    create_plan_from_template(fix_name="Slack path")

    deliver()

    assert Delivery.objects.get().state == "delivered"
    assert "XXXXSECRETXXXX" not in caplog.text
    viewer = staff_client(django_user_model, "view_webhook")
    for path in ["/webhooks/", f"/webhooks/{webhook.pk}/"]:
        page = viewer.get(path)
        assert page.status_code == 200 and "XXXXSECRETXXXX" not in page.text


def test_a_second_endpoint_for_the_same_url_is_refused(receiver):
    add_webhook(receiver.url)

    with pytest.raises(CommandError, match="already sends to this URL"):
        add_webhook(receiver.url, "--format", "slack")


def test_enabling_while_a_change_is_being_written_holds_nothing(receiver, monkeypatch):
    """A change that read the endpoint disabled commits after Enable: its delivery is
    made, not left held."""
    if connection.vendor != "postgresql":
        pytest.skip("needs two transactions at once")
    from plans import notify

    webhook = add_webhook(receiver.url, "--events", "log.entry_added")
    plan = create_plan_from_template(fix_name="Race")
    delivery.disable(webhook.pk, "off for a while")
    inside, go_on = threading.Event(), threading.Event()
    real = notify._wants

    def wants_after_enable(*args):
        inside.set()
        go_on.wait(10)
        return real(*args)

    monkeypatch.setattr(notify, "_wants", wants_after_enable)

    def change():
        try:
            operations.add_log_entry(plan.pk, update="during enable", user=None)
        finally:
            connections.close_all()

    writer = threading.Thread(target=change)
    writer.start()
    assert inside.wait(10)
    delivery.enable(webhook.pk)
    go_on.set()
    writer.join(10)
    monkeypatch.setattr(notify, "_wants", real)

    deliver()

    assert not Delivery.objects.filter(state="held").exists()
    assert [got.json["data"]["entry"]["update"] for got in receiver.received] == ["during enable"]
