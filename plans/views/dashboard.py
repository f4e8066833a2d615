"""The dashboard: every plan, newest first, filtered by status and priority, searchable."""

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from plans.forms import DashboardFilterForm
from plans.queries import counted_progress, dashboard_plans, dashboard_state

PAGE_SIZE = 25
# How long a worker may keep showing a plan deleted through another worker's admin.
DASHBOARD_TTL = 60


@require_GET
@login_required
@vary_on_headers("HX-Request")
def dashboard(request):
    form = DashboardFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    query = request.GET.copy()
    page_number = query.pop("page", [""])[-1]
    today = timezone.localdate()
    # The list changes only when a plan is added or changed (or the date turns, for the
    # ages): rendered once per such state, filter and page, per worker.
    key = (
        "dashboard:"
        + hashlib.sha256(
            repr((sorted(filters.items()), page_number, dashboard_state(), today)).encode()
        ).hexdigest()
    )
    plan_list = caches["rendered"].get(key)
    if plan_list is None:
        page = Paginator(dashboard_plans(**filters), PAGE_SIZE).get_page(page_number)
        for plan in page:
            plan.age_days = (today - plan.created).days
            plan.progress = counted_progress(plan)
        context = {"page": page, "query": query.urlencode()}
        plan_list = render_to_string("plans/partials/_plan_list.html", context, request)
        caches["rendered"].set(key, plan_list, timeout=DASHBOARD_TTL)
    if request.htmx:
        return HttpResponse(plan_list)
    return render(
        request, "plans/dashboard.html", {"form": form, "plan_list": mark_safe(plan_list)}
    )
