"""The dashboard lists plans newest first, filtered in the URL, with their progress."""

import re

import pytest

from plans.models import Plan, Priority, Status, StepTask
from plans.operations import set_task_done
from tests.factories import template_plan

pytestmark = pytest.mark.django_db


def rows(response) -> list[str]:
    """The issue ids of the listed plans, in order, as the page shows them."""
    return re.findall(
        r'<tr>\s*<td class="nowrap" data-label="Issue">([^<]*)</td>', response.content.decode()
    )


def test_it_requires_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_it_lists_plans_newest_first_with_badges_and_progress(alice):
    older = template_plan(fix_name="Old fix", issue_id="OPS-1")
    newer = template_plan(fix_name="New fix", issue_id="OPS-2", priority=Priority.P0)
    Plan.objects.filter(pk=older.pk).update(created="2026-01-01")
    for task in StepTask.objects.filter(step__plan=newer, step__position=0):
        set_task_done(newer.pk, task.pk, done=True, user=None)

    response = alice.get("/")

    assert response.status_code == 200
    assert rows(response) == ["OPS-2", "OPS-1"]
    html = response.content.decode()
    assert '<span class="badge priority-p0">P0 (Critical)</span>' in html
    assert '<span class="badge status-planning">Planning</span>' in html
    # 4 prerequisites + 4 success criteria + 3 post-mortem + 18 step tasks = 29 boxes.
    assert 'aria-label="3 of 29 checkboxes ticked"' in html
    assert 'aria-label="0 of 29 checkboxes ticked"' in html
    assert '<time datetime="2026-01-01">' in html


def test_it_filters_by_status_priority_and_search(alice):
    template_plan(fix_name="Checkout timeout", issue_id="PAY-1", priority=Priority.P0)
    template_plan(fix_name="Slow search", issue_id="SRCH-2")
    Plan.objects.filter(issue_id="SRCH-2").update(status=Status.DEPLOYED)

    assert rows(alice.get("/", {"status": Status.DEPLOYED})) == ["SRCH-2"]
    assert rows(alice.get("/", {"priority": Priority.P0})) == ["PAY-1"]
    assert rows(alice.get("/", {"q": "checkout"})) == ["PAY-1"]
    assert rows(alice.get("/", {"q": "srch-2"})) == ["SRCH-2"]
    assert rows(alice.get("/", {"q": "nothing"})) == []


def test_filter_labels_have_no_colon(alice):
    html = alice.get("/").content.decode()

    assert '<label for="id_status">Status</label>' in html
    assert '<label for="id_priority">Priority</label>' in html


def test_invalid_filter_values_show_every_plan(alice):
    template_plan(issue_id="OPS-1")

    response = alice.get("/", {"status": "bogus", "priority": "P9"})

    assert response.status_code == 200
    assert rows(response) == ["OPS-1"]


def test_htmx_request_gets_only_the_list_fragment(alice):
    template_plan(issue_id="OPS-1")

    response = alice.get("/", {"q": "OPS"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"OPS-1" in response.content
    assert "HX-Request" in response["Vary"]


def test_it_paginates_and_keeps_the_filters_in_page_links(alice):
    for i in range(30):
        template_plan(issue_id=f"OPS-{i}", priority=Priority.P1)

    first = alice.get("/", {"priority": "P1"})
    second = alice.get("/", {"priority": "P1", "page": 2})

    assert len(rows(first)) == 25 and len(rows(second)) == 5
    assert b"?priority=P1&amp;page=2" in first.content


def test_it_rejects_post(alice):
    assert alice.post("/").status_code == 405


@pytest.mark.parametrize("count", [1, 50])
def test_query_count_does_not_grow_with_plans(alice, count, django_assert_num_queries):
    for i in range(count):
        template_plan(issue_id=f"OPS-{i}")

    # session, user, the user's and their groups' permissions (behind "New plan"), count,
    # page, which of the page's plans are overdue: as many for 1 plan as for 50, the list
    # fragment too.
    with django_assert_num_queries(7):
        response = alice.get("/")
    with django_assert_num_queries(7):
        fragment = alice.get("/", {"q": "OPS"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and fragment.status_code == 200
    assert len(rows(response)) == min(count, 25)
    assert rows(fragment) == rows(response)


def test_the_list_shows_a_change_at_once(alice, admin_client):
    plan = template_plan(issue_id="OPS-1")
    other = template_plan(issue_id="OPS-2")
    alice.get("/")
    task = StepTask.objects.filter(step__plan=plan).first()

    alice.post(f"/plans/{plan.pk}/rows/tasks/{task.pk}/done/", {"done": "true"})
    changed = alice.get("/").content.decode()
    admin_client.post(f"/admin/plans/plan/{other.pk}/delete/", {"post": "yes"})
    deleted = alice.get("/")

    assert 'aria-label="1 of 29 checkboxes ticked"' in changed
    assert rows(deleted) == ["OPS-1"]


def test_a_reader_never_sees_an_editors_controls(alice, bob):
    template_plan(issue_id="OPS-1")
    assert b"New plan" in alice.get("/").content

    html = bob.get("/").content.decode()

    assert "OPS-1" in html and "New plan" not in html and "Import Markdown" not in html


def test_login_page_logs_in_and_lands_on_the_dashboard(client, engineer):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b'<label for="id_username">' in page.content

    response = client.post("/accounts/login/", {"username": "alice", "password": "pw"})

    assert response.status_code == 302 and response["Location"] == "/"


def test_login_with_a_wrong_password_says_so(client, engineer):
    response = client.post("/accounts/login/", {"username": "alice", "password": "nope"})

    assert response.status_code == 200
    assert b"didn't match" in response.content


def test_logout_needs_post_and_ends_the_session(alice):
    response = alice.post("/accounts/logout/")

    assert response.status_code == 302
    assert alice.get("/").status_code == 302


def test_the_filters_show_what_is_chosen(alice):
    html = alice.get("/", {"status": Status.IN_PROGRESS, "priority": "nonsense"}).content.decode()

    assert '<option value="in_progress" selected>In Progress</option>' in html
    assert '<option value="" selected>Any priority</option>' not in html
    assert html.count(" selected>") == 1
    assert '<label for="id_status">Status</label>' in html
