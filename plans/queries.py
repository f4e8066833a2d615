"""Querysets for the pages, each a fixed number of queries whatever the data holds."""

from django.db.models import IntegerField, Max, Q, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL

from plans.markdown.store import PLAN_ROWS
from plans.models import ChecklistItem, Plan, ProgressLogEntry, Step, StepTask


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


# A plan's checkboxes: its checklist items and its steps' tasks, for each plan row of the
# query around it. Written by hand because the ORM's four correlated subqueries for the same
# two numbers took longer to build than to run (2.5 ms of a tick's 12).
_BOXES = f"""
    SELECT {{aggregate}} FROM (
        SELECT item.done FROM {ChecklistItem._meta.db_table} item
        WHERE item.plan_id = {Plan._meta.db_table}.id
        UNION ALL
        SELECT task.done FROM {StepTask._meta.db_table} task
        JOIN {Step._meta.db_table} step ON step.id = task.step_id
        WHERE step.plan_id = {Plan._meta.db_table}.id
    ) boxes
"""
BOXES_TOTAL = _BOXES.format(aggregate="COUNT(*)")
BOXES_DONE = _BOXES.format(aggregate="COALESCE(SUM(CASE WHEN boxes.done THEN 1 ELSE 0 END), 0)")


def with_checkbox_counts(plans: QuerySet[Plan]) -> QuerySet[Plan]:
    """Plans annotated with their ticked and total checkboxes (checklist items and tasks)."""
    return plans.annotate(
        boxes_total=RawSQL(BOXES_TOTAL, (), output_field=IntegerField()),
        boxes_done=RawSQL(BOXES_DONE, (), output_field=IntegerField()),
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
    return progress(plan.boxes_done, plan.boxes_total)


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
