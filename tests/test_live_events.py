"""An engineer's open plan page holds /plans/<id>/events/ open, a stream of server-sent
events that says the plan's version each time it moves. However many streams a process
holds, it reads their plans' versions in one query per check; a stream holds no database
connection while it waits; a process at its limit of streams answers 204 and the page
asks /live/ instead."""

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections

from plans import operations
from plans.models import ChecklistKind, Plan
from plans.watch import watcher
from tests.factories import template_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick(settings):
    settings.FIXTRACKER_LIVE_CHECK_SECONDS = 0.01
    settings.FIXTRACKER_LIVE_HEARTBEAT_SECONDS = 5
    settings.FIXTRACKER_LIVE_STREAM_SECONDS = 60
    return settings


@pytest.fixture
def streams():
    """Opens streams as a browser would and closes each at the end, as the server does."""
    opened = []

    def open_stream(client, plan, since=None, **headers):
        query = {} if since is None else {"since": since}
        response = client.get(f"/plans/{plan.pk}/events/", query, headers=headers)
        opened.append(response)
        return response

    yield open_stream
    for response in opened:
        hang_up(response)
    assert watcher.watched.total() == 0


def hang_up(response) -> None:
    """As a client going away: the server closes the response. The test's database
    connection stays open, as Django's test client keeps it when it closes a response."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def read(response) -> str:
    return next(response.streaming_content).decode()


def tick(plan, user=None):
    item = plan.checklist_items.get(kind=ChecklistKind.PREREQUISITE, position=0)
    operations.set_item_done(plan.pk, item.kind, item.pk, done=True, user=user)
    plan.refresh_from_db(fields=["version"])
    return plan.version


def test_the_plan_page_says_where_its_stream_is_unless_streams_are_off(alice, quick):
    plan = template_plan()

    page = alice.get(f"/plans/{plan.pk}/").content.decode()
    quick.FIXTRACKER_LIVE_STREAMS = 0
    without = alice.get(f"/plans/{plan.pk}/").content.decode()

    assert f'data-events="/plans/{plan.pk}/events/"' in page
    assert "data-events" not in without
    assert f'data-url="/plans/{plan.pk}/live/"' in without


def test_a_stream_opens_from_a_few_queries_and_says_nothing_while_the_page_is_current(
    alice, streams, django_assert_num_queries
):
    plan = template_plan()

    # session, user, the plan's version.
    with django_assert_num_queries(3):
        response = streams(alice, plan, plan.version)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Accel-Buffering"] == "no"
    assert read(response) == "retry: 2000\n\n"


def test_a_page_behind_the_plan_is_told_at_once(alice, streams):
    plan = template_plan()
    seen = plan.version
    now = tick(plan)

    response = streams(alice, plan, seen)

    assert read(response) == f"retry: 2000\n\nid: {now}\ndata: {now}\n\n"


def test_a_teammates_change_is_sent_on_the_open_stream(alice, streams, django_user_model):
    plan = template_plan()
    response = streams(alice, plan, plan.version)
    read(response)

    now = tick(plan, user=django_user_model.objects.create_user("priya"))

    assert read(response) == f"id: {now}\ndata: {now}\n\n"


def test_a_browser_opening_the_stream_again_is_judged_by_the_last_event_it_had(alice, streams):
    plan = template_plan()
    first = plan.version
    second = tick(plan)

    response = streams(alice, plan, first, **{"Last-Event-ID": str(second)})

    assert read(response) == "retry: 2000\n\n"


def test_a_quiet_stream_says_it_is_still_there_and_ends_after_a_while(alice, streams, quick):
    plan = template_plan()
    quick.FIXTRACKER_LIVE_HEARTBEAT_SECONDS = 0
    response = streams(alice, plan, plan.version)
    read(response)

    assert read(response) == ": still here\n\n"
    quick.FIXTRACKER_LIVE_STREAM_SECONDS = 0
    fresh = streams(alice, plan, plan.version)
    assert list(fresh.streaming_content) == [b"retry: 2000\n\n"]


def test_a_deleted_plan_ends_the_stream(alice, streams):
    plan = template_plan()
    response = streams(alice, plan, plan.version)
    read(response)

    Plan.objects.filter(pk=plan.pk).delete()

    assert list(response.streaming_content) == []
    assert streams(alice, plan, plan.version).status_code == 404


def test_one_query_a_check_reads_every_watched_plan_and_waiting_reads_none(
    alice, streams, quick, django_assert_num_queries
):
    plans = [template_plan() for _ in range(3)]
    opened = [streams(alice, plan, plan.version) for plan in plans for _ in range(2)]
    for response in opened:
        read(response)
    versions = [tick(plan) for plan in plans]

    # The first stream to wait finds the check due and makes it, for all six.
    with django_assert_num_queries(1):
        assert read(opened[0]) == f"id: {versions[0]}\ndata: {versions[0]}\n\n"
    quick.FIXTRACKER_LIVE_CHECK_SECONDS = 60
    with django_assert_num_queries(0):
        told = [read(response) for response in opened[1:]]
    expected = [versions[0], versions[1], versions[1], versions[2], versions[2]]
    assert told == [f"id: {v}\ndata: {v}\n\n" for v in expected]


def test_a_process_at_its_limit_of_streams_answers_no_content(alice, streams, quick):
    plan = template_plan()
    quick.FIXTRACKER_LIVE_STREAMS = 1
    first = streams(alice, plan, plan.version)
    read(first)

    refused = streams(alice, plan, plan.version)

    # A browser does not open a stream answered 204 again; the page asks instead.
    assert refused.status_code == 204
    assert not refused.streaming
    # The streams closed at the end of each test leave the watcher (see `streams`).
    assert watcher.watched.total() == 1


def test_one_user_has_a_share_of_the_streams(alice, bob, streams, quick):
    plan = template_plan()
    quick.FIXTRACKER_LIVE_STREAMS_PER_USER = 2
    for _ in range(2):
        read(streams(alice, plan, plan.version))

    refused = streams(alice, plan, plan.version)
    other = streams(bob, plan, plan.version)

    assert refused.status_code == 204
    assert other.status_code == 200


def test_it_needs_a_login_and_a_plan(client, alice, streams):
    plan = template_plan()

    gone = alice.get("/plans/999999/events/")
    alice.logout()
    anonymous = streams(client, plan, plan.version)

    assert gone.status_code == 404
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_a_worker_stopping_ends_its_streams(alice, streams):
    plan = template_plan()
    response = streams(alice, plan, plan.version)
    read(response)

    watcher.serving = lambda: False  # as gunicorn.conf.py has it when the worker stops
    try:
        assert list(response.streaming_content) == []
    finally:
        watcher.serving = lambda: True
