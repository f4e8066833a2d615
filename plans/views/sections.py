"""Editing the header, overview, notes and rollback plan in place."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from plans.markdown.document import VARIABLE_FIELDS, variables_of
from plans.models import Plan
from plans.operations import edit_row
from plans.sections import SECTIONS, Section
from plans.views.access import answer, can_edit, editor_required, plan_url


def _section(name: str) -> Section:
    if name not in SECTIONS:
        raise Http404("No such section.")
    return SECTIONS[name]


def section_context(plan: Plan, user, section: Section, **extra) -> dict:
    return {
        "plan": plan,
        "section": section,
        "can_edit": can_edit(user),
        "variables": variables_of(plan),
        **extra,
    }


@require_GET
@login_required
def section_show(request, plan_id: int, name: str):
    section = _section(name)
    plan = get_object_or_404(Plan, pk=plan_id)
    context = section_context(plan, request.user, section, focus=True)
    return render(request, section.template, context)


@require_http_methods(["GET", "POST"])
@editor_required
def section_edit(request, plan_id: int, name: str):
    section = _section(name)
    anchor = f"section-{name}"
    if request.method == "GET":
        if not request.htmx:
            return redirect(f"{plan_url(plan_id)}?edit={name}#{anchor}")
        plan = get_object_or_404(Plan, pk=plan_id)
        form = section.form(instance=plan)
        context = section_context(plan, request.user, section, editing=name, edit_form=form)
        return render(request, section.template, context)
    try:
        form = edit_row(
            plan_id,
            Plan.objects.filter(pk=plan_id),
            section.form,
            request.POST,
            user=request.user,
            place=section.title,
        )
    except Plan.DoesNotExist:
        raise Http404("No such plan.") from None
    if form.is_valid():
        plan = Plan.objects.get(pk=plan_id)
        context = section_context(plan, request.user, section, focus=True, retitle=True)
        response = answer(request, plan_id, anchor, section.template, context)
        if request.htmx and form.changed_fields & set(VARIABLE_FIELDS.values()):
            # Tasks, commands and the rollback plan elsewhere on the page show these values.
            response["HX-Refresh"] = "true"
        return response
    status = 409 if form.conflicts else 422
    context = section_context(form.instance, request.user, section, editing=name, edit_form=form)
    return answer(request, plan_id, anchor, section.template, context, status)
