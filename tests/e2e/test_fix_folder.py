"""An engineer meets a plan in conflict with its fix folder, and takes the file's version;
the page has no axe-core violations."""

import io
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import CommandError, call_command
from playwright.sync_api import expect

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

DEMO = (Path(__file__).resolve().parents[2] / "plans" / "demo" / "demo-plan.md").read_text()


def sync(directory: Path) -> bool:
    try:
        call_command("sync_fixes", str(directory), stdout=io.StringIO(), stderr=io.StringIO())
    except CommandError:
        return False
    return True


def test_take_the_files_version_of_a_conflict(page, live_server, editor, tmp_path):
    from plans import operations
    from plans.models import Plan

    fixes = tmp_path / "fixes"
    (fixes / "INC-2041-checkout").mkdir(parents=True)
    plan_md = fixes / "INC-2041-checkout" / "plan.md"
    plan_md.write_text(DEMO)
    assert sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="Written in the app", user=editor)
    plan_md.write_text(DEMO.replace("**Status:** In Progress", "**Status:** In Review"))
    assert not sync(fixes)

    log_in(page, live_server)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    folder = page.locator("#fix-folder")
    expect(folder).to_contain_text("Conflict")
    options = {"rules": {"label-content-name-mismatch": {"enabled": True}}}
    results = Axe().run(page, options=options)
    assert not results.violations_count, results.generate_report()

    folder.get_by_role("button", name="Take the file's version").click()
    page.get_by_role("button", name="Take the file's").click()

    expect(page.get_by_text("Conflict ended: the file's version taken.")).to_be_visible()
    expect(page.locator("#fix-folder")).to_contain_text("In sync")
    expect(page.locator(".plan-state")).to_contain_text("In Review")
    assert sync(fixes)
