"""When steps are due: set by hand, or derived from the timeline's target ("+4 hours" from
the plan's start), across days and zones; overdue steps and plans marked where engineers
look."""

import datetime

import pytest
from django.utils import timezone

from plans import operations
from plans.defaults import template_document
from plans.dues import offset
from plans.markdown import export_plan, import_plan
from plans.markdown.export import render_plan
from plans.markdown.import_ import parse_plan
from plans.models import Plan, Status, Step
from tests.conftest import HTMX

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def started_at(moment: datetime.datetime, **header) -> Plan:
    """A template plan whose start (its "Plan created" entry) is `moment`."""
    return operations.create_plan(template_document(now=moment, **header))


def step(plan, position) -> Step:
    return plan.steps.get(position=position)


def form_data(client, url: str) -> dict:
    form = client.get(url, headers=HTMX).context["edit_form"]
    data = {name: "" if value is None else str(value) for name, value in form.current.items()}
    return {**data, "base": form.initial["base"]}


@pytest.mark.parametrize(
    ("target", "hours"),
    [
        ("+4 hours", 4),
        ("+1 hour", 1),
        ("+1h 30m", 1.5),
        ("+2 days", 48),
        ("+2d 3h", 51),
        ("45 min", 0.75),
        ("ASAP", None),
        ("X hours", None),
        ("+1 week", None),
        ("4h 4h", None),
        ("", None),
    ],
)
def test_a_target_reads_as_a_time_from_the_start(target, hours):
    expected = None if hours is None else datetime.timedelta(hours=hours)
    assert offset(target) == expected


def test_each_step_is_due_at_its_phases_target_from_the_plans_start_across_midnight():
    plan = started_at(datetime.datetime(2026, 11, 28, 22, 30, tzinfo=UTC))

    # The template's phases: +1 hour, +4 hours, +2 hours, +2 hours, +1 hour.
    dues = [step(plan, n).due for n in range(5)]

    assert dues == [
        datetime.datetime(2026, 11, 28, 23, 30, tzinfo=UTC),
        datetime.datetime(2026, 11, 29, 2, 30, tzinfo=UTC),
        datetime.datetime(2026, 11, 29, 0, 30, tzinfo=UTC),
        datetime.datetime(2026, 11, 29, 0, 30, tzinfo=UTC),
        datetime.datetime(2026, 11, 28, 23, 30, tzinfo=UTC),
    ]


def test_a_due_time_is_shown_in_the_instances_zone_across_a_clock_change(alice, settings):
    settings.TIME_ZONE = "America/New_York"
    # 00:30 EST on the night the clocks go forward at 02:00: four hours later is 05:30 EDT.
    start = datetime.datetime(2026, 3, 8, 5, 30, tzinfo=UTC)
    plan = started_at(start)

    page = alice.get(f"/plans/{plan.pk}/").content.decode()

    assert step(plan, 1).due == start + datetime.timedelta(hours=4)
    assert '2026-03-08 05:30 UTC-04:00</time> <small class="muted">(from the timeline' in page


def test_editing_a_phases_target_moves_its_steps_due_time(alice):
    plan = started_at(datetime.datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    phase = plan.phases.get(position=1)
    url = f"/plans/{plan.pk}/rows/phases/{phase.pk}/edit/"

    response = alice.post(url, {**form_data(alice, url), "target_time": "+6h"}, headers=HTMX)

    assert response.status_code == 200
    assert step(plan, 1).due == datetime.datetime(2026, 11, 28, 16, 0, tzinfo=UTC)


def test_moving_a_step_gives_it_the_due_time_of_its_new_place(alice):
    plan = started_at(datetime.datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    first = step(plan, 0)

    response = alice.post(
        f"/plans/{plan.pk}/rows/steps/{first.pk}/move/", {"direction": "down"}, headers=HTMX
    )

    assert response.status_code == 200
    first.refresh_from_db()
    assert first.due == datetime.datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


def test_a_due_time_set_by_hand_wins_and_blank_goes_back_to_the_timeline(alice, settings):
    settings.TIME_ZONE = "Asia/Kolkata"
    plan = started_at(datetime.datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    target = step(plan, 0)
    url = f"/plans/{plan.pk}/rows/steps/{target.pk}/edit/"

    form = alice.get(url, headers=HTMX).content.decode()
    assert "Due (Asia/Kolkata, UTC+05:30)" in form
    set_by_hand = alice.post(
        url, {**form_data(alice, url), "due_at": "2026-11-29T09:00"}, headers=HTMX
    )
    target.refresh_from_db()
    by_hand = target.due
    cleared = alice.post(url, {**form_data(alice, url), "due_at": ""}, headers=HTMX)
    target.refresh_from_db()

    assert (set_by_hand.status_code, cleared.status_code) == (200, 200)
    assert by_hand == datetime.datetime(2026, 11, 29, 3, 30, tzinfo=UTC)  # 09:00 IST
    assert target.due_at is None
    assert target.due == datetime.datetime(2026, 11, 28, 11, 0, tzinfo=UTC)


def test_overdue_steps_and_plans_are_marked_until_done(alice):
    now = timezone.now()
    late = started_at(now - datetime.timedelta(hours=3), fix_name="Late fix", issue_id="LATE-1")
    started_at(now, fix_name="On time", issue_id="OK-1")

    page = alice.get(f"/plans/{late.pk}/").content.decode()
    dashboard = alice.get("/").content.decode()

    # Three hours in, every step is past its target but step 2's (+4 hours).
    badge = '<span class="badge overdue">Overdue</span>'
    steps = page.split('<article id="steps-')[1:]
    assert [badge in article for article in steps] == [True, False, True, True, True]
    overdue = page[page.index('id="plan-overdue"') :]
    assert badge in overdue[: overdue.index("</p>")]
    row = dashboard[dashboard.index("Late fix") :]
    assert '<span class="badge overdue">Overdue</span>' in row[: row.index("</tr>")]
    on_time = dashboard[dashboard.index("On time") :]
    assert "Overdue" not in on_time[: on_time.index("</tr>")]

    for task in step(late, 0).tasks.all():
        operations.set_task_done(late.pk, task.pk, done=True, user=None)
    Plan.objects.filter(pk=late.pk).update(status=Status.DEPLOYED)
    assert "Overdue" not in alice.get(f"/plans/{late.pk}/").content.decode()


def test_a_due_time_set_by_hand_goes_into_markdown_and_back():
    doc = template_document(fix_name="X", issue_id="I-1")
    doc.steps[0].due_at = datetime.datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
    with timezone.override("Asia/Kolkata"):
        text = render_plan(doc)
        again = parse_plan(text).document

    assert "**Timeline:** ASAP\n\n**Due:** 2026-11-29 19:30 UTC+05:30\n\n**Tasks:**" in text
    assert again.steps[0].due_at == doc.steps[0].due_at
    assert again.steps[1].due_at is None


def test_a_derived_due_time_is_not_written_and_is_derived_again_on_import():
    plan = started_at(datetime.datetime(2026, 11, 28, 10, 0, tzinfo=UTC))

    text = export_plan(plan.pk)
    again, _warnings = import_plan(text)

    assert "**Due:**" not in text
    assert step(again, 1).due == datetime.datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize("line", ["**Due:** soon", "**Deadline:** 02/03/2026 10:00"])
def test_a_due_line_that_is_no_time_is_kept_not_dropped(line):
    text = f"# Fix Implementation Plan: X\n\n## Steps\n\n### Step 1: Go\n\n{line}\n"

    result = parse_plan(text)

    assert result.document.steps[0].due_at is None
    assert line in result.document.notes


@pytest.mark.parametrize(
    ("zone", "typed"),
    [
        ("America/New_York", "9999-12-31T23:00"),
        ("Asia/Tokyo", "0001-01-01T00:00"),
        ("UTC", "2300-01-01T00:00"),
        ("UTC", "1900-01-01T00:00"),
    ],
)
def test_a_due_time_out_of_range_is_refused_and_nothing_saved(alice, settings, zone, typed):
    # Near year 1 or 9999 a time in another zone is past what Python and PostgreSQL hold:
    # saved, it would have broken every page of the plan for good.
    settings.TIME_ZONE = zone
    plan = started_at(datetime.datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    target = step(plan, 0)
    url = f"/plans/{plan.pk}/rows/steps/{target.pk}/edit/"

    response = alice.post(url, {**form_data(alice, url), "due_at": typed}, headers=HTMX)

    assert response.status_code == 422
    target.refresh_from_db()
    assert target.due_at is None
    assert alice.get(f"/plans/{plan.pk}/").status_code == 200


def test_a_due_time_is_kept_to_the_minute(alice):
    plan = started_at(datetime.datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    target = step(plan, 0)
    url = f"/plans/{plan.pk}/rows/steps/{target.pk}/edit/"

    response = alice.post(
        url, {**form_data(alice, url), "due_at": "2026-11-29T14:00:59"}, headers=HTMX
    )
    retitled = alice.post(url, {**form_data(alice, url), "title": "Mitigate"}, headers=HTMX)

    assert (response.status_code, retitled.status_code) == (200, 200)
    target.refresh_from_db()
    assert target.due_at == datetime.datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
    from plans.models import HistoryEntry

    fields = list(HistoryEntry.objects.filter(plan=plan).values_list("field", flat=True))
    assert fields.count("Due (UTC)") == 1  # the retitle did not touch it


@pytest.mark.parametrize("zone", ["+24:00", "-99:99", "AEDT+23:00"])
def test_an_offset_no_clock_has_is_kept_not_a_500(alice, zone):
    from tests.conftest import upload_and_import

    text = (
        "# Fix Implementation Plan: X\n\n## Steps\n\n### Step 1: Go\n\n"
        f"**Due:** 2026-11-29 14:00 {zone}\n\n"
        "## Progress Log\n\n| Time | Update |\n|---|---|\n"
        f"| 2026-11-29 14:00 {zone} | Paged |\n"
    )

    response = upload_and_import(alice, text.encode())

    assert response.status_code == 302
    plan = Plan.objects.get()
    assert step(plan, 0).due_at is None
    assert f"**Due:** 2026-11-29 14:00 {zone}" in plan.notes


def test_the_first_log_entry_moves_the_due_times_it_starts():
    plan = started_at(datetime.datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    plan.log_entries.all().delete()  # as the admin may
    Plan.objects.filter(pk=plan.pk).update(
        created_at=datetime.datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    )

    entry = operations.add_log_entry(plan.pk, update="Started", user=None)

    assert step(plan, 1).due == entry.logged_at + datetime.timedelta(hours=4)


def test_a_derived_due_time_names_the_phase_it_comes_from(alice):
    plan = started_at(datetime.datetime(2026, 11, 28, 10, 0, tzinfo=UTC))

    page = alice.get(f"/plans/{plan.pk}/").content.decode()

    assert "(from the timeline: Fix Development, +4 hours from the start)" in page
