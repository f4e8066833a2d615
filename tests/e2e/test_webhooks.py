"""Staff add a webhook in the browser, send a test event, see it delivered and redeliver it;
the pages have no axe-core violations. The worker runs as `deliver_webhooks --once`."""

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loopback_webhooks")]


@pytest.fixture
def wendy(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("wendy", password="hooks-42", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__endswith="_webhook"))
    return user


def test_add_send_a_test_event_and_redeliver(page, live_server, wendy, receiver):
    log_in(page, live_server, "wendy", "hooks-42")
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()

    page.get_by_label("URL").fill("http://10.1.2.3/hook")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.get_by_text("a private, loopback or reserved address")).to_be_visible()

    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Label").fill("#incidents")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.get_by_role("heading", name="#incidents")).to_be_visible()
    secret = page.locator("code.secret").inner_text()
    assert secret.startswith("whsec_")

    page.get_by_role("button", name="Send test event").click()
    expect(page.get_by_text("Test event queued")).to_be_visible()
    call_command("deliver_webhooks", "--once", stdout=io.StringIO())
    page.reload()

    expect(page.locator("code.secret")).to_have_count(0)
    row = page.get_by_role("row").filter(has_text="Test event")
    expect(row).to_contain_text("Delivered")
    expect(row).to_contain_text("200")
    row.get_by_role("button", name="Redeliver").click()
    expect(page.get_by_text("Queued again")).to_be_visible()
    call_command("deliver_webhooks", "--once", stdout=io.StringIO())
    assert len(receiver.received) == 2
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"]

    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_text("Disabled by wendy.")).to_be_visible()
    page.get_by_role("button", name="Enable").click()
    expect(page.get_by_text("Enabled; 0 held deliveries queued.")).to_be_visible()


@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_violations_on_the_webhook_pages(browser, live_server, wendy, receiver, width):
    from plans.defaults import create_plan_from_template
    from plans.models import Webhook

    call_command("add_webhook", receiver.url, stdout=io.StringIO(), stderr=io.StringIO())
    create_plan_from_template(fix_name="Seen by the hook")
    call_command("deliver_webhooks", "--once", stdout=io.StringIO())
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, live_server, "wendy", "hooks-42")
    options = {"rules": {"label-content-name-mismatch": {"enabled": True}}}
    found = {}
    webhook = Webhook.objects.get()
    for path in ["/webhooks/", f"/webhooks/{webhook.pk}/", f"/webhooks/{webhook.pk}/delete/"]:
        page.goto(f"{live_server.url}{path}")
        results = Axe().run(page, options=options)
        if results.violations_count:
            found[path] = results.generate_report()
    context.close()
    assert not found, "\n".join(f"{path}:\n{report}" for path, report in found.items())
