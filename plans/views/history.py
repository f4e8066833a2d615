"""A plan's history: every change, newest first, as the write path recorded it.

For engineers only (a login); the stakeholder page never links here and shows none of it.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from plans.models import SHARE_LINK_PLACE, ChangeKind, HistoryEntry, Plan
from plans.views.access import can_edit

PER_PAGE = 50

# Share links are for editors (the plan page shows readers none): their entries, and the
# admin's changes to a link, which name its label, are too.
EDITORS_ONLY = Q(kind__in=[ChangeKind.SHARE_CREATED, ChangeKind.SHARE_REVOKED]) | Q(
    place__startswith=SHARE_LINK_PLACE
)


class HistoryFilter(forms.Form):
    kind = forms.ChoiceField(
        label="Show", choices=[("", "Every change"), *ChangeKind.choices], required=False
    )


@require_GET
@login_required
def plan_history(request, plan_id: int):
    plan = get_object_or_404(Plan.objects.only("pk", "fix_name", "issue_id"), pk=plan_id)
    form = HistoryFilter(request.GET)
    entries = HistoryEntry.objects.filter(plan_id=plan_id)
    if not can_edit(request.user):
        entries = entries.exclude(EDITORS_ONLY)
    status = 200
    if not form.is_valid():
        status = 400
    elif kind := form.cleaned_data["kind"]:
        entries = entries.filter(kind=kind)
    page = Paginator(entries.order_by("-id"), PER_PAGE).get_page(request.GET.get("page"))
    context = {"plan": plan, "form": form, "page": page, "kind": form.data.get("kind", "")}
    return render(request, "plans/history.html", context, status=status)
