"""The dashboard: every plan, newest first, filtered by status and priority, searchable."""

import datetime
import hashlib

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from plans.forms import DashboardFilterForm
from plans.queries import counted_progress, dashboard_plans, dashboard_state
from plans.rendered import render_parts, render_with_parts
from plans.views.access import can_edit

PAGE_SIZE = 25
# How long a worker may keep showing a plan deleted through another worker's admin.
DASHBOARD_TTL = 60
PARTS = {
    "filters": "plans/partials/_dashboard_filters.html",
    "list": "plans/partials/_plan_list.html",
}


@require_GET
@login_required
@vary_on_headers("HX-Request")
def dashboard(request):
    today = timezone.localdate()
    editor = can_edit(request.user)
    # The page changes only when a plan is added or changed, when the date turns (the ages),
    # or with the query: rendered once per such state and query, per worker.
    state = (sorted(request.GET.lists()), dashboard_state(), today, editor)
    key = "dashboard:" + hashlib.sha256(repr(state).encode()).hexdigest()
    page = render_parts(
        request,
        key,
        PARTS,
        lambda: dashboard_context(request.GET, today, editor),
        timeout=DASHBOARD_TTL,
    )
    if request.htmx:
        return HttpResponse(page["list"])
    return render_with_parts(request, "plans/dashboard.html", {}, page)


def dashboard_context(query: QueryDict, today: datetime.date, editor: bool) -> dict:
    form = DashboardFilterForm(query)
    filters = form.cleaned_data if form.is_valid() else {}
    query = query.copy()
    page_number = query.pop("page", [""])[-1]
    page = Paginator(dashboard_plans(**filters), PAGE_SIZE).get_page(page_number)
    for plan in page:
        plan.age_days = (today - plan.created).days
        plan.progress = counted_progress(plan)
    return {"form": form, "page": page, "query": query.urlencode(), "can_edit": editor}
