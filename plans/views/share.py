"""The stakeholder page behind a share link, and its Markdown download. No login.

Read-only in every way: GET and HEAD only (every other method gets 405, never a CSRF
403), no forms, no CSRF token, no session cookie. The page polls itself; an unchanged
plan answers 304 from one indexed query (the plan's version is its ETag).

What the page and the download show is decided once, in `plans.markdown.redact`.
"""

import functools
import hashlib

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from plans.downloads import download_filename, markdown_response
from plans.markdown import export_plan
from plans.markdown.document import LogRow, StepData
from plans.markdown.redact import for_stakeholders
from plans.markdown.store import document_from_plan
from plans.models import PhaseStatus, Plan, Priority, Status
from plans.queries import (
    log_page_number,
    prefetched_progress,
    progress,
    recent_log,
    stakeholder_plan,
)
from plans.sharing import LiveLink, live_link

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


# Exempt from CSRF so that other methods get their 405 rather than the CSRF check's 403:
# these views change nothing, set no cookie and read no session.
@csrf_exempt
@require_safe
def stakeholder_page(request, token: str):
    link = live_link(token)
    if link is None:
        return _not_found(request)
    validators = _validators(request, link)
    if not_modified := _not_modified(request, validators):
        return not_modified
    plan = get_object_or_404(stakeholder_plan(), pk=link.plan_id)
    context = stakeholder_context(plan, log_page=log_page_number(request.GET.get("log_page")))
    template = "share/_stakeholder_view.html" if request.htmx else "share/stakeholder.html"
    return _with_validators(render(request, template, context), validators)


@functools.cache
def release() -> str:
    """What this deployment's pages link to: the names of its static files, hashed in
    production. A page kept from a release before links to files gone since."""
    names = "".join(static(name) for name in ("app.css", "app.js"))
    return hashlib.sha256(names.encode()).hexdigest()[:8]


def _validators(request, link: LiveLink) -> dict:
    # Every change moves the plan's version (`plans.operations`), and a deployment the
    # release. The page and its polled fragment share a URL, so each has its own tag.
    etag = f"{link.plan_id}-{link.plan_version}-{release()}-{'f' if request.htmx else 'p'}"
    return {"etag": quote_etag(etag), "last_modified": int(link.plan_updated_at.timestamp())}


def _not_modified(request, validators: dict):
    # On the ETag alone: Last-Modified has whole seconds, and two changes in one second
    # (or two servers' clocks) would make If-Modified-Since answer 304 for new content.
    response = get_conditional_response(request, etag=validators["etag"])
    return None if response is None else _with_validators(response, validators)


def _with_validators(response, validators: dict):
    response["ETag"] = validators["etag"]
    response["Last-Modified"] = http_date(validators["last_modified"])
    patch_vary_headers(response, ["HX-Request"])
    return _private(response)


def stakeholder_context(plan: Plan, *, log_page: int = 1) -> dict:
    """What the page shows: the stakeholder's copy of the plan (`for_stakeholders`, the
    document their download holds) with one page of its log, and the plan's timestamps.

    The template gets no `Plan`, so it can show nothing the policy withholds.
    """
    log = recent_log(plan.pk, log_page)
    doc = document_from_plan(plan)  # `stakeholder_plan()` read no log: a page of it is here
    doc.log = [LogRow(entry.logged_at, entry.update, entry.author) for entry in log.entries]
    shown = for_stakeholders(doc)
    return {
        "doc": shown,
        "priority": Priority(shown.priority),
        "status": Status(shown.status),
        "status_changed_at": plan.status_changed_at,
        "updated_at": plan.updated_at,
        "progress": prefetched_progress(plan),
        "steps": [(step, _step_progress(step)) for step in shown.steps],
        "phases": [(phase, PhaseStatus(phase.status)) for phase in shown.phases],
        "log_page": log,
        "poll_seconds": settings.FIXTRACKER_POLL_SECONDS,
    }


def _step_progress(step: StepData) -> dict[str, int]:
    return progress(sum(task.done for task in step.tasks), len(step.tasks))


@csrf_exempt
@require_safe
def stakeholder_export(request, token: str):
    """The stakeholder's copy: the plan without the internals their page hides."""
    link = live_link(token)
    if link is None:
        return _not_found(request)
    plan = Plan.objects.only("issue_id", "fix_name").get(pk=link.plan_id)
    filename = download_filename(plan.issue_id, plan.fix_name, plan.pk)
    text = export_plan(plan.pk, stakeholder_copy=True)
    return _private(markdown_response(text, filename, f"plan-{plan.pk}.md"))
