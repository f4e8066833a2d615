"""A stakeholder reading an older page of a long log stays on it while the page polls."""

import datetime

import pytest
from playwright.sync_api import expect

from plans.models import ProgressLogEntry
from plans.operations import create_share_link
from tests.factories import CREATED_AT, template_plan
from tests.test_stakeholder_page import entries

pytestmark = pytest.mark.django_db(transaction=True)


def test_older_log_pages_work_without_javascript_and_keep_polling(browser, live_server, settings):
    settings.FIXTRACKER_POLL_SECONDS = 1
    plan = template_plan(fix_name="Slow search", issue_id="SRCH-3")
    ProgressLogEntry.objects.bulk_create(
        ProgressLogEntry(
            plan=plan,
            update=f"Update number {i}",
            logged_at=CREATED_AT + datetime.timedelta(minutes=i + 1),
        )
        for i in range(120)
    )
    _link, token = create_share_link(plan.pk)

    plain = browser.new_context(java_script_enabled=False)
    page = plain.new_page()
    page.goto(f"{live_server.url}/s/{token}/")
    page.get_by_role("link", name="Older").click()
    expect(page.locator("#progress-log")).to_contain_text(entries(51, 100, 121))
    assert page.url.endswith(f"/s/{token}/?log_page=2#progress-log")
    plain.close()

    scripted = browser.new_context()
    page = scripted.new_page()
    page.goto(f"{live_server.url}/s/{token}/?log_page=2")
    log = page.locator("#progress-log")
    expect(log.locator("li").first).to_have_text("2026-11-20 10:24 UTC Update number 69")
    page.evaluate("window.__sameDocument = true")
    ProgressLogEntry.objects.create(plan=plan, update="Rolled out to 50%")
    plan.save(update_fields=["updated_at"])

    # The new entry moves every page by one: page 2 now starts one entry newer.
    expect(log.locator("li").first).to_have_text(
        "2026-11-20 10:25 UTC Update number 70", timeout=10_000
    )
    expect(log).to_contain_text(entries(51, 100, 122))
    assert page.evaluate("window.__sameDocument === true")
    scripted.close()
