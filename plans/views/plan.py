"""The plan page, every section of the template in its order, and the new-plan form."""

from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from plans.defaults import create_plan_from_template
from plans.dues import is_overdue
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


def rows_url(plan_id: int, kind_name: str) -> str:
    """`/plans/1/rows/tasks/`: the start of the URL of every row of a list, built once for
    the list rather than reversed for each of its rows."""
    return reverse("row_add", args=[plan_id, kind_name]).removesuffix("add/")


# The most rows a list may have and still be kept drawn (see RowList.cacheable).
CACHED_LIST_ROWS = 30


@dataclass
class RowList:
    """One editable list as the page shows it: its rows, its HTML id and its add form.

    `open_add` is `(list_id, form or None)`: the list whose add form is open, with the
    form that failed (None for an empty one).
    """

    kind: RowKind
    rows: list
    list_id: str
    parent: Model
    open_add: tuple | None = None

    @property
    def plan_id(self) -> int:
        return self.parent.plan_id if self.kind.in_step else self.parent.pk

    @cached_property
    def rows_url(self) -> str:
        return rows_url(self.plan_id, self.kind.name)

    @property
    def cacheable(self) -> bool:
        """Few enough rows to keep drawn. A row's text fills to at most an item's length, and
        its markup to a bounded multiple of that (an unknown placeholder in its marking is the
        most), so rows, not characters, bound an entry's size, whatever the text and plan
        values (docs/performance.md has the figures)."""
        return len(self.rows) <= CACHED_LIST_ROWS

    @property
    def content(self) -> tuple:
        """Everything of its rows that the rows' markup shows, for the key of their cached
        markup (`_checklist.html`): a change to any of it draws them afresh."""
        return (
            self.list_id,
            self.rows_url,
            tuple(
                (row.pk, row.text, row.done, row.depth, getattr(row, "owner", ""))
                for row in self.rows
            ),
        )

    @property
    def row_ids(self) -> str:
        return ",".join(str(row.pk) for row in self.rows)

    @property
    def done_ids(self) -> str:
        return ",".join(str(row.pk) for row in self.rows if row.done)

    @property
    def add_open(self) -> bool:
        return self.open_add is not None and self.open_add[0] == self.list_id

    @cached_property
    def add_form(self):
        # Built only when a template shows it: an open add form, or a table's column heads.
        if self.add_open and self.open_add[1] is not None:
            return self.open_add[1]
        form = self.kind.add_form(
            instance=self.kind.new_row(self.parent), prefix=f"add-{self.list_id}"
        )
        if "text" in form.fields:
            form.fields["text"].label = f"New {self.kind.noun}"
        if self.add_open:
            first = next(iter(form.fields.values()))
            first.widget.attrs["autofocus"] = True
        return form


def row_list(kind: RowKind, rows: list, parent: Model, open_add=None) -> RowList:
    return RowList(kind, rows, kind.list_id(parent), parent, open_add)


def task_list(step, open_add=None) -> RowList:
    return row_list(ROW_KINDS["tasks"], list(step.tasks.all()), step, open_add)


def decorate_step(step, plan: Plan, open_add=None) -> None:
    """Give a step (tasks prefetched) its progress, task list and whether it is overdue."""
    step.progress = step_progress(step)
    step.task_list = task_list(step, open_add)
    step.overdue = is_overdue(step, plan, timezone.now())


def plan_context(plan: Plan, editor: bool, *, open_add=None, log_page=1, **extra) -> dict:
    """Everything the body of the plan page shows; fetches the plan's children."""
    prefetch_plan_page(plan)
    log = recent_log(plan.pk, log_page)
    checklists = {name: [] for name in CHECKLIST_KIND_NAMES.values()}
    for item in plan.checklist_items.all():
        checklists[CHECKLIST_KIND_NAMES[item.kind]].append(item)
    overall = prefetched_progress(plan)  # gives each step its progress too
    steps = list(plan.steps.all())
    phases = list(plan.phases.all())
    now = timezone.now()
    for step in steps:
        step.task_list = task_list(step, open_add)
        step.overdue = is_overdue(step, plan, now)
        # The phase a derived due time comes from, named beside it (`plans.dues`).
        step.due_phase = next((p for p in phases if p.position == step.position), None)
    plan.overdue = any(step.overdue for step in steps)
    lists = {
        name: row_list(ROW_KINDS[name], rows, plan, open_add) for name, rows in checklists.items()
    }
    for name, rows in [
        ("steps", steps),
        ("metrics", list(plan.metrics.all())),
        ("stakeholders", list(plan.stakeholder_updates.all())),
        ("phases", phases),
    ]:
        lists[name] = row_list(ROW_KINDS[name], rows, plan, open_add)
    back, forward = neighbours(plan.status)
    context = {
        "plan": plan,
        "can_edit": editor,
        # Asked of every row: given, so that no row looks them up in vain.
        "editing_kind": "",
        "editing_id": None,
        "focus": False,
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
    plan = get_object_or_404(Plan.objects.select_related("fix_folder"), pk=plan_id)
    editor = can_edit(request.user)
    log_page = log_page_number(request.GET.get("log_page"))
    context = plan_context(plan, editor, log_page=log_page, **extra)
    context["live_seconds"] = settings.FIXTRACKER_LIVE_SECONDS
    context["live_streams"] = settings.FIXTRACKER_LIVE_STREAMS > 0
    if editor:
        context["share_links"] = links_of(plan.pk)
        context.setdefault("share_form", ShareLinkForm())
        context["owner_names"] = owner_names()
    return render(request, "plans/plan_detail.html", context, status=status)


# The most usernames an owner field suggests; anyone else is typed as a handle.
OWNER_SUGGESTIONS = 200


def owner_names():
    """The usernames an owner field suggests (the page's `<datalist id="owners">`)."""
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    return users.values_list("username", flat=True)[:OWNER_SUGGESTIONS]


@require_GET
@login_required
def plan_detail(request, plan_id: int):
    """The plan page; `?edit=header` or `?edit=metrics-12` opens that form, and
    `?add=step-12-tasks` a list's add form, without JavaScript."""
    extra = {}
    if can_edit(request.user):
        if target := request.GET.get("edit", ""):
            extra = edit_target_context(plan_id, target)
        elif target := request.GET.get("add", ""):
            extra = {"open_add": (target, None)}
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
            plan = create_plan_from_template(
                request.user, **header, logged_by=author_name(request.user)
            )
            return redirect(plan_url(plan.pk))
        status = 422
    else:
        form = NewPlanForm(
            initial={"author": request.user.get_full_name() or request.user.get_username()}
        )
        status = 200
    return render(request, "plans/plan_new.html", {"form": form}, status=status)
