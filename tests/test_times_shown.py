"""Every moment a page shows says its zone: the instance's TIME_ZONE, as its offset from
UTC ("UTC+05:30"), never a bare time nor an abbreviation several zones share."""

import re

import pytest

from plans import operations
from tests.factories import template_plan

pytestmark = pytest.mark.django_db

# A <time> that holds a time of day, not a date alone.
MOMENT_RE = re.compile(r'<time datetime="[^"]*T[^"]*">([^<]*)</time>')


@pytest.mark.parametrize(
    ("zone", "shown"),
    [("UTC", "UTC"), ("America/New_York", "UTC-05:00"), ("Asia/Kolkata", "UTC+05:30")],
)
def test_every_time_shown_says_its_zone(alice, settings, zone, shown):
    settings.TIME_ZONE = zone
    plan = template_plan()
    _link, token = operations.create_share_link(plan.pk, user=None)
    operations.add_log_entry(plan.pk, update="Paged the DBA", user=None)

    for url in [f"/plans/{plan.pk}/", f"/plans/{plan.pk}/history/", f"/s/{token}/"]:
        response = alice.get(url)
        assert response.status_code == 200
        moments = MOMENT_RE.findall(response.content.decode())
        assert len(moments) >= 2, url
        pattern = rf"\d{{4}}-\d\d-\d\d \d\d:\d\d {re.escape(shown)}"
        assert all(re.fullmatch(pattern, moment) for moment in moments), (url, moments)
