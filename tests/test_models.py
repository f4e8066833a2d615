"""A plan created from the template, and the database rules that keep plans consistent."""

import pytest
from django.db import IntegrityError, transaction

from plans.models import (
    ChecklistItem,
    ChecklistKind,
    MonitoringMetric,
    PhaseStatus,
    Plan,
    Priority,
    Status,
    StepTask,
    TimelinePhase,
)
from tests.factories import template_plan

pytestmark = pytest.mark.django_db


def test_plan_from_template_has_the_templates_items():
    plan = template_plan(fix_name="Cache stampede", issue_id="OPS-1", author="Ana")

    kinds = [item.kind for item in plan.checklist_items.all()]
    assert kinds.count(ChecklistKind.PREREQUISITE) == 4
    assert kinds.count(ChecklistKind.SUCCESS_CRITERION) == 4
    assert kinds.count(ChecklistKind.POST_MORTEM) == 3
    assert [s.title for s in plan.steps.all()] == [
        "Immediate Mitigation (if needed)",
        "Prepare Fix",
        "Testing",
        "Code Review",
        "Deployment",
    ]
    assert [s.tasks.count() for s in plan.steps.all()] == [3, 4, 4, 3, 4]
    assert plan.metrics.count() == 2
    assert plan.stakeholder_updates.count() == 3
    assert [p.status for p in plan.phases.all()] == [PhaseStatus.NOT_STARTED] * 6
    assert [e.update for e in plan.log_entries.all()] == ["Plan created"]
    assert (plan.priority, plan.status) == (Priority.P2, Status.PLANNING)
    assert str(plan) == "OPS-1: Cache stampede"


def test_two_items_cannot_share_a_position():
    plan = template_plan()
    step = plan.steps.first()

    with pytest.raises(IntegrityError), transaction.atomic():
        StepTask.objects.create(step=step, position=0, text="Duplicate")
    with pytest.raises(IntegrityError), transaction.atomic():
        ChecklistItem.objects.create(
            plan=plan, kind=ChecklistKind.PREREQUISITE, position=0, text="Duplicate"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        MonitoringMetric.objects.create(plan=plan, position=0, metric="Duplicate")


def test_database_refuses_values_outside_the_choices():
    plan = template_plan()

    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(priority="P9")
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(status="done")
    with pytest.raises(IntegrityError), transaction.atomic():
        TimelinePhase.objects.filter(plan=plan).update(status="late")
