"""What a change tells the outgoing webhooks: events, written in the change's transaction.

`plans.operations.record_change` ends every change, in the app and in the admin, and calls
`announce` with the events the change named (`Change.announce`). Each endpoint that wants
an event gets a delivery, and each delivery a queued task, in that same transaction: a
change that rolls back leaves none, and one that commits cannot lose them (a transactional
outbox). `plans.delivery` sends them, from the worker, never from a request.
"""

import datetime
import json
import uuid
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.urls import reverse

from plans.models import (
    Delivery,
    DeliveryState,
    OutgoingEvent,
    Plan,
    Status,
    Webhook,
    WebhookEvent,
)

# The longest text an event quotes from a plan (a log entry, a step's title).
QUOTED_CHARS = 500


@dataclass
class Event:
    type: WebhookEvent
    actor: str
    # What happened, said after the plan's name: "moved it from In Progress to In Review".
    what: str
    details: dict = field(default_factory=dict)


def announce(plan_id: int | None, now: datetime.datetime, events: list[Event], only=None) -> int:
    """Write `events` of one plan for every endpoint that wants them (or for `only`, one
    endpoint, whatever it wants); return how many deliveries were queued.

    No query at all when there are no events; one when no endpoint wants them.
    """
    if not events:
        return 0
    webhooks = [only] if only is not None else list(Webhook.objects.all())
    types = {event.type for event in events}
    if only is None:
        webhooks = [w for w in webhooks if types.intersection(w.events)]
    if not webhooks:
        return 0
    plan = Plan.objects.filter(pk=plan_id).first() if plan_id is not None else None
    priority = plan.priority if plan is not None else ""
    made = []
    for event in events:
        wanted = [w for w in webhooks if only is not None or _wants(w, event, events, priority)]
        if not wanted:
            continue
        outgoing = OutgoingEvent.objects.create(
            message_id=f"msg_{uuid.uuid4().hex}",
            type=event.type,
            plan=plan,
            at=now,
            body=body(event, plan, now),
        )
        made += [_delivery(outgoing, webhook, now) for webhook in wanted]
    if made:
        from plans.delivery import queue_all

        queue_all(Delivery.objects.bulk_create(made))
    return len(made)


def _wants(webhook: Webhook, event: Event, events: list[Event], priority: str) -> bool:
    if not webhook.wants(event.type, priority):
        return False
    # A move to Deployed is both; an endpoint that wants both is told once, as deployed.
    deployed = any(e.type == WebhookEvent.PLAN_DEPLOYED for e in events)
    return not (
        event.type == WebhookEvent.STATUS_CHANGED
        and deployed
        and webhook.wants(WebhookEvent.PLAN_DEPLOYED, priority)
    )


def _delivery(event: OutgoingEvent, webhook: Webhook, now: datetime.datetime) -> Delivery:
    # Queued whether or not the endpoint is enabled: its attempt looks, under the endpoint's
    # lock, and holds it for when it is (`plans.delivery.attempt`). Read here, unlocked, it
    # could change before this change commits.
    return Delivery(
        event=event,
        webhook=webhook,
        state=DeliveryState.PENDING,
        created_at=now,
        next_attempt_at=now,
        retry_until=now + datetime.timedelta(hours=settings.FIXTRACKER_WEBHOOK_RETRY_HOURS),
    )


def plan_facts(plan: Plan | None) -> dict | None:
    if plan is None:
        return None
    return {
        "id": plan.pk,
        "issue_id": plan.issue_id,
        "fix_name": plan.fix_name,
        "priority": plan.priority,
        "status": plan.status,
        "status_label": Status(plan.status).label,
        "url": absolute(reverse("plan", args=[plan.pk])),
    }


def absolute(path: str) -> str | None:
    """The address of `path` as people open it; None until FIXTRACKER_BASE_URL is set."""
    base = settings.FIXTRACKER_BASE_URL
    return f"{base}{path}" if base else None


def body(event: Event, plan: Plan | None, now: datetime.datetime) -> str:
    """The Standard Webhooks JSON body: `type`, `timestamp` and `data`."""
    name = str(plan) if plan is not None else "FixTracker"
    data = {
        "summary": f"{name}: {event.what}",
        "actor": event.actor,
        "plan": plan_facts(plan),
        **event.details,
    }
    return json.dumps({"type": str(event.type), "timestamp": utc(now), "data": data})


def utc(moment: datetime.datetime) -> str:
    """As every time in a payload is written: ISO 8601 in UTC, with a Z."""
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def quoted(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTED_CHARS else text[: QUOTED_CHARS - 1] + "…"


def status_events(actor: str, before: str, after: str) -> list[Event]:
    """A status change; a move to Deployed is also the plan deployed."""
    labels = {"from": before, "to": after}
    what = f"status {Status(before).label} → {Status(after).label}"
    events = [Event(WebhookEvent.STATUS_CHANGED, actor, what, {"status_change": labels})]
    if after == Status.DEPLOYED:
        what = f"deployed (was {Status(before).label})"
        events.append(Event(WebhookEvent.PLAN_DEPLOYED, actor, what, {"status_change": labels}))
    return events


def created_event(actor: str, source: str = "") -> Event:
    # The file's name, not where it lay on the server.
    source = PurePath(source).name if PurePath(source).is_absolute() else source
    what = f"imported from {quoted(source)}" if source else "plan created"
    return Event(WebhookEvent.PLAN_CREATED, actor, what, {"source": source})


def step_completed_event(actor: str, position: int, title: str) -> Event:
    step = {"number": position + 1, "title": title}
    what = f"Step {position + 1}: {quoted(title)} complete"
    return Event(WebhookEvent.STEP_COMPLETED, actor, what, {"step": step})


def log_event(actor: str, update: str, logged_at: datetime.datetime) -> Event:
    entry = {"update": update, "logged_at": utc(logged_at)}
    what = f"logged “{quoted(update)}”"
    return Event(WebhookEvent.LOG_ENTRY_ADDED, actor, what, {"entry": entry})


def share_link_event(actor: str, label: str, expires_at) -> Event:
    # Never the link itself: its token is not stored, and a channel is not a stakeholder.
    link = {"label": label, "expires_at": utc(expires_at) if expires_at else None}
    what = f"share link “{quoted(label)}” created" if label else "share link created"
    return Event(WebhookEvent.SHARE_LINK_CREATED, actor, what, {"share_link": link})


def test_event(actor: str) -> Event:
    return Event(WebhookEvent.TEST, actor, f"test event sent by {actor or 'FixTracker'}")
