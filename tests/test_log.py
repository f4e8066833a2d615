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
