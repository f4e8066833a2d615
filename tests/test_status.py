"""Status moves one step at a time and carries the status it expects to leave."""

import pytest

from plans.models import Plan, Status
from tests.conftest import HTMX
from tests.factories import template_plan

pytestmark = pytest.mark.django_db


def move(client, plan, expected, to, **kwargs):
    return client.post(f"/plans/{plan.pk}/status/", {"expected": expected, "to": to}, **kwargs)


def test_it_advances_and_logs_who(alice):
    plan = template_plan()

    response = move(alice, plan, Status.PLANNING, Status.IN_PROGRESS, headers=HTMX)

    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.status == Status.IN_PROGRESS
    assert plan.log_entries.filter(update="Status: Planning → In Progress", author="alice").exists()
    html = response.content.decode()
    assert '<span class="badge status-in_progress">In Progress</span>' in html
    assert "Move to In Review" in html and "Back to Planning" in html
    assert 'hx-swap-oob="afterbegin:#log-entries"' in html


def test_it_steps_back(alice):
    plan = template_plan()
    Plan.objects.filter(pk=plan.pk).update(status=Status.IN_REVIEW)

    move(alice, plan, Status.IN_REVIEW, Status.IN_PROGRESS, headers=HTMX)

    plan.refresh_from_db()
    assert plan.status == Status.IN_PROGRESS


def test_a_stale_change_gets_409_with_the_current_status(alice):
    plan = template_plan()
    move(alice, plan, Status.PLANNING, Status.IN_PROGRESS, headers=HTMX)

    response = move(alice, plan, Status.PLANNING, Status.IN_PROGRESS, headers=HTMX)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else moved this plan to In Progress before you" in html
    assert '<span class="badge status-in_progress">In Progress</span>' in html
    assert plan.log_entries.filter(update__startswith="Status:").count() == 1


def test_a_stale_change_without_htmx_shows_the_page_with_the_message(alice):
    plan = template_plan()
    Plan.objects.filter(pk=plan.pk).update(status=Status.IN_REVIEW)

    response = move(alice, plan, Status.PLANNING, Status.IN_PROGRESS)

    assert response.status_code == 409
    assert b"<html" in response.content and b"Someone else moved this plan" in response.content


def test_skipping_a_status_is_refused(alice):
    plan = template_plan()

    response = move(alice, plan, Status.PLANNING, Status.DEPLOYED, headers=HTMX)

    assert response.status_code == 422
    assert b"one step at a time" in response.content
    plan.refresh_from_db()
    assert plan.status == Status.PLANNING


def test_unknown_status_is_refused(alice):
    plan = template_plan()

    assert move(alice, plan, "planning", "done", headers=HTMX).status_code == 422
    assert move(alice, plan, "", "", headers=HTMX).status_code == 422


def test_without_htmx_it_redirects(alice):
    plan = template_plan()

    response = move(alice, plan, Status.PLANNING, Status.IN_PROGRESS)

    assert response.status_code == 302
    assert response["Location"] == f"/plans/{plan.pk}/#plan-status"


def test_it_requires_change_permission(bob):
    plan = template_plan()

    assert move(bob, plan, Status.PLANNING, Status.IN_PROGRESS).status_code == 403
    plan.refresh_from_db()
    assert plan.status == Status.PLANNING


def test_it_404s_for_a_missing_plan(alice):
    assert move(alice, Plan(pk=999999), "planning", "in_progress").status_code == 404


def test_it_rejects_get(alice):
    plan = template_plan()

    assert alice.get(f"/plans/{plan.pk}/status/").status_code == 405


def test_moving_to_deployed_with_unticked_boxes_asks_first(alice):
    plan = template_plan()
    Plan.objects.filter(pk=plan.pk).update(status=Status.IN_REVIEW)

    html = alice.get(f"/plans/{plan.pk}/").content.decode()

    assert 'hx-confirm="Only 0 of 29 checkboxes are ticked. Move to Deployed anyway?"' in html


def test_without_javascript_moving_to_deployed_with_unticked_boxes_asks_on_a_page(alice):
    plan = template_plan()
    Plan.objects.filter(pk=plan.pk).update(status=Status.IN_REVIEW)
    data = {"expected": "in_review", "to": "deployed"}

    asked = alice.post(f"/plans/{plan.pk}/status/", data)
    answered = alice.post(f"/plans/{plan.pk}/status/", {**asked_fields(asked)})

    assert asked.status_code == 200
    assert "Only 0 of 29 checkboxes are ticked." in asked.content.decode()
    assert answered.status_code == 302
    assert Plan.objects.get(pk=plan.pk).status == Status.DEPLOYED


def test_without_javascript_moving_to_deployed_with_every_box_ticked_does_not_ask(alice):
    plan = template_plan()
    Plan.objects.filter(pk=plan.pk).update(status=Status.IN_REVIEW, boxes_done=29, boxes_total=29)

    response = alice.post(f"/plans/{plan.pk}/status/", {"expected": "in_review", "to": "deployed"})

    assert response.status_code == 302
    assert Plan.objects.get(pk=plan.pk).status == Status.DEPLOYED


def asked_fields(response) -> dict:
    """What the question page's form posts when its answer button is pressed."""
    import re

    html = response.content.decode()
    form = html[html.index('<form method="post" action="/plans/') :]
    form = form[: form.index("</form>")]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
