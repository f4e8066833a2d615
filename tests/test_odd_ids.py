"""Ids and hidden values no browser sends: a 404, or ignored like any unknown value, never a 500."""

import pytest
from django.test import Client

from plans.views.ids import MAX_ID, parse_id
from tests.conftest import HTMX
from tests.factories import template_plan

pytestmark = pytest.mark.django_db

ODD_IDS = ["²", "٣", "\uff11", "-1", "0", "+1", " 1", "1.0", str(MAX_ID + 1), "9" * 5000]


@pytest.fixture
def editor(engineer, settings):
    """Alice, through a client that answers a crash with a 500 page, as gunicorn does."""
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(engineer)
    return client


@pytest.mark.parametrize("value", ODD_IDS)
def test_an_odd_id_names_no_row(value):
    assert parse_id(value) is None


def test_a_plain_number_is_an_id():
    assert [parse_id("1"), parse_id("007"), parse_id(str(MAX_ID))] == [1, 7, MAX_ID]


@pytest.mark.parametrize("step", ODD_IDS)
def test_adding_a_task_to_an_odd_step_is_404(editor, step):
    plan = template_plan()

    response = editor.post(
        f"/plans/{plan.pk}/rows/tasks/add/", {"step": step, "add-tasks-1-text": "x"}, headers=HTMX
    )

    assert response.status_code == 404


@pytest.mark.parametrize("row_id", ODD_IDS)
def test_an_odd_edit_target_is_ignored_like_any_unknown_one(editor, row_id):
    plan = template_plan()

    response = editor.get(f"/plans/{plan.pk}/", {"edit": f"tasks-{row_id}"})

    assert response.status_code == 200
    assert "edit_form" not in response.context


@pytest.mark.parametrize(
    "base",
    ["[" * 100_000, '{"a":' * 10_000, '{"created": 5}', '{"created": ["2026-01-01"]}', "[1]", "7"],
    ids=["deep-list", "deep-object", "number", "list", "not-an-object", "bare-number"],
)
def test_a_damaged_base_is_treated_as_no_base(editor, base):
    plan = template_plan(fix_name="Before")
    url = f"/plans/{plan.pk}/sections/header/edit/"
    form = editor.get(url, headers=HTMX).context["edit_form"]
    data = {name: "" if v is None else str(v) for name, v in form.current.items()}

    response = editor.post(url, {**data, "base": base, "fix_name": "After"}, headers=HTMX)

    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.fix_name == "After"


@pytest.mark.parametrize(
    ("method", "action"),
    [("get", ""), ("get", "edit/"), ("post", "edit/"), ("post", "move/"), ("post", "delete/")],
)
def test_a_plan_id_past_the_database_integers_is_404_for_its_rows(editor, method, action):
    plan = template_plan()
    metric = plan.metrics.first()
    url = f"/plans/{MAX_ID + 1}/rows/metrics/{metric.pk}/{action}"

    response = getattr(editor, method)(url, {"direction": "up"}, headers=HTMX)

    assert response.status_code == 404
    assert plan.metrics.filter(pk=metric.pk).exists()


def test_an_edit_target_on_a_plan_id_past_the_database_integers_is_404(editor):
    metric = template_plan().metrics.first()

    response = editor.get(f"/plans/{MAX_ID + 1}/", {"edit": f"metrics-{metric.pk}"})

    assert response.status_code == 404
