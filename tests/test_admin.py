"""Every model is in the admin; plans are searchable and filterable."""

import pytest
from django.contrib import admin
from django.urls import reverse

from plans.models import Plan, Priority, Status, Step
from tests.factories import filled_plan, template_plan

pytestmark = pytest.mark.django_db


def test_every_plans_model_is_registered():
    from django.apps import apps

    for model in apps.get_app_config("plans").get_models():
        assert admin.site.is_registered(model), model


def test_plan_change_page_shows_children_inline(admin_client):
    plan = filled_plan()

    response = admin_client.get(reverse("admin:plans_plan_change", args=[plan.pk]))

    assert response.status_code == 200
    assert b"Session TTL is 30 days" in response.content
    assert b"Logins per minute" in response.content
    assert b"PR #4411 up for review" in response.content


def test_step_change_page_shows_tasks_and_files(admin_client):
    step = Step.objects.filter(plan=filled_plan(), position=1).get()

    response = admin_client.get(reverse("admin:plans_step_change", args=[step.pk]))

    assert response.status_code == 200
    assert b"auth/middleware.py" in response.content
    assert b"Create feature branch from {{DEFAULT_BRANCH}}" in response.content


def test_plan_list_searches_and_filters(admin_client):
    template_plan(fix_name="Checkout timeout", issue_id="PAY-1", priority=Priority.P0)
    template_plan(fix_name="Slow search", issue_id="SRCH-2")
    Plan.objects.filter(issue_id="SRCH-2").update(status=Status.DEPLOYED)
    url = reverse("admin:plans_plan_changelist")

    by_name = admin_client.get(url, {"q": "checkout"})
    by_issue = admin_client.get(url, {"q": "SRCH-2"})
    by_status = admin_client.get(url, {"status__exact": Status.DEPLOYED})
    by_priority = admin_client.get(url, {"priority__exact": Priority.P0})

    assert list(by_name.context["cl"].result_list.values_list("issue_id", flat=True)) == ["PAY-1"]
    assert list(by_issue.context["cl"].result_list.values_list("issue_id", flat=True)) == ["SRCH-2"]
    assert [p.issue_id for p in by_status.context["cl"].result_list] == ["SRCH-2"]
    assert [p.issue_id for p in by_priority.context["cl"].result_list] == ["PAY-1"]


def test_editing_a_plans_row_in_the_admin_counts_as_a_change_of_the_plan(admin_client):
    """Stakeholder pages poll on the plan's version, and the dashboard reads its counts."""
    from plans.models import StepTask

    plan = template_plan()
    task = StepTask.objects.filter(step__plan=plan).first()
    before = Plan.objects.get(pk=plan.pk)

    response = admin_client.post(
        reverse("admin:plans_steptask_change", args=[task.pk]),
        {"step": task.step_id, "text": "Edited in the admin", "depth": 0, "done": "on"},
    )

    assert response.status_code == 302
    after = Plan.objects.get(pk=plan.pk)
    assert after.version > before.version and after.updated_at > before.updated_at
    assert after.boxes_done == before.boxes_done + 1
    deleted = admin_client.post(
        reverse("admin:plans_steptask_delete", args=[task.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert Plan.objects.get(pk=plan.pk).boxes_total == before.boxes_total - 1


def test_the_admin_refuses_control_characters_as_the_forms_do(admin_client):
    step = Step.objects.filter(plan=template_plan()).first()
    url = reverse("admin:plans_step_change", args=[step.pk])
    data = {
        "plan": step.plan_id,
        "position": step.position,
        "title": "Clear the screen \x1b[2J",
        "test_commands_language": "bash",
        "tasks-TOTAL_FORMS": 0,
        "tasks-INITIAL_FORMS": 0,
        "files-TOTAL_FORMS": 0,
        "files-INITIAL_FORMS": 0,
    }

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert b"control characters" in response.content
    step.refresh_from_db()
    assert "\x1b" not in step.title


def test_the_admin_adds_no_row_to_a_full_list(admin_client):
    from plans import limits
    from plans.models import ChecklistItem, ChecklistKind

    plan = template_plan()
    ChecklistItem.objects.filter(plan=plan, kind=ChecklistKind.PREREQUISITE).delete()
    ChecklistItem.objects.bulk_create(
        ChecklistItem(plan=plan, kind=ChecklistKind.PREREQUISITE, position=i, text=f"P{i}")
        for i in range(limits.CHECKLIST_ITEMS.value)
    )
    data = {"plan": plan.pk, "kind": "prerequisite", "position": 500, "text": "One too many"}

    response = admin_client.post(reverse("admin:plans_checklistitem_add"), data)

    assert response.status_code == 200
    assert b"past its limit of 100 items per checklist" in response.content
    assert not ChecklistItem.objects.filter(text="One too many").exists()


@pytest.mark.django_db(transaction=True)
def test_delete_selected_in_the_admin_is_one_change_on_every_database(admin_client):
    """Django runs changelist actions outside a transaction; the plan lock needs one."""
    from plans.models import StepTask

    plan = template_plan()
    tasks = list(StepTask.objects.filter(step__plan=plan).values_list("pk", flat=True)[:3])
    before = Plan.objects.get(pk=plan.pk)

    response = admin_client.post(
        reverse("admin:plans_steptask_changelist"),
        {"action": "delete_selected", "_selected_action": tasks, "post": "yes"},
    )

    assert response.status_code == 302
    after = Plan.objects.get(pk=plan.pk)
    assert after.boxes_total == before.boxes_total - 3 and after.version > before.version
