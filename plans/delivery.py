"""Sending webhook deliveries: one attempt at a time, from the worker, never from a request.

A delivery's next attempt is a task on the database (django-tasks, `plans.tasks`), queued
in the same transaction that made the delivery pending. The task carries the number of the
attempt it is to make, and `attempt` first claims it with a conditional UPDATE: of two
workers, or of a task queued twice, exactly one makes each attempt. The HTTP request runs
outside any transaction, with no row locked; its outcome is recorded in one transaction
with the task for the next attempt.

A worker that dies mid-attempt leaves the delivery "sending" past its lease; `recover`
(run by the worker) queues it again. Receivers may so see an event twice, never lose one:
the `webhook-id` stays the same on every attempt for them to drop repeats.
"""

import base64
import contextlib
import datetime
import http.client
import ipaddress
import json
import logging
import random
import secrets
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Coalesce
from django.utils import timezone
from standardwebhooks.webhooks import Webhook as Signer

from plans.models import (
    Delivery,
    DeliveryState,
    OutgoingEvent,
    Webhook,
    WebhookFormat,
)

logger = logging.getLogger(__name__)

# The most a delay between two attempts grows to.
LONGEST_DELAY = datetime.timedelta(hours=6)
# How long past its timeout an attempt may take before it is taken for lost.
LEASE_MARGIN = datetime.timedelta(seconds=60)
# Shown on the page: the start of the receiver's answer.
RESPONSE_SHOWN = 1000
USER_AGENT = "FixTracker-Webhooks/1.0"
FIRST_ATTEMPT_PRIORITY = 10
RETRY_PRIORITY = 0
# What a URL's path and query keep as they are: everything printable in ASCII but space.
URL_SAFE = "".join(chr(c) for c in range(33, 127))
# Standard Webhooks secrets are 24 to 64 random bytes.
SECRET_BYTES = 24


class Refused(Exception):
    """The URL may not be called: its scheme, or an address its host resolves to."""


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def check_secret(secret: str) -> str:
    """A Standard Webhooks secret as given (`whsec_` and base64 of 24 to 64 bytes)."""
    raw = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError:
        raise ValueError("A secret is whsec_ followed by base64.") from None
    if not 24 <= len(key) <= 64:
        raise ValueError("A secret holds 24 to 64 bytes (32 to 88 base64 characters).")
    return "whsec_" + raw


def check_url(url: str) -> str:
    """Refuse a URL that is not plain http(s) to a host (no user or password in it)."""
    try:
        url.encode()
        parts = urlsplit(url)
        port = parts.port
    except (ValueError, UnicodeError) as error:
        raise Refused(f"Not a URL: {error}.") from None
    if parts.scheme not in ("http", "https"):
        raise Refused("Only http:// and https:// URLs can receive webhooks.")
    if not parts.hostname:
        raise Refused("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise Refused("Leave the user and password out of the URL; receivers check the signature.")
    if port == 0:
        raise Refused("Port 0 cannot be called.")
    return url


# IPv6 ranges that carry an IPv4 address inside, which a gateway may deliver to that
# (private) IPv4 host: NAT64, 6to4, Teredo, IPv4-compatible; and the old site-local range.
# Python 3.11 counts some of them as global.
EMBEDDING = [
    ipaddress.ip_network(network)
    for network in [
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "2002::/16",
        "2001::/32",
        "::/96",
        "fec0::/10",
    ]
]


def _allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for network in settings.FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS:
        if ip in ipaddress.ip_network(network, strict=False):
            return True
    if ip.version == 6 and any(ip in network for network in EMBEDDING):
        return False
    # Public unicast only: no private, loopback, link-local, shared, reserved or multicast.
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


def addresses(host: str, port: int, seconds: float | None = None) -> list[str]:
    """The addresses `host` resolves to, all of them allowed, or Refused; OSError when it
    is not found within `seconds` (the timeout by default)."""
    found = _look_up(host, port, seconds or settings.FIXTRACKER_WEBHOOK_TIMEOUT_SECONDS)
    result = list(dict.fromkeys(info[4][0] for info in found))
    refused = [address for address in result if not _allowed(address)]
    if refused:
        # All or none: a name that also points inside the network is not called at all.
        # Not which address: the form would otherwise answer what internal names resolve to.
        raise Refused(
            f"{host} resolves to a private, loopback or reserved address; "
            "FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS can allow its network."
        )
    return result


def _look_up(host: str, port: int, seconds: float) -> list:
    # getaddrinfo cannot be interrupted, and a resolver that does not answer holds it for
    # as long as the system says: it waits in a thread of its own, for `seconds` at most.
    answer = {}

    def look_up():
        try:
            answer["found"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            answer["error"] = error

    thread = threading.Thread(target=look_up, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise OSError(f"could not find host {host}: no answer within {seconds:.0f} s")
    if "error" in answer:
        raise OSError(f"could not find host {host}: {answer['error']}")
    return answer["found"]


def refused_now(url: str) -> str:
    """Why `url` would be refused now ("" if it would not, or its host is not found)."""
    try:
        parts = urlsplit(check_url(url))
        addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except Refused as error:
        return str(error)
    except OSError:
        return ""
    return ""


@dataclass
class Outcome:
    status_code: int | None = None
    response: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST `body` to `url`, within the timeout whatever the receiver does, reading at most
    the response cap; redirects are not followed (a 3xx is a failure)."""
    timeout = settings.FIXTRACKER_WEBHOOK_TIMEOUT_SECONDS
    deadline = time.monotonic() + timeout
    try:
        parts = urlsplit(check_url(url))
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        found = addresses(parts.hostname, port, _left(deadline))
    except Refused as error:
        return Outcome(error=f"refused: {error}")
    except OSError as error:
        return Outcome(error=str(error))
    sock, error = None, None
    # The address checked is the address called: no second lookup for a rebinding DNS.
    for address in found:
        try:
            sock = socket.create_connection((address, port), timeout=_left(deadline))
            break
        except (TimeoutError, OSError) as failure:
            error = failure
    if sock is None:
        return Outcome(error=_said(error, timeout))
    cut = threading.Event()

    def cut_off():
        cut.set()
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    # A receiver that answers a byte at a time still ends at the deadline.
    timer = threading.Timer(_left(deadline), cut_off)
    timer.daemon = True
    timer.start()
    try:
        if https:
            context = ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=parts.hostname)
            connection = http.client.HTTPSConnection(parts.hostname, port, timeout=timeout)
        else:
            connection = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
        connection.sock = sock
        # As a browser sends it: characters outside ASCII percent-encoded, the rest as given.
        path = quote(parts.path or "/", safe=URL_SAFE)
        if parts.query:
            path += "?" + quote(parts.query, safe=URL_SAFE)
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read(settings.FIXTRACKER_WEBHOOK_RESPONSE_BYTES)
        if cut.is_set():
            # Cut off mid-answer: what it said so far may not be all it meant to say.
            return Outcome(error=f"timed out after {timeout} s")
        text = data.decode("utf-8", "replace").replace("\x00", "\ufffd")
        return Outcome(response.status, text[:RESPONSE_SHOWN])
    except (OSError, http.client.HTTPException, ValueError) as failure:
        if cut.is_set():
            return Outcome(error=f"timed out after {timeout} s")
        return Outcome(error=_said(failure, timeout))
    finally:
        timer.cancel()
        sock.close()


def _left(deadline: float) -> float:
    return max(0.001, deadline - time.monotonic())


def _said(error: BaseException | None, timeout: float) -> str:
    if isinstance(error, TimeoutError):
        return f"timed out after {timeout} s"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, ssl.SSLError):
        return f"TLS: {error.reason or error}"
    # The receiver's own bytes may be in it (a bad status line): kept printable, as the
    # database (PostgreSQL takes no NUL) and the page want them.
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return printable(text)[:300]


def printable(text: str) -> str:
    return "".join(c if c.isprintable() else "\ufffd" for c in text)


def request_of(delivery: Delivery) -> tuple[bytes, dict[str, str]]:
    """The body and headers of an attempt at `delivery` (signed anew: the time is now)."""
    event, webhook = delivery.event, delivery.webhook
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if webhook.format == WebhookFormat.SLACK:
        return json.dumps(slack_message(event)).encode(), headers
    sent = datetime.datetime.now(datetime.UTC)
    headers["webhook-id"] = event.message_id
    headers["webhook-timestamp"] = str(int(sent.timestamp()))
    headers["webhook-signature"] = Signer(webhook.secret).sign(event.message_id, sent, event.body)
    return event.body.encode(), headers


def slack_message(event: OutgoingEvent) -> dict:
    """A Slack incoming-webhook message: a fallback `text` and Block Kit blocks."""
    payload = json.loads(event.body)
    data, plan = payload["data"], payload["data"]["plan"]
    summary = _slack_escape(data["summary"])
    blocks = []
    if plan is not None:
        name = _slack_escape(plan_name(plan))
        head = f"*<{plan['url']}|{name}>*" if plan["url"] else f"*{name}*"
        what = _slack_escape(data["summary"].removeprefix(f"{plan_name(plan)}: "))
        text = f"{head}\n{what}"
        facts = f"{plan['priority']} · {plan['status_label']}"
    else:
        text = summary
        facts = "FixTracker"
    if data["actor"]:
        facts += f" · by {_slack_escape(data['actor'])}"
    # `verbatim`: Slack links and mentions only as written above, none found in user text.
    blocks.append({"type": "section", "text": _mrkdwn(text)})
    blocks.append({"type": "context", "elements": [_mrkdwn(facts)]})
    return {"text": summary[:3000], "blocks": blocks}


def _mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text[:3000], "verbatim": True}


def plan_name(plan: dict) -> str:
    # As `str(Plan)` names it in the summary.
    title = plan["fix_name"] or "(untitled fix)"
    return f"{plan['issue_id']}: {title}" if plan["issue_id"] else title


def _slack_escape(text: str) -> str:
    # Slack's three control characters; the rest of mrkdwn is left as people wrote it.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def retry_delay(attempt: int) -> datetime.timedelta:
    """How long after failed attempt number `attempt` to try again: growing three times
    each time, at most six hours, with a fifth either way of jitter, so endpoints that
    failed together do not all come back at once."""
    first = settings.FIXTRACKER_WEBHOOK_FIRST_RETRY_SECONDS
    seconds = min(first * 3 ** (attempt - 1), LONGEST_DELAY.total_seconds())
    return datetime.timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def queue(delivery: Delivery, at: datetime.datetime) -> None:
    """Queue the task for `delivery`'s next attempt at `at`, in the caller's transaction,
    and note it on the delivery (the caller saves it)."""
    from plans.tasks import deliver_webhook

    first = delivery.attempts == 0
    task = deliver_webhook.using(
        run_after=at, priority=FIRST_ATTEMPT_PRIORITY if first else RETRY_PRIORITY
    )
    delivery.task_id = task.enqueue(delivery.pk, delivery.attempts + 1).id


def queue_all(deliveries: list[Delivery]) -> None:
    """Queue the first attempt of new deliveries (all waiting: `plans.notify`)."""
    for delivery in deliveries:
        queue(delivery, delivery.next_attempt_at)
    Delivery.objects.bulk_update(deliveries, ["task_id"])


def attempt(delivery_id: int, number: int) -> str:
    """Make attempt `number` at a delivery, unless it was made already; say how it went."""
    now = timezone.now()
    mine = Delivery.objects.filter(pk=delivery_id, state=DeliveryState.PENDING, attempts=number - 1)
    delivery = mine.select_related("event", "webhook").first()
    if delivery is None:
        return "made already"
    with transaction.atomic():
        # The endpoint's row first (see `enable`): enabled now, or held for when it is.
        enabled = _lock_webhook(delivery.webhook_id)
        if not enabled:
            mine.update(state=DeliveryState.HELD, next_attempt_at=None)
            return "held: endpoint disabled"
        lease = now + datetime.timedelta(seconds=settings.FIXTRACKER_WEBHOOK_TIMEOUT_SECONDS)
        claimed = mine.update(
            state=DeliveryState.SENDING,
            attempts=number,
            last_attempt_at=now,
            next_attempt_at=None,
            lease_until=lease + LEASE_MARGIN,
        )
    if not claimed:
        return "made already"
    body, headers = request_of(delivery)
    outcome = post(delivery.webhook.url, body, headers)
    said = record(delivery, number, outcome)
    level = logging.INFO if outcome.ok else logging.WARNING
    # The endpoint by id and host: a Slack URL's path is its credential.
    host = urlsplit(delivery.webhook.url).hostname
    event = delivery.event
    logger.log(
        level,
        "webhook %s to endpoint %s (%s), %s %s, attempt %s: %s",
        delivery.pk,
        delivery.webhook_id,
        host,
        event.type,
        event.message_id,
        number,
        said,
    )
    return said


def _lock_webhook(webhook_id: int) -> bool | None:
    """Lock an endpoint's row; whether it is enabled (None: deleted)."""
    rows = Webhook.objects.select_for_update().filter(pk=webhook_id)
    return rows.values_list("enabled", flat=True).first()


@transaction.atomic
def record(delivery: Delivery, number: int, outcome: Outcome) -> str:
    """Record attempt `number`'s outcome; when it failed, queue the next or give up."""
    now = timezone.now()
    _lock_webhook(delivery.webhook_id)
    rows = Delivery.objects.select_for_update().filter(pk=delivery.pk, attempts=number)
    current = rows.first()
    if current is None:
        return "outcome dropped: deleted or redelivered meanwhile"
    current.status_code = outcome.status_code
    current.response = outcome.response
    current.error = outcome.error[:300] if not outcome.ok else ""
    if not outcome.ok and not current.error:
        current.error = f"answered {outcome.status_code}"
    current.lease_until = None
    webhooks = Webhook.objects.filter(pk=current.webhook_id)
    if outcome.ok:
        current.state, current.delivered_at = DeliveryState.DELIVERED, now
        current.next_attempt_at = None
        current.save()
        webhooks.update(failing_since=None)
        return f"delivered ({outcome.status_code})"
    webhooks.update(failing_since=Coalesce(F("failing_since"), now))
    failing_since = webhooks.values_list("failing_since", flat=True).get()
    days = settings.FIXTRACKER_WEBHOOK_DISABLE_AFTER_DAYS
    if now - failing_since >= datetime.timedelta(days=days):
        current.state, current.next_attempt_at = DeliveryState.HELD, None
        current.save()
        why = f"Every attempt failed for {days} days; the last: {current.error}"
        disable(current.webhook_id, why)
        return f"failed ({current.error}); endpoint disabled"
    if current.state != DeliveryState.SENDING:
        # Taken for lost and queued again meanwhile (`recover`): that attempt stands.
        current.save()
        return f"failed ({current.error})"
    if now >= current.retry_until:
        current.state, current.next_attempt_at = DeliveryState.FAILED, None
        current.save()
        return f"failed ({current.error}); gave up after {number} attempts"
    current.state = DeliveryState.PENDING
    current.next_attempt_at = now + retry_delay(number)
    queue(current, current.next_attempt_at)
    current.save()
    return f"failed ({current.error}); next attempt at {current.next_attempt_at:%H:%M:%S}"


@transaction.atomic
def disable(webhook_id: int, reason: str) -> None:
    """Disable an endpoint; its waiting deliveries are held until it is enabled again."""
    now = timezone.now()
    _lock_webhook(webhook_id)
    Webhook.objects.filter(pk=webhook_id).update(
        enabled=False, disabled_at=now, disabled_reason=reason[:300]
    )
    Delivery.objects.filter(webhook_id=webhook_id, state=DeliveryState.PENDING).update(
        state=DeliveryState.HELD, next_attempt_at=None
    )


@transaction.atomic
def enable(webhook_id: int) -> int:
    """Enable an endpoint and queue what it held; how many deliveries were queued.

    Locks: the endpoint's row, then its deliveries' rows, as every writer of a delivery's
    state does (`attempt`, `record`, `disable`): an attempt that finds the endpoint
    disabled holds its delivery before this looks for held ones, or after it, when the
    endpoint is enabled again and the attempt is made.
    """
    _lock_webhook(webhook_id)
    Webhook.objects.filter(pk=webhook_id).update(
        enabled=True, disabled_at=None, disabled_reason="", failing_since=None
    )
    held = Delivery.objects.select_for_update().filter(
        webhook_id=webhook_id, state=DeliveryState.HELD
    )
    return _requeue(list(held), timezone.now(), fresh_window=True)


@transaction.atomic
def redeliver(delivery_id: int, webhook_id: int) -> bool:
    """Send a delivery again now (same `webhook-id`): a delivered or given-up one with a
    new day of retries, a waiting one without waiting for its retry."""
    _lock_webhook(webhook_id)
    rows = Delivery.objects.select_for_update().filter(
        pk=delivery_id,
        webhook_id=webhook_id,
        state__in=[DeliveryState.DELIVERED, DeliveryState.FAILED, DeliveryState.PENDING],
    )
    found = list(rows)
    waiting = [d for d in found if d.state == DeliveryState.PENDING]
    done = [d for d in found if d.state != DeliveryState.PENDING]
    now = timezone.now()
    return bool(_requeue(done, now, fresh_window=True) + _requeue(waiting, now, fresh_window=False))


def _requeue(deliveries: list[Delivery], now, *, fresh_window: bool) -> int:
    for delivery in deliveries:
        delivery.state = DeliveryState.PENDING
        delivery.next_attempt_at = now
        delivery.lease_until = None
        if fresh_window:
            hours = settings.FIXTRACKER_WEBHOOK_RETRY_HOURS
            delivery.retry_until = now + datetime.timedelta(hours=hours)
        queue(delivery, now)
    Delivery.objects.bulk_update(
        deliveries, ["state", "next_attempt_at", "lease_until", "retry_until", "task_id"]
    )
    return len(deliveries)


def recover(now: datetime.datetime | None = None) -> int:
    """Queue again what a dead worker or a failed task left behind; how many.

    A delivery "sending" past its lease lost its worker mid-attempt; one waiting whose task
    is neither waiting nor running lost its task. Each is given a new task for its next
    attempt.
    """
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    live = DBTaskResult.objects.filter(
        pk=OuterRef("task_id"), status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    )
    with transaction.atomic():
        lost = Delivery.objects.select_for_update(skip_locked=True).filter(
            state=DeliveryState.SENDING, lease_until__lt=now
        )
        orphaned = Delivery.objects.select_for_update(skip_locked=True).filter(
            ~Exists(live),
            state=DeliveryState.PENDING,
            next_attempt_at__lt=now - LEASE_MARGIN,
        )
        found = list(lost[:500]) + list(orphaned[:500])
        # Lost attempts count: one lost past the retry window is given up, not made again.
        expired = [d for d in found if now >= d.retry_until]
        for lost_one in expired:
            lost_one.state, lost_one.next_attempt_at = DeliveryState.FAILED, None
            lost_one.lease_until = None
            lost_one.error = lost_one.error or "lost with its worker"
        Delivery.objects.bulk_update(expired, ["state", "next_attempt_at", "lease_until", "error"])
        return _requeue([d for d in found if d not in expired], now, fresh_window=False)


def prune(now: datetime.datetime | None = None) -> int:
    """Delete finished deliveries, their events and their tasks past the keeping time."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    kept = now - datetime.timedelta(days=settings.FIXTRACKER_WEBHOOK_KEEP_DAYS)
    done = [DeliveryState.DELIVERED, DeliveryState.FAILED]
    deleted, _ = Delivery.objects.filter(state__in=done, created_at__lt=kept).delete()
    OutgoingEvent.objects.filter(at__lt=kept, deliveries__isnull=True).delete()
    # A task row is of no use once finished; one left running a day lost its worker.
    day_ago = now - datetime.timedelta(days=1)
    tasks = DBTaskResult.objects.filter(queue_name="webhooks")
    tasks.filter(finished_at__lt=day_ago).delete()
    tasks.filter(status=TaskResultStatus.RUNNING, started_at__lt=day_ago).delete()
    return deleted
