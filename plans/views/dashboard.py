"""The dashboard: every plan, newest first, filtered by status and priority, searchable."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from plans.forms import DashboardFilterForm
from plans.queries import dashboard_plans, progress

PAGE_SIZE = 25


@require_GET
@login_required
@vary_on_headers("HX-Request")
def dashboard(request):
    form = DashboardFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(dashboard_plans(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for plan in page:
        plan.age_days = (today - plan.created).days
        plan.done, plan.total = progress(plan)
        plan.percent = round(100 * plan.done / plan.total) if plan.total else 0
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "plans/partials/_plan_list.html" if request.htmx else "plans/dashboard.html"
    return render(request, template, context)
