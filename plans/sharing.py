"""Share links: making one, finding the plan behind a token, revoking.

A token is 256 bits from `secrets`; the database keeps its SHA-256 only. A wrong, revoked
or expired token finds nothing, and the caller answers the same plain 404 for all three.
"""

import datetime
import hashlib
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from plans import limits
from plans.models import Plan, ShareLink
from plans.workflow import lock_plan, touch

TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _live(now: datetime.datetime) -> Q:
    return Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


@transaction.atomic
def create_share_link(
    plan_id: int, *, label: str = "", expires_at: datetime.datetime | None = None, user=None
) -> tuple[ShareLink, str]:
    """A new link and its token; the token is not stored and cannot be shown again.

    Raises Plan.DoesNotExist, or LimitReached when the plan has all the live links it may.
    """
    lock_plan(plan_id)
    live = ShareLink.objects.filter(_live(timezone.now()), plan_id=plan_id).count()
    limits.check_room(limits.SHARE_LINKS, live)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ShareLink.objects.create(
        plan_id=plan_id,
        token_hash=hash_token(token),
        label=label,
        expires_at=expires_at,
        created_by=user,
    )
    return link, token


@dataclass(frozen=True)
class PlanLinks:
    """What the plan page lists: every live link, the latest ended ones, how many more."""

    live: list[ShareLink]
    ended: list[ShareLink]
    older: int

    @property
    def listed(self) -> list[ShareLink]:
        return self.live + self.ended


def links_of(plan_id: int) -> PlanLinks:
    """One query, and a count only when there are older ended links than are listed."""
    now = timezone.now()
    links = ShareLink.objects.filter(plan_id=plan_id)
    shown = limits.ENDED_SHARE_LINKS_SHOWN
    latest_ended = links.exclude(_live(now)).values("pk")[: shown + 1]
    listed = list(links.filter(_live(now) | Q(pk__in=latest_ended)))
    live = [link for link in listed if link.is_live(now)]
    ended = [link for link in listed if not link.is_live(now)]
    older = links.exclude(_live(now)).count() - shown if len(ended) > shown else 0
    return PlanLinks(live, ended[:shown], older)


@dataclass(frozen=True)
class LiveLink:
    id: int
    plan_id: int
    plan_updated_at: datetime.datetime


# Every open stakeholder tab asks this every 15 seconds, and the answer is usually a 304
# that needs nothing else: building the same query through the ORM cost twice the query
# itself (measured with the load benchmark), so it is written once, here.
LIVE_LINK_SQL = f"""
    SELECT link.id, link.plan_id, plan.updated_at
    FROM {ShareLink._meta.db_table} link
    JOIN {Plan._meta.db_table} plan ON plan.id = link.plan_id
    WHERE link.token_hash = %s
      AND link.revoked_at IS NULL
      AND (link.expires_at IS NULL OR link.expires_at > %s)
"""


# token -> (when this worker last found it live, what it found)
_recently_seen: dict[str, tuple[float, LiveLink]] = {}
RECENTLY_SEEN_LIMIT = 10_000


def live_link(token: str) -> LiveLink | None:
    """The live link for a token, with its plan's id and last change, or None."""
    if not token or len(token) > 100:
        return None
    with connection.cursor() as cursor:
        cursor.execute(LIVE_LINK_SQL, [hash_token(token), timezone.now()])
        row = cursor.fetchone()
    if row is None:
        _recently_seen.pop(token, None)
        return None
    link_id, plan_id, updated_at = row
    link = LiveLink(link_id, plan_id, _aware(updated_at))
    if len(_recently_seen) >= RECENTLY_SEEN_LIMIT:
        _recently_seen.clear()
    _recently_seen[token] = (time.monotonic(), link)
    return link


def recently_seen_link(token: str) -> LiveLink | None:
    """What `live_link` found in this worker less than FIXTRACKER_UNCHANGED_SECONDS ago.

    Only for answering 304 Not Modified, which shows nothing the tab does not already have:
    a change (or a revoke) reaches an open tab at most that much later, on top of its
    FIXTRACKER_POLL_SECONDS. Content is only ever served after asking `live_link` afresh.
    """
    seen = _recently_seen.get(token)
    if seen is not None and time.monotonic() - seen[0] < settings.FIXTRACKER_UNCHANGED_SECONDS:
        return seen[1]
    return None


@transaction.atomic
def revoke_share_link(plan_id: int, link_id: int) -> bool:
    now = timezone.now()
    lock_plan(plan_id)
    revoked = ShareLink.objects.filter(pk=link_id, plan_id=plan_id, revoked_at__isnull=True).update(
        revoked_at=now
    )
    if revoked:
        # Open stakeholder tabs poll on the plan's last change; this makes them look again.
        touch(plan_id, now)
    return bool(revoked)


def _aware(value: datetime.datetime) -> datetime.datetime:
    # Raw SQL on SQLite gives back the stored UTC time without its zone; PostgreSQL an aware one.
    return value if timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)
