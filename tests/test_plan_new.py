"""A new plan is created from the template's defaults and the browser lands on it."""

import pytest

from plans.defaults import OVERVIEW
from plans.models import Plan, Status

pytestmark = pytest.mark.django_db


def test_the_form_defaults_the_author_to_the_user(alice):
    response = alice.get("/plans/new/")

    assert response.status_code == 200
    assert b'<label for="id_fix_name">Fix name</label>' in response.content
    assert response.context["form"]["author"].value() == "Alice"


def test_it_creates_the_plan_from_the_template_and_lands_on_it(alice):
    response = alice.post(
        "/plans/new/",
        {"fix_name": "Checkout timeout", "issue_id": "PAY-1", "priority": "P0", "author": "Alice"},
    )

    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/"
    assert (plan.fix_name, plan.issue_id, plan.priority, plan.status) == (
        "Checkout timeout",
        "PAY-1",
        "P0",
        Status.PLANNING,
    )
    assert plan.overview == OVERVIEW
    assert plan.steps.count() == 5 and plan.phases.count() == 6
    assert plan.log_entries.get().author == "alice"


def test_missing_fields_get_422_and_create_nothing(alice):
    response = alice.post("/plans/new/", {"fix_name": "", "issue_id": "", "priority": "P7"})

    assert response.status_code == 422
    assert response.content.count(b"This field is required.") == 2
    assert b"Select a valid choice." in response.content
    assert not Plan.objects.exists()


def test_it_requires_change_permission(bob):
    assert bob.get("/plans/new/").status_code == 403
    assert (
        bob.post("/plans/new/", {"fix_name": "x", "issue_id": "y", "priority": "P1"}).status_code
        == 403
    )
    assert not Plan.objects.exists()


def test_it_requires_login(client):
    assert client.get("/plans/new/").status_code == 302
