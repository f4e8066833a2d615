"""Ticking a checkbox carries the state wanted, updates progress, and moves the timeline."""

import pytest
from django.test import Client

from plans.models import ChecklistItem, ChecklistKind, PhaseStatus, ProgressLogEntry, StepTask
from tests.conftest import HTMX
from tests.factories import template_plan

pytestmark = pytest.mark.django_db


def tick(client, plan, kind, row, done="true", **kwargs):
    url = f"/plans/{plan.pk}/rows/{kind}/{row.pk}/done/"
    return client.post(url, {"done": done}, **kwargs)


def first_step_tasks(plan):
    return list(StepTask.objects.filter(step__plan=plan, step__position=0).order_by("position"))


def test_it_ticks_a_prerequisite_and_records_who(alice, engineer):
    plan = template_plan()
    item = plan.checklist_items.get(kind=ChecklistKind.PREREQUISITE, position=0)

    response = tick(alice, plan, "prerequisites", item, headers=HTMX)

    assert response.status_code == 200
    item.refresh_from_db()
    assert item.done and item.done_by == engineer and item.done_at is not None
    html = response.content.decode()
    assert f'<li id="prerequisites-{item.pk}" class="done' in html
    assert 'id="plan-progress" class="progress-block" hx-swap-oob="true"' in html
    assert "1 of 29 checkboxes ticked" in html


def test_the_same_request_twice_leaves_it_ticked(alice):
    plan = template_plan()
    item = plan.checklist_items.get(kind=ChecklistKind.SUCCESS_CRITERION, position=1)

    tick(alice, plan, "success", item, headers=HTMX)
    response = tick(alice, plan, "success", item, headers=HTMX)

    assert response.status_code == 200
    item.refresh_from_db()
    assert item.done


def test_it_unticks(alice):
    plan = template_plan()
    item = plan.checklist_items.get(kind=ChecklistKind.POST_MORTEM, position=0)
    ChecklistItem.objects.filter(pk=item.pk).update(done=True)

    tick(alice, plan, "post_mortem", item, done="false", headers=HTMX)

    item.refresh_from_db()
    assert not item.done and item.done_by is None and item.done_at is None


def test_the_checkbox_form_sends_the_last_value(alice):
    """The form sends a hidden "false" then the box's "true": a ticked box wins."""
    plan = template_plan()
    item = plan.checklist_items.get(kind=ChecklistKind.PREREQUISITE, position=0)

    tick(alice, plan, "prerequisites", item, done=["false", "true"], headers=HTMX)

    item.refresh_from_db()
    assert item.done


def test_first_task_starts_the_phase_and_updates_the_step_bar(alice):
    plan = template_plan()
    task = first_step_tasks(plan)[0]

    response = tick(alice, plan, "tasks", task, headers=HTMX)

    html = response.content.decode()
    step_id = task.step_id
    assert f'id="step-progress-{step_id}" class="step-progress" hx-swap-oob="true"' in html
    assert "1/3 tasks" in html
    phase = plan.phases.get(position=0)
    assert phase.status == PhaseStatus.IN_PROGRESS
    # Wrapped in <template>: a bare <tr> in a fragment never reaches the table.
    assert f'<template><tr id="phases-{phase.pk}" hx-swap-oob="true">' in html


def test_last_task_completes_the_step_logs_it_and_times_the_phase(alice):
    plan = template_plan()
    tasks = first_step_tasks(plan)
    for task in tasks[:-1]:
        tick(alice, plan, "tasks", task, headers=HTMX)

    response = tick(alice, plan, "tasks", tasks[-1], headers=HTMX)

    phase = plan.phases.get(position=0)
    assert phase.status == PhaseStatus.DONE
    assert phase.actual_time.startswith("+")
    updates = list(plan.log_entries.values_list("update", "author"))
    assert ("Step 1: Immediate Mitigation (if needed) complete", "alice") in updates
    assert (f"Timeline: Mitigation done, actual time {phase.actual_time}", "alice") in updates
    assert 'hx-swap-oob="afterbegin:#log-entries"' in response.content.decode()


def test_retrying_the_last_tick_logs_the_step_once(alice):
    plan = template_plan()
    tasks = first_step_tasks(plan)
    for task in [*tasks, tasks[-1], tasks[-1]]:
        tick(alice, plan, "tasks", task, headers=HTMX)

    assert plan.log_entries.filter(update__endswith="complete").count() == 1


def test_unticking_a_done_step_reopens_it(alice):
    plan = template_plan()
    tasks = first_step_tasks(plan)
    for task in tasks:
        tick(alice, plan, "tasks", task, headers=HTMX)

    tick(alice, plan, "tasks", tasks[0], done="false", headers=HTMX)

    phase = plan.phases.get(position=0)
    assert phase.status == PhaseStatus.IN_PROGRESS and phase.actual_time == ""
    assert plan.log_entries.filter(update__endswith="reopened").count() == 1


def test_without_htmx_it_redirects_back_to_the_item(alice):
    plan = template_plan()
    task = first_step_tasks(plan)[0]

    response = tick(alice, plan, "tasks", task)

    assert response.status_code == 302
    assert response["Location"] == f"/plans/{plan.pk}/#tasks-{task.pk}"


def test_it_requires_change_permission(bob):
    plan = template_plan()
    task = first_step_tasks(plan)[0]

    assert tick(bob, plan, "tasks", task, headers=HTMX).status_code == 403
    task.refresh_from_db()
    assert not task.done


def test_it_requires_login(client):
    plan = template_plan()
    task = first_step_tasks(plan)[0]

    assert tick(client, plan, "tasks", task).status_code == 302


def test_it_404s_for_another_plans_item(alice):
    plan, other = template_plan(), template_plan()
    task = first_step_tasks(other)[0]
    item = other.checklist_items.first()

    assert tick(alice, plan, "tasks", task, headers=HTMX).status_code == 404
    assert tick(alice, plan, "prerequisites", item, headers=HTMX).status_code == 404
    assert tick(alice, plan, "metrics", plan.metrics.first(), headers=HTMX).status_code == 404
    assert tick(alice, plan, "nonsense", task, headers=HTMX).status_code == 404


def test_a_missing_or_bad_state_is_a_400_and_changes_nothing(alice):
    plan = template_plan()
    task = first_step_tasks(plan)[0]
    url = f"/plans/{plan.pk}/rows/tasks/{task.pk}/done/"

    assert alice.post(url, {}, headers=HTMX).status_code == 400
    response = alice.post(url, {"done": "toggle"}, headers=HTMX)

    assert response.status_code == 400
    assert b"done=true or done=false" in response.content
    assert not StepTask.objects.filter(done=True).exists()
    assert not ProgressLogEntry.objects.exclude(update="Plan created").exists()


def test_it_rejects_get(alice):
    plan = template_plan()
    task = first_step_tasks(plan)[0]

    assert alice.get(f"/plans/{plan.pk}/rows/tasks/{task.pk}/done/").status_code == 405


def test_it_needs_the_csrf_token(engineer):
    plan = template_plan()
    task = first_step_tasks(plan)[0]
    client = Client(enforce_csrf_checks=True)
    client.force_login(engineer)

    assert tick(client, plan, "tasks", task, headers=HTMX).status_code == 403

    client.get(f"/plans/{plan.pk}/")
    token = client.cookies["csrftoken"].value
    response = tick(client, plan, "tasks", task, headers={**HTMX, "X-CSRFToken": token})
    assert response.status_code == 200


def test_a_task_ticked_by_someone_else_first_shows_ticked(alice, engineer):
    plan = template_plan()
    task = first_step_tasks(plan)[1]
    StepTask.objects.filter(pk=task.pk).update(done=True)

    response = tick(alice, plan, "tasks", task, headers=HTMX)

    assert response.status_code == 200
    assert f'<li id="tasks-{task.pk}" class="done' in response.content.decode()
    task.refresh_from_db()
    assert task.done and task.done_by is None  # the first tick's record stands


@pytest.mark.parametrize("n", [1, 50])
def test_an_ordinary_tick_costs_the_same_whatever_the_step_holds(
    alice, n, django_assert_num_queries
):
    plan = template_plan()
    tasks = [StepTask(step=plan.steps.first(), position=10 + i, text=f"T{i}") for i in range(n)]
    StepTask.objects.bulk_create(tasks)
    started, task = first_step_tasks(plan)[:2]
    tick(alice, plan, "tasks", started, headers=HTMX)  # the step's first tick also starts its phase

    # session, user, 2 for permissions; BEGIN, lock the plan, the task with its step, tick,
    # count the step's tasks, move its version and recount its boxes, its history entry,
    # COMMIT; the plan's progress.
    with django_assert_num_queries(13):
        response = tick(alice, plan, "tasks", task, headers=HTMX)
    assert response.status_code == 200


def test_ticking_an_item_through_another_lists_url_is_404_and_ticks_nothing(alice):
    plan = template_plan()
    item = plan.checklist_items.get(kind=ChecklistKind.PREREQUISITE, position=0)

    response = tick(alice, plan, "post_mortem", item, headers=HTMX)

    assert response.status_code == 404
    item.refresh_from_db()
    assert not item.done


def test_a_tick_refused_for_a_full_log_keeps_its_row_and_says_why(alice):
    from tests.test_stakeholder_page import add_log

    plan = template_plan()
    *before, last = first_step_tasks(plan)
    for task in before:
        tick(alice, plan, "tasks", task, headers=HTMX)
    add_log(plan, 2000 - plan.log_entries.count())

    response = tick(alice, plan, "tasks", last, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 422
    assert html.startswith(f'<li id="tasks-{last.pk}">')
    assert 'role="alert"' in html and "Not ticked:" in html
    last.refresh_from_db()
    assert not last.done
