"""My work: the open tasks and steps I own across plans, soonest due first; and the
dashboard's filters for plans with my open items and for overdue plans."""

import datetime

import pytest
from django.utils import timezone

from plans import operations
from plans.defaults import template_document
from plans.models import Plan, Step, StepTask
from tests.factories import template_plan

pytestmark = pytest.mark.django_db


def started(hours_ago: float, **header) -> Plan:
    moment = timezone.now() - datetime.timedelta(hours=hours_ago)
    return operations.create_plan(template_document(now=moment, **header))


def own(plan, step_position, task_position=None, owner="alice"):
    step = plan.steps.get(position=step_position)
    if task_position is None:
        Step.objects.filter(pk=step.pk).update(owner=owner)
        return step
    task = step.tasks.get(position=task_position)
    StepTask.objects.filter(pk=task.pk).update(owner=owner)
    return task


def test_my_open_items_are_listed_soonest_due_first(alice):
    early = started(3, fix_name="Early", issue_id="E-1")
    late = started(0, fix_name="Late", issue_id="L-1")
    late_step = own(late, 1)  # due in 4 hours
    early_task = own(early, 0, 0, owner="Alice")  # due 2 hours ago; a handle in any case
    unscheduled = template_plan(fix_name="No times", issue_id="N-1")
    unscheduled.phases.update(target_time="TBD")
    from plans import dues

    dues.derive(unscheduled.pk)
    no_due = own(unscheduled, 0, 1)
    done = own(late, 0, 2)
    StepTask.objects.filter(pk=done.pk).update(done=True)
    own(late, 2, 0, owner="priya")

    response = alice.get("/my-work/")

    assert response.status_code == 200
    html = response.content.decode()
    anchors = [f"#tasks-{early_task.pk}", f"#steps-{late_step.pk}", f"#tasks-{no_due.pk}"]
    assert all(anchor in html for anchor in anchors)
    assert html.index(anchors[0]) < html.index(anchors[1]) < html.index(anchors[2])
    assert f"#tasks-{done.pk}" not in html
    assert html.count("<tr>") == 1 + 3
    assert html.count('<span class="badge overdue">Overdue</span>') == 1
    assert "no due time" in html


def test_a_step_whose_tasks_are_all_ticked_is_not_open(alice):
    plan = started(1)
    step = own(plan, 0)
    for task in step.tasks.all():
        operations.set_task_done(plan.pk, task.pk, done=True, user=None)

    html = alice.get("/my-work/").content.decode()

    assert f"#steps-{step.pk}" not in html
    assert "Nothing open is yours" in html


@pytest.mark.parametrize("plans", [1, 12])
def test_my_work_runs_the_same_queries_however_much_there_is(
    alice, plans, django_assert_num_queries
):
    for n in range(plans):
        plan = started(n)
        own(plan, 0)
        own(plan, 1, 0)

    # session, user, my tasks with their steps and plans, my steps with their plans.
    with django_assert_num_queries(4):
        response = alice.get("/my-work/")
    assert response.status_code == 200


def test_the_dashboard_shows_plans_with_my_open_items_or_overdue_ones(alice):
    mine = started(0, fix_name="Mine", issue_id="M-1")
    own(mine, 1, 0)
    overdue = started(3, fix_name="Overdue one", issue_id="O-1")
    started(0, fix_name="Someone else's", issue_id="S-1")

    just_mine = alice.get("/", {"show": "mine"}).content.decode()
    late = alice.get("/", {"show": "overdue"}).content.decode()

    assert "Mine" in just_mine and "Overdue one" not in just_mine
    assert "Someone else" not in just_mine
    assert "Overdue one" in late and "Mine" not in late
    assert overdue.pk


def test_every_page_links_my_work(alice):
    assert 'href="/my-work/"' in alice.get("/").content.decode()


def test_a_deployed_plans_items_are_done_work(alice):
    plan = started(0, fix_name="Shipped", issue_id="D-1")
    own(plan, 1, 0)
    Plan.objects.filter(pk=plan.pk).update(status="deployed")

    assert "Nothing open is yours" in alice.get("/my-work/").content.decode()
    assert "Shipped" not in alice.get("/", {"show": "mine"}).content.decode()
