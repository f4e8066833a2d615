"""Querysets for the pages, each a fixed number of queries whatever the data holds."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from plans import dues
from plans.markdown.store import PLAN_ROWS
from plans.models import (
    SHARE_LINK_PLACE,
    ChangeKind,
    HistoryEntry,
    MonitoringMetric,
    Plan,
    ProgressLogEntry,
    StepFile,
)


def dashboard_plans(
    *, q: str = "", status: str = "", priority: str = "", show: str = "", owner: str = ""
) -> QuerySet[Plan]:
    """Plans newest first, filtered, with what a row of the list shows. `show` is "mine"
    (plans with an open task or step `owner` owns), "overdue", or "archived" (plans whose
    fix folder left the repository, which the others leave out)."""
    now = timezone.now()
    plans = Plan.objects.order_by("-created", "-id")
    plans = plans.filter(archived_at__isnull=show != "archived")
    if show == "mine":
        plans = plans.filter(dues.owned_open(owner))
    elif show == "overdue":
        plans = plans.filter(dues.overdue_plans(now))
    if q:
        plans = plans.filter(Q(fix_name__icontains=q) | Q(issue_id__icontains=q))
    if status:
        plans = plans.filter(status=status)
    if priority:
        plans = plans.filter(priority=priority)
    return plans.only(
        "fix_name",
        "issue_id",
        "author",
        "priority",
        "status",
        "created",
        "created_at",
        "boxes_done",
        "boxes_total",
    )


def progress(done: int, total: int) -> dict[str, int]:
    """What a progress bar shows: ticked, total, and the rounded percentage."""
    return {"done": done, "total": total, "percent": round(100 * done / total) if total else 0}


def counted_progress(plan: Plan) -> dict[str, int]:
    """The progress of a plan from its counts, which every change keeps (`record_change`)."""
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
    plan = Plan.objects.filter(pk=plan_id).first()
    if plan is not None:
        plan.progress = counted_progress(plan)
    return plan


def stakeholder_plan() -> QuerySet[Plan]:
    """A plan ready for `document_from_plan`, with only the rows its stakeholder copy keeps.

    Files and metrics are withheld from stakeholders (`plans.markdown.redact`), so they are
    not read: an empty prefetch costs no query. The log is read a page at a time
    (`recent_log`). Every checklist item is read, for the overall progress.
    """
    return Plan.objects.prefetch_related(
        "checklist_items",
        "steps__tasks",
        Prefetch("steps__files", queryset=StepFile.objects.none()),
        Prefetch("metrics", queryset=MonitoringMetric.objects.none()),
        "stakeholder_updates",
        "phases",
        Prefetch("log_entries", queryset=ProgressLogEntry.objects.none()),
    )


def prefetch_plan_page(plan: Plan) -> None:
    """Fetch every child the plan page shows but its log (`recent_log`), a query each."""
    prefetch_related_objects([plan], *PLAN_ROWS)


LOG_PAGE = 50
# No log has a billion pages: a longer `?log_page=` is read as past the end.
LOG_PAGE_DIGITS = 9


@dataclass
class LogPage:
    """One page of a plan's progress log, newest first: page 1 holds the newest entries."""

    entries: list[ProgressLogEntry]
    number: int
    pages: int
    total: int

    @property
    def start(self) -> int:
        """The place of the page's newest entry, counting from the newest of all as 1."""
        return (self.number - 1) * LOG_PAGE + 1 if self.entries else 0

    @property
    def end(self) -> int:
        return (self.number - 1) * LOG_PAGE + len(self.entries)

    @property
    def first_number(self) -> int:
        """The list number of the page's first entry in a `reversed` list (oldest is 1)."""
        return self.total - (self.number - 1) * LOG_PAGE

    @property
    def newer(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def older(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def log_page_number(value: str | None) -> int:
    """`?log_page=` as a page number: anything else is the first page, and a number too
    long to be a page is past the end (which `recent_log` reads as the last page).
    """
    text = value or ""
    if not (text.isascii() and text.isdigit()):
        return 1
    return max(1, int(text)) if len(text) <= LOG_PAGE_DIGITS else 10**LOG_PAGE_DIGITS


def recent_log(plan_id: int, page: int = 1) -> LogPage:
    """One page of the log, newest first, in two queries whatever the log holds.

    A page past the end is the last page. A long incident's log runs to tens of thousands
    of rows: the pages show it a slice at a time, and no page reads more than its slice.
    """
    entries = ProgressLogEntry.objects.filter(plan_id=plan_id)
    total = entries.count()
    pages = max(1, -(-total // LOG_PAGE))
    number = max(1, min(page, pages))
    offset = (number - 1) * LOG_PAGE
    newest_first = entries.order_by("-logged_at", "-id")[offset : offset + LOG_PAGE]
    return LogPage(list(newest_first), number, pages, total)


# Share links are for editors (the plan page shows readers none): so are their history
# entries, and the admin's changes to a link, which name its label.
EDITORS_ONLY = Q(kind__in=[ChangeKind.SHARE_CREATED, ChangeKind.SHARE_REVOKED]) | Q(
    place__startswith=SHARE_LINK_PLACE
)


def history_shown(plan_id: int, *, editor: bool) -> QuerySet[HistoryEntry]:
    """The plan's history as a user may see it: the History page and the live news."""
    entries = HistoryEntry.objects.filter(plan_id=plan_id)
    return entries if editor else entries.exclude(EDITORS_ONLY)
