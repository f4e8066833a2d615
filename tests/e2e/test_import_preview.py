"""Importing a file in the browser: a preview of what it will create, then Import or
Cancel; nothing is saved before Import is pressed."""

import re

import pytest
from playwright.sync_api import expect

from plans.models import Plan
from tests.conftest import CORPUS
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

BUG_REPORT = CORPUS / "other_shapes" / "bug-report-checkout-timeout.md"


def upload(page, path) -> None:
    page.get_by_role("button", name="Import Markdown").click()
    page.get_by_label("Markdown file").set_input_files(str(path))
    page.get_by_role("button", name="Preview import").click()


def test_a_preview_shows_the_plan_and_import_creates_it(page, live_server, editor):
    log_in(page, live_server)
    upload(page, BUG_REPORT)

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Import {BUG_REPORT.name}?")
    expect(page.get_by_role("row", name="Issue INC-2041")).to_be_visible()
    expect(page.get_by_role("row", name="Ticked 2 of 7 checkboxes")).to_be_visible()
    expect(page.get_by_role("row", name="13 Root Cause Notes")).to_be_visible()
    expect(page.locator(".import-notes li")).to_have_count(5)
    page.get_by_text("Where each line of the file goes").click()
    expect(
        page.get_by_role("row", name="24 **File:** `payments/client.py` Step 1: files")
    ).to_be_visible()
    assert not Plan.objects.exists()

    page.get_by_role("button", name="Import", exact=True).click()

    page.wait_for_url(re.compile(r"/plans/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Fix Implementation Plan: Checkout times out when the payment provider is slow"
    )
    expect(page.get_by_text(f"from {BUG_REPORT.name}.")).to_be_visible()
    assert Plan.objects.get().issue_id == "INC-2041"


def test_cancel_leaves_nothing_behind(page, live_server, editor):
    log_in(page, live_server)
    upload(page, BUG_REPORT)

    page.get_by_role("button", name="Cancel").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Import a plan from Markdown")
    assert not Plan.objects.exists()


def test_a_refused_file_lists_every_problem_on_the_form(page, live_server, editor, tmp_path):
    path = tmp_path / "plan.md"
    text = BUG_REPORT.read_text(encoding="utf-8")
    path.write_text(text.replace("INC-2041:", "I" * 201 + ":").replace("ana |", "a" * 151 + " |"))
    log_in(page, live_server)

    upload(page, path)

    expect(page.get_by_text("Not imported; nothing was saved.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^line 1: fix name is \d+ characters"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^line 51: author is 151 characters"))).to_be_visible()
    assert not Plan.objects.exists()
