"""An engineer's open plan page, kept current: it holds a stream on which it is told when
the plan moves (`plan_events`), then asks `plan_live` what changed and draws itself again.

The stream (server-sent events, `plans/watch.py`) carries only version numbers; what
changed, in words ("Priya ticked “Apply temporary workaround”"), comes from the plan's
history in `plan_live`, behind the same login and permission as the page. A page that
cannot hold a stream (an old browser, a proxy that buffers, a process at its limit of
streams) asks `plan_live` every few seconds instead, conditionally: the plan's version is
the ETag, and an unchanged plan answers 304. Either way the page then fetches itself again
and redraws what changed around any form being edited (`static/app.js`).
"""

from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    JsonResponse,
    StreamingHttpResponse,
)
from django.utils.http import parse_etags, quote_etag
from django.views.decorators.http import require_GET

from plans.models import ChangeKind, HistoryEntry, Plan
from plans.queries import history_shown
from plans.views.access import can_edit
from plans.views.ids import parse_id
from plans.watch import Full, Stream

# The most changes one answer names; a page behind by more says how many others there were.
NEWS_NAMED = 5

VERBS = {
    ChangeKind.CREATED: "created the plan",
    ChangeKind.IMPORTED: "imported the plan",
    ChangeKind.FIELD: "changed {field}",
    ChangeKind.ADDED: "added “{after}”",
    ChangeKind.EDITED: "edited {field} of “{place}”",
    ChangeKind.MOVED: "moved “{field}”",
    ChangeKind.DELETED: "deleted “{before}”",
    ChangeKind.TICKED: "ticked “{after}”",
    ChangeKind.UNTICKED: "unticked “{before}”",
    ChangeKind.STATUS: "moved the plan to {after}",
    ChangeKind.LOGGED: "logged “{after}”",
    ChangeKind.SHARE_CREATED: "made a share link",
    ChangeKind.SHARE_REVOKED: "revoked a share link",
}


def in_words(entry: HistoryEntry) -> str:
    who = entry.actor or "A command"
    fields = {name: _short(getattr(entry, name)) for name in ("field", "place", "before", "after")}
    return f"{who} {VERBS[entry.kind].format(**fields)}"


def _short(text: str, most: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1] + "…"


def etag_of(plan_id: int, version: int) -> str:
    return quote_etag(f"live-{plan_id}-{version}")


def version_of(plan_id: int) -> int:
    versions = Plan.objects.filter(pk=plan_id).order_by().values_list("version", flat=True)
    version = next(iter(versions), None)
    if version is None:
        raise Http404("This plan was deleted.")
    return version


@require_GET
@login_required
def plan_events(request, plan_id: int):
    version = version_of(plan_id)
    # A browser opening the stream again says the last version it was sent.
    since = request.headers.get("Last-Event-ID") or request.GET.get("since", "")
    try:
        stream = Stream(plan_id, request.user.pk, seen=parse_id(since) or 0, version=version)
    except Full:
        # No Content tells a browser's EventSource not to open the stream again (the page
        # asks every few seconds instead); it is no error, and logged as none.
        return HttpResponse(status=204)
    response = StreamingHttpResponse(stream, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    # nginx and its kin would hold the events back in a buffer.
    response["X-Accel-Buffering"] = "no"
    return response


@require_GET
@login_required
def plan_live(request, plan_id: int):
    version = version_of(plan_id)
    etag = etag_of(plan_id, version)
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        return _private(HttpResponseNotModified(), etag)
    since = parse_id(request.GET.get("since", "")) or 0
    changes = history_shown(plan_id, editor=can_edit(request.user))
    changes = changes.filter(version__gt=since).order_by("-id")
    others = changes.exclude(user=request.user) if request.user.pk else changes
    named = list(others[: NEWS_NAMED + 1])
    news = [in_words(entry) for entry in named[:NEWS_NAMED]]
    if len(named) > NEWS_NAMED:
        news.append("…and more")
    # The page is drawn again even when only the viewer's own account changed the plan:
    # that may have been in another tab, which this page has not seen.
    return _private(JsonResponse({"version": version, "news": news}), etag)


def _private(response, etag: str):
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response
