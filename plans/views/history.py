"""A plan's history: every change, newest first, as the write path recorded it.

For engineers only (a login); the stakeholder page never links here and shows none of it.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from plans.models import ChangeKind, Plan
from plans.queries import history_shown
from plans.views.access import can_edit

PER_PAGE = 50


class HistoryFilter(forms.Form):
    kind = forms.ChoiceField(
        label="Show", choices=[("", "Every change"), *ChangeKind.choices], required=False
    )


@require_GET
@login_required
def plan_history(request, plan_id: int):
    plan = get_object_or_404(Plan.objects.only("pk", "fix_name", "issue_id"), pk=plan_id)
    form = HistoryFilter(request.GET)
    entries = history_shown(plan_id, editor=can_edit(request.user))
    status = 200
    if not form.is_valid():
        status = 400
    elif kind := form.cleaned_data["kind"]:
        entries = entries.filter(kind=kind)
    page = Paginator(entries.order_by("-id"), PER_PAGE).get_page(request.GET.get("page"))
    context = {"plan": plan, "form": form, "page": page, "kind": form.data.get("kind", "")}
    return render(request, "plans/history.html", context, status=status)
