"""The dashboard: every plan, newest first, filtered by status and priority, searchable."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from plans.dues import mark_overdue
from plans.forms import DashboardFilterForm
from plans.queries import counted_progress, dashboard_plans
from plans.views.access import can_edit

PAGE_SIZE = 25


@require_GET
@login_required
@vary_on_headers("HX-Request")
def dashboard(request):
    context = dashboard_context(
        request.GET, timezone.localdate(), can_edit(request.user), request.user.get_username()
    )
    if request.htmx:
        return render(request, "plans/partials/_plan_list.html", context)
    return render(request, "plans/dashboard.html", context)


def dashboard_context(query: QueryDict, today: datetime.date, editor: bool, owner: str) -> dict:
    form = DashboardFilterForm(query)
    filters = {**form.cleaned_data, "owner": owner} if form.is_valid() else {}
    query = query.copy()
    page_number = query.pop("page", [""])[-1]
    page = Paginator(dashboard_plans(**filters), PAGE_SIZE).get_page(page_number)
    mark_overdue(page.object_list)
    for plan in page:
        plan.age_days = (today - plan.created).days
        plan.progress = counted_progress(plan)
    return {"form": form, "page": page, "query": query.urlencode(), "can_edit": editor}
