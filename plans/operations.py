"""Every change to a plan: the one write path.

Views, the admin, the importer and the commands all change plans through the functions
here, and nothing else writes a plan's rows. Each change is one transaction inside
`changing()`, which

- takes the plan's row lock first (`lock_plan`), then touches the rows of its children.
  Two changes to one plan therefore queue on the plan row and never hold a child row each
  while waiting for the other's: PostgreSQL found such deadlocks when an edit took the
  row then the plan and a move took the plan then the row. Changes to several plans (the
  admin's bulk delete) lock them in id order.
- ends by moving the plan's `version` and recounting its checkboxes (`record_change`), in
  the same transaction. The stakeholder page's ETag is the version, and the dashboard
  reads the counts, so neither can miss a change made here.

A tick carries the state wanted and a status change the status it expects to leave, so a
retry or two people pressing the same button at once change the plan once.
"""

import datetime
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import models, transaction
from django.db.models import Count, F, Func, Max, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from plans import forms, limits
from plans.models import (
    ChecklistItem,
    PhaseStatus,
    Plan,
    ProgressLogEntry,
    ShareLink,
    Status,
    Step,
    StepTask,
    TimelinePhase,
)
from plans.rows import SHIFT, RowKind
from plans.sharing import TOKEN_BYTES, hash_token, live_links

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
    if not list(Plan.objects.select_for_update().filter(pk=plan_id).order_by().values_list("pk")):
        raise Plan.DoesNotExist


def record_change(plan_id: int, now: datetime.datetime) -> None:
    """Move the plan's version and `updated_at`, and recount its checkboxes, in one UPDATE.

    Called once at the end of every change (by `changing`, and by the admin's hooks), so
    the counts are right whatever the change did to the plan's items and tasks.
    """
    items = ChecklistItem.objects.filter(plan_id=plan_id)
    tasks = StepTask.objects.filter(step__plan_id=plan_id)
    Plan.objects.filter(pk=plan_id).update(
        version=F("version") + 1,
        updated_at=now,
        boxes_total=_count(items) + _count(tasks),
        boxes_done=_count(items.filter(done=True)) + _count(tasks.filter(done=True)),
    )


def _count(rows: models.QuerySet) -> Coalesce:
    """How many `rows` there are, as a subquery (0, not NULL, when there are none)."""
    # A COUNT the ORM does not know for an aggregate, so it adds no GROUP BY: one row.
    counted = rows.order_by().annotate(n=Func("pk", function="COUNT")).values("n")
    return Coalesce(Subquery(counted), 0)


@contextmanager
def changing(plan_id: int) -> Iterator[datetime.datetime]:
    """One change to a plan: a transaction that locks the plan first and records the change
    last. Yields the change's time. Raises Plan.DoesNotExist when the plan is gone; any
    exception inside rolls the whole change back."""
    with transaction.atomic():
        lock_plan(plan_id)
        now = timezone.now()
        yield now
        record_change(plan_id, now)


@transaction.atomic
def create_plan(doc, *, spec: bytes | None = None) -> Plan:
    """A new plan from a `PlanDocument` (an import, the template, the demo), with the
    `spec.md` of its fix folder if it came with one; all of it or, on any error, nothing."""
    from plans.markdown.store import insert_document

    plan = insert_document(doc, spec=spec)
    record_change(plan.pk, plan.updated_at)
    plan.refresh_from_db(fields=["version", "updated_at", "boxes_total", "boxes_done"])
    return plan


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


def change_status(plan_id: int, *, expected: str, to: str, user) -> list[ProgressLogEntry]:
    """Move the plan from `expected` to `to` (one step either way), and log it.

    Read under the plan's lock, so of two people pressing the same button at once exactly
    one moves it; the other gets `StaleStatus` and nothing changes.
    """
    if to not in neighbours(expected):
        raise ValueError(f"{expected} cannot move to {to}")
    with changing(plan_id) as now:
        moved = Plan.objects.filter(pk=plan_id, status=expected).update(
            status=to, status_changed_at=now
        )
        if not moved:
            current = Plan.objects.filter(pk=plan_id).values_list("status", flat=True).get()
            raise StaleStatus(current)
        update = f"Status: {Status(expected).label} → {Status(to).label}"
        return _log(plan_id, [update], user, now)


def add_log_entry(plan_id: int, *, update: str, user) -> ProgressLogEntry:
    with changing(plan_id) as now:
        return _log(plan_id, [update], user, now)[0]


def _mark(rows, done: bool, user, now) -> bool:
    """Set `done` on the matched row unless it already has it; True when it changed."""
    return bool(
        rows.exclude(done=done).update(
            done=done, done_by=user if done else None, done_at=now if done else None
        )
    )


def set_item_done(plan_id: int, kind: str, item_id: int, *, done: bool, user) -> bool:
    """Tick or untick an item of one checklist (`kind`): prerequisites, success criteria or
    post-mortem. An item of another list is not found, and nothing changes."""
    with changing(plan_id) as now:
        rows = ChecklistItem.objects.filter(pk=item_id, plan_id=plan_id, kind=kind)
        changed = _mark(rows, done, user, now)
        if not changed and not rows.exists():
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


def set_task_done(plan_id: int, task_id: int, *, done: bool, user) -> TaskTick:
    """Tick or untick a step's task, and move the step's timeline phase along.

    The plan's row is locked first, so when several people tick a step's last tasks at
    once they take turns, and exactly one of them sees the step complete and logs it.
    """
    with changing(plan_id) as now:
        return _set_task_done(plan_id, task_id, done, user, now)


def _set_task_done(plan_id: int, task_id: int, done: bool, user, now) -> TaskTick:
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


def set_ticks(plan_id: int, kind: RowKind, parent, wanted: dict[int, bool], user) -> None:
    """Tick and untick rows of one list (`parent`'s) as one change: all of it or none.

    Rows deleted meanwhile are skipped. Unticks go first, so a step is never logged as
    complete by a change that leaves it incomplete.
    """
    with changing(plan_id):
        rows = kind.siblings(kind.new_row(parent)).filter(pk__in=wanted)
        for row_id in sorted(rows.values_list("pk", flat=True), key=lambda pk: (wanted[pk], pk)):
            if kind.in_step:
                set_task_done(plan_id, row_id, done=wanted[row_id], user=user)
            else:
                set_item_done(plan_id, kind.checklist_kind, row_id, done=wanted[row_id], user=user)


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


def add_row(plan_id: int, kind: RowKind, form: forms.MergingForm) -> models.Model:
    """Save a valid add form's row at the end of its list.

    Raises DoesNotExist when the plan, or the step a task is added to, was deleted, and
    LimitReached when the list (or, for a task, the plan's tasks) is full.
    """
    row = form.instance
    with changing(plan_id):
        if kind.in_step and not Step.objects.filter(pk=row.step_id, plan_id=plan_id).exists():
            raise Step.DoesNotExist
        last = kind.siblings(row).aggregate(last=Max("position"))["last"]
        row.position = 0 if last is None else last + 1
        # Positions are dense, so the next position is the list's length.
        limits.check_room(kind.limit, row.position)
        if kind.in_step:
            limits.check_room(limits.TASKS, kind.rows_for(plan_id).count())
        form.save()
    return row


def edit_row(plan_id: int, rows: models.QuerySet, form_class, data, *, user) -> forms.MergingForm:
    """Bind an edit form to the row (or the plan, for a section) as it is now, locked, and
    save it if valid.

    Locking before binding is what lets the form tell this user's changes from another's.
    Raises DoesNotExist when `rows` is empty.
    """
    with changing(plan_id):
        row = rows.select_for_update(of=("self",)).get()
        form = form_class(data, instance=row)
        if form.is_valid():
            changed = form.changed_fields
            form.save()
            if isinstance(row, TimelinePhase):
                log_phase_override(row, changed, user)
    return form


def move_row(plan_id: int, kind: RowKind, row: models.Model, *, up: bool) -> bool:
    """Swap a row with its neighbour above or below; False when it is already at that end.

    Raises DoesNotExist when the row was deleted meanwhile.
    """
    with changing(plan_id):
        row.refresh_from_db(fields=["position"])
        siblings = kind.siblings(row)
        if up:
            neighbour = siblings.filter(position__lt=row.position).order_by("-position").first()
        else:
            neighbour = siblings.filter(position__gt=row.position).order_by("position").first()
        if neighbour is None:
            return False
        mine, theirs = row.position, neighbour.position
        siblings.filter(pk=row.pk).update(position=SHIFT + mine)
        siblings.filter(pk=neighbour.pk).update(position=mine)
        siblings.filter(pk=row.pk).update(position=theirs)
    return True


def delete_row(plan_id: int, kind: RowKind, row: models.Model) -> None:
    with changing(plan_id):
        siblings = kind.siblings(row)
        position = siblings.filter(pk=row.pk).values_list("position", flat=True).first()
        if position is None:
            return
        row.delete()
        # Two passes: a single "position - 1" can meet a row not yet moved, mid-statement.
        siblings.filter(position__gt=position).update(position=F("position") + SHIFT)
        siblings.filter(position__gte=SHIFT).update(position=F("position") - SHIFT - 1)


def create_share_link(
    plan_id: int, *, label: str = "", expires_at: datetime.datetime | None = None, user=None
) -> tuple[ShareLink, str]:
    """A new link and its token; the token is not stored and cannot be shown again.

    Raises Plan.DoesNotExist, or LimitReached when the plan has all the live links it may.
    """
    with changing(plan_id):
        limits.check_room(limits.SHARE_LINKS, live_links(plan_id).count())
        token = secrets.token_urlsafe(TOKEN_BYTES)
        link = ShareLink.objects.create(
            plan_id=plan_id,
            token_hash=hash_token(token),
            label=label,
            expires_at=expires_at,
            created_by=user,
        )
    return link, token


def revoke_share_link(plan_id: int, link_id: int) -> bool:
    """Revoke a live link; False when it was already revoked or is not this plan's.

    The version moves either way, so open stakeholder tabs look again and find it gone.
    """
    with changing(plan_id) as now:
        revoked = ShareLink.objects.filter(
            pk=link_id, plan_id=plan_id, revoked_at__isnull=True
        ).update(revoked_at=now)
    return bool(revoked)
