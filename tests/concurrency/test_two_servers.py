"""Two app servers on one database answer alike: nothing a worker keeps in memory can make
one of them show a plan as it was before a change made through the other."""

import re
import urllib.request

from tests.concurrency.conftest import HttpClient


def progress(html: str) -> str:
    """The progress the dashboard shows for the plan RACE-1."""
    row = html[html.index(">RACE-1<") :]
    return re.search(r"(\d+ of \d+) checkboxes ticked", row).group(1)


def test_a_change_through_one_server_is_seen_at_once_through_the_other(served_twice):
    first, second = served_twice
    plan = first.plan
    one, two = first.client(0), second.client(1)
    # The other server has drawn everything once before the change.
    _status, page = two.get(f"/plans/{plan}/")
    _status, dashboard = two.get("/")
    _status, download = two.get(f"/plans/{plan}/export.md")
    _status, link = one.post(f"/plans/{plan}/share/", {"label": "Support"})
    token = re.search(r"/s/([\w-]{40,})/", link).group(1)
    stakeholder = HttpClient(second.url, "")
    poll_url = stakeholder.base + f"/s/{token}/"
    htmx = {"HX-Request": "true"}
    etag = stakeholder.opener.open(urllib.request.Request(poll_url, headers=htmx)).headers["ETag"]

    ticked = one.post(f"/plans/{plan}/rows/tasks/{first.tasks[0]}/done/", {"done": "true"})
    moved = one.post(f"/plans/{plan}/status/", {"expected": "planning", "to": "in_progress"})
    deleted = HttpClient(first.url, first.admin_session).request(
        "POST", f"/admin/plans/plan/{first.doomed[0]}/delete/", {"post": "yes"}, htmx=False
    )

    assert (ticked[0], moved[0], deleted[0]) == (200, 200, 200)
    _status, page_after = two.get(f"/plans/{plan}/")
    _status, dashboard_after = two.get("/")
    _status, download_after = two.get(f"/plans/{plan}/export.md")
    assert f'<li id="tasks-{first.tasks[0]}" class="done' in page_after
    assert "In Progress" in page_after and "Planning" in page
    assert progress(dashboard_after) != progress(dashboard)
    assert "Doomed 0" in dashboard and "Doomed 0" not in dashboard_after
    assert download_after != download and "- [x]" in download_after
    poll = stakeholder.opener.open(
        urllib.request.Request(poll_url, headers={**htmx, "If-None-Match": etag})
    )
    assert poll.status == 200 and poll.headers["ETag"] != etag
