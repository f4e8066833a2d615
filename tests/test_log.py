"""Engineers add progress-log entries from a one-line form at the top of the log."""

import pytest

from tests.conftest import HTMX
from tests.factories import template_plan

pytestmark = pytest.mark.django_db


def test_it_adds_an_entry_with_the_users_name(alice):
    plan = template_plan()

    response = alice.post(
        f"/plans/{plan.pk}/log/", {"update": "Rolled back the canary"}, headers=HTMX
    )

    assert response.status_code == 200
    entry = plan.log_entries.latest("logged_at")
    assert (entry.update, entry.author) == ("Rolled back the canary", "alice")
    html = response.content.decode()
    assert html.startswith('<form id="log-form"')
    assert 'hx-swap-oob="afterbegin:#log-entries"' in html and "Rolled back the canary" in html


def test_blank_or_multiline_entries_get_422(alice):
    plan = template_plan()

    blank = alice.post(f"/plans/{plan.pk}/log/", {"update": " "}, headers=HTMX)
    multiline = alice.post(f"/plans/{plan.pk}/log/", {"update": "a\nb"}, headers=HTMX)

    assert blank.status_code == 422 and b"This field is required." in blank.content
    assert multiline.status_code == 422 and b"single line" in multiline.content
    assert plan.log_entries.count() == 1


def test_without_htmx_it_redirects_to_the_log(alice):
    plan = template_plan()

    response = alice.post(f"/plans/{plan.pk}/log/", {"update": "Done"})

    assert response.status_code == 302
    assert response["Location"] == f"/plans/{plan.pk}/#progress-log"


def test_it_requires_change_permission(bob):
    plan = template_plan()

    assert bob.post(f"/plans/{plan.pk}/log/", {"update": "x"}).status_code == 403
    assert plan.log_entries.count() == 1


def test_it_404s_for_a_missing_plan(alice):
    assert alice.post("/plans/999999/log/", {"update": "x"}).status_code == 404


def test_logging_to_a_plan_deleted_meanwhile_raises_does_not_exist_and_writes_nothing(engineer):
    # The view found the plan; someone deleted it before the entry was written (was a 500).
    from plans import operations
    from plans.models import Plan, ProgressLogEntry

    plan = template_plan()
    Plan.objects.filter(pk=plan.pk).delete()

    with pytest.raises(Plan.DoesNotExist):
        operations.add_log_entry(plan.pk, update="Too late", user=engineer)
    assert not ProgressLogEntry.objects.filter(update="Too late").exists()
