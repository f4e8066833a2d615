"""The ordered lists of a plan that engineers edit row by row.

`ROW_KINDS` says, for each list the URLs name (`prerequisites`, `tasks`, `metrics` ...),
which model holds it, which form edits a row and which partial shows one. Adding, moving
and deleting keep positions dense (0, 1, 2 ...) under the unique (parent, position)
constraints. Each takes the plan's row lock before it reads or writes a row (the lock order
of `plans.workflow`), so two people reordering, editing or deleting take turns.
"""

from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import F, Max
from django.utils import timezone

from plans import forms, limits
from plans.models import (
    ChecklistItem,
    ChecklistKind,
    MonitoringMetric,
    ProgressLogEntry,
    StakeholderUpdate,
    Step,
    StepFile,
    StepTask,
    TimelinePhase,
)
from plans.workflow import lock_plan, log_phase_override, touch

# How many rows one list of each model may hold: the steps or a table of one plan, one
# checklist (per kind), the tasks or files of one step, a plan's log. Tasks also count
# toward `limits.TASKS` for the whole plan.
LIST_LIMITS = {
    Step: limits.STEPS,
    StepTask: limits.TASKS_PER_STEP,
    StepFile: limits.FILES_PER_STEP,
    ChecklistItem: limits.CHECKLIST_ITEMS,
    MonitoringMetric: limits.TABLE_ROWS,
    StakeholderUpdate: limits.TABLE_ROWS,
    TimelinePhase: limits.TABLE_ROWS,
    ProgressLogEntry: limits.LOG_ENTRIES,
}

# Far above any real position: rows shifted here never meet the rows they pass.
SHIFT = 1_000_000


@dataclass(frozen=True)
class RowKind:
    name: str
    model: type[models.Model]
    form: type[forms.MergingForm]
    noun: str
    template: str
    checklist_kind: str = ""
    list_template: str = "plans/partials/_checklist.html"
    adder: type[forms.MergingForm] | None = None
    plural: str = ""

    @property
    def nouns(self) -> str:
        return self.plural or f"{self.noun}s"

    @property
    def add_form(self) -> type[forms.MergingForm]:
        return self.adder or self.form

    @property
    def limit(self) -> limits.Limit:
        """How many rows the list may hold (tasks also count toward `limits.TASKS`)."""
        return LIST_LIMITS[self.model]

    @property
    def checkable(self) -> bool:
        return self.model in (ChecklistItem, StepTask)

    @property
    def columns(self) -> list[str]:
        return self.form._meta.fields

    @property
    def in_step(self) -> bool:
        return self.model is StepTask

    def rows_for(self, plan_id: int) -> models.QuerySet:
        if self.in_step:
            return self.model.objects.filter(step__plan_id=plan_id)
        rows = self.model.objects.filter(plan_id=plan_id)
        return rows.filter(kind=self.checklist_kind) if self.checklist_kind else rows

    def siblings(self, row: models.Model) -> models.QuerySet:
        if self.in_step:
            return self.model.objects.filter(step_id=row.step_id)
        return self.rows_for(row.plan_id)

    def new_row(self, parent: models.Model) -> models.Model:
        if self.in_step:
            return self.model(step=parent)
        if self.checklist_kind:
            return self.model(plan=parent, kind=self.checklist_kind)
        return self.model(plan=parent)

    def list_id(self, row_or_parent: models.Model) -> str:
        """The HTML id of the element holding the whole list, for swaps after add/move/delete."""
        if self.in_step:
            step_id = row_or_parent.pk if isinstance(row_or_parent, Step) else row_or_parent.step_id
            return f"tasks-{step_id}"
        return self.name


_CHECKLIST = "plans/partials/_checklist_item.html"
_TABLE_ROW = "plans/partials/_table_row.html"
_TABLE = "plans/partials/_table.html"

ROW_KINDS = {
    kind.name: kind
    for kind in [
        RowKind(
            "prerequisites",
            ChecklistItem,
            forms.ChecklistItemForm,
            "prerequisite",
            _CHECKLIST,
            ChecklistKind.PREREQUISITE,
        ),
        RowKind(
            "success",
            ChecklistItem,
            forms.ChecklistItemForm,
            "success criterion",
            _CHECKLIST,
            ChecklistKind.SUCCESS_CRITERION,
            plural="success criteria",
        ),
        RowKind(
            "post_mortem",
            ChecklistItem,
            forms.ChecklistItemForm,
            "post-mortem item",
            _CHECKLIST,
            ChecklistKind.POST_MORTEM,
        ),
        RowKind("tasks", StepTask, forms.StepTaskForm, "task", _CHECKLIST),
        RowKind(
            "steps",
            Step,
            forms.StepForm,
            "step",
            "plans/partials/_step.html",
            list_template="plans/partials/_steps.html",
            adder=forms.NewStepForm,
        ),
        RowKind("metrics", MonitoringMetric, forms.MetricForm, "metric", _TABLE_ROW, "", _TABLE),
        RowKind(
            "stakeholders",
            StakeholderUpdate,
            forms.StakeholderForm,
            "stakeholder",
            _TABLE_ROW,
            "",
            _TABLE,
        ),
        RowKind("phases", TimelinePhase, forms.PhaseForm, "phase", _TABLE_ROW, "", _TABLE),
    ]
}
CHECKLIST_KIND_NAMES = {kind.checklist_kind: kind.name for kind in ROW_KINDS.values()}


@transaction.atomic
def add_row(plan_id: int, kind: RowKind, form: forms.MergingForm) -> models.Model:
    """Save a valid add form's row at the end of its list.

    Raises DoesNotExist when the plan, or the step a task is added to, was deleted, and
    LimitReached when the list (or, for a task, the plan's tasks) is full.
    """
    row = form.instance
    lock_plan(plan_id)
    if kind.in_step and not Step.objects.filter(pk=row.step_id, plan_id=plan_id).exists():
        raise Step.DoesNotExist
    last = kind.siblings(row).aggregate(last=Max("position"))["last"]
    row.position = 0 if last is None else last + 1
    # Positions are dense, so the next position is the list's length.
    limits.check_room(kind.limit, row.position)
    if kind.in_step:
        limits.check_room(limits.TASKS, kind.rows_for(plan_id).count())
    form.save()
    touch(plan_id, timezone.now())
    return row


@transaction.atomic
def edit_row(plan_id: int, rows: models.QuerySet, form_class, data, *, user) -> forms.MergingForm:
    """Bind an edit form to the row as it is now, locked, and save it if valid.

    Locking before binding is what lets the form tell this user's changes from another's.
    Raises DoesNotExist when `rows` is empty.
    """
    lock_plan(plan_id)
    row = rows.select_for_update(of=("self",)).get()
    form = form_class(data, instance=row)
    if form.is_valid():
        changed = form.changed_fields
        form.save()
        touch(plan_id, timezone.now())
        if isinstance(row, TimelinePhase):
            log_phase_override(row, changed, user)
    return form


@transaction.atomic
def move_row(plan_id: int, kind: RowKind, row: models.Model, *, up: bool) -> bool:
    """Swap a row with its neighbour above or below; False when it is already at that end.

    Raises DoesNotExist when the row was deleted meanwhile.
    """
    lock_plan(plan_id)
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
    touch(plan_id, timezone.now())
    return True


@transaction.atomic
def delete_row(plan_id: int, kind: RowKind, row: models.Model) -> None:
    lock_plan(plan_id)
    siblings = kind.siblings(row)
    position = siblings.filter(pk=row.pk).values_list("position", flat=True).first()
    if position is None:
        return
    row.delete()
    # Two passes: a single "position - 1" can meet a row not yet moved, mid-statement.
    siblings.filter(position__gt=position).update(position=F("position") + SHIFT)
    siblings.filter(position__gte=SHIFT).update(position=F("position") - SHIFT - 1)
    touch(plan_id, timezone.now())
