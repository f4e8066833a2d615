"""A plan imported from a fix folder: its Spec link opens the kept spec.md, rendered, and
the spec downloads as it came."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from plans.models import Plan
from tests.conftest import CORPUS
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

FOLDER = CORPUS / "fix_folders" / "INC-2107-session-cache-stampede"


def test_the_spec_link_opens_the_spec_and_it_downloads_unchanged(page, live_server, editor):
    call_command("import_plan", str(FOLDER))
    plan = Plan.objects.get()
    log_in(page, live_server)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")

    page.get_by_role("link", name="spec.md", exact=True).click()

    expect(
        page.get_by_role("heading", name="Fix Specification: Session cache stampede")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="Added TTL jitter after review")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download spec.md").click()
    assert download.value.path().read_bytes() == (FOLDER / "spec.md").read_bytes()
