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
- writes what it did to the plan's history (`Change.record`), with who and when, in that
  transaction too: a change that rolls back leaves no entry, and none is made elsewhere.
- writes the events it names (`Change.announce`) for the outgoing webhooks that want them,
  with their deliveries queued (`plans.notify`), in that transaction as well.

A tick carries the state wanted and a status change the status it expects to leave, so a
retry or two people pressing the same button at once change the plan once.
"""

import datetime
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import Count, F, Func, Max, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from plans import dues, forms, limits, notify
from plans.markdown.format import moment
from plans.models import (
    ChangeKind,
    ChecklistItem,
    HistoryEntry,
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


def lock_plan(plan_id: int) -> int:
    """Lock the plan's row for the rest of the transaction, the first lock of any change,
    and return its version.

    Raises Plan.DoesNotExist when the plan is gone. On SQLite, whose transactions here take
    the database's write lock when they begin, this is only a read.
    """
    versions = Plan.objects.select_for_update().filter(pk=plan_id).order_by()
    for (version,) in versions.values_list("version"):
        return version
    raise Plan.DoesNotExist


def record_change(
    plan_id: int,
    now: datetime.datetime,
    entries: list[HistoryEntry] = (),
    *,
    version=None,
    events: list[notify.Event] = (),
) -> None:
    """Move the plan's version and `updated_at`, and recount its checkboxes, in one UPDATE;
    then write the change's history `entries`, stamped with the new version, and its
    webhook `events`.

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
    if entries:
        if version is None:
            version = Plan.objects.values_list("version", flat=True).get(pk=plan_id)
        for entry in entries:
            entry.version = version
        HistoryEntry.objects.bulk_create(entries)
    notify.announce(plan_id, now, list(events))


def _count(rows: models.QuerySet) -> Coalesce:
    """How many `rows` there are, as a subquery (0, not NULL, when there are none)."""
    # A COUNT the ORM does not know for an aggregate, so it adds no GROUP BY: one row.
    counted = rows.order_by().annotate(n=Func("pk", function="COUNT")).values("n")
    return Coalesce(Subquery(counted), 0)


@dataclass
class Change:
    """One change in progress: its plan, time and user, and what it has done so far."""

    plan_id: int
    now: datetime.datetime
    user: Any
    entries: list[HistoryEntry] = field(default_factory=list)
    events: list[notify.Event] = field(default_factory=list)
    # Set when the change may move the steps' derived due times (`plans.dues`).
    timeline_moved: bool = False

    def record(self, kind: ChangeKind, place: str = "", *, field="", before="", after=""):
        self.entries.append(
            history_entry(self.plan_id, self.now, self.user, kind, place, field, before, after)
        )

    def announce(self, *events: notify.Event) -> None:
        self.events += events

    @property
    def actor(self) -> str:
        return author_name(self.user)


def history_entry(
    plan_id, now, user, kind, place="", field="", before="", after=""
) -> HistoryEntry:
    """An entry for `record_change` to write (the admin's hooks make theirs here too)."""
    return HistoryEntry(
        plan_id=plan_id,
        at=now,
        user=user if getattr(user, "pk", None) else None,
        actor=author_name(user) if user is not None and user.is_authenticated else "",
        kind=kind,
        place=place[:300],
        field=field[:100],
        before=_shown(before),
        after=_shown(after),
    )


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return moment(value)
    text = str(value)
    # A long text's every edit would otherwise keep two whole copies of it in the history.
    most = limits.HISTORY_VALUE_CHARS
    return text if len(text) <= most else f"{text[:most]}… ({len(text) - most} more characters)"


@contextmanager
def changing(plan_id: int, user=None) -> Iterator[Change]:
    """One change to a plan by `user` (None: a command or the system): a transaction that
    locks the plan first and records the change, and its history, last. Raises
    Plan.DoesNotExist when the plan is gone; any exception inside rolls it all back."""
    with transaction.atomic():
        version = lock_plan(plan_id)
        change = Change(plan_id, timezone.now(), user)
        yield change
        if change.timeline_moved:
            dues.derive(plan_id)
        record_change(
            plan_id, change.now, change.entries, version=version + 1, events=change.events
        )


@transaction.atomic
def create_plan(doc, *, spec: bytes | None = None, user=None, source: str = "") -> Plan:
    """A new plan from a `PlanDocument` (an import, the template, the demo), with the
    `spec.md` of its fix folder if it came with one; all of it or, on any error, nothing.

    `source` names the file it was imported from; without one the plan is a new one.
    """
    from plans.markdown.store import insert_document

    plan = insert_document(doc, spec=spec)
    dues.derive(plan.pk)
    kind = ChangeKind.IMPORTED if source else ChangeKind.CREATED
    entry = history_entry(plan.pk, plan.updated_at, user, kind, after=source or str(plan))
    event = notify.created_event(author_name(user), source)
    record_change(plan.pk, plan.updated_at, [entry], events=[event])
    plan.refresh_from_db(fields=["version", "updated_at", "boxes_total", "boxes_done"])
    return plan


class StaleVersion(Exception):
    """The plan changed since the version the caller decided on; nothing was changed."""


def replace_plan(
    plan_id: int,
    doc,
    *,
    spec: bytes | None = None,
    drop_spec: bool = False,
    user=None,
    source: str = "",
    expected_version: int | None = None,
) -> int:
    """The plan holds `doc`, read from its fix folder's plan.md, in place of what it held,
    and `spec` (that folder's spec.md) if given, or no spec if `drop_spec`; its id, history
    and share links stay. Returns the plan's new version.

    Raises Plan.DoesNotExist when the plan is gone, and StaleVersion when it is no longer
    at `expected_version`: someone changed it since the caller looked.
    """
    from plans.markdown.store import replace_document
    from plans.models import PlanSpec

    with changing(plan_id, user) as change:
        plan = Plan.objects.get(pk=plan_id)
        if expected_version is not None and plan.version != expected_version:
            raise StaleVersion
        before = plan.status
        replace_document(plan, doc)
        if spec is not None:
            PlanSpec.objects.update_or_create(plan=plan, defaults={"data": spec})
        elif drop_spec:
            PlanSpec.objects.filter(plan=plan).delete()
        change.record(ChangeKind.IMPORTED, "Fix folder", after=source)
        if plan.status != before:
            change.announce(*notify.status_events(change.actor, before, plan.status))
        change.timeline_moved = True
    # `changing` moved it on by one, last.
    return plan.version + 1


def _log(plan_id: int, updates: list[str], user, now: datetime.datetime) -> list[ProgressLogEntry]:
    """Every entry, typed or automatic, is written here, within the plan's log limit.

    A full log refuses the whole change that would write to it (LimitReached rolls the
    transaction back): a plan the app holds must always import again from its download.
    """
    if not updates:
        return []
    count = ProgressLogEntry.objects.filter(plan_id=plan_id).count()
    limits.check_room(limits.LOG_ENTRIES, count, adding=len(updates))
    entries = [
        ProgressLogEntry.objects.create(
            plan_id=plan_id, logged_at=now, update=update, author=author_name(user)
        )
        for update in updates
    ]
    if count == 0:
        # The plan's first entry is its start, which its steps' due times count from.
        dues.derive(plan_id)
    return entries


def change_status(plan_id: int, *, expected: str, to: str, user) -> list[ProgressLogEntry]:
    """Move the plan from `expected` to `to` (one step either way), and log it.

    Read under the plan's lock, so of two people pressing the same button at once exactly
    one moves it; the other gets `StaleStatus` and nothing changes.
    """
    if to not in neighbours(expected):
        raise ValueError(f"{expected} cannot move to {to}")
    with changing(plan_id, user) as change:
        moved = Plan.objects.filter(pk=plan_id, status=expected).update(
            status=to, status_changed_at=change.now
        )
        if not moved:
            current = Plan.objects.filter(pk=plan_id).values_list("status", flat=True).get()
            raise StaleStatus(current)
        before, after = Status(expected).label, Status(to).label
        change.record(ChangeKind.STATUS, before=before, after=after)
        change.announce(*notify.status_events(change.actor, expected, to))
        return _log(plan_id, [f"Status: {before} → {after}"], user, change.now)


def add_log_entry(plan_id: int, *, update: str, user) -> ProgressLogEntry:
    with changing(plan_id, user) as change:
        change.record(ChangeKind.LOGGED, "Progress log", after=update)
        change.announce(notify.log_event(change.actor, update, change.now))
        return _log(plan_id, [update], user, change.now)[0]


def _mark(rows, done: bool, user, now) -> bool:
    """Set `done` on the matched row unless it already has it; True when it changed."""
    return bool(
        rows.exclude(done=done).update(
            done=done, done_by=user if done else None, done_at=now if done else None
        )
    )


def _ticked(change: Change, done: bool, place: str, text: str) -> None:
    if done:
        change.record(ChangeKind.TICKED, place, after=text)
    else:
        change.record(ChangeKind.UNTICKED, place, before=text)


def set_item_done(plan_id: int, kind: str, item_id: int, *, done: bool, user) -> bool:
    """Tick or untick an item of one checklist (`kind`): prerequisites, success criteria or
    post-mortem. An item of another list is not found, and nothing changes."""
    from plans.rows import CHECKLIST_KIND_NAMES, ROW_KINDS

    with changing(plan_id, user) as change:
        rows = ChecklistItem.objects.filter(pk=item_id, plan_id=plan_id, kind=kind)
        text = rows.values_list("text", flat=True).first()
        if text is None:
            raise ChecklistItem.DoesNotExist
        changed = _mark(rows, done, user, change.now)
        if changed:
            _ticked(change, done, ROW_KINDS[CHECKLIST_KIND_NAMES[kind]].title, text)
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
    with changing(plan_id, user) as change:
        return _set_task_done(change, task_id, done)


def _set_task_done(change: Change, task_id: int, done: bool) -> TaskTick:
    plan_id, user, now = change.plan_id, change.user, change.now
    task = StepTask.objects.select_related("step").get(pk=task_id, step__plan_id=plan_id)
    step = task.step
    changed = _mark(StepTask.objects.filter(pk=task_id), done, user, now)
    counts = step.tasks.aggregate(total=Count("pk"), done=Count("pk", filter=Q(done=True)))
    tick = TaskTick(changed, task, step, counts["done"], counts["total"])
    # Changed or not, the task now is as asked: the answer shows it without reading it again.
    task.done = done
    if not changed:
        return tick
    _ticked(change, done, str(step), task.text)
    task.done_by, task.done_at = (user, now) if done else (None, None)
    before = _phase_status(tick.done - 1 if done else tick.done + 1, tick.total)
    after = _phase_status(tick.done, tick.total)
    if before == after:
        return tick
    tick.phase = TimelinePhase.objects.filter(plan_id=plan_id, position=step.position).first()
    label = str(step)
    updates = []
    if after == PhaseStatus.DONE:
        updates.append(f"{label} complete")
        change.announce(notify.step_completed_event(change.actor, step.position, step.title))
    elif before == PhaseStatus.DONE:
        updates.append(f"{label} reopened")
    if tick.phase is not None:
        phase = f"Timeline: {tick.phase.phase}"
        change.record(
            ChangeKind.EDITED, phase, field="Status", before=before.label, after=after.label
        )
        tick.phase.status = after
        if after == PhaseStatus.DONE:
            tick.phase.actual_time = elapsed_since_start(plan_id, now)
            change.record(
                ChangeKind.EDITED, phase, field="Actual time", after=tick.phase.actual_time
            )
            updates.append(
                f"Timeline: {tick.phase.phase} done, actual time {tick.phase.actual_time}"
            )
        elif before == PhaseStatus.DONE:
            change.record(
                ChangeKind.EDITED, phase, field="Actual time", before=tick.phase.actual_time
            )
            tick.phase.actual_time = ""
        tick.phase.save(update_fields=["status", "actual_time"])
    tick.log = _log(plan_id, updates, user, now)
    return tick


def set_ticks(plan_id: int, kind: RowKind, parent, wanted: dict[int, bool], user) -> None:
    """Tick and untick rows of one list (`parent`'s) as one change: all of it or none.

    Rows deleted meanwhile are skipped. Unticks go first, so a step is never logged as
    complete by a change that leaves it incomplete.
    """
    with changing(plan_id, user):
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
    return format_elapsed(now - dues.plan_start(plan_id))


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


def _place(kind: RowKind, row: models.Model) -> str:
    """Where a row is, as the history names it: its list, or for a task its step."""
    if kind.in_step:
        return str(Step.objects.only("position", "title").get(pk=row.step_id))
    return kind.title


def _text(row: models.Model) -> str:
    for name in ("text", "title"):
        if hasattr(row, name):
            owner = getattr(row, "owner", "")
            return f"{getattr(row, name)} (@{owner})" if owner else getattr(row, name)
    return str(row)


def _value(row: models.Model, name: str, value) -> str:
    """A field's value as its page shows it: a choice by its label, an owner with its @."""
    if name == "owner":
        return f"@{value}" if value else ""
    try:
        # A form's own field (a step's files) may be a reverse relation, which has none.
        choices = dict(getattr(row._meta.get_field(name), "flatchoices", ()))
    except FieldDoesNotExist:
        choices = {}
    return str(choices.get(value, value)) if choices else value


def add_row(plan_id: int, kind: RowKind, form: forms.MergingForm, *, user=None) -> models.Model:
    """Save a valid add form's row at the end of its list.

    Raises DoesNotExist when the plan, or the step a task is added to, was deleted, and
    LimitReached when the list (or, for a task, the plan's tasks) is full.
    """
    row = form.instance
    with changing(plan_id, user) as change:
        if kind.in_step and not Step.objects.filter(pk=row.step_id, plan_id=plan_id).exists():
            raise Step.DoesNotExist
        last = kind.siblings(row).aggregate(last=Max("position"))["last"]
        row.position = 0 if last is None else last + 1
        # Positions are dense, so the next position is the list's length.
        limits.check_room(kind.limit, row.position)
        if kind.in_step:
            limits.check_room(limits.TASKS, kind.rows_for(plan_id).count())
        form.save()
        change.record(ChangeKind.ADDED, _place(kind, row), after=_text(row))
        change.timeline_moved = kind.on_timeline
    return row


def edit_row(
    plan_id: int,
    rows: models.QuerySet,
    form_class,
    data,
    *,
    user,
    kind: RowKind | None = None,
    place: str = "",
) -> forms.MergingForm:
    """Bind an edit form to the row (or the plan, for a section: no `kind`) as it is now,
    locked, and save it if valid.

    Locking before binding is what lets the form tell this user's changes from another's.
    Raises DoesNotExist when `rows` is empty.
    """
    with changing(plan_id, user) as change:
        row = rows.select_for_update(of=("self",)).get()
        if kind is not None:
            # Named as it was: binding the form puts the new values on the row.
            place = str(row) if kind.model is Step else f"{_place(kind, row)}: {_text(row)}"
        form = form_class(data, instance=row)
        if form.is_valid():
            changed = form.changed_fields
            for name in sorted(changed, key=form.merged_fields.index):
                change.record(
                    ChangeKind.EDITED if kind else ChangeKind.FIELD,
                    place,
                    field=str(form.fields[name].label or name),
                    before=_value(row, name, form.current[name]),
                    after=_value(row, name, form.cleaned_data[name]),
                )
            form.save()
            if isinstance(row, TimelinePhase):
                log_phase_override(row, changed, user)
                change.timeline_moved = "target_time" in changed
    return form


def move_row(plan_id: int, kind: RowKind, row: models.Model, *, up: bool, user=None) -> bool:
    """Swap a row with its neighbour above or below; False when it is already at that end.

    Raises DoesNotExist when the row was deleted meanwhile.
    """
    with changing(plan_id, user) as change:
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
        change.timeline_moved = kind.on_timeline
        change.record(
            ChangeKind.MOVED,
            _place(kind, row),
            field=_text(row),
            before=f"{mine + 1} of the list",
            after=f"{theirs + 1} of the list",
        )
    return True


def delete_row(plan_id: int, kind: RowKind, row: models.Model, *, user=None) -> None:
    with changing(plan_id, user) as change:
        siblings = kind.siblings(row)
        position = siblings.filter(pk=row.pk).values_list("position", flat=True).first()
        if position is None:
            return
        change.record(ChangeKind.DELETED, _place(kind, row), before=_text(row))
        change.timeline_moved = kind.on_timeline
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
    with changing(plan_id, user) as change:
        limits.check_room(limits.SHARE_LINKS, live_links(plan_id).count())
        token = secrets.token_urlsafe(TOKEN_BYTES)
        link = ShareLink.objects.create(
            plan_id=plan_id,
            token_hash=hash_token(token),
            label=label,
            expires_at=expires_at,
            created_by=user,
        )
        change.record(ChangeKind.SHARE_CREATED, "Share links", after=str(link))
        change.announce(notify.share_link_event(change.actor, label, expires_at))
    return link, token


def revoke_share_link(plan_id: int, link_id: int, *, user=None) -> bool:
    """Revoke a live link; False when it was already revoked or is not this plan's.

    The version moves either way, so open stakeholder tabs look again and find it gone.
    """
    with changing(plan_id, user) as change:
        links = ShareLink.objects.filter(pk=link_id, plan_id=plan_id, revoked_at__isnull=True)
        link = links.first()
        if link is not None:
            links.update(revoked_at=change.now)
            change.record(ChangeKind.SHARE_REVOKED, "Share links", before=str(link))
    return link is not None
