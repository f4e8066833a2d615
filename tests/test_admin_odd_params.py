"""The admin's lists answer odd filter values with a message, never a 500."""

import pytest
from django.urls import reverse

from tests.factories import template_plan

pytestmark = pytest.mark.django_db

ODD = [
    {"created__year": "9999", "created__month": "12", "created__day": "31"},
    {"created__year": "9999", "created__month": "12"},
    {"created__year": "9999"},
    {"created__year": "0"},
    {"created__year": "99999999999999999999"},
    {"created__year": "2026", "created__month": "13"},
    {"created__year": "2026\x00"},
    {"q": "a\x00b"},
    {"status__exact": "\x00"},
    {"o": "99"},
    {"p": "\x00"},
]


@pytest.mark.parametrize("params", ODD, ids=[repr(p) for p in ODD])
def test_odd_filters_on_the_plan_list_are_not_a_server_error(admin_client, params):
    template_plan()

    response = admin_client.get(reverse("admin:plans_plan_changelist"), params)

    assert response.status_code in (200, 302, 400), response.status_code


@pytest.mark.parametrize(
    "url",
    [
        "/admin/autocomplete/?app_label=plans&model_name=step&field_name=plan&term=%00",
        "/admin/autocomplete/?app_label=plans&model_name=sharelink&field_name=created_by&term=a%00",
        "/admin/plans/plan/?q=%00",
        "/?q=%00",
    ],
)
def test_a_nul_in_a_query_is_a_bad_request(admin_client, url):
    template_plan()

    response = admin_client.get(url)

    assert response.status_code == 400
    assert b"That request could not be read" in response.content
