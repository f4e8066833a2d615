"""The ordered lists of a plan that engineers edit row by row.

`ROW_KINDS` says, for each list the URLs name (`prerequisites`, `tasks`, `metrics` ...),
which model holds it, which form edits a row and which partial shows one. Adding, moving
and deleting keep positions dense (0, 1, 2 ...) under the unique (parent, position)
constraints; the changes themselves are plan operations (`plans.operations`).
"""

from dataclasses import dataclass

from django.db import models

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
    # The list's name where the history says what changed ("Prerequisites"); a task's is
    # its step's.
    title: str = ""

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
    def on_timeline(self) -> bool:
        """Whether adding, moving or deleting a row moves the steps' due times: a step's
        position picks its timeline phase, whose target gives its due time."""
        return self.model in (Step, TimelinePhase)

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
            return f"step-{step_id}-tasks"
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
            title="Prerequisites",
        ),
        RowKind(
            "success",
            ChecklistItem,
            forms.ChecklistItemForm,
            "success criterion",
            _CHECKLIST,
            ChecklistKind.SUCCESS_CRITERION,
            plural="success criteria",
            title="Success criteria",
        ),
        RowKind(
            "post_mortem",
            ChecklistItem,
            forms.ChecklistItemForm,
            "post-mortem item",
            _CHECKLIST,
            ChecklistKind.POST_MORTEM,
            title="Post-mortem",
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
            title="Implementation steps",
        ),
        RowKind(
            "metrics",
            MonitoringMetric,
            forms.MetricForm,
            "metric",
            _TABLE_ROW,
            "",
            _TABLE,
            title="Monitoring metrics",
        ),
        RowKind(
            "stakeholders",
            StakeholderUpdate,
            forms.StakeholderForm,
            "stakeholder",
            _TABLE_ROW,
            "",
            _TABLE,
            title="Stakeholder updates",
        ),
        RowKind(
            "phases",
            TimelinePhase,
            forms.PhaseForm,
            "phase",
            _TABLE_ROW,
            "",
            _TABLE,
            title="Timeline",
        ),
    ]
}
CHECKLIST_KIND_NAMES = {kind.checklist_kind: kind.name for kind in ROW_KINDS.values()}
