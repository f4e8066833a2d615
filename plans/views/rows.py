"""Editing, adding, moving and deleting the rows of a plan's lists, and ticking checkboxes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from plans import operations
from plans.forms import DoneForm
from plans.limits import LimitReached
from plans.markdown.document import variables_of
from plans.models import Plan, Step
from plans.queries import plan_with_progress, progress
from plans.rows import ROW_KINDS, RowKind
from plans.templatetags.plan_text import fill
from plans.views.access import answer, ask, can_edit, editor_required, plan_url, unanswered
from plans.views.ids import parse_id
from plans.views.plan import decorate_step, row_list, rows_url


def _kind(name: str) -> RowKind:
    if name not in ROW_KINDS:
        raise Http404("No such list.")
    return ROW_KINDS[name]


def _row(kind: RowKind, plan_id: int, row_id: int):
    rows = kind.rows_for(plan_id)
    if kind.name == "steps":
        rows = rows.prefetch_related("tasks", "files")
    return get_object_or_404(rows, pk=row_id)


def row_context(plan: Plan, user, kind: RowKind, row, **extra) -> dict:
    if kind.name == "steps":
        decorate_step(row, plan, extra.pop("open_add", None))
    return {
        "plan": plan,
        "kind": kind,
        "row": row,
        "rows_url": rows_url(plan.pk, kind.name),
        "list_id": kind.list_id(row),
        "can_edit": can_edit(user),
        "variables": variables_of(plan),
        **extra,
    }


def list_context(plan: Plan, user, kind: RowKind, parent, open_add=None, **extra) -> dict:
    """The context of a whole list, for the swap after an add, a move or a delete."""
    if kind.name == "steps":
        rows = list(plan.steps.prefetch_related("tasks", "files"))
        for step in rows:
            decorate_step(step, plan)
    else:
        rows = list(kind.siblings(kind.new_row(parent)).order_by("position"))
    return {
        "plan": plan,
        "list": row_list(kind, rows, parent, open_add),
        "can_edit": can_edit(user),
        "variables": variables_of(plan),
        **extra,
    }


def _anchor(kind: RowKind, row) -> str:
    return f"{kind.name}-{row.pk}"


@require_GET
@login_required
def row_show(request, plan_id: int, kind: str, row_id: int):
    kind = _kind(kind)
    row = _row(kind, plan_id, row_id)
    plan = get_object_or_404(Plan, pk=plan_id)
    return render(request, kind.template, row_context(plan, request.user, kind, row, focus=True))


@require_http_methods(["GET", "POST"])
@editor_required
def row_edit(request, plan_id: int, kind: str, row_id: int):
    kind = _kind(kind)
    if request.method == "GET":
        row = _row(kind, plan_id, row_id)
        if not request.htmx:
            return redirect(f"{plan_url(plan_id)}?edit={_anchor(kind, row)}#{_anchor(kind, row)}")
        plan = get_object_or_404(Plan, pk=plan_id)
        context = row_context(
            plan,
            request.user,
            kind,
            row,
            editing_kind=kind.name,
            editing_id=row.pk,
            edit_form=kind.form(instance=row),
        )
        return render(request, kind.template, context)
    rows = kind.rows_for(plan_id).filter(pk=row_id)
    try:
        form = operations.edit_row(
            plan_id, rows, kind.form, request.POST, user=request.user, kind=kind
        )
    except ObjectDoesNotExist:
        raise Http404("No such row.") from None
    except LimitReached as full:
        # Only a timeline row logs its edits; with the log full, nothing was saved.
        form = kind.form(request.POST, instance=_row(kind, plan_id, row_id))
        form.is_valid()
        form.add_error(None, f"Not saved: {full}")
    plan = get_object_or_404(Plan, pk=plan_id)
    row = _row(kind, plan_id, row_id)
    anchor = _anchor(kind, row)
    if form.is_valid():
        context = row_context(plan, request.user, kind, row, focus=True)
        return answer(request, plan_id, anchor, kind.template, context)
    status = 409 if form.conflicts else 422
    context = row_context(
        plan, request.user, kind, row, editing_kind=kind.name, editing_id=row.pk, edit_form=form
    )
    return answer(request, plan_id, anchor, kind.template, context, status)


def _parent(kind: RowKind, plan: Plan, data):
    if not kind.in_step:
        return plan
    # A step that is not a plain number is no step: 404, like a number no step has.
    step_id = parse_id(data.get("step", ""))
    if step_id is None:
        raise Http404("No such step.")
    return get_object_or_404(Step, pk=step_id, plan=plan)


@require_http_methods(["GET", "POST"])
@editor_required
def row_add(request, plan_id: int, kind: str):
    """GET opens the list's add form in place (`?closed=1` shuts it); POST adds the row."""
    kind = _kind(kind)
    plan = get_object_or_404(Plan, pk=plan_id)
    parent = _parent(kind, plan, request.POST if request.method == "POST" else request.GET)
    list_id = kind.list_id(parent)
    if request.method == "GET":
        if not request.htmx:
            return redirect(f"{plan_url(plan_id)}?add={list_id}#{list_id}")
        opened = None if request.GET.get("closed") else (list_id, None)
        context = {"plan": plan, "list": row_list(kind, [], parent, opened), "focus_add": list_id}
        return render(request, "plans/partials/_add.html", context)
    form = kind.add_form(request.POST, instance=kind.new_row(parent), prefix=f"add-{list_id}")
    if form.is_valid():
        try:
            operations.add_row(plan_id, kind, form, user=request.user)
        except LimitReached as full:
            form.add_error(None, str(full))
            return _refused_add(request, plan, kind, parent, form)
        except ObjectDoesNotExist:
            raise Http404(
                "The step or plan was deleted by someone else; reload the page."
            ) from None
        # The form stays open, empty, for the next row: lists are often typed in a row at once.
        context = list_context(plan, request.user, kind, parent, open_add=(list_id, None))
        return answer(request, plan_id, list_id, kind.list_template, context)
    return _refused_add(request, plan, kind, parent, form)


def _refused_add(request, plan: Plan, kind: RowKind, parent, form):
    list_id = kind.list_id(parent)
    context = list_context(plan, request.user, kind, parent, open_add=(list_id, form))
    if not request.htmx:
        context = {"open_add": (list_id, form)}
    return answer(request, plan.pk, list_id, kind.list_template, context, 422)


@require_POST
@editor_required
def row_move(request, plan_id: int, kind: str, row_id: int):
    kind = _kind(kind)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return _message(request, "Say which way to move: up or down.", 400)
    row = _row(kind, plan_id, row_id)
    try:
        operations.move_row(plan_id, kind, row, up=direction == "up", user=request.user)
    except ObjectDoesNotExist:
        raise Http404(f"This {kind.noun} was deleted by someone else; reload the page.") from None
    # Moved from its edit form, the row stays in it, with what was typed there (not saved
    # by a move) and the focus on the same button, so a row can be moved several places
    # from the keyboard.
    row = _row(kind, plan_id, row_id)
    form = kind.form(request.POST if "base" in request.POST else None, instance=row)
    for field in form.fields.values():
        field.widget.attrs.pop("autofocus", None)
    editing = {
        "editing_kind": kind.name,
        "editing_id": row.pk,
        "edit_form": form,
        "focus_move": direction,
    }
    return _list_answer(request, plan_id, kind, row, anchor=_anchor(kind, row), **editing)


@require_POST
@editor_required
def row_delete(request, plan_id: int, kind: str, row_id: int):
    kind = _kind(kind)
    row = _row(kind, plan_id, row_id)
    if unanswered(request):
        plan = get_object_or_404(Plan, pk=plan_id)
        text = getattr(row, "text", None)
        return ask(
            request,
            plan,
            question=f"Delete this {kind.noun}?",
            detail=fill(text, variables_of(plan)) if text else str(row),
            note="It goes from the plan for everyone. There is no undo.",
            answer=f"Delete {kind.noun}",
            anchor=_anchor(kind, row),
        )
    try:
        operations.delete_row(plan_id, kind, row, user=request.user)
    except ObjectDoesNotExist:
        raise Http404("This plan was deleted by someone else.") from None
    # The deleted row held the focus; the list's add button takes it, not the page's top.
    return _list_answer(
        request, plan_id, kind, row, anchor=kind.list_id(row), focus_add=kind.list_id(row)
    )


def _list_answer(request, plan_id: int, kind: RowKind, row, *, anchor: str, **extra):
    plan = get_object_or_404(Plan, pk=plan_id)
    # The step of a task just moved or deleted may itself have been deleted meanwhile.
    parent = get_object_or_404(Step, pk=row.step_id) if kind.in_step else plan
    context = list_context(plan, request.user, kind, parent, **extra)
    return answer(request, plan_id, anchor, kind.list_template, context)


def _message(request, message: str, status: int):
    return render(request, "plans/partials/_message.html", {"message": message}, status=status)


@require_POST
@editor_required
def row_done(request, plan_id: int, kind: str, row_id: int):
    """Tick or untick: the request says which, so a retry or a double click changes nothing."""
    kind = _kind(kind)
    if not kind.checkable:
        raise Http404("Only checklist items can be ticked.")
    form = DoneForm(request.POST)
    if not form.is_valid():
        return _message(
            request, "Say whether the box should be ticked: done=true or done=false.", 400
        )
    done = form.cleaned_data["done"]
    context = {}
    try:
        if kind.in_step:
            tick = operations.set_task_done(plan_id, row_id, done=done, user=request.user)
            tick.step.progress = progress(tick.done, tick.total)
            context.update(
                step=tick.step,
                phase=tick.phase,
                phase_kind=ROW_KINDS["phases"],
                phase_rows_url=rows_url(plan_id, "phases"),
                new_log=tick.log,
            )
            row = tick.task
        else:
            operations.set_item_done(
                plan_id, kind.checklist_kind, row_id, done=done, user=request.user
            )
            row = _row(kind, plan_id, row_id)
    except ObjectDoesNotExist:
        raise Http404("No such checklist item.") from None
    except LimitReached as full:
        # The row as it stands, with why it was not ticked, in its own place.
        if not request.htmx:
            messages.error(request, f"Not ticked: {full}")
            return redirect(plan_url(plan_id, _anchor(kind, _row(kind, plan_id, row_id))))
        plan = get_object_or_404(Plan, pk=plan_id)
        row = _row(kind, plan_id, row_id)
        context = row_context(plan, request.user, kind, row, row_message=f"Not ticked: {full}")
        return render(request, "plans/partials/_checklist_item.html", context, status=422)
    if not request.htmx:
        return redirect(plan_url(plan_id, _anchor(kind, row)))
    plan = plan_with_progress(plan_id)
    if plan is None:
        raise Http404("No such plan.")
    context.update(row_context(plan, request.user, kind, row), progress=plan.progress)
    return render(request, "plans/partials/_ticked.html", context)


@require_POST
@editor_required
def row_ticks(request, plan_id: int, kind: str):
    """Ticks without JavaScript: a list's form says which of its rows were ticked when the
    page was drawn (`was`) and which are ticked now (`ticked`).

    Only the boxes changed on that page change, to the state they show, so a teammate's
    tick on a row this page did not show, or did not change, stands.
    """
    kind = _kind(kind)
    if not kind.checkable:
        raise Http404("Only checklist items can be ticked.")
    plan = get_object_or_404(Plan, pk=plan_id)
    parent = _parent(kind, plan, request.POST)
    # No list holds more rows than its limit: anything past it was not drawn by FixTracker.
    most = kind.limit.value
    was = _ids(request.POST.get("was", "").split(",")[:most])
    ticked = _ids(request.POST.getlist("ticked")[:most])
    shown = _ids(request.POST.get("shown", "").split(",")[:most])
    wanted = {pk: pk in ticked for pk in (was ^ ticked) & shown}
    try:
        operations.set_ticks(plan_id, kind, parent, wanted, request.user)
    except LimitReached as full:
        messages.error(request, f"Not ticked: {full}")
    except ObjectDoesNotExist:
        raise Http404("This plan was deleted by someone else.") from None
    return redirect(plan_url(plan_id, kind.list_id(parent)))


def _ids(values) -> set[int]:
    return {parse_id(value) for value in values} - {None}
