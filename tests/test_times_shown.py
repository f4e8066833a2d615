"""Every moment a page shows says its zone (the instance's TIME_ZONE), never a bare time."""

import re

import pytest

from plans import operations
from tests.factories import template_plan

pytestmark = pytest.mark.django_db

# A <time> that holds a time of day, not a date alone.
MOMENT_RE = re.compile(r'<time datetime="[^"]*T[^"]*">([^<]*)</time>')


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_every_time_shown_says_its_zone(alice, settings, zone):
    from django.utils import timezone

    settings.TIME_ZONE = zone
    plan = template_plan()
    _link, token = operations.create_share_link(plan.pk, user=None)
    operations.add_log_entry(plan.pk, update="Paged the DBA", user=None)
    with timezone.override(zone):
        abbreviation = timezone.localtime().tzname()

    for url in [f"/plans/{plan.pk}/", f"/plans/{plan.pk}/history/", f"/s/{token}/"]:
        response = alice.get(url)
        assert response.status_code == 200
        shown = MOMENT_RE.findall(response.content.decode())
        assert len(shown) >= 2, url
        for moment in shown:
            assert re.fullmatch(rf"\d{{4}}-\d\d-\d\d \d\d:\d\d {abbreviation}", moment), (
                url,
                moment,
            )
