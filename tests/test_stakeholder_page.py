"""The stakeholder page: no login, read-only, current by itself, and cheap when unchanged."""

import datetime

import pytest
from django.utils import timezone

from plans.models import Plan, ShareLink, Status, StepTask
from plans.sharing import create_share_link
from tests.conftest import HTMX
from tests.factories import filled_plan, template_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared():
    plan = filled_plan()
    _link, token = create_share_link(plan.pk, label="Support")
    return plan, token


def test_it_shows_what_stakeholders_care_about_without_login(client, shared):
    plan, token = shared

    response = client.get(f"/s/{token}/")

    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Login sessions expire after 5 minutes",
        "AUTH-812",
        '<span class="badge priority-p0">P0 (Critical)</span>',
        '<span class="badge status-in_review">In Review</span>',
        "Overall progress",
        "Step 1: Immediate Mitigation (if needed)",
        "Success Criteria",
        "Stakeholder Updates",
        "Progress Log",
        "Download Markdown",
    ]:
        assert text in html, text
    assert f'datetime="{plan.status_changed_at:%Y-%m-%dT%H:%M}' in html


def test_it_hides_engineering_internals(client, shared):
    plan, token = shared
    plan.refresh_from_db()

    html = client.get(f"/s/{token}/").content.decode()

    for secret in [plan.revert_commit, plan.cache_keys, plan.deploy_command, plan.test_command]:
        assert secret and secret not in html, secret
    for path in plan.steps.values_list("files__path", flat=True):
        assert not path or path not in html
    assert "Rollback" not in html
    assert "<pre>" not in html


def test_it_is_read_only_in_every_way(client, shared):
    _plan, token = shared

    response = client.get(f"/s/{token}/")

    html = response.content.decode()
    assert "<form" not in html and "csrfmiddlewaretoken" not in html and "X-CSRFToken" not in html
    assert "hx-post" not in html
    assert not response.cookies
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_every_method_but_get_and_head_is_405(client, shared, method):
    _plan, token = shared

    response = getattr(client, method)(f"/s/{token}/")

    assert response.status_code == 405
    assert getattr(client, method)(f"/s/{token}/export.md").status_code == 405


def test_head_works(client, shared):
    _plan, token = shared

    assert client.head(f"/s/{token}/").status_code == 200


@pytest.mark.parametrize("state", ["wrong", "revoked", "expired"])
def test_bad_revoked_or_expired_tokens_get_the_same_plain_404(client, shared, state):
    _plan, token = shared
    link = ShareLink.objects.get()
    if state == "wrong":
        token = token[:-2] + "xx"
    elif state == "revoked":
        ShareLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    else:
        past = timezone.now() - datetime.timedelta(seconds=1)
        ShareLink.objects.filter(pk=link.pk).update(expires_at=past)

    page = client.get(f"/s/{token}/")
    download = client.get(f"/s/{token}/export.md")

    assert page.status_code == 404 and download.status_code == 404
    html = page.content.decode()
    assert "This link does not work" in html
    assert "Login sessions" not in html and "AUTH-812" not in html
    assert page["Referrer-Policy"] == "no-referrer"


def test_a_link_with_a_future_expiry_works(client):
    plan = template_plan()
    future = timezone.now() + datetime.timedelta(days=1)
    _link, token = create_share_link(plan.pk, expires_at=future)

    assert client.get(f"/s/{token}/").status_code == 200


def test_an_unchanged_plan_answers_304(client, shared):
    _plan, token = shared
    first = client.get(f"/s/{token}/", headers=HTMX)

    again = client.get(f"/s/{token}/", headers={**HTMX, "If-None-Match": first["ETag"]})

    assert first.status_code == 200 and first["ETag"]
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    assert "HX-Request" in again["Vary"]


def test_a_changed_plan_answers_200_with_the_change(client, alice, shared):
    plan, token = shared
    first = client.get(f"/s/{token}/", headers=HTMX)
    task = StepTask.objects.filter(step__plan=plan, done=False).first()

    alice.post(f"/plans/{plan.pk}/rows/tasks/{task.pk}/done/", {"done": "true"}, headers=HTMX)
    again = client.get(f"/s/{token}/", headers={**HTMX, "If-None-Match": first["ETag"]})

    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]


def test_the_304_costs_one_query(client, shared, django_assert_num_queries):
    _plan, token = shared
    etag = client.get(f"/s/{token}/", headers=HTMX)["ETag"]

    with django_assert_num_queries(1):
        response = client.get(f"/s/{token}/", headers={**HTMX, "If-None-Match": etag})
    assert response.status_code == 304


def test_an_unchanged_poll_within_the_window_costs_no_query(
    client, shared, settings, django_assert_num_queries
):
    settings.FIXTRACKER_UNCHANGED_SECONDS = 60
    _plan, token = shared
    etag = client.get(f"/s/{token}/", headers=HTMX)["ETag"]

    with django_assert_num_queries(0):
        response = client.get(f"/s/{token}/", headers={**HTMX, "If-None-Match": etag})
    assert response.status_code == 304


def test_a_change_within_the_window_is_served_fresh_to_a_new_tab(client, alice, shared, settings):
    settings.FIXTRACKER_UNCHANGED_SECONDS = 60
    plan, token = shared
    client.get(f"/s/{token}/", headers=HTMX)
    alice.post(f"/plans/{plan.pk}/log/", {"update": "Rolled out to 50%"}, headers=HTMX)

    page = client.get(f"/s/{token}/")

    assert page.status_code == 200 and "Rolled out to 50%" in page.content.decode()


def test_a_revoked_link_shows_nothing_even_within_the_window(client, alice, shared, settings):
    settings.FIXTRACKER_UNCHANGED_SECONDS = 60
    plan, token = shared
    etag = client.get(f"/s/{token}/", headers=HTMX)["ETag"]
    link = ShareLink.objects.get()
    revoked = alice.post(f"/plans/{plan.pk}/share/{link.pk}/revoke/", headers=HTMX)

    # An open tab may hear "unchanged" until the window ends: it learns nothing new from it.
    stale = client.get(f"/s/{token}/", headers={**HTMX, "If-None-Match": etag})
    fresh = client.get(f"/s/{token}/", headers=HTMX)
    download = client.get(f"/s/{token}/export.md")

    assert revoked.status_code == 200
    assert stale.status_code == 304 and stale.content == b""
    assert fresh.status_code == 404 and download.status_code == 404


def test_last_modified_also_answers_304(client, shared):
    _plan, token = shared
    first = client.get(f"/s/{token}/")

    again = client.get(f"/s/{token}/", headers={"If-Modified-Since": first["Last-Modified"]})

    assert again.status_code == 304


def test_the_poll_gets_the_fragment_that_keeps_polling(client, shared, settings):
    settings.FIXTRACKER_POLL_SECONDS = 15
    _plan, token = shared

    page = client.get(f"/s/{token}/").content.decode()
    fragment = client.get(f"/s/{token}/", headers=HTMX).content.decode()

    assert 'hx-trigger="every 15s"' in page and "<html" in page
    assert fragment.startswith('<div id="stakeholder-view"') and "<html" not in fragment
    assert 'hx-trigger="every 15s"' in fragment


def test_a_poll_after_revoking_gets_the_gone_fragment(client, alice, shared):
    plan, token = shared
    link = ShareLink.objects.get()
    alice.post(f"/plans/{plan.pk}/share/{link.pk}/revoke/")

    response = client.get(f"/s/{token}/", headers=HTMX)

    assert response.status_code == 404
    html = response.content.decode()
    assert html.startswith('<div id="stakeholder-view">') and "hx-trigger" not in html


def test_log_is_newest_first(client):
    plan = template_plan()
    Plan.objects.filter(pk=plan.pk).update(status=Status.IN_PROGRESS)
    plan.log_entries.create(update="Second entry")
    _link, token = create_share_link(plan.pk)

    html = client.get(f"/s/{token}/").content.decode()

    assert html.index("Second entry") < html.index("Plan created")


@pytest.mark.parametrize("n", [1, 50])
def test_query_count_does_not_grow(client, n, django_assert_max_num_queries):
    from tests.test_plan_page import grow

    plan = template_plan()
    grow(plan, n)
    _link, token = create_share_link(plan.pk)

    # link, plan, checklist, steps, tasks, stakeholders, phases, log.
    with django_assert_max_num_queries(8):
        assert client.get(f"/s/{token}/").status_code == 200


def test_a_long_log_is_cut_to_the_newest_with_a_link(client):
    plan = template_plan()
    plan.log_entries.bulk_create(
        [plan.log_entries.model(plan=plan, update=f"Update number {i}") for i in range(60)]
    )
    _link, token = create_share_link(plan.pk)

    page = client.get(f"/s/{token}/").content.decode()
    whole = client.get(f"/s/{token}/", {"log": "all"}).content.decode()

    assert page.count("Update number") == 50 and 'href="?log=all"' in page
    assert whole.count("Update number") == 60
    assert f'hx-get="/s/{token}/?log=all"' in whole
