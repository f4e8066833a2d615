"""Share links: making one, finding the plan behind a token, revoking.

A token is 256 bits from `secrets`; the database keeps its SHA-256 only. A wrong, revoked
or expired token finds nothing, and the caller answers the same plain 404 for all three.
"""

import datetime
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from plans.models import ShareLink
from plans.workflow import touch

TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_share_link(
    plan_id: int, *, label: str = "", expires_at: datetime.datetime | None = None, user=None
) -> tuple[ShareLink, str]:
    """A new link and its token; the token is not stored and cannot be shown again."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ShareLink.objects.create(
        plan_id=plan_id,
        token_hash=hash_token(token),
        label=label,
        expires_at=expires_at,
        created_by=user,
    )
    return link, token


def live_link(token: str) -> ShareLink | None:
    """The live link for a token, with its plan's id and last change, or None."""
    if not token or len(token) > 100:
        return None
    return (
        ShareLink.objects.live()
        .filter(token_hash=hash_token(token))
        .select_related("plan")
        .only("id", "plan_id", "plan__updated_at", "expires_at", "revoked_at")
        .first()
    )


@transaction.atomic
def revoke_share_link(plan_id: int, link_id: int) -> bool:
    now = timezone.now()
    revoked = ShareLink.objects.filter(pk=link_id, plan_id=plan_id, revoked_at__isnull=True).update(
        revoked_at=now
    )
    if revoked:
        # Open stakeholder tabs poll on the plan's last change; this makes them look again.
        touch(plan_id, now)
    return bool(revoked)
