"""Querysets for the pages, each a fixed number of queries whatever the data holds."""

from django.db.models import (
    Count,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from plans.markdown.store import PLAN_ROWS
from plans.models import ChecklistItem, Plan, ProgressLogEntry, StepTask


def _count(queryset: QuerySet, plan_field: str) -> Coalesce:
    counted = (
        queryset.filter(**{plan_field: OuterRef("pk")})
        .order_by()
        .values(plan_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def dashboard_plans(*, q: str = "", status: str = "", priority: str = "") -> QuerySet[Plan]:
    """Plans newest first, filtered, each annotated with its ticked and total checkboxes."""
    plans = Plan.objects.order_by("-created", "-id")
    if q:
        plans = plans.filter(Q(fix_name__icontains=q) | Q(issue_id__icontains=q))
    if status:
        plans = plans.filter(status=status)
    if priority:
        plans = plans.filter(priority=priority)
    return with_checkbox_counts(plans).only(
        "fix_name", "issue_id", "author", "priority", "status", "created", "created_at"
    )


def with_checkbox_counts(plans: QuerySet[Plan]) -> QuerySet[Plan]:
    """Plans annotated with their ticked and total checklist items and step tasks."""
    # Subqueries rather than joins: counting two child tables through joins would multiply.
    return plans.annotate(
        items_total=_count(ChecklistItem.objects.all(), "plan"),
        items_done=_count(ChecklistItem.objects.filter(done=True), "plan"),
        tasks_total=_count(StepTask.objects.all(), "step__plan"),
        tasks_done=_count(StepTask.objects.filter(done=True), "step__plan"),
    )


def dashboard_state():
    """The latest change to any plan (one index lookup): what the dashboard's list follows.

    Every change to a plan, and every new plan, moves it. Deleting a plan does not (plans
    are deleted only in the admin, which clears its worker's cache; other workers' lists
    expire within DASHBOARD_TTL). Counting the plans instead would scan the table.
    """
    return Plan.objects.aggregate(last=Max("updated_at"))["last"]


def progress(done: int, total: int) -> dict[str, int]:
    """What a progress bar shows: ticked, total, and the rounded percentage."""
    return {"done": done, "total": total, "percent": round(100 * done / total) if total else 0}


def counted_progress(plan: Plan) -> dict[str, int]:
    """The progress of a plan annotated by `with_checkbox_counts`."""
    return progress(plan.items_done + plan.tasks_done, plan.items_total + plan.tasks_total)


def prefetched_progress(plan: Plan) -> dict[str, int]:
    """The progress of a plan fetched with its steps' tasks and its checklist items.

    Each step gets its own `progress` on the way.
    """
    done = total = 0
    for step in plan.steps.all():
        step.progress = step_progress(step)
        done += step.progress["done"]
        total += step.progress["total"]
    items = plan.checklist_items.all()
    return progress(done + sum(item.done for item in items), total + len(items))


def step_progress(step) -> dict[str, int]:
    """The progress of a step fetched with its tasks."""
    tasks = step.tasks.all()
    return progress(sum(task.done for task in tasks), len(tasks))


def plan_with_progress(plan_id: int) -> Plan | None:
    """One plan and its ticked/total checkboxes, in one query, for the bars a tick updates."""
    plan = with_checkbox_counts(Plan.objects.filter(pk=plan_id)).first()
    if plan is not None:
        plan.progress = counted_progress(plan)
    return plan


def stakeholder_plan() -> QuerySet[Plan]:
    """A plan with what the stakeholder page shows, prefetched (its log comes from `recent_log`)."""
    return Plan.objects.prefetch_related(
        "checklist_items",
        "steps__tasks",
        "stakeholder_updates",
        "phases",
    )


def prefetch_plan_page(plan: Plan) -> None:
    """Fetch every child the plan page shows but its log (`recent_log`), a query each."""
    prefetch_related_objects([plan], *PLAN_ROWS)


LOG_PAGE = 50


def recent_log(plan_id: int, *, everything: bool = False) -> tuple[list[ProgressLogEntry], bool]:
    """The newest log entries first: the last LOG_PAGE of them, or all; and whether more exist.

    A long incident's log runs to thousands of rows; the page shows the recent ones and links
    to the rest, so its cost does not grow with the log.
    """
    entries = ProgressLogEntry.objects.filter(plan_id=plan_id).order_by("-logged_at", "-id")
    if everything:
        return list(entries), False
    recent = list(entries[: LOG_PAGE + 1])
    return recent[:LOG_PAGE], len(recent) > LOG_PAGE
