"""Engineers make and revoke share links; the database keeps only the token's hash."""

import datetime
import hashlib
import re

import pytest
from django.utils import timezone

from plans import limits
from plans.models import ShareLink
from tests.conftest import HTMX
from tests.factories import template_plan

pytestmark = pytest.mark.django_db


def create(client, plan, **data):
    return client.post(f"/plans/{plan.pk}/share/", data, headers=HTMX)


def shown_token(response) -> str:
    return re.search(r'value="http://testserver/s/([^/"]+)/"', response.content.decode()).group(1)


def test_it_creates_a_link_and_shows_it_once_with_a_copy_button(alice, engineer):
    plan = template_plan()

    response = create(alice, plan, label="Support", expires_in="7")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-copy="new-share-url"' in html
    assert "cannot show it again" in html
    link = ShareLink.objects.get()
    assert (link.plan, link.label, link.created_by) == (plan, "Support", engineer)
    assert 6.9 < (link.expires_at - timezone.now()).total_seconds() / 86400 <= 7
    # The page after this one no longer has the token anywhere.
    token = shown_token(response)
    assert token not in alice.get(f"/plans/{plan.pk}/").content.decode()


def test_only_the_hash_of_a_long_random_token_is_stored(alice):
    plan = template_plan()

    token = shown_token(create(alice, plan))

    link = ShareLink.objects.get()
    assert len(token) >= 43  # 32 random bytes, base64url: 256 bits
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = " ".join(str(v) for v in ShareLink.objects.values_list().get())
    assert token not in stored


def test_each_link_has_its_own_token(alice):
    plan = template_plan()

    tokens = {shown_token(create(alice, plan, label=f"L{i}")) for i in range(3)}

    assert len(tokens) == 3 and ShareLink.objects.filter(plan=plan).count() == 3


def test_a_bad_expiry_or_label_gets_422(alice):
    plan = template_plan()

    response = create(alice, plan, label="x" * 101, expires_in="9999")

    assert response.status_code == 422
    assert b"at most 100 characters" in response.content
    assert b"Select a valid choice." in response.content
    assert not ShareLink.objects.exists()


def test_a_failed_form_without_htmx_is_never_the_one_shown_later(alice):
    plan = template_plan()
    alice.get(f"/plans/{plan.pk}/")  # the empty form is cached now

    failed = alice.post(f"/plans/{plan.pk}/share/", {"label": "x" * 101})
    later = alice.get(f"/plans/{plan.pk}/")

    assert failed.status_code == 422 and b"at most 100 characters" in failed.content
    assert b"at most 100 characters" not in later.content
    assert b'name="label"' in later.content and b'name="expires_in"' in later.content


def test_it_revokes_a_link(alice):
    plan = template_plan()
    token = shown_token(create(alice, plan))
    link = ShareLink.objects.get()

    response = alice.post(f"/plans/{plan.pk}/share/{link.pk}/revoke/", headers=HTMX)

    assert response.status_code == 200
    link.refresh_from_db()
    assert link.revoked_at is not None and link.state == "revoked"
    assert alice.get(f"/s/{token}/").status_code == 404


def test_revoking_another_plans_link_is_404(alice):
    plan, other = template_plan(), template_plan()
    create(alice, other)
    link = ShareLink.objects.get()

    assert alice.post(f"/plans/{plan.pk}/share/{link.pk}/revoke/").status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_without_htmx_the_new_link_is_shown_on_the_plan_page(alice):
    plan = template_plan()

    response = alice.post(f"/plans/{plan.pk}/share/", {"label": "PM"})

    assert response.status_code == 200
    assert b"<html" in response.content and b'id="new-share-url"' in response.content


def test_links_need_change_permission(bob, alice):
    plan = template_plan()
    create(alice, plan)
    link = ShareLink.objects.get()

    assert bob.post(f"/plans/{plan.pk}/share/", {"label": "x"}).status_code == 403
    assert bob.post(f"/plans/{plan.pk}/share/{link.pk}/revoke/").status_code == 403
    assert "Share links" not in bob.get(f"/plans/{plan.pk}/").content.decode()
    assert ShareLink.objects.count() == 1 and ShareLink.objects.get().revoked_at is None


def test_a_plan_has_at_most_its_limit_of_live_links_and_revoking_one_makes_room(alice):
    plan = template_plan()
    for i in range(limits.SHARE_LINKS.value):
        assert create(alice, plan, label=f"L{i}").status_code == 200

    refused = create(alice, plan, label="One more")

    assert refused.status_code == 422
    assert limits.SHARE_LINKS.name in refused.text and "Revoke one to make room" in refused.text
    # The refusal is the form's, not a field's: no field is said to be marked.
    assert "correct the fields marked below" not in refused.text
    assert not ShareLink.objects.filter(label="One more").exists()
    first = ShareLink.objects.filter(plan=plan).last()
    alice.post(f"/plans/{plan.pk}/share/{first.pk}/revoke/", headers=HTMX)
    assert create(alice, plan, label="One more").status_code == 200


def test_an_expired_link_does_not_count_against_the_limit(alice):
    plan = template_plan()
    past = timezone.now() - datetime.timedelta(days=1)
    ShareLink.objects.bulk_create(
        [
            ShareLink(plan=plan, token_hash=f"h{i}", expires_at=past)
            for i in range(limits.SHARE_LINKS.value)
        ]
    )

    assert create(alice, plan, label="Fresh").status_code == 200


def test_the_page_lists_live_links_and_the_latest_ended_ones_and_counts_the_rest(alice):
    plan = template_plan()
    now = timezone.now()
    ShareLink.objects.bulk_create(
        [
            ShareLink(
                plan=plan,
                token_hash=f"h{i}",
                label=f"Old {i}",
                created_at=now - datetime.timedelta(minutes=i),
                revoked_at=now,
            )
            for i in range(1, 5_001)
        ]
    )
    create(alice, plan, label="Live one")

    html = alice.get(f"/plans/{plan.pk}/").content.decode()

    assert 'Share links <span id="share-links-count">(1 live)</span>' in html and "Live one" in html
    shown = limits.ENDED_SHARE_LINKS_SHOWN
    assert f"Old {shown}<" in html and f"Old {shown + 1}<" not in html
    assert f"{5_000 - shown} older revoked or expired links not listed" in html


def test_without_javascript_revoking_asks_on_a_page_first(alice):
    plan = template_plan()
    token = shown_token(create(alice, plan))
    link = ShareLink.objects.get()
    url = f"/plans/{plan.pk}/share/{link.pk}/revoke/"

    asked = alice.post(url)
    still_open = alice.get(f"/s/{token}/").status_code
    answered = alice.post(url, {"confirm": "yes"})

    assert asked.status_code == 200
    html = asked.content.decode()
    assert "Revoke this share link?" in html and f'action="{url}"' in html
    assert still_open == 200
    assert answered.status_code == 302
    assert alice.get(f"/s/{token}/").status_code == 404
