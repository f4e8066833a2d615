"""The plan page, every section of the template in its order, and the new-plan form."""

import re
from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from plans.defaults import create_plan_from_template
from plans.forms import LogEntryForm, NewPlanForm, ShareLinkForm
from plans.markdown.document import variables_of
from plans.models import Plan, ShareLink
from plans.queries import plan_page_plan, prefetched_progress, recent_log, step_progress
from plans.rows import CHECKLIST_KIND_NAMES, ROW_KINDS, RowKind
from plans.sections import SECTIONS
from plans.views.access import can_edit, editor_required, plan_url
from plans.workflow import author_name, neighbours


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
        # Built only when a template shows it: a cached list (the plan page's steps) never does.
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


def plan_context(plan: Plan, user, *, failed_add=None, whole_log: bool = False, **extra) -> dict:
    """Everything the plan page and its partials show, from a plan fetched with its children."""
    log_entries, log_truncated = recent_log(plan.pk, everything=whole_log)
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
    editor = can_edit(user)
    context = {
        "plan": plan,
        "can_edit": editor,
        "share_links": list(ShareLink.objects.filter(plan=plan)) if editor else [],
        "share_form": ShareLinkForm(),
        "variables": variables_of(plan),
        "lists": lists,
        "progress": overall,
        "status_back": back,
        "status_forward": forward,
        "log_entries": log_entries,
        "log_truncated": log_truncated,
        "log_form": LogEntryForm(),
        "sections": SECTIONS,
    }
    context.update(extra)
    return context


CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def render_plan_page(request, plan_id: int, *, status: int = 200, **extra):
    plan = get_object_or_404(plan_page_plan(), pk=plan_id)
    whole_log = request.GET.get("log") == "all"
    context = plan_context(plan, request.user, whole_log=whole_log, **extra)
    response = render(request, "plans/plan_detail.html", context, status=status)
    # Cached steps carry the tokens of whoever rendered them first; every form on the page
    # must carry this visitor's, or its plain (no-JavaScript) post would be refused.
    token = get_token(request).encode()
    response.content = CSRF_INPUT.sub(rb"\g<1>" + token + rb"\g<2>", response.content)
    return response


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
    if kind is None or not row_id.isdigit():
        return {}
    row = kind.rows_for(plan_id).filter(pk=int(row_id)).first()
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
