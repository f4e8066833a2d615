"""Two engineers on one plan: each one's page shows the other's changes within 5 seconds,
without a reload, and says who did what, while a form being edited keeps its typed text
and the focus. The pages hear of changes on their streams: the fallback poll is set too
slow to meet the 5 seconds, except in the test of the fallback itself."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.e2e.test_engineer_flow import settled

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def streams_only(settings):
    settings.FIXTRACKER_LIVE_SECONDS = 60
    return settings


@pytest.fixture
def teammate(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("priya", password="incident-43")
    user.user_permissions.add(Permission.objects.get(codename="change_plan"))
    return user


@pytest.fixture
def both_on(browser, live_server):
    """Erin's page and Priya's on a plan, each in a browser of its own, closed when the test
    ends: an open page keeps asking the server, which must not outlive its test."""
    contexts = []

    def open_pages(plan):
        pages = []
        for username, password in [("erin", "incident-42"), ("priya", "incident-43")]:
            contexts.append(browser.new_context())
            page = contexts[-1].new_page()
            log_in(page, live_server, username, password)
            page.goto(f"{live_server.url}/plans/{plan.pk}/")
            pages.append(page)
        return pages

    yield open_pages
    for context in contexts:
        context.close()


@pytest.fixture
def erin_on(browser, live_server):
    """Erin's page on a plan, in a browser of its own, closed when the test ends; and that
    browser's context (its cookies)."""
    contexts = []

    def open_page(plan):
        contexts.append(browser.new_context())
        page = contexts[-1].new_page()
        log_in(page, live_server)
        page.goto(f"{live_server.url}/plans/{plan.pk}/")
        return page, contexts[-1]

    yield open_page
    for context in contexts:
        context.close()


def test_a_teammates_tick_shows_while_an_edit_form_keeps_its_text(
    both_on, live_server, editor, teammate
):
    from tests.factories import template_plan

    plan = template_plan(fix_name="Slow search", issue_id="SRCH-8")
    first, second = plan.checklist_items.filter(kind="prerequisite").order_by("position")[:2]
    task = plan.steps.get(position=0).tasks.get(position=0)
    erin, priya = both_on(plan)
    # Priya is half-way through editing the second prerequisite.
    row = priya.locator(f"#prerequisites-{second.pk}")
    row.get_by_role("link", name="Edit").click()
    settled(priya)
    field = row.locator("input[name=text]")
    field.fill("Impact assessment (half typed")
    expect(field).to_be_focused()

    erin.get_by_role("checkbox", name=first.text).check()
    settled(erin)
    erin.get_by_role("checkbox", name=task.text).check()
    expect(erin.locator("#plan-progress")).to_contain_text("2 of 29 checkboxes ticked")

    expect(priya.get_by_role("checkbox", name=first.text)).to_be_checked(timeout=5000)
    expect(priya.get_by_role("checkbox", name=task.text)).to_be_checked()
    expect(priya.locator("#plan-progress")).to_contain_text("2 of 29 checkboxes ticked")
    expect(priya.locator("#live-news")).to_contain_text(f"erin ticked “{first.text}”")
    # Her form is still open, with what she typed, and she is still typing in it.
    expect(field).to_have_value("Impact assessment (half typed")
    expect(field).to_be_focused()
    priya.keyboard.type(" done)")
    row.get_by_role("button", name="Save").click()
    expect(priya.locator(f"#prerequisites-{second.pk}")).to_contain_text(
        "Impact assessment (half typed done)"
    )
    # And Erin sees her edit in turn, without a reload.
    expect(erin.locator(f"#prerequisites-{second.pk}")).to_contain_text(
        "Impact assessment (half typed done)", timeout=5000
    )
    expect(erin.locator("#live-news")).to_contain_text("priya edited Text")


def test_a_page_whose_session_ended_says_so_instead_of_updating(erin_on, editor):
    from plans import operations
    from tests.factories import template_plan

    plan = template_plan()
    page, context = erin_on(plan)
    context.clear_cookies()
    operations.add_log_entry(plan.pk, update="Paged the DBA", user=None)

    expect(page.locator("#live-news")).to_contain_text("Your session has ended", timeout=5000)
    expect(page.locator("#progress-log")).not_to_contain_text("Paged the DBA")


def test_a_step_being_edited_still_shows_its_tasks_ticked_by_a_teammate(both_on, editor, teammate):
    from tests.factories import template_plan

    plan = template_plan(fix_name="Slow search", issue_id="SRCH-9")
    step = plan.steps.get(position=0)
    task = step.tasks.get(position=0)
    erin, priya = both_on(plan)
    article = priya.locator(f"#steps-{step.pk}")
    article.get_by_role("link", name="Edit").first.click()
    settled(priya)
    title = article.locator("input[name=title]")
    title.fill("Mitigate now")

    erin.get_by_role("checkbox", name=task.text).check()

    expect(article.get_by_role("checkbox", name=task.text)).to_be_checked(timeout=5000)
    expect(priya.locator(f"#step-progress-{step.pk}")).to_contain_text("1/3 tasks")
    expect(title).to_have_value("Mitigate now")
    expect(title).to_be_focused()


@pytest.mark.parametrize("refused", ["streams off", "no room for the user"])
def test_a_page_that_cannot_hold_a_stream_asks_instead(erin_on, editor, streams_only, refused):
    from plans import operations
    from tests.factories import template_plan

    if refused == "streams off":
        streams_only.FIXTRACKER_LIVE_STREAMS = 0  # the page is not told where a stream is
    else:
        streams_only.FIXTRACKER_LIVE_STREAMS_PER_USER = 0  # the stream is answered 204
    streams_only.FIXTRACKER_LIVE_SECONDS = 1
    plan = template_plan()
    page, _context = erin_on(plan)

    operations.add_log_entry(plan.pk, update="Paged the DBA", user=None)

    expect(page.locator("#progress-log")).to_contain_text("Paged the DBA", timeout=5000)
    expect(page.locator("#live-news")).to_contain_text("A command logged “Paged the DBA”")


def test_a_page_whose_plan_was_deleted_says_so(erin_on, editor):
    from plans.models import Plan
    from tests.factories import template_plan

    plan = template_plan()
    page, _context = erin_on(plan)
    expect(page.locator("#live-news")).to_be_empty()

    Plan.objects.filter(pk=plan.pk).delete()

    expect(page.locator("#live-news")).to_contain_text("This plan was deleted", timeout=5000)


def test_the_focus_on_a_rows_link_stays_when_a_teammate_changes_its_list(both_on, editor, teammate):
    from tests.factories import template_plan

    plan = template_plan(fix_name="Slow search", issue_id="SRCH-10")
    first, second = plan.checklist_items.filter(kind="prerequisite").order_by("position")[:2]
    erin, priya = both_on(plan)
    # Priya moves through the list from the keyboard: the focus is on a row's Edit link.
    priya.locator(f"#prerequisites-{second.pk}").get_by_role("link", name="Edit").focus()

    erin.get_by_role("checkbox", name=first.text).check()

    expect(priya.get_by_role("checkbox", name=first.text)).to_be_checked(timeout=5000)
    expect(
        priya.locator(f"#prerequisites-{second.pk}").get_by_role("link", name="Edit")
    ).to_be_focused()
