"""A stakeholder's open page follows the plan by itself while an engineer works it."""

import pytest
from playwright.sync_api import expect

from plans.operations import create_share_link
from tests.e2e.conftest import log_in
from tests.factories import template_plan

pytestmark = pytest.mark.django_db(transaction=True)


def test_stakeholder_page_updates_after_an_engineer_ticks(browser, live_server, editor, settings):
    settings.FIXTRACKER_POLL_SECONDS = 1
    plan = template_plan(fix_name="Slow search", issue_id="SRCH-3")
    _link, token = create_share_link(plan.pk, label="Support")
    stakeholder_context, engineer_context = browser.new_context(), browser.new_context()
    stakeholder = stakeholder_context.new_page()
    stakeholder.goto(f"{live_server.url}/s/{token}/")
    expect(stakeholder.locator("#stakeholder-view")).to_contain_text("0 of 29 checkboxes ticked")
    stakeholder.evaluate("window.__sameDocument = true")

    engineer = engineer_context.new_page()
    log_in(engineer, live_server)
    engineer.goto(f"{live_server.url}/plans/{plan.pk}/")
    engineer.get_by_role("checkbox", name="Apply temporary workaround").check()
    engineer.get_by_role("button", name="Move to In Progress").click()

    view = stakeholder.locator("#stakeholder-view")
    expect(view).to_contain_text("1 of 29 checkboxes ticked", timeout=10_000)
    expect(view.locator(".badge.status-in_progress")).to_have_text("In Progress")
    expect(view.locator(".log li").first).to_contain_text("Status: Planning → In Progress")
    assert stakeholder.evaluate("window.__sameDocument === true")
    stakeholder_context.close()
    engineer_context.close()
