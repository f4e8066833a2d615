"""The plan page when the world moves under it, as production runs it (DEBUG off): the
session ends, or someone else deletes the row being ticked. Nothing fails silently."""

import re

import pytest
from playwright.sync_api import expect

from plans.models import ChecklistKind
from tests.e2e.conftest import log_in
from tests.factories import template_plan

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_ended_session_goes_to_the_login_page_and_back_to_the_plan(
    page, live_server, editor, settings
):
    assert not settings.DEBUG
    plan = template_plan()
    log_in(page, live_server)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    page.context.clear_cookies()  # the session expired, or ended in another tab

    page.get_by_role("checkbox").first.click()

    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    expect(page.locator("header")).to_have_count(1)  # a page, not a form swapped into one
    page.get_by_label("Username").fill("erin")
    page.get_by_label("Password").fill("incident-42")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/plans/{plan.pk}/")
    item = plan.checklist_items.get(kind=ChecklistKind.PREREQUISITE, position=0)
    assert not item.done  # the click that met the login page changed nothing


def test_ticking_a_row_someone_deleted_says_so_and_unticks_the_box(page, live_server, editor):
    plan = template_plan()
    item = plan.checklist_items.get(kind=ChecklistKind.PREREQUISITE, position=0)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    pk = item.pk
    box = page.locator(f"#prerequisites-{pk}").get_by_role("checkbox")
    item.delete()  # by a teammate, in another browser

    box.click()

    expect(page.locator(f"#prerequisites-{pk}").get_by_role("alert")).to_have_text(
        "Not saved: this was deleted by someone else. Reload to see the current plan."
    )
    expect(box).not_to_be_checked()
