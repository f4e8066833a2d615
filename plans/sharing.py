"""Share links: their tokens, and finding the plan behind one (`plans.operations` makes
and revokes them).

A token is 256 bits from `secrets`; the database keeps its SHA-256 only. A wrong, revoked
or expired token finds nothing, and the caller answers the same plain 404 for all three.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from plans import limits
from plans.models import ShareLink

TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _live(now: datetime.datetime) -> Q:
    return Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


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


def live_links(plan_id: int):
    return ShareLink.objects.filter(_live(timezone.now()), plan_id=plan_id)


@dataclass(frozen=True)
class LiveLink:
    id: int
    plan_id: int
    plan_version: int
    plan_updated_at: datetime.datetime


def live_link(token: str) -> LiveLink | None:
    """The live link for a token, with its plan's id, version and last change, or None.

    One indexed query, as plain as the ORM writes it: every open stakeholder tab asks it at
    each poll, and the liveness of the one row found is checked here rather than in SQL.
    """
    if not token or len(token) > 100:
        return None
    # Unordered: one row at most, and compiling the model's ordering is most of the ORM's
    # work for this lookup (docs/performance.md).
    rows = (
        ShareLink.objects.filter(token_hash=hash_token(token))
        .order_by()
        .values_list(
            "pk", "plan_id", "plan__version", "plan__updated_at", "revoked_at", "expires_at"
        )
    )
    for link_id, plan_id, version, updated_at, revoked_at, expires_at in rows:
        if ShareLink(revoked_at=revoked_at, expires_at=expires_at).is_live(timezone.now()):
            return LiveLink(link_id, plan_id, version, updated_at)
    return None
