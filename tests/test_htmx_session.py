"""An HTMX action after the session ended goes to the login page as a whole page, with the
page the user was on to come back to; never the login form swapped into a fragment."""

import pytest
from django.test import Client

from plans.models import ChecklistKind
from tests.factories import template_plan

pytestmark = pytest.mark.django_db


def htmx_headers(plan):
    return {"HX-Request": "true", "HX-Current-URL": f"http://testserver/plans/{plan.pk}/"}


def test_an_htmx_action_without_a_session_is_sent_to_log_in_and_back():
    plan = template_plan()
    item = plan.checklist_items.get(kind=ChecklistKind.PREREQUISITE, position=0)

    response = Client().post(
        f"/plans/{plan.pk}/rows/prerequisites/{item.pk}/done/",
        {"done": "true"},
        headers=htmx_headers(plan),
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/accounts/login/?next=%2Fplans%2F{plan.pk}%2F"
    assert response.content == b""
    item.refresh_from_db()
    assert not item.done


def test_an_htmx_post_whose_csrf_token_ended_with_its_session_is_sent_to_log_in():
    plan = template_plan()
    client = Client(enforce_csrf_checks=True)

    response = client.post(f"/plans/{plan.pk}/log/", {"update": "x"}, headers=htmx_headers(plan))

    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")


def test_a_csrf_failure_of_someone_logged_in_is_still_a_403(alice):
    plan = template_plan()
    alice.handler.enforce_csrf_checks = True

    response = alice.post(f"/plans/{plan.pk}/log/", {"update": "x"}, headers=htmx_headers(plan))

    assert response.status_code == 403 and "HX-Redirect" not in response


def test_a_page_without_a_session_still_redirects_as_a_page():
    response = Client().get("/")

    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/"


def test_with_debug_on_pages_load_htmx_without_the_debug_script(alice, settings):
    # django-htmx's debug script would replace the page with Django's error page on any
    # 4xx, hiding the app's own message (a row deleted by someone else) under `make run`.
    settings.DEBUG = True
    plan = template_plan()

    response = alice.get(f"/plans/{plan.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "django_htmx/htmx-2.min" in page
    assert "django-htmx" not in page
