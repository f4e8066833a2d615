"""Every change to a plan goes through `plans.operations`, which moves the plan's version
and keeps its checkbox counts: each kind of change, through its public surface, does both."""

import pytest
from django.urls import reverse

from plans.models import ChecklistKind, Plan, ShareLink, StepTask
from tests.conftest import HTMX, upload_and_import
from tests.factories import filled_plan, template_plan
from tests.test_rows import edit_data, url

pytestmark = pytest.mark.django_db

# What the Delete button sends once its question is answered.
CONFIRM = {"confirm": "yes"}


def counted(plan: Plan) -> tuple[int, int]:
    """The plan's ticked and total boxes, counted afresh."""
    items = list(plan.checklist_items.values_list("done", flat=True))
    tasks = list(StepTask.objects.filter(step__plan=plan).values_list("done", flat=True))
    boxes = items + tasks
    return sum(boxes), len(boxes)


def first_item(plan):
    return plan.checklist_items.filter(kind=ChecklistKind.PREREQUISITE).order_by("position")[0]


def first_task(plan):
    return StepTask.objects.filter(step__plan=plan).order_by("step__position", "position")[0]


CHANGES = {
    "tick a task": lambda c, p: c.post(url(p, "tasks", first_task(p), "done/"), {"done": "true"}),
    "untick an item": lambda c, p: c.post(
        url(p, "prerequisites", first_item(p), "done/"), {"done": "false"}
    ),
    "add a task": lambda c, p: c.post(
        url(p, "tasks", action="add/"),
        {"step": p.steps.first().pk, f"add-step-{p.steps.first().pk}-tasks-text": "New task"},
    ),
    "edit an item": lambda c, p: c.post(
        url(p, "prerequisites", first_item(p), "edit/"),
        {**edit_data(c, p, "prerequisites", first_item(p)), "text": "Edited"},
    ),
    "move an item": lambda c, p: c.post(
        url(p, "prerequisites", first_item(p), "move/"), {"direction": "down"}
    ),
    "delete a step": lambda c, p: c.post(url(p, "steps", p.steps.first(), "delete/"), CONFIRM),
    "delete a ticked item": lambda c, p: c.post(
        url(p, "prerequisites", first_item(p), "delete/"), CONFIRM
    ),
    "change the status": lambda c, p: c.post(
        f"/plans/{p.pk}/status/", {"expected": p.status, "to": "deployed", **CONFIRM}
    ),
    "log progress": lambda c, p: c.post(f"/plans/{p.pk}/log/", {"update": "Halfway"}),
    "create a share link": lambda c, p: c.post(f"/plans/{p.pk}/share/", {"label": "Support"}),
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_moves_the_version_and_keeps_the_counts(alice, change):
    plan = filled_plan()
    before = Plan.objects.get(pk=plan.pk)
    assert (before.boxes_done, before.boxes_total) == counted(plan)

    response = CHANGES[change](alice, plan)

    assert response.status_code in (200, 302), response.content.decode()[:500]
    after = Plan.objects.get(pk=plan.pk)
    assert after.version > before.version
    assert (after.boxes_done, after.boxes_total) == counted(plan)


def test_editing_a_section_and_revoking_a_link_move_the_version(alice):
    plan = template_plan()
    form = alice.get(f"/plans/{plan.pk}/sections/notes/edit/", headers=HTMX).context["edit_form"]
    version = Plan.objects.get(pk=plan.pk).version

    edited = alice.post(
        f"/plans/{plan.pk}/sections/notes/edit/",
        {"notes": "New notes", "base": form["base"].value()},
    )
    alice.post(f"/plans/{plan.pk}/share/", {"label": "Support"})
    link = ShareLink.objects.get()
    revoked = alice.post(f"/plans/{plan.pk}/share/{link.pk}/revoke/", CONFIRM)

    assert edited.status_code == 302 and revoked.status_code == 302
    assert Plan.objects.get(pk=plan.pk).version == version + 3


def test_an_imported_plan_starts_with_its_counts(alice):
    plan = filled_plan()
    download = alice.get(f"/plans/{plan.pk}/export.md").content

    response = upload_and_import(alice, download)

    assert response.status_code == 302
    copy = Plan.objects.latest("pk")
    assert (copy.boxes_done, copy.boxes_total) == counted(plan) == counted(copy)


def test_a_plan_deleted_in_the_admin_with_its_rows_leaves_no_error(admin_client):
    plan = template_plan()

    response = admin_client.post(
        reverse("admin:plans_plan_delete", args=[plan.pk]), {"post": "yes"}
    )

    assert response.status_code == 302 and not Plan.objects.filter(pk=plan.pk).exists()
