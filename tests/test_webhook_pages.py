"""The Webhooks page, through HTTP: who may see and use it, and what each button does."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client

from plans.defaults import create_plan_from_template
from plans.models import Delivery, OutgoingEvent, Webhook
from tests.receivers import Answer

# The worker runs in this process and, as in production, closes its database connection
# between tasks: each test commits, rather than running inside one transaction.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loopback_webhooks")]


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user("sam", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__endswith="_webhook"))
    return user


@pytest.fixture
def sam(client, staff):
    client.force_login(staff)
    return client


def add(client, url: str, **fields):
    data = {"url": url, "format": "standard", "events": ["plan.created", "plan.deployed"]}
    return client.post("/webhooks/", {**data, **fields}, follow=True)


def deliver():
    call_command("deliver_webhooks", "--once", stdout=io.StringIO())


def test_only_staff_who_manage_webhooks_see_the_page(client, alice, django_user_model):
    assert Client().get("/webhooks/").status_code == 302  # to the login page
    assert alice.get("/webhooks/").status_code == 403  # an engineer, not staff
    staff_only = django_user_model.objects.create_user("st", is_staff=True)
    client.force_login(staff_only)
    assert client.get("/webhooks/").status_code == 403
    assert b">Webhooks</a>" not in client.get("/my-work/").content


def test_a_webhook_added_shows_its_secret_once(sam, receiver):
    response = add(sam, receiver.url, label="#incidents")

    assert response.status_code == 200
    webhook = Webhook.objects.get()
    assert webhook.secret.startswith("whsec_")
    assert webhook.secret in response.content.decode()
    assert "shown this once" in response.content.decode()
    assert webhook.label == "#incidents" and webhook.events == ["plan.created", "plan.deployed"]
    later = sam.get(f"/webhooks/{webhook.pk}/")
    assert later.status_code == 200 and webhook.secret not in later.content.decode()
    assert b"#incidents" in sam.get("/webhooks/").content


@pytest.mark.parametrize(
    "url, said",
    [
        ("javascript:alert(1)", "Only http:// and https://"),
        ("http://169.254.169.254/latest/", "private, loopback or reserved"),
        ("", "This field is required."),
    ],
)
def test_a_bad_url_gets_422_and_nothing_is_saved(sam, url, said, settings):
    settings.FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS = []

    response = add(sam, url)

    assert response.status_code == 422
    assert said in response.content.decode()
    assert not Webhook.objects.exists()


def test_no_events_or_an_unknown_one_gets_422(sam, receiver):
    assert add(sam, receiver.url, events=[]).status_code == 422
    assert add(sam, receiver.url, events=["webhook.test"]).status_code == 422
    assert add(sam, receiver.url, events=["plan.nuked"]).status_code == 422
    assert add(sam, receiver.url, secret="whsec_short").status_code == 422
    assert not Webhook.objects.exists()


def test_send_test_event_then_see_it_delivered_and_redeliver_it(sam, receiver):
    add(sam, receiver.url)
    webhook = Webhook.objects.get()
    receiver.answer = Answer(body=b'{"received": true}')

    response = sam.post(f"/webhooks/{webhook.pk}/test/", follow=True)
    assert response.status_code == 200 and b"Test event queued" in response.content
    deliver()

    (got,) = receiver.received
    assert got.json["type"] == "webhook.test"
    assert got.json["data"]["summary"] == "FixTracker: test event sent by sam"
    page = sam.get(f"/webhooks/{webhook.pk}/").content.decode()
    assert "Delivered</span> 200" in page
    assert "{&quot;received&quot;: true}" in page
    sent = Delivery.objects.get()
    response = sam.post(f"/webhooks/{webhook.pk}/deliveries/{sent.pk}/redeliver/", follow=True)
    assert b"Queued again" in response.content
    deliver()
    assert [r.headers["webhook-id"] for r in receiver.received] == [got.headers["webhook-id"]] * 2


def test_disable_holds_events_and_enable_sends_them(sam, receiver):
    add(sam, receiver.url)
    webhook = Webhook.objects.get()

    sam.post(f"/webhooks/{webhook.pk}/enable/", {"enabled": "false"})
    create_plan_from_template(fix_name="While off")
    deliver()
    assert receiver.received == []
    page = sam.get(f"/webhooks/{webhook.pk}/").content.decode()
    assert "Disabled by sam." in page and "Enable and send 1 held" in page

    sam.post(f"/webhooks/{webhook.pk}/enable/", {"enabled": "true"})
    deliver()
    assert [r.json["type"] for r in receiver.received] == ["plan.created"]


def test_edit_and_delete(sam, receiver):
    add(sam, receiver.url)
    webhook = Webhook.objects.get()
    secret = webhook.secret
    data = {"url": receiver.url, "format": "slack", "events": ["plan.created"], "label": "ops"}

    assert sam.post(f"/webhooks/{webhook.pk}/edit/", data).status_code == 302
    webhook.refresh_from_db()
    assert (webhook.format, webhook.label, webhook.secret) == ("slack", "ops", secret)
    bad = sam.post(f"/webhooks/{webhook.pk}/edit/", {**data, "url": "gopher://x"})
    assert bad.status_code == 422 and b"Only http:// and https://" in bad.content

    assert sam.get(f"/webhooks/{webhook.pk}/delete/").status_code == 200
    assert sam.post(f"/webhooks/{webhook.pk}/delete/").status_code == 302
    assert not Webhook.objects.exists()
    assert sam.get(f"/webhooks/{webhook.pk}/").status_code == 404


def test_every_action_needs_csrf(staff, receiver):
    add_client = Client()
    add_client.force_login(staff)
    add(add_client, receiver.url)
    webhook = Webhook.objects.get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)

    for path in ["/webhooks/", f"/webhooks/{webhook.pk}/test/", f"/webhooks/{webhook.pk}/delete/"]:
        assert client.post(path).status_code == 403
    assert Webhook.objects.count() == 1 and not OutgoingEvent.objects.exists()


def test_a_viewer_cannot_act(client, django_user_model, receiver, sam):
    add(sam, receiver.url)
    webhook = Webhook.objects.get()
    viewer = django_user_model.objects.create_user("vic", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhook"))
    other = Client()
    other.force_login(viewer)

    assert other.get(f"/webhooks/{webhook.pk}/").status_code == 200
    assert f"/webhooks/{webhook.pk}/test/" not in other.get(f"/webhooks/{webhook.pk}/").text
    assert other.post(f"/webhooks/{webhook.pk}/test/").status_code == 403
    assert add(other, receiver.url).status_code == 403
    assert other.post(f"/webhooks/{webhook.pk}/delete/").status_code == 403


@pytest.mark.parametrize("count", [1, 60])
def test_pages_run_a_constant_number_of_queries(sam, receiver, count, django_assert_num_queries):
    add(sam, receiver.url)
    webhook = Webhook.objects.get()
    for i in range(count):
        add(sam, f"{receiver.url}?n={i}")
        create_plan_from_template(fix_name=f"Plan {i}")

    with django_assert_num_queries(5):
        assert sam.get("/webhooks/").status_code == 200
    with django_assert_num_queries(7):
        assert sam.get(f"/webhooks/{webhook.pk}/").status_code == 200


def test_the_admin_adds_a_webhook_and_shows_its_secret_once(admin_client, receiver):
    response = admin_client.post(
        "/admin/plans/webhook/add/",
        {"url": receiver.url, "format": "standard", "events": ["plan.created"]},
        follow=True,
    )

    webhook = Webhook.objects.get()
    assert response.status_code == 200
    assert f"shown this once: {webhook.secret}" in response.content.decode()
    change = admin_client.get(f"/admin/plans/webhook/{webhook.pk}/change/")
    assert change.status_code == 200 and webhook.secret not in change.content.decode()


def test_status_changes_and_log_entries_made_in_the_admin_are_sent(admin_client, receiver):
    from tests.html_forms import form_values
    from tests.test_admin_limits import add_inline_rows

    add(admin_client, receiver.url, events=["plan.status_changed", "log.entry_added"])
    plan = create_plan_from_template(fix_name="Admin made")
    url = f"/admin/plans/plan/{plan.pk}/change/"
    data = form_values(admin_client.get(url).content.decode())
    data["status"] = "in_review"
    data = add_inline_rows(
        data,
        "log_entries",
        [{"logged_at_0": "2026-11-29", "logged_at_1": "10:00:00", "update": "From the admin"}],
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302
    deliver()
    types = [(got.json["type"], got.json["data"]["actor"]) for got in receiver.received]
    assert types == [("plan.status_changed", "admin"), ("log.entry_added", "admin")]
    status = receiver.received[0].json["data"]["status_change"]
    assert status == {"from": "planning", "to": "in_review"}


def test_the_admins_send_again_action(admin_client, receiver):
    add(admin_client, receiver.url)
    create_plan_from_template(fix_name="Again from the admin")
    deliver()
    sent = Delivery.objects.get()

    response = admin_client.post(
        "/admin/plans/delivery/",
        {"action": "redeliver", "_selected_action": [sent.pk]},
        follow=True,
    )

    assert b"1 queued again" in response.content
    deliver()
    assert len(receiver.received) == 2
