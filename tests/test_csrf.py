"""Every state change needs the CSRF token, HTMX requests included (sent as X-CSRFToken)."""

import pytest
from django.test import Client

from plans.models import ChecklistKind, Plan
from tests.conftest import HTMX
from tests.factories import template_plan

pytestmark = pytest.mark.django_db


def post_urls(plan: Plan) -> list[tuple[str, dict]]:
    item = plan.checklist_items.get(kind=ChecklistKind.PREREQUISITE, position=0)
    task = plan.steps.get(position=0).tasks.get(position=0)
    base = f"/plans/{plan.pk}"
    return [
        ("/plans/new/", {"fix_name": "x", "issue_id": "y", "priority": "P1"}),
        (f"{base}/status/", {"expected": "planning", "to": "in_progress"}),
        (f"{base}/log/", {"update": "x"}),
        (f"{base}/sections/notes/edit/", {"notes": "x"}),
        (f"{base}/rows/prerequisites/add/", {"add-prerequisites-text": "x"}),
        (f"{base}/rows/prerequisites/{item.pk}/edit/", {"text": "x"}),
        (f"{base}/rows/prerequisites/{item.pk}/move/", {"direction": "down"}),
        (f"{base}/rows/prerequisites/{item.pk}/delete/", {"confirm": "yes"}),
        (f"{base}/rows/prerequisites/{item.pk}/done/", {"done": "true"}),
        (f"{base}/rows/tasks/{task.pk}/done/", {"done": "true"}),
    ]


@pytest.fixture
def strict(engineer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(engineer)
    return client


def test_every_post_without_the_token_is_refused_and_changes_nothing(strict):
    plan = template_plan()
    before = Plan.objects.get(pk=plan.pk).updated_at

    for url, data in post_urls(plan):
        response = strict.post(url, data, headers=HTMX)
        assert response.status_code == 403, url

    assert Plan.objects.count() == 1
    assert Plan.objects.get(pk=plan.pk).updated_at == before
    assert plan.log_entries.count() == 1


def test_the_page_hands_htmx_the_token_in_hx_headers(strict):
    plan = template_plan()

    page = strict.get(f"/plans/{plan.pk}/").content.decode()
    token = strict.cookies["csrftoken"].value

    assert 'hx-headers=\'{"X-CSRFToken": "' in page
    url, data = post_urls(plan)[-1]
    assert strict.post(url, data, headers={**HTMX, "X-CSRFToken": token}).status_code == 200
