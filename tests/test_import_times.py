"""Progress-log times: any offset a real zone uses, stored in UTC, and nothing a database
cannot read back (PostgreSQL cannot load a year past 9999 once converted to UTC)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from plans.markdown import PlanFormatError, import_plan
from plans.models import Plan, ProgressLogEntry
from plans.operations import create_share_link
from tests.conftest import CORPUS

pytestmark = pytest.mark.django_db

LOG_LINE = 12  # the log row of bad-log-time.md


def plan_logged_at(time: str) -> str:
    return (CORPUS / "bad-log-time.md").read_text(encoding="utf-8").replace("yesterday", time)


@pytest.mark.parametrize(
    ("time", "message"),
    [
        ("9999-12-31T23:59:00-14:00", "expected an offset from -12:00 to +14:00"),
        ("9999-12-31T23:59:00-12:00", "is out of range; expected a time from 1970-01-01"),
        ("0001-01-01T00:00:00+14:00", "is out of range; expected a time from 1970-01-01"),
        ("1969-12-31 23:59", "is out of range; expected a time from 1970-01-01"),
        ("2200-01-01T00:00:00", "to before 2200-01-01 (UTC)"),
        ("2199-12-31T23:00:00-12:00", "to before 2200-01-01 (UTC)"),
        ("2026-04-04T10:00:00-23:59", "expected an offset from -12:00 to +14:00"),
        ("2026-04-04T10:00:00+14:01", "expected an offset from -12:00 to +14:00"),
        ("10:00-13:00", "expected an offset from -12:00 to +14:00"),
    ],
)
def test_a_time_out_of_range_is_refused_with_its_line(time, message):
    with pytest.raises(PlanFormatError) as caught:
        import_plan(plan_logged_at(time))

    assert caught.value.line == LOG_LINE
    assert str(caught.value).startswith(f"line {LOG_LINE}: the progress log time {time!r}")
    assert message in str(caught.value)
    assert not Plan.objects.exists() and not ProgressLogEntry.objects.exists()


def test_a_real_offset_is_stored_as_the_same_instant_in_utc():
    plan, _warnings = import_plan(plan_logged_at("2026-04-04T14:05:00+05:30"))

    logged_at = ProgressLogEntry.objects.get(plan=plan).logged_at
    assert logged_at == datetime.datetime(2026, 4, 4, 8, 35, tzinfo=datetime.UTC)
    assert logged_at.utcoffset() == datetime.timedelta(0)


def test_a_clock_time_keeps_its_own_offset():
    plan, _warnings = import_plan(plan_logged_at("14:05+05:30"))

    logged_at = ProgressLogEntry.objects.get(plan=plan).logged_at
    assert logged_at == datetime.datetime(2026, 4, 4, 8, 35, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    "time",
    ["1970-01-01T11:00:00-12:00", "1970-01-01T14:00:00+14:00", "2199-12-31T11:59:59-12:00"],
)
def test_the_extremes_of_the_range_import_and_every_page_reads_them(alice, client, time):
    plan, _warnings = import_plan(plan_logged_at(time))
    _link, token = create_share_link(plan.pk)

    assert alice.get(f"/plans/{plan.pk}/").status_code == 200
    assert alice.get(f"/plans/{plan.pk}/export.md").status_code == 200
    assert client.get(f"/s/{token}/").status_code == 200
    assert client.get(f"/s/{token}/export.md").status_code == 200


def test_the_import_form_shows_the_message_not_a_server_error(alice):
    content = plan_logged_at("9999-12-31T23:59:00-12:00").encode()

    response = alice.post("/plans/import/", {"file": SimpleUploadedFile("plan.md", content)})

    assert response.status_code == 422
    assert f"<li>line {LOG_LINE}: the progress log time".encode() in response.content
    assert b"is out of range" in response.content
    assert not Plan.objects.exists()


def test_an_offset_no_zone_uses_is_a_form_message_not_a_server_error(alice):
    content = plan_logged_at("2026-04-04T10:00:00-23:59").encode()

    response = alice.post("/plans/import/", {"file": SimpleUploadedFile("plan.md", content)})

    assert response.status_code == 422
    assert b"expected an offset from -12:00 to +14:00" in response.content
    assert not Plan.objects.exists()
