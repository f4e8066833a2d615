"""axe-core finds no violation on the pages an engineer and a stakeholder use, at a laptop's
width and a phone's, with the forms an engineer opens."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_violations(browser, live_server, editor, width):
    from plans.models import StepTask
    from plans.operations import create_share_link, set_item_done
    from tests.factories import filled_plan

    plan = filled_plan()
    item = plan.checklist_items.filter(kind="prerequisite").first()
    _link, token = create_share_link(plan.pk)
    set_item_done(plan.pk, item.kind, item.pk, done=True, user=editor)
    # Something on My work: a step and a task of Erin's, one of them overdue.
    plan.steps.filter(position=0).update(owner="erin")
    StepTask.objects.filter(step__plan=plan, position=1).update(owner="erin")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, live_server)
    axe = Axe()
    # WCAG 2.5.3 (label in name) is off by default in axe-core, as experimental: on here,
    # so that what a control shows is what voice control can say to it.
    options = {"rules": {"label-content-name-mismatch": {"enabled": True}}}
    found = {}
    for path in [
        "/",
        f"/plans/{plan.pk}/",
        f"/plans/{plan.pk}/?edit=header",
        f"/plans/{plan.pk}/?edit=prerequisites-{item.pk}",
        f"/plans/{plan.pk}/?add=metrics",
        f"/plans/{plan.pk}/history/",
        "/my-work/",
        "/plans/new/",
        "/plans/import/",
        f"/s/{token}/",
    ]:
        page.goto(f"{live_server.url}{path}")
        results = axe.run(page, options=options)
        if results.violations_count:
            found[path] = results.generate_report()
    # The question a delete asks without JavaScript: the row's form sent as a plain POST.
    page.goto(f"{live_server.url}/plans/{plan.pk}/?edit=prerequisites-{item.pk}")
    with page.expect_navigation():
        page.evaluate(
            """() => {
                const form = document.querySelector("form.edit-form");
                form.action = form.action.replace("edit/", "delete/");
                form.submit();
            }"""
        )
    assert page.get_by_role("heading", name="Delete this prerequisite?").is_visible()
    results = axe.run(page, options=options)
    if results.violations_count:
        found["delete question"] = results.generate_report()
    context.close()
    assert not found, "\n".join(f"{path}:\n{report}" for path, report in found.items())
