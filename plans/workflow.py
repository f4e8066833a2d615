"""What may change on a plan, and what the progress log records when it does.

Views, the admin and commands all come here. Every function is one transaction and takes
the lock (or makes the conditional UPDATE) that keeps two engineers from racing: a tick
carries the state wanted, a status change the status it expects to leave.

Lock order, for every change to a plan (here, in `plans.rows`, `plans.sharing` and the
admin): the plan's row first (`lock_plan`, or an UPDATE of that row), then the rows of its
children. Two changes to one plan therefore queue on the plan row and never hold a child
row each while waiting for the other's: PostgreSQL found such deadlocks when an edit took
the row then the plan and a move took the plan then the row.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from plans import limits
from plans.models import (
    ChecklistItem,
    PhaseStatus,
    Plan,
    ProgressLogEntry,
    Status,
    Step,
    StepTask,
    TimelinePhase,
)

STATUS_ORDER = list(Status)


class StaleStatus(Exception):
    """The plan left the status the request expected; nothing was changed."""

    def __init__(self, current: str):
        super().__init__(current)
        self.current = Status(current)


def neighbours(status: str) -> tuple[Status | None, Status | None]:
    """The status one step back and one step forward, or None at either end."""
    i = STATUS_ORDER.index(Status(status))
    back = STATUS_ORDER[i - 1] if i > 0 else None
    forward = STATUS_ORDER[i + 1] if i + 1 < len(STATUS_ORDER) else None
    return back, forward


def author_name(user) -> str:
    return user.get_username() if user is not None else ""


def lock_plan(plan_id: int) -> None:
    """Lock the plan's row for the rest of the transaction; the first lock of any change.

    Raises Plan.DoesNotExist when the plan is gone. On SQLite, whose transactions here take
    the database's write lock when they begin, this is only the existence check.
    """
    if not list(Plan.objects.select_for_update().filter(pk=plan_id).values_list("pk")):
        raise Plan.DoesNotExist


def touch(plan_id: int, now: datetime.datetime) -> None:
    """Every change bumps the plan's `updated_at`, which the stakeholder page polls."""
    Plan.objects.filter(pk=plan_id).update(updated_at=now)


def _log(plan_id: int, updates: list[str], user, now: datetime.datetime) -> list[ProgressLogEntry]:
    """Every entry, typed or automatic, is written here, within the plan's log limit.

    A full log refuses the whole change that would write to it (LimitReached rolls the
    transaction back): a plan the app holds must always import again from its download.
    """
    if not updates:
        return []
    count = ProgressLogEntry.objects.filter(plan_id=plan_id).count()
    limits.check_room(limits.LOG_ENTRIES, count, adding=len(updates))
    return [
        ProgressLogEntry.objects.create(
            plan_id=plan_id, logged_at=now, update=update, author=author_name(user)
        )
        for update in updates
    ]


@transaction.atomic
def change_status(plan_id: int, *, expected: str, to: str, user) -> list[ProgressLogEntry]:
    """Move the plan from `expected` to `to` (one step either way), and log it.

    The UPDATE only matches while the plan is still in `expected`, so of two people pressing
    the same button at once exactly one moves it; the other gets `StaleStatus`.
    """
    if to not in neighbours(expected):
        raise ValueError(f"{expected} cannot move to {to}")
    now = timezone.now()
    moved = Plan.objects.filter(pk=plan_id, status=expected).update(
        status=to, status_changed_at=now, updated_at=now
    )
    if not moved:
        current = Plan.objects.filter(pk=plan_id).values_list("status", flat=True).first()
        if current is None:
            raise Plan.DoesNotExist
        raise StaleStatus(current)
    update = f"Status: {Status(expected).label} → {Status(to).label}"
    return _log(plan_id, [update], user, now)


@transaction.atomic
def add_log_entry(plan_id: int, *, update: str, user) -> ProgressLogEntry:
    now = timezone.now()
    lock_plan(plan_id)
    touch(plan_id, now)
    return _log(plan_id, [update], user, now)[0]


def _mark(rows, done: bool, user, now) -> bool:
    """Set `done` on the matched row unless it already has it; True when it changed."""
    return bool(
        rows.exclude(done=done).update(
            done=done, done_by=user if done else None, done_at=now if done else None
        )
    )


@transaction.atomic
def set_item_done(plan_id: int, kind: str, item_id: int, *, done: bool, user) -> bool:
    """Tick or untick an item of one checklist (`kind`): prerequisites, success criteria or
    post-mortem. An item of another list is not found, and nothing changes."""
    now = timezone.now()
    lock_plan(plan_id)
    rows = ChecklistItem.objects.filter(pk=item_id, plan_id=plan_id, kind=kind)
    changed = _mark(rows, done, user, now)
    if changed:
        touch(plan_id, now)
    elif not rows.exists():
        raise ChecklistItem.DoesNotExist
    return changed


@dataclass
class TaskTick:
    changed: bool
    task: StepTask
    step: Step
    done: int
    total: int
    phase: TimelinePhase | None = None
    log: list[ProgressLogEntry] = field(default_factory=list)


def _phase_status(done: int, total: int) -> PhaseStatus:
    if done == 0:
        return PhaseStatus.NOT_STARTED
    return PhaseStatus.DONE if done == total else PhaseStatus.IN_PROGRESS


@transaction.atomic
def set_task_done(plan_id: int, task_id: int, *, done: bool, user) -> TaskTick:
    """Tick or untick a step's task, and move the step's timeline phase along.

    The plan's row is locked first, so when several people tick a step's last tasks at
    once they take turns, and exactly one of them sees the step complete and logs it.
    """
    now = timezone.now()
    lock_plan(plan_id)
    task = StepTask.objects.select_related("step").get(pk=task_id, step__plan_id=plan_id)
    step = task.step
    changed = _mark(StepTask.objects.filter(pk=task_id), done, user, now)
    counts = step.tasks.aggregate(total=Count("pk"), done=Count("pk", filter=Q(done=True)))
    tick = TaskTick(changed, task, step, counts["done"], counts["total"])
    # Changed or not, the task now is as asked: the answer shows it without reading it again.
    task.done = done
    if not changed:
        return tick
    task.done_by, task.done_at = (user, now) if done else (None, None)
    touch(plan_id, now)
    before = _phase_status(tick.done - 1 if done else tick.done + 1, tick.total)
    after = _phase_status(tick.done, tick.total)
    if before == after:
        return tick
    tick.phase = TimelinePhase.objects.filter(plan_id=plan_id, position=step.position).first()
    label = f"Step {step.number}: {step.title}"
    updates = []
    if after == PhaseStatus.DONE:
        updates.append(f"{label} complete")
    elif before == PhaseStatus.DONE:
        updates.append(f"{label} reopened")
    if tick.phase is not None:
        tick.phase.status = after
        if after == PhaseStatus.DONE:
            tick.phase.actual_time = elapsed_since_start(plan_id, now)
            updates.append(
                f"Timeline: {tick.phase.phase} done, actual time {tick.phase.actual_time}"
            )
        elif before == PhaseStatus.DONE:
            tick.phase.actual_time = ""
        tick.phase.save(update_fields=["status", "actual_time"])
    tick.log = _log(plan_id, updates, user, now)
    return tick


def elapsed_since_start(plan_id: int, now: datetime.datetime) -> str:
    """Time since the plan's first log entry (its "Plan created"), written like "+1h 25m".

    Relative, like the template's target times, so the two columns compare at a glance.
    """
    first = (
        ProgressLogEntry.objects.filter(plan_id=plan_id)
        .order_by("logged_at")
        .values_list("logged_at", flat=True)
        .first()
    )
    if first is None:
        first = Plan.objects.values_list("created_at", flat=True).get(pk=plan_id)
    return format_elapsed(now - first)


def format_elapsed(delta: datetime.timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"+{days}d {hours}h"
    if hours:
        return f"+{hours}h {minutes}m"
    return f"+{minutes}m"


def log_phase_override(phase: TimelinePhase, changed: set[str], user) -> list[ProgressLogEntry]:
    """A user's own target or actual time on the timeline goes in the log as well."""
    updates = []
    if "actual_time" in changed:
        updates.append(f"Timeline: {phase.phase} actual time {phase.actual_time or 'cleared'}")
    if "target_time" in changed:
        updates.append(f"Timeline: {phase.phase} target time {phase.target_time or 'cleared'}")
    return _log(phase.plan_id, updates, user, timezone.now())
