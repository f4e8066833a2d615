"""The plan page, every section of the template in its order, and the new-plan form."""

from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from plans.defaults import create_plan_from_template
from plans.forms import LogEntryForm, NewPlanForm, ShareLinkForm
from plans.markdown.document import variables_of
from plans.models import Plan
from plans.operations import author_name, neighbours
from plans.queries import (
    log_page_number,
    prefetch_plan_page,
    prefetched_progress,
    recent_log,
    step_progress,
)
from plans.rows import CHECKLIST_KIND_NAMES, ROW_KINDS, RowKind
from plans.sections import SECTIONS
from plans.sharing import links_of
from plans.views.access import can_edit, editor_required, plan_url
from plans.views.ids import parse_id


@dataclass
class RowList:
    """One editable list as the page shows it: its rows, its HTML id and its add form."""

    kind: RowKind
    rows: list
    list_id: str
    parent: Model
    failed_add: tuple | None = None

    @cached_property
    def add_form(self):
        # Built only when a template shows it (for editors).
        if self.failed_add is not None and self.failed_add[0] == self.list_id:
            return self.failed_add[1]
        form = self.kind.add_form(
            instance=self.kind.new_row(self.parent), prefix=f"add-{self.list_id}"
        )
        if "text" in form.fields:
            form.fields["text"].label = f"New {self.kind.noun}"
        return form


def row_list(kind: RowKind, rows: list, parent: Model, failed_add=None) -> RowList:
    return RowList(kind, rows, kind.list_id(parent), parent, failed_add)


def task_list(step, failed_add=None) -> RowList:
    return row_list(ROW_KINDS["tasks"], list(step.tasks.all()), step, failed_add)


def decorate_step(step, failed_add=None) -> None:
    """Give a step (tasks prefetched) its progress and its task list for the templates."""
    step.progress = step_progress(step)
    step.task_list = task_list(step, failed_add)


def plan_context(plan: Plan, editor: bool, *, failed_add=None, log_page=1, **extra) -> dict:
    """Everything the body of the plan page shows; fetches the plan's children."""
    prefetch_plan_page(plan)
    log = recent_log(plan.pk, log_page)
    checklists = {name: [] for name in CHECKLIST_KIND_NAMES.values()}
    for item in plan.checklist_items.all():
        checklists[CHECKLIST_KIND_NAMES[item.kind]].append(item)
    overall = prefetched_progress(plan)  # gives each step its progress too
    steps = list(plan.steps.all())
    for step in steps:
        step.task_list = task_list(step, failed_add)
    lists = {
        name: row_list(ROW_KINDS[name], rows, plan, failed_add) for name, rows in checklists.items()
    }
    for name, rows in [
        ("steps", steps),
        ("metrics", list(plan.metrics.all())),
        ("stakeholders", list(plan.stakeholder_updates.all())),
        ("phases", list(plan.phases.all())),
    ]:
        lists[name] = row_list(ROW_KINDS[name], rows, plan, failed_add)
    back, forward = neighbours(plan.status)
    context = {
        "plan": plan,
        "can_edit": editor,
        "variables": variables_of(plan),
        "lists": lists,
        "progress": overall,
        "status_back": back,
        "status_forward": forward,
        "log_page": log,
        "log_form": LogEntryForm(),
        "sections": SECTIONS,
    }
    context.update(extra)
    return context


def render_plan_page(request, plan_id: int, *, status: int = 200, **extra):
    """The whole plan page; `extra` carries a failed action's open form and messages."""
    plan = get_object_or_404(Plan, pk=plan_id)
    editor = can_edit(request.user)
    log_page = log_page_number(request.GET.get("log_page"))
    context = plan_context(plan, editor, log_page=log_page, **extra)
    if editor:
        context["share_links"] = links_of(plan.pk)
        context.setdefault("share_form", ShareLinkForm())
    return render(request, "plans/plan_detail.html", context, status=status)


@require_GET
@login_required
def plan_detail(request, plan_id: int):
    """The plan page; `?edit=header` or `?edit=metrics-12` opens that form without JavaScript."""
    extra = {}
    target = request.GET.get("edit", "")
    if target and can_edit(request.user):
        extra = edit_target_context(plan_id, target)
    return render_plan_page(request, plan_id, **extra)


def edit_target_context(plan_id: int, target: str) -> dict:
    """The open form for `?edit=`: a section name, or a row as `<kind>-<id>`."""
    if target in SECTIONS:
        plan = get_object_or_404(Plan, pk=plan_id)
        return {"editing": target, "edit_form": SECTIONS[target].form(instance=plan)}
    kind_name, _, row_id = target.rpartition("-")
    kind = ROW_KINDS.get(kind_name)
    # A target naming no row, by a number or by something else, only leaves every form shut.
    row_id = parse_id(row_id)
    if kind is None or row_id is None:
        return {}
    row = kind.rows_for(plan_id).filter(pk=row_id).first()
    if row is None:
        return {}
    return {"editing_kind": kind.name, "editing_id": row.pk, "edit_form": kind.form(instance=row)}


@require_http_methods(["GET", "POST"])
@editor_required
def plan_new(request):
    if request.method == "POST":
        form = NewPlanForm(request.POST)
        if form.is_valid():
            header = {k: v for k, v in form.cleaned_data.items() if v or k != "overview"}
            plan = create_plan_from_template(**header, logged_by=author_name(request.user))
            return redirect(plan_url(plan.pk))
        status = 422
    else:
        form = NewPlanForm(
            initial={"author": request.user.get_full_name() or request.user.get_username()}
        )
        status = 200
    return render(request, "plans/plan_new.html", {"form": form}, status=status)
