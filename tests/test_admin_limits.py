"""The admin holds plans to the same limits and positions as the app: rows added in one
save all count, a row never moves to another list, and positions are the app's to keep."""

import datetime

import pytest
from django.urls import reverse

from plans import limits
from plans.markdown import export_plan, import_plan
from plans.models import (
    ChecklistItem,
    ChecklistKind,
    Plan,
    ProgressLogEntry,
    Step,
    StepTask,
)
from tests.factories import template_plan
from tests.html_forms import form_values

pytestmark = pytest.mark.django_db


def change_form(admin_client, url: str) -> dict[str, str]:
    response = admin_client.get(url)
    assert response.status_code == 200
    return form_values(response.content.decode())


def add_inline_rows(data: dict, prefix: str, rows: list[dict]) -> dict:
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    for i, row in enumerate(rows, start=total):
        data.update({f"{prefix}-{i}-{name}": value for name, value in row.items()})
    data[f"{prefix}-TOTAL_FORMS"] = str(total + len(rows))
    return data


def test_rows_added_in_one_inline_save_all_count_toward_the_checklist_limit(admin_client):
    plan = template_plan()
    url = reverse("admin:plans_plan_change", args=[plan.pk])
    have = ChecklistItem.objects.filter(plan=plan, kind=ChecklistKind.PREREQUISITE).count()
    room = limits.CHECKLIST_ITEMS.value - have
    new = [{"kind": "prerequisite", "text": f"New {i}"} for i in range(room + 1)]
    data = add_inline_rows(change_form(admin_client, url), "checklist_items", new)

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "past its limit of 100 items per checklist" in response.content.decode()
    assert ChecklistItem.objects.filter(plan=plan, kind="prerequisite").count() == have
    # One fewer fits, and the rows go at the end of their list in the order given.
    data = add_inline_rows(change_form(admin_client, url), "checklist_items", new[:room])
    assert admin_client.post(url, data).status_code == 302
    texts = ChecklistItem.objects.filter(plan=plan, kind="prerequisite").order_by("position")
    assert list(texts.values_list("position", flat=True)) == list(range(100))
    assert texts.last().text == f"New {room - 1}"
    assert import_plan(export_plan(plan.pk))


def test_tasks_added_to_one_step_count_toward_the_plans_task_limit(admin_client):
    plan = template_plan()
    Step.objects.filter(plan=plan).delete()
    per_step = limits.TASKS_PER_STEP.value
    full = limits.TASKS.value // per_step
    steps = Step.objects.bulk_create(
        Step(plan=plan, position=i, title=f"S{i}") for i in range(full + 1)
    )
    StepTask.objects.bulk_create(
        StepTask(step=step, position=i, text=f"T{i}")
        for step in steps[:full]
        for i in range(per_step)
    )
    StepTask.objects.filter(step=steps[0], position=per_step - 1).delete()
    have = StepTask.objects.filter(step__plan=plan).count()
    url = reverse("admin:plans_step_change", args=[steps[-1].pk])
    # Room for one: each row alone fits, the two together do not.
    new = [{"text": "Fits"}, {"text": "One too many"}]
    data = add_inline_rows(change_form(admin_client, url), "tasks", new)

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "past its limit of 500 tasks per plan" in response.content.decode()
    assert StepTask.objects.filter(step__plan=plan).count() == have


def test_a_row_cannot_be_moved_to_another_plan_or_checklist(admin_client):
    plan, other = template_plan(), template_plan(issue_id="OTHER-1")
    item = ChecklistItem.objects.filter(plan=plan, kind=ChecklistKind.SUCCESS_CRITERION).first()
    url = reverse("admin:plans_checklistitem_change", args=[item.pk])
    data = change_form(admin_client, url)
    data.update({"plan": other.pk, "kind": "prerequisite", "position": "114", "text": "Moved?"})

    assert admin_client.post(url, data).status_code == 302

    item.refresh_from_db()
    assert (item.plan_id, item.kind, item.text) == (plan.pk, "success", "Moved?")
    assert item.position < 100


def test_positions_cannot_be_typed_so_moves_and_deletes_keep_working(admin_client, alice):
    plan = template_plan()
    steps = list(Step.objects.filter(plan=plan).order_by("position"))
    url = reverse("admin:plans_step_change", args=[steps[-1].pk])
    data = change_form(admin_client, url)
    data.update({"position": "2147483647", "title": "Renamed"})

    assert admin_client.post(url, data).status_code == 302

    steps[-1].refresh_from_db()
    assert steps[-1].position == len(steps) - 1
    move = f"/plans/{plan.pk}/rows/steps/{steps[-1].pk}/move/"
    assert alice.post(move, {"direction": "up"}).status_code in (200, 302)
    delete = f"/plans/{plan.pk}/rows/steps/{steps[0].pk}/delete/"
    assert alice.post(delete, {"confirm": "yes"}).status_code == 302
    assert not Step.objects.filter(pk=steps[0].pk).exists()


def test_a_step_added_in_the_admin_goes_at_the_end(admin_client):
    plan = template_plan()
    count = Step.objects.filter(plan=plan).count()
    data = {
        "plan": plan.pk,
        "title": "Added in the admin",
        "test_commands_language": "bash",
        "tasks-TOTAL_FORMS": 0,
        "tasks-INITIAL_FORMS": 0,
        "files-TOTAL_FORMS": 0,
        "files-INITIAL_FORMS": 0,
    }

    response = admin_client.post(reverse("admin:plans_step_add"), data)

    assert response.status_code == 302
    assert Step.objects.get(title="Added in the admin").position == count


@pytest.mark.parametrize("when", ["0001-01-01", "1969-12-31", "2200-01-01", "9999-12-31"])
def test_the_admin_refuses_log_times_the_download_could_not_carry(admin_client, when):
    plan = template_plan()
    data = {
        "plan": plan.pk,
        "logged_at_0": when,
        "logged_at_1": "00:00:00",
        "update": "Odd time",
    }

    response = admin_client.post(reverse("admin:plans_progresslogentry_add"), data)

    assert response.status_code == 200
    assert not ProgressLogEntry.objects.filter(update="Odd time").exists()
    assert import_plan(export_plan(plan.pk))
    assert Plan.objects.count() == 2


def test_the_admin_log_accepts_a_time_in_range(admin_client):
    plan = template_plan()
    data = {"plan": plan.pk, "logged_at_0": "2026-11-28", "logged_at_1": "09:00:00", "update": "Ok"}

    assert admin_client.post(reverse("admin:plans_progresslogentry_add"), data).status_code == 302
    entry = ProgressLogEntry.objects.get(update="Ok")
    assert entry.logged_at == datetime.datetime(2026, 11, 28, 9, tzinfo=datetime.UTC)
