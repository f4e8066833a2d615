"""What an engineer does during an incident, in a real browser, without page reloads."""

import re

import pytest
from playwright.sync_api import expect

from plans.models import Plan, StepTask
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def mark_page(page):
    """A flag on window that a full page load would wipe out."""
    page.evaluate("window.__sameDocument = true")


def still_same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def create_plan(page, live_server) -> Plan:
    page.get_by_role("button", name="New plan").click()
    page.get_by_label("Fix name").fill("Checkout times out")
    page.get_by_label("Issue id").fill("PAY-404")
    page.get_by_label("Priority").select_option("P0")
    page.get_by_role("button", name="Create plan").click()
    page.wait_for_url(re.compile(r"/plans/\d+/$"))
    return Plan.objects.get(issue_id="PAY-404")


def test_engineer_creates_a_plan_ticks_advances_and_logs(page, live_server, editor):
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server)
    plan = create_plan(page, live_server)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Fix Implementation Plan: Checkout times out"
    )
    expect(page.locator("#plan-progress")).to_contain_text("0 of 29 checkboxes ticked")
    mark_page(page)

    page.get_by_role("checkbox", name="Apply temporary workaround").check()

    expect(page.locator("#plan-progress")).to_contain_text("1 of 29 checkboxes ticked")
    step = plan.steps.get(position=0)
    expect(page.locator(f"#step-progress-{step.pk}")).to_contain_text("1/3 tasks")
    expect(page.locator("#phases tbody tr").first.locator(".badge")).to_have_text("In Progress")
    assert still_same_document(page)
    task = StepTask.objects.get(step=step, position=0)
    assert task.done

    page.reload()
    expect(page.get_by_role("checkbox", name="Apply temporary workaround")).to_be_checked()
    expect(page.locator("#plan-progress")).to_contain_text("1 of 29 checkboxes ticked")
    mark_page(page)

    page.get_by_role("button", name="Move to In Progress").click()
    expect(page.locator("#plan-status .badge:not(.overdue)")).to_have_text("In Progress")
    expect(page.locator("#log-entries li").first).to_contain_text("Status: Planning → In Progress")

    # "Log progress" at the top puts the cursor in the log's field.
    page.get_by_role("button", name="Log progress").click()
    expect(page.get_by_label("Add a progress update")).to_be_focused()
    page.keyboard.type("Workaround live on 10% of traffic")
    page.get_by_role("button", name="Log", exact=True).click()
    expect(page.locator("#log-entries li").first).to_contain_text(
        "Workaround live on 10% of traffic"
    )
    expect(page.get_by_label("Add a progress update")).to_have_value("")
    expect(page.get_by_label("Add a progress update")).to_be_focused()
    assert still_same_document(page)
    assert plan.log_entries.filter(update="Workaround live on 10% of traffic").exists()
    # Nothing the Content-Security-Policy had to block: no inline script, style or eval.
    assert console_errors == []


def test_an_invalid_edit_shows_the_error_beside_the_field(page, live_server, editor):
    from tests.factories import template_plan

    plan = template_plan(fix_name="Slow search", issue_id="SRCH-1")
    metric = plan.metrics.get(position=0)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    mark_page(page)

    row = page.locator(f"#metrics-{metric.pk}")
    row.get_by_role("link", name="Edit").click()
    metric_input = row.get_by_label("Metric", exact=True)
    expect(metric_input).to_be_focused()
    metric_input.fill("")
    row.get_by_role("button", name="Save").click()

    expect(row.get_by_text("This field is required.")).to_be_visible()
    expect(row.get_by_label("Metric", exact=True)).to_have_attribute("aria-invalid", "true")
    assert still_same_document(page)
    metric.refresh_from_db()
    assert metric.metric == "Error rate"

    row.get_by_label("Metric", exact=True).fill("Error rate (5xx)")
    row.get_by_role("button", name="Save").click()
    expect(page.locator(f"#metrics-{metric.pk}")).to_contain_text("Error rate (5xx)")
    edit = page.locator(f"#metrics-{metric.pk}").get_by_role("link", name="Edit")
    expect(edit).to_be_focused()
    expect(edit).to_have_accessible_description("Error rate (5xx)")


def test_second_engineer_gets_the_409_message(browser, live_server, editor):
    from tests.factories import template_plan

    plan = template_plan(fix_name="Slow search", issue_id="SRCH-2")
    first, second = browser.new_context(), browser.new_context()
    pages = [first.new_page(), second.new_page()]
    for page in pages:
        log_in(page, live_server)
        page.goto(f"{live_server.url}/plans/{plan.pk}/")

    pages[1].get_by_role("button", name="Move to In Progress").click()
    expect(pages[1].locator("#plan-status .badge:not(.overdue)")).to_have_text("In Progress")
    pages[0].get_by_role("button", name="Move to In Progress").click()

    status = pages[0].locator("#plan-status")
    expect(status.get_by_role("alert")).to_contain_text(
        "Someone else moved this plan to In Progress before you"
    )
    expect(status.locator(".badge:not(.overdue)")).to_have_text("In Progress")
    expect(status.get_by_role("button", name="Move to In Review")).to_be_visible()
    assert plan.log_entries.filter(update__startswith="Status:").count() == 1
    first.close()
    second.close()


def test_share_links_are_made_and_revoked_in_place_and_the_count_follows(page, live_server, editor):
    log_in(page, live_server)
    plan = create_plan(page, live_server)
    mark_page(page)
    summary = page.locator(".share-details summary")
    expect(summary).to_have_text("Share links (0 live)")

    summary.click()
    page.get_by_label("Label").fill("Support")
    page.get_by_role("button", name="Create share link").click()

    expect(page.locator("#new-share-url")).to_have_value(re.compile(r"/s/[\w-]{40,}/$"))
    expect(summary).to_have_text("Share links (1 live)")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke link Support").click()
    expect(page.locator("#share-links tbody tr").first).to_contain_text("revoked")
    expect(summary).to_have_text("Share links (0 live)")
    assert still_same_document(page)
    assert plan.share_links.get().revoked_at is not None


def settled(page):
    """htmx wires up swapped-in content once it settles; a person is never faster than that."""
    expect(
        page.locator(".htmx-added, .htmx-settling, .htmx-swapping, .htmx-request")
    ).to_have_count(0)


def test_rows_are_added_moved_and_closed_from_the_keyboard(page, live_server, editor):
    from tests.factories import template_plan

    plan = template_plan(fix_name="Slow search", issue_id="SRCH-3")
    items = list(plan.checklist_items.filter(kind="prerequisite").order_by("position"))
    log_in(page, live_server)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    mark_page(page)
    prerequisites = page.locator("#prerequisites")
    # No add form, and no move or delete buttons, until asked for.
    expect(prerequisites.locator("form.add-form")).to_have_count(0)
    expect(page.get_by_role("button", name="Move up")).to_have_count(0)

    add_prerequisite(page, "Feature flag ready")
    # The form stays open, empty and focused, for the next one; Escape closes it.
    expect(prerequisites.get_by_label("New prerequisite")).to_be_focused()
    settled(page)
    prerequisites.get_by_label("New prerequisite").press("Escape")
    expect(prerequisites.get_by_role("link", name="Add prerequisite")).to_be_focused()

    row = page.locator(f"#prerequisites-{items[0].pk}")
    row.get_by_role("link", name="Edit").focus()
    page.keyboard.press("Enter")
    # The form opens with the focus in its field; from there, on to Move down.
    expect(row.get_by_label("Text")).to_be_focused()
    settled(page)
    row.get_by_role("button", name="Move down").focus()
    page.keyboard.press("Enter")
    # Moved, and still open on the same button: press again to move further.
    expect(prerequisites.locator("li").nth(1)).to_have_id(f"prerequisites-{items[0].pk}")
    expect(
        page.locator(f"#prerequisites-{items[0].pk}").get_by_role("button", name="Move down")
    ).to_be_focused()
    settled(page)
    page.keyboard.press("Escape")
    expect(
        page.locator(f"#prerequisites-{items[0].pk}").get_by_role("link", name="Edit")
    ).to_be_focused()
    assert still_same_document(page)
    assert [i.pk for i in plan.checklist_items.filter(kind="prerequisite").order_by("position")][
        :2
    ] == [
        items[1].pk,
        items[0].pk,
    ]


def test_escape_asks_before_it_throws_typed_text_away(page, live_server, editor):
    from tests.factories import template_plan

    plan = template_plan(fix_name="Slow search", issue_id="SRCH-6")
    item = plan.checklist_items.filter(kind="prerequisite").order_by("position").first()
    log_in(page, live_server)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    row = page.locator(f"#prerequisites-{item.pk}")
    row.get_by_role("link", name="Edit").click()
    field = row.get_by_label("Text")
    expect(field).to_be_focused()
    settled(page)
    field.press("End")
    field.type(" (half typed)")
    answers = iter([False, True])
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept() if next(answers) else dialog.dismiss()

    page.on("dialog", answer)

    field.press("Escape")
    # Kept: the form is still open with what was typed.
    expect(field).to_have_value(f"{item.text} (half typed)")
    field.press("Escape")
    expect(row.get_by_role("link", name="Edit")).to_be_focused()

    assert asked == ["Discard your changes?", "Discard your changes?"]
    item.refresh_from_db()
    assert "(half typed)" not in item.text


def test_a_row_open_with_typed_text_survives_its_list_being_drawn_again(page, live_server, editor):
    from tests.factories import template_plan

    plan = template_plan(fix_name="Slow search", issue_id="SRCH-7")
    item = plan.checklist_items.filter(kind="prerequisite").order_by("position").first()
    log_in(page, live_server)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    row = page.locator(f"#prerequisites-{item.pk}")
    row.get_by_role("link", name="Edit").click()
    expect(row.get_by_label("Text")).to_be_focused()
    settled(page)
    row.get_by_label("Text").fill("Root cause confirmed, half a thought")

    add_prerequisite(page, "Feature flag ready")

    expect(row.get_by_label("Text")).to_have_value("Root cause confirmed, half a thought")
    # Still a working form: saving it saves what was typed.
    settled(page)
    row.get_by_role("button", name="Save").click()
    expect(row).to_contain_text("Root cause confirmed, half a thought")
    item.refresh_from_db()
    assert item.text == "Root cause confirmed, half a thought"


def add_prerequisite(page, text: str) -> None:
    """Open the prerequisites' add form from its link, type `text`, press Enter, and wait
    for the new row at the end of the list."""
    prerequisites = page.locator("#prerequisites")
    prerequisites.get_by_role("link", name="Add prerequisite").click()
    field = prerequisites.get_by_label("New prerequisite")
    expect(field).to_be_focused()
    field.fill(text)
    settled(page)
    field.press("Enter")
    expect(prerequisites.locator("li").last).to_contain_text(text)


def test_a_header_edit_shows_everywhere_at_once(page, live_server, editor):
    from tests.factories import template_plan

    plan = template_plan(fix_name="Slow search", issue_id="SRCH-4")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    expect(page).to_have_title("SRCH-4: Slow search · FixTracker")

    header = page.locator("#section-header")
    header.get_by_role("button", name="Edit header").click()
    settled(page)
    header.get_by_label("Fix name").fill("Search times out")
    header.get_by_role("button", name="Save").click()
    expect(page).to_have_title("SRCH-4: Search times out · FixTracker")

    settled(page)
    header.get_by_role("button", name="Edit header").click()
    settled(page)
    header.get_by_label("Default branch").fill("trunk")
    header.get_by_role("button", name="Save").click()
    # The tasks and commands that name the branch show it too, without a manual reload.
    expect(page.get_by_text("Create feature branch from trunk")).to_be_visible()


@pytest.mark.parametrize("width", [390, 1280])
def test_no_page_scrolls_sideways_on_a_phone_or_a_laptop(browser, live_server, editor, width):
    from plans import operations
    from plans.operations import create_share_link
    from tests.factories import template_plan

    long_code = "`" + "checkout.payments.provider.timeout_seconds_" * 4 + "`"
    plan = template_plan(fix_name="Long words " + "x" * 80, overview=f"Set {long_code} to 3.")
    plan.checklist_items.filter(position=0).update(text="Raise " + long_code)
    _link, token = create_share_link(plan.pk)
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    log_in(page, live_server)
    operations.add_log_entry(plan.pk, update="Raised " + long_code, user=None)
    paths = ["/", f"/plans/{plan.pk}/", f"/plans/{plan.pk}/?edit=header", f"/s/{token}/"]
    plan.steps.filter(position=0).update(owner="erin")
    for path in [*paths, f"/plans/{plan.pk}/history/", "/my-work/"]:
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        # Nor does a table scroll sideways inside its own box, hiding columns.
        boxes = "Array.from(document.querySelectorAll('.overflow-auto'))"
        hidden = page.evaluate(f"{boxes}.filter(b => b.scrollWidth > b.clientWidth).length")
        assert hidden == 0, path
    # Every row's Edit and every link's Revoke is in view, not off the side of a table's box.
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    controls = page.locator("table a.edit, table button:has-text('Revoke')")
    rows = plan.metrics.count() + plan.stakeholder_updates.count() + plan.phases.count()
    assert controls.count() == rows + 1
    for box in [controls.nth(i).bounding_box() for i in range(controls.count())]:
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    context.close()


def test_deployed_with_boxes_unticked_asks_and_a_tick_keeps_the_focus(page, live_server, editor):
    from plans.models import Status
    from tests.factories import template_plan

    plan = template_plan(fix_name="Slow search", issue_id="SRCH-5")
    Plan.objects.filter(pk=plan.pk).update(status=Status.IN_REVIEW)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))

    page.get_by_role("button", name="Move to Deployed").click()
    expect(page.locator("#plan-status .badge:not(.overdue)")).to_have_text("In Review")
    assert asked == ["Only 0 of 29 checkboxes are ticked. Move to Deployed anyway?"]
    assert Plan.objects.get(pk=plan.pk).status == Status.IN_REVIEW

    box = page.get_by_role("checkbox", name="Apply temporary workaround")
    box.focus()
    page.keyboard.press("Space")
    expect(page.locator("#plan-progress")).to_contain_text("1 of 29 checkboxes ticked")
    # The row was drawn again with the tick; the focus is still on its box, so Space undoes.
    expect(page.get_by_role("checkbox", name="Apply temporary workaround")).to_be_focused()
    settled(page)
    page.keyboard.press("Space")
    expect(page.locator("#plan-progress")).to_contain_text("0 of 29 checkboxes ticked")
