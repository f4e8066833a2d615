"""The stakeholder page: no login, read-only, current by itself, and cheap when unchanged."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from plans.models import Plan, ProgressLogEntry, ShareLink, Status, StepTask
from plans.operations import create_share_link
from tests.conftest import HTMX
from tests.factories import CREATED_AT, filled_plan, template_plan

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


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_other_methods_get_405_not_the_csrf_403(shared, method):
    _plan, token = shared
    browser = Client(enforce_csrf_checks=True)

    page = getattr(browser, method)(f"/s/{token}/")
    download = getattr(browser, method)(f"/s/{token}/export.md")

    assert page.status_code == 405 and page["Allow"] == "GET, HEAD"
    assert download.status_code == 405 and download["Allow"] == "GET, HEAD"
    assert not page.cookies and not download.cookies


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


def test_a_revoked_link_ends_an_open_tab_at_its_next_poll(client, alice, shared):
    plan, token = shared
    etag = client.get(f"/s/{token}/", headers=HTMX)["ETag"]
    link = ShareLink.objects.get()
    revoked = alice.post(f"/plans/{plan.pk}/share/{link.pk}/revoke/", headers=HTMX)

    poll = client.get(f"/s/{token}/", headers={**HTMX, "If-None-Match": etag})
    download = client.get(f"/s/{token}/export.md")

    assert revoked.status_code == 200
    assert poll.status_code == 404 and download.status_code == 404


def test_a_change_in_a_shell_that_moves_the_version_reaches_an_open_tab(client, shared):
    """The version is the ETag: a change made outside the app is seen once it moves it."""
    from django.utils import timezone

    from plans.operations import record_change

    plan, token = shared
    etag = client.get(f"/s/{token}/", headers=HTMX)["ETag"]
    Plan.objects.filter(pk=plan.pk).update(overview="Changed in a shell")
    record_change(plan.pk, timezone.now())

    poll = client.get(f"/s/{token}/", headers={**HTMX, "If-None-Match": etag})

    assert poll.status_code == 200 and poll["ETag"] != etag


def test_a_change_in_the_same_second_is_never_answered_304(client, alice, shared):
    """Last-Modified has whole seconds: only the ETag (the plan's version) says unchanged."""
    plan, token = shared
    first = client.get(f"/s/{token}/")
    alice.post(f"/plans/{plan.pk}/log/", {"update": "Same second"}, headers=HTMX)

    again = client.get(f"/s/{token}/", headers={"If-Modified-Since": first["Last-Modified"]})

    assert again.status_code == 200 and "Same second" in again.content.decode()


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
    alice.post(f"/plans/{plan.pk}/share/{link.pk}/revoke/", {"confirm": "yes"})

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
@pytest.mark.parametrize("log_page", ["1", "3", "99999"])
def test_query_count_does_not_grow(client, n, log_page, django_assert_num_queries):
    from tests.test_plan_page import grow

    plan = template_plan()
    grow(plan, n)
    add_log(plan, 10 * n)
    _link, token = create_share_link(plan.pk)

    # link, plan, checklist, steps, tasks, stakeholders, phases, log size, log page.
    with django_assert_num_queries(9):
        response = client.get(f"/s/{token}/", {"log_page": log_page})
    assert response.status_code == 200


def add_log(plan, count: int) -> None:
    """`count` entries after the plan's first, a minute apart: "Update number 0" is oldest."""
    start = CREATED_AT
    ProgressLogEntry.objects.bulk_create(
        ProgressLogEntry(
            plan=plan,
            update=f"Update number {i}",
            logged_at=start + datetime.timedelta(minutes=i + 1),
        )
        for i in range(count)
    )


def entries(first: int, last: int, total: int) -> str:
    return f"Entries {first}\N{EN DASH}{last} of {total}, newest first"


def test_a_long_log_shows_its_newest_page_with_a_link_to_older_entries(client):
    plan = template_plan()
    add_log(plan, 120)
    _link, token = create_share_link(plan.pk)

    html = client.get(f"/s/{token}/").content.decode()

    assert html.count("Update number") == 50
    assert html.index("Update number 119<") < html.index("Update number 70<")
    assert "Update number 69<" not in html
    assert entries(1, 50, 121) in html
    assert 'href="?log_page=2#progress-log"' in html and "Newer" not in html
    assert 'reversed start="121"' in html


def test_an_older_page_of_the_log_keeps_polling_itself(client):
    plan = template_plan()
    add_log(plan, 120)
    _link, token = create_share_link(plan.pk)

    middle = client.get(f"/s/{token}/", {"log_page": "2"}).content.decode()
    oldest = client.get(f"/s/{token}/", {"log_page": "3"}, headers=HTMX).content.decode()

    assert entries(51, 100, 121) in middle and "Update number 69<" in middle
    assert 'href="?log_page=1#progress-log"' in middle
    assert 'href="?log_page=3#progress-log"' in middle
    assert f'hx-get="/s/{token}/?log_page=2"' in middle
    assert entries(101, 121, 121) in oldest and "Plan created" in oldest
    assert "Older" not in oldest and f'hx-get="/s/{token}/?log_page=3"' in oldest


@pytest.mark.parametrize("value", ["0", "-1", "x", "²", "٣", "1.5", "9" * 5000])
def test_a_log_page_that_is_no_page_shows_a_page_of_the_log(client, value):
    plan = template_plan()
    add_log(plan, 60)
    _link, token = create_share_link(plan.pk)

    response = client.get(f"/s/{token}/", {"log_page": value})

    assert response.status_code == 200
    html = response.content.decode()
    assert entries(1, 50, 61) in html or entries(51, 61, 61) in html


def test_a_page_past_the_end_shows_the_oldest(client):
    plan = template_plan()
    add_log(plan, 60)
    _link, token = create_share_link(plan.pk)

    html = client.get(f"/s/{token}/", {"log_page": "99999"}).content.decode()

    assert entries(51, 61, 61) in html and "Plan created" in html


def test_a_new_release_is_a_new_etag(client, shared, monkeypatch):
    """A page kept from before a deployment links to static files that are gone since."""
    from plans.views import share

    _plan, token = shared
    etag = client.get(f"/s/{token}/", headers=HTMX)["ETag"]
    monkeypatch.setattr(share, "release", lambda: "newrelease")

    poll = client.get(f"/s/{token}/", headers={**HTMX, "If-None-Match": etag})

    assert poll.status_code == 200 and "newrelease" in poll["ETag"]


def test_code_spans_show_as_code_to_stakeholders_too(client, shared):
    from plans.operations import add_log_entry

    plan, token = shared
    plan.checklist_items.filter(kind="success").update(text="p99 of `capture` under 2 s")
    add_log_entry(plan.pk, update="Raised `pool_size` to 40", user=None)

    html = client.get(f"/s/{token}/").content.decode()

    assert "p99 of <code>capture</code> under 2 s" in html
    assert "Raised <code>pool_size</code> to 40" in html
