"""The stakeholder page behind a share link, and its Markdown download. No login.

Read-only in every way: GET and HEAD only, no forms, no CSRF token, no session cookie.
The page polls itself; an unchanged plan answers 304 from one indexed query.
"""

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_safe

from plans.downloads import cached_export, download_filename, markdown_response
from plans.models import ChecklistKind, Plan
from plans.queries import prefetched_progress, recent_log, stakeholder_plan
from plans.sharing import LiveLink, live_link, recently_seen_link

PRIVATE_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    # The token is in the URL: no link on the page may carry it to another site.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-cache",
}


def _private(response):
    for name, value in PRIVATE_HEADERS.items():
        response[name] = value
    return response


def _not_found(request):
    template = "share/_gone.html" if request.htmx else "share/not_found.html"
    return _private(render(request, template, status=404))


@require_safe
def stakeholder_page(request, token: str):
    seen = recently_seen_link(token)
    if seen is not None and (not_modified := _not_modified(request, _validators(request, seen))):
        return not_modified
    # Content, and any answer about a change, only from a link that is live now.
    link = live_link(token)
    if link is None:
        return _not_found(request)
    validators = _validators(request, link)
    if not_modified := _not_modified(request, validators):
        return not_modified
    plan = get_object_or_404(stakeholder_plan(), pk=link.plan_id)
    context = stakeholder_context(plan, token, whole_log=request.GET.get("log") == "all")
    template = "share/_stakeholder_view.html" if request.htmx else "share/stakeholder.html"
    return _with_validators(render(request, template, context), validators)


def _validators(request, link: LiveLink) -> dict:
    changed = link.plan_updated_at
    # The page and its polled fragment share a URL, so each has its own tag.
    etag = f"{link.plan_id}-{changed.timestamp():.6f}-{'f' if request.htmx else 'p'}"
    return {"etag": quote_etag(etag), "last_modified": int(changed.timestamp())}


def _not_modified(request, validators: dict):
    response = get_conditional_response(request, **validators)
    return None if response is None else _with_validators(response, validators)


def _with_validators(response, validators: dict):
    response["ETag"] = validators["etag"]
    response["Last-Modified"] = http_date(validators["last_modified"])
    patch_vary_headers(response, ["HX-Request"])
    return _private(response)


def stakeholder_context(plan: Plan, token: str, *, whole_log: bool = False) -> dict:
    log_entries, log_truncated = recent_log(plan.pk, everything=whole_log)
    return {
        "plan": plan,
        "token": token,
        "progress": prefetched_progress(plan),
        "steps": plan.steps.all(),
        "success_criteria": [
            item
            for item in plan.checklist_items.all()
            if item.kind == ChecklistKind.SUCCESS_CRITERION
        ],
        "log_entries": log_entries,
        "log_truncated": log_truncated,
        "poll_seconds": settings.FIXTRACKER_POLL_SECONDS,
    }


@require_safe
def stakeholder_export(request, token: str):
    """The stakeholder's copy: the plan without the internals their page hides."""
    link = live_link(token)
    if link is None:
        return _not_found(request)
    plan = Plan.objects.only("issue_id", "fix_name").get(pk=link.plan_id)
    filename = download_filename(plan.issue_id, plan.fix_name, plan.pk)
    text = cached_export(plan.pk, link.plan_updated_at, stakeholder_copy=True)
    return _private(markdown_response(text, filename, f"plan-{plan.pk}.md"))
