"""A plan full of script payloads, shown on every page in a real browser: nothing runs."""

import pytest

from plans.models import ProgressLogEntry, StepTask
from plans.operations import create_share_link
from tests.e2e.conftest import log_in
from tests.factories import template_plan

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOADS = [
    "<script>window.__xss = 'script'; alert(1)</script>",
    "<img src=x onerror=\"window.__xss = 'img'; alert(2)\">",
    "<svg onload=\"window.__xss = 'svg'\"></svg>",
    '"><iframe src="javascript:alert(3)"></iframe>',
    "<style>body{display:none}</style>",
]
MARKDOWN = "\n\n".join([*PAYLOADS, "[link](javascript:alert(4))", "![img](javascript:alert(5))"])


def hostile_plan():
    plan = template_plan(
        fix_name=PAYLOADS[0], issue_id=PAYLOADS[1][:100], author=PAYLOADS[2], overview=MARKDOWN
    )
    plan.notes = MARKDOWN
    plan.spec_link = "javascript:alert(6)"
    plan.save()
    StepTask.objects.filter(step__plan=plan, position=0).update(text=PAYLOADS[3])
    plan.metrics.update(metric=PAYLOADS[1])
    plan.stakeholder_updates.update(stakeholder=PAYLOADS[2])
    ProgressLogEntry.objects.create(plan=plan, update=PAYLOADS[0], author="<b>mallory</b>")
    return plan


def test_no_payload_runs_on_any_page(page, live_server, editor):
    plan = hostile_plan()
    _link, token = create_share_link(plan.pk)
    dialogs, errors = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server)

    for path in ["/", f"/plans/{plan.pk}/", f"/s/{token}/", f"/plans/{plan.pk}/?edit=overview"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        assert page.evaluate("window.__xss") is None, path
        assert page.locator("main").is_visible(), path  # the <style> payload hid nothing
    # The payloads are there, as text.
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    assert "<script>window.__xss" in page.locator("h1").inner_text()
    assert dialogs == []
    # Escaping stopped them, not only the Content-Security-Policy: nothing was blocked.
    assert [e for e in errors if "Content Security Policy" in e] == []
