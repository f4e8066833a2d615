"""The load benchmark's data set: 10,000 template plans, one large plan, users and sessions.

Written in batches with bulk_create, so seeding takes seconds per thousand plans rather than
a query per row. Run inside Django (see bench/load.py); prints a JSON summary.
"""

import json
import sys

from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.utils import timezone

from bench.open_pages import OPEN_PAGES
from plans.defaults import template_document
from plans.markdown.store import CHECKLIST_ATTRS
from plans.models import (
    ChecklistItem,
    MonitoringMetric,
    Plan,
    Priority,
    ProgressLogEntry,
    StakeholderUpdate,
    Status,
    Step,
    StepTask,
    TimelinePhase,
)
from plans.operations import create_plan, create_share_link, record_change

BATCH = 500
PRIORITIES = list(Priority)
STATUSES = list(Status)


def seed_plans(count: int) -> None:
    doc = template_document(fix_name="", issue_id="")
    # The counts `record_change` keeps, for the boxes ticked below.
    items = [len(getattr(doc, attr)) for attr in CHECKLIST_ATTRS.values()]
    tasks = [len(step.tasks) for step in doc.steps]
    boxes_total = sum(items) + sum(tasks)
    boxes_done = sum((n + 1) // 2 for n in items) + sum(1 for n in tasks if n)
    for start in range(0, count, BATCH):
        with transaction.atomic():
            plans = Plan.objects.bulk_create(
                [
                    Plan(
                        fix_name=f"Fix number {i}: {'checkout' if i % 7 == 0 else 'search'} errors",
                        issue_id=f"INC-{i:05d}",
                        author="Load Test",
                        priority=PRIORITIES[i % 4],
                        status=STATUSES[i % 4],
                        overview=doc.overview,
                        boxes_total=boxes_total,
                        boxes_done=boxes_done,
                    )
                    for i in range(start, min(start + BATCH, count))
                ]
            )
            ChecklistItem.objects.bulk_create(
                [
                    ChecklistItem(plan=p, kind=kind, position=j, text=item.text, done=j % 2 == 0)
                    for p in plans
                    for kind, attr in CHECKLIST_ATTRS.items()
                    for j, item in enumerate(getattr(doc, attr))
                ]
            )
            steps = Step.objects.bulk_create(
                [
                    Step(plan=p, position=j, title=s.title, timeline=s.timeline)
                    for p in plans
                    for j, s in enumerate(doc.steps)
                ]
            )
            StepTask.objects.bulk_create(
                [
                    StepTask(step=step, position=k, text=t.text, done=k == 0)
                    for step in steps
                    for k, t in enumerate(doc.steps[step.position].tasks)
                ]
            )
            MonitoringMetric.objects.bulk_create(
                [
                    MonitoringMetric(plan=p, position=j, **vars(m))
                    for p in plans
                    for j, m in enumerate(doc.metrics)
                ]
            )
            StakeholderUpdate.objects.bulk_create(
                [
                    StakeholderUpdate(plan=p, position=j, **vars(s))
                    for p in plans
                    for j, s in enumerate(doc.stakeholders)
                ]
            )
            TimelinePhase.objects.bulk_create(
                [
                    TimelinePhase(plan=p, position=j, **vars(ph))
                    for p in plans
                    for j, ph in enumerate(doc.phases)
                ]
            )
            ProgressLogEntry.objects.bulk_create(
                [ProgressLogEntry(plan=p, update="Plan created", author="load") for p in plans]
            )


@transaction.atomic
def seed_large_plan() -> Plan:
    """20 steps of 25 tasks and 2,000 log entries."""
    plan = create_plan(template_document(fix_name="The large plan", issue_id="BIG-1"))
    Step.objects.filter(plan=plan).delete()
    steps = Step.objects.bulk_create(
        [Step(plan=plan, position=i, title=f"Step of the large plan {i}") for i in range(20)]
    )
    StepTask.objects.bulk_create(
        [
            StepTask(step=s, position=j, text=f"Task {j} of step {s.position}", done=j % 3 == 0)
            for s in steps
            for j in range(25)
        ]
    )
    ProgressLogEntry.objects.bulk_create(
        [
            ProgressLogEntry(plan=plan, update=f"Progress update {i}", author="load")
            for i in range(2000)
        ]
    )
    record_change(plan.pk, timezone.now())
    return plan


def session_for(user) -> str:
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    # The last backend logs users in; django-axes' one, first, only refuses locked-out ones.
    store["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[-1]
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def seed_user(username: str = "load") -> User:
    """An engineer: a user with the change permission, as the README's set-up makes them."""
    user = User.objects.create_user(username)
    user.user_permissions.add(Permission.objects.get(codename="change_plan"))
    return user


def main(count: int) -> dict:
    user = seed_user()
    seed_plans(count)
    large = seed_large_plan()
    # One plan per wrk thread for the status benchmark, so threads do not race each other.
    status_plans = [seed_large_plan_light(i) for i in range(8)]
    _link, token = create_share_link(large.pk)
    # A bulk load leaves PostgreSQL without statistics until autovacuum passes, and the
    # planner then picks sequential scans (a 700 ms dashboard here); production has them.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    # One task per wrk thread, each in a step of its own: like engineers working one plan,
    # the threads write to the same plan but never wait on each other's step lock. Each task
    # starts unticked, so the first request (done=true) already changes it.
    tick_tasks = [
        StepTask.objects.get(step__plan=large, step__position=i, position=1).pk for i in range(8)
    ]
    # A teammate's change before each timed page: each a different task, flipped once, so
    # every page is drawn for a state of the plan never drawn before.
    teammate_ticks = list(
        StepTask.objects.filter(step__plan=large, position__gte=2)
        .order_by("step__position", "position")
        .values_list("pk", "done")
    )
    return {
        "session": session_for(user),
        # The open pages are as many engineers: one account holds only a share of a
        # process's streams.
        "sessions": [session_for(seed_user(f"engineer{i}")) for i in range(OPEN_PAGES)],
        "large_plan": large.pk,
        "tick_tasks": tick_tasks,
        "teammate_ticks": teammate_ticks,
        "status_plans": status_plans,
        "token": token,
    }


def seed_large_plan_light(i: int) -> int:
    return create_plan(template_document(fix_name=f"Status race {i}", issue_id=f"RACE-{i}")).pk


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
