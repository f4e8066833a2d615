"""When each step is due: set by hand, or derived from the timeline.

The Timeline table's target for a step's phase (the phase in the step's position, as a
tick moves it along) reads as a time from the plan's start: "+4 hours", "+1h 30m",
"+2 days". The plan's start is its first progress-log entry ("Plan created"), as the
phases' actual times count from it (`operations.elapsed_since_start`). A target that is no
such time ("ASAP", "X hours") gives the step no due time.

The derived times are stored (`Step.derived_due_at`) so that the dashboard can find
overdue plans in SQL; `plans.operations` derives them again whenever a change could move
them: a new or imported plan, a step or phase added, moved or deleted, a target edited.
"""

import datetime
import re

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from plans.models import Plan, ProgressLogEntry, Status, Step, StepTask, TimelinePhase

UNITS = {
    "d": "days", "day": "days", "days": "days",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "m": "minutes", "min": "minutes", "mins": "minutes", "minute": "minutes",
    "minutes": "minutes",
}  # fmt: skip
PART_RE = re.compile(r"(\d{1,4})\s*([a-z]+)")
RELATIVE_RE = re.compile(r"^\+?\s*(?:\d{1,4}\s*[a-z]+\s*)+$")


def offset(target: str) -> datetime.timedelta | None:
    """The time from the plan's start a target names ("+4 hours"), or None."""
    text = target.strip().lower()
    if not RELATIVE_RE.match(text):
        return None
    amounts = {}
    for number, unit in PART_RE.findall(text):
        if unit not in UNITS or UNITS[unit] in amounts:
            return None
        amounts[UNITS[unit]] = int(number)
    return datetime.timedelta(**amounts)


def plan_start(plan_id: int) -> datetime.datetime:
    """The plan's first log entry ("Plan created"), or when it was made if it has none: the
    moment targets and actual times count from."""
    first = (
        ProgressLogEntry.objects.filter(plan_id=plan_id)
        .order_by("logged_at")
        .values_list("logged_at", flat=True)
        .first()
    )
    return first or Plan.objects.values_list("created_at", flat=True).get(pk=plan_id)


def derive(plan_id: int) -> None:
    """Store each step's derived due time from its phase's target; three queries, and an
    UPDATE only for steps whose time moved."""
    start = plan_start(plan_id)
    targets = dict(
        TimelinePhase.objects.filter(plan_id=plan_id).values_list("position", "target_time")
    )
    moved = []
    for step in Step.objects.filter(plan_id=plan_id).only("position", "derived_due_at"):
        gap = offset(targets.get(step.position, ""))
        due = start + gap if gap is not None else None
        if due != step.derived_due_at:
            step.derived_due_at = due
            moved.append(step)
    Step.objects.bulk_update(moved, ["derived_due_at"])


def open_tasks():
    return StepTask.objects.filter(step=OuterRef("pk"), done=False)


def overdue_steps(now: datetime.datetime):
    """Steps past their due time with a task still open."""
    due = Coalesce("due_at", "derived_due_at")
    return Step.objects.alias(due_time=due).filter(due_time__lt=now).filter(Exists(open_tasks()))


def overdue_plans(now: datetime.datetime) -> Q:
    """Plans not yet deployed with a step overdue, as a filter on plans."""
    return ~Q(status=Status.DEPLOYED) & Q(Exists(overdue_steps(now).filter(plan=OuterRef("pk"))))


def mark_overdue(plans: list[Plan], now: datetime.datetime | None = None) -> None:
    """Set `overdue` on each of a page's plans, in one query by their ids.

    Not an annotation on the page's own query: PostgreSQL then finds every overdue step of
    every plan first (a hashed subplan over all steps) to answer for the page's 25.
    """
    ids = [plan.pk for plan in plans]
    steps = overdue_steps(now or timezone.now()).filter(plan_id__in=ids)
    late = set(steps.exclude(plan__status=Status.DEPLOYED).values_list("plan_id", flat=True))
    for plan in plans:
        plan.overdue = plan.pk in late


def is_overdue(step: Step, plan: Plan, now: datetime.datetime) -> bool:
    """A step past its due time with a task still open (its `progress` given), in a plan
    not yet deployed: `overdue_plans` in Python, for a page that has the step at hand."""
    due = step.due
    open_task = step.progress["done"] < step.progress["total"]
    return plan.status != Status.DEPLOYED and due is not None and due < now and open_task


def owned_open(owner: str) -> Q:
    """Plans not yet deployed with an open item `owner` owns: an unticked task, or a step
    with one, as a filter on plans. Handles are matched whatever their case."""
    tasks = StepTask.objects.filter(step__plan=OuterRef("pk"), owner__iexact=owner, done=False)
    steps = Step.objects.filter(plan=OuterRef("pk"), owner__iexact=owner).filter(
        Exists(open_tasks())
    )
    return ~Q(status=Status.DEPLOYED) & (Q(Exists(tasks)) | Q(Exists(steps)))
