"""An action that fails halfway leaves nothing half-done: each one is a single transaction.

Each test breaks the action after its first write (the failure is injected into the
plan operation that writes second) and checks the database is as it was before.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from plans import operations
from plans.markdown import store
from plans.models import ChecklistKind, Plan, ProgressLogEntry, Status, StepTask
from tests.conftest import GOLDEN, HTMX
from tests.factories import template_plan

pytestmark = pytest.mark.django_db


class Injected(Exception):
    pass


def explode(*args, **kwargs):
    raise Injected("failure injected after the first write")


@pytest.fixture
def failing(engineer):
    client = Client(raise_request_exception=False)
    client.force_login(engineer)
    return client


def test_a_status_change_that_fails_after_its_update_is_undone(failing, monkeypatch):
    plan = template_plan()
    monkeypatch.setattr(operations, "_log", explode)

    response = failing.post(
        f"/plans/{plan.pk}/status/", {"expected": "planning", "to": "in_progress"}, headers=HTMX
    )

    assert response.status_code == 500
    plan.refresh_from_db()
    assert plan.status == Status.PLANNING
    assert plan.log_entries.count() == 1


def test_a_tick_that_fails_after_its_update_is_undone(failing, monkeypatch):
    plan = template_plan()
    tasks = list(StepTask.objects.filter(step__plan=plan, step__position=0))
    for task in tasks[:-1]:
        failing.post(f"/plans/{plan.pk}/rows/tasks/{task.pk}/done/", {"done": "true"})
    before = Plan.objects.get(pk=plan.pk).updated_at
    # The last tick completes the step: it logs, then fails before timing the phase.
    monkeypatch.setattr(operations, "elapsed_since_start", explode)

    response = failing.post(
        f"/plans/{plan.pk}/rows/tasks/{tasks[-1].pk}/done/", {"done": "true"}, headers=HTMX
    )

    assert response.status_code == 500
    tasks[-1].refresh_from_db()
    assert not tasks[-1].done
    assert not ProgressLogEntry.objects.filter(update__endswith="complete").exists()
    assert plan.phases.get(position=0).status == "in_progress"
    assert Plan.objects.get(pk=plan.pk).updated_at == before


def test_a_delete_that_fails_before_renumbering_is_undone(failing, monkeypatch):
    plan = template_plan()
    items = plan.checklist_items.filter(kind=ChecklistKind.PREREQUISITE).order_by("position")
    before = [(i.pk, i.position) for i in items]
    monkeypatch.setattr(operations, "record_change", explode)

    response = failing.post(
        f"/plans/{plan.pk}/rows/prerequisites/{before[1][0]}/delete/", {"confirm": "yes"}
    )

    assert response.status_code == 500
    assert [(i.pk, i.position) for i in items.all()] == before


def test_a_phase_edit_that_fails_while_logging_is_undone(failing, monkeypatch):
    plan = template_plan()
    phase = plan.phases.get(position=0)
    page = failing.get(f"/plans/{plan.pk}/rows/phases/{phase.pk}/edit/", headers=HTMX)
    form = page.context["edit_form"]
    data = {**{k: "" if v is None else str(v) for k, v in form.current.items()}}
    data.update(base=form.initial["base"], actual_time="+2 hours")
    monkeypatch.setattr(operations, "log_phase_override", explode)

    response = failing.post(f"/plans/{plan.pk}/rows/phases/{phase.pk}/edit/", data)

    assert response.status_code == 500
    phase.refresh_from_db()
    assert phase.actual_time == ""


def test_an_import_that_fails_halfway_saves_no_plan(failing, monkeypatch):
    calls = {"n": 0}
    real = store._bulk_create

    def fail_on_the_third(instances):
        calls["n"] += 1
        if calls["n"] == 3:
            raise Injected("after the plan, its checklist and steps were written")
        real(instances)

    monkeypatch.setattr(store, "_bulk_create", fail_on_the_third)
    upload = SimpleUploadedFile("plan.md", (GOLDEN / "filled-plan.md").read_bytes())

    response = failing.post("/plans/import/", {"file": upload})

    assert response.status_code == 500
    assert calls["n"] == 3
    assert not Plan.objects.exists()
