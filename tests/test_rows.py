"""Rows of a plan's lists are added, edited, moved and deleted in place, positions kept dense."""

import re

import pytest

from plans.models import ChecklistKind, PhaseStatus, Step, StepTask
from tests.conftest import HTMX
from tests.factories import filled_plan, template_plan

pytestmark = pytest.mark.django_db

# What the Delete button sends once its question is answered.
CONFIRM = {"confirm": "yes"}


def url(plan, kind, row=None, action=""):
    base = f"/plans/{plan.pk}/rows/{kind}/"
    return f"{base}{row.pk}/{action}" if row is not None else f"{base}{action}"


def texts(rows) -> list[str]:
    return [r.text for r in rows.order_by("position")]


def positions(rows) -> list[int]:
    return list(rows.order_by("position").values_list("position", flat=True))


def edit_data(client, plan, kind, row) -> dict:
    form = client.get(url(plan, kind, row, "edit/"), headers=HTMX).context["edit_form"]
    data = {name: "" if v is None else str(v) for name, v in form.current.items()}
    return {**data, "base": form.initial["base"]}


def prerequisites(plan):
    return plan.checklist_items.filter(kind=ChecklistKind.PREREQUISITE)


def test_it_adds_a_prerequisite_at_the_end(alice):
    plan = template_plan()

    response = alice.post(
        url(plan, "prerequisites", action="add/"),
        {"add-prerequisites-text": "Feature flag ready"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert texts(prerequisites(plan))[-1] == "Feature flag ready"
    assert positions(prerequisites(plan)) == [0, 1, 2, 3, 4]
    html = response.content.decode()
    assert html.startswith('<div id="prerequisites" class="checklist">')
    assert "Feature flag ready" in html


def test_adding_a_blank_item_gets_422_and_adds_nothing(alice):
    plan = template_plan()

    response = alice.post(
        url(plan, "prerequisites", action="add/"), {"add-prerequisites-text": "  "}, headers=HTMX
    )

    assert response.status_code == 422
    assert b"This field is required." in response.content
    assert len(texts(prerequisites(plan))) == 4


def test_it_adds_a_task_to_the_named_step(alice):
    plan = template_plan()
    step = plan.steps.get(position=3)

    response = alice.post(
        url(plan, "tasks", action="add/"),
        {"step": step.pk, f"add-step-{step.pk}-tasks-text": "Ping the reviewer"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert texts(step.tasks.all())[-1] == "Ping the reviewer"
    assert response.content.decode().startswith(f'<div id="step-{step.pk}-tasks"')


def test_adding_a_task_to_another_plans_step_is_404(alice):
    plan, other = template_plan(), template_plan()
    step = other.steps.first()

    for value in [step.pk, "", "x"]:
        response = alice.post(url(plan, "tasks", action="add/"), {"step": value}, headers=HTMX)
        assert response.status_code == 404
    assert step.tasks.count() == 3


def test_it_edits_a_task(alice):
    plan = template_plan()
    task = StepTask.objects.filter(step__plan=plan).first()
    data = {**edit_data(alice, plan, "tasks", task), "text": "Apply the workaround"}

    response = alice.post(url(plan, "tasks", task, "edit/"), data, headers=HTMX)

    assert response.status_code == 200
    task.refresh_from_db()
    assert task.text == "Apply the workaround"
    assert response.content.decode().startswith(f'<li id="tasks-{task.pk}"')


def test_an_invalid_row_edit_gets_422_beside_the_field(alice):
    plan = template_plan()
    metric = plan.metrics.first()
    data = {**edit_data(alice, plan, "metrics", metric), "metric": "", "alert_threshold": "x" * 300}

    response = alice.post(url(plan, "metrics", metric, "edit/"), data, headers=HTMX)

    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required." in html and "at most 200 characters" in html
    metric.refresh_from_db()
    assert metric.metric == "Error rate"


def test_it_moves_rows_up_and_down(alice):
    plan = template_plan()
    first, second = prerequisites(plan).order_by("position")[:2]

    response = alice.post(
        url(plan, "prerequisites", second, "move/"), {"direction": "up"}, headers=HTMX
    )

    assert response.status_code == 200
    assert texts(prerequisites(plan))[:2] == [second.text, first.text]
    assert positions(prerequisites(plan)) == [0, 1, 2, 3]


def test_moving_past_the_end_changes_nothing(alice):
    plan = template_plan()
    first = prerequisites(plan).get(position=0)
    before = texts(prerequisites(plan))

    alice.post(url(plan, "prerequisites", first, "move/"), {"direction": "up"}, headers=HTMX)

    assert texts(prerequisites(plan)) == before


def test_a_move_needs_a_direction(alice):
    plan = template_plan()
    first = prerequisites(plan).get(position=0)

    response = alice.post(url(plan, "prerequisites", first, "move/"), {"direction": "left"})

    assert response.status_code == 400


def test_moving_a_step_renumbers_the_steps(alice):
    plan = template_plan()
    testing = plan.steps.get(title="Testing")

    response = alice.post(url(plan, "steps", testing, "move/"), {"direction": "up"}, headers=HTMX)

    assert response.status_code == 200
    assert "Step 2: Testing" in response.content.decode()
    assert [s.title for s in plan.steps.all()][1:3] == ["Testing", "Prepare Fix"]


def test_deleting_keeps_positions_dense(alice):
    plan = template_plan()
    second = prerequisites(plan).get(position=1)

    response = alice.post(url(plan, "prerequisites", second, "delete/"), CONFIRM, headers=HTMX)

    assert response.status_code == 200
    assert positions(prerequisites(plan)) == [0, 1, 2]
    assert second.text not in texts(prerequisites(plan))


def test_without_javascript_a_delete_asks_first_and_deletes_nothing(alice):
    plan = template_plan()
    second = prerequisites(plan).get(position=1)

    response = alice.post(url(plan, "prerequisites", second, "delete/"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Delete this prerequisite?" in html and second.text in html
    assert '<input type="hidden" name="confirm" value="yes">' in html
    assert f'href="/plans/{plan.pk}/#prerequisites-{second.pk}"' in html
    assert second.text in texts(prerequisites(plan))


def test_without_javascript_the_answered_question_deletes(alice):
    plan = template_plan()
    second = prerequisites(plan).get(position=1)

    response = alice.post(url(plan, "prerequisites", second, "delete/"), CONFIRM)

    assert response.status_code == 302
    assert response["Location"] == f"/plans/{plan.pk}/#prerequisites"
    assert second.text not in texts(prerequisites(plan))


def test_with_htmx_the_buttons_own_question_is_the_answer(alice):
    plan = template_plan()
    second = prerequisites(plan).get(position=1)

    html = alice.get(f"/plans/{plan.pk}/?edit=prerequisites-{second.pk}").content.decode()
    # A form opened before the question page existed sends no `confirm` either.
    response = alice.post(url(plan, "prerequisites", second, "delete/"), headers=HTMX)

    assert 'hx-confirm="Delete this prerequisite?"' in html
    assert response.status_code == 200
    assert '<div id="prerequisites"' in response.content.decode()
    assert second.text not in texts(prerequisites(plan))


def test_the_question_shows_the_row_as_the_plan_page_does(alice):
    plan = filled_plan()
    task = StepTask.objects.filter(step__plan=plan, text__contains="{{DEFAULT_BRANCH}}").first()

    response = alice.post(url(plan, "tasks", task, "delete/"))

    html = response.content.decode()
    assert f'<form method="post" action="/plans/{plan.pk}/rows/tasks/{task.pk}/delete/">' in html
    assert "from main" in html and "{{DEFAULT_BRANCH}}" not in html


def test_deleting_a_step_deletes_its_tasks(alice):
    plan = template_plan()
    step = plan.steps.get(position=0)

    alice.post(url(plan, "steps", step, "delete/"), CONFIRM, headers=HTMX)

    assert not Step.objects.filter(pk=step.pk).exists()
    assert not StepTask.objects.filter(step_id=step.pk).exists()
    assert list(plan.steps.values_list("position", flat=True)) == [0, 1, 2, 3]


def test_it_adds_a_step_and_edits_its_files_and_commands(alice):
    plan = template_plan()
    alice.post(
        url(plan, "steps", action="add/"),
        {"add-steps-title": "Backfill", "add-steps-timeline": "1 hour"},
        headers=HTMX,
    )
    step = plan.steps.get(title="Backfill")
    assert step.position == 5
    data = {
        **edit_data(alice, plan, "steps", step),
        "files": "app/models.py\n`app/views.py`\n\n",
        "test_commands": "make test",
    }

    response = alice.post(url(plan, "steps", step, "edit/"), data, headers=HTMX)

    assert response.status_code == 200
    assert [f.path for f in step.files.all()] == ["app/models.py", "app/views.py"]
    step.refresh_from_db()
    assert step.test_commands == "make test"
    assert "Step 6: Backfill" in response.content.decode()


def test_table_rows_are_added_edited_and_phase_times_logged(alice):
    plan = template_plan()
    response = alice.post(
        url(plan, "stakeholders", action="add/"),
        {
            "add-stakeholders-stakeholder": "Support",
            "add-stakeholders-update_method": "Zendesk",
            "add-stakeholders-when": "Hourly",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert plan.stakeholder_updates.last().stakeholder == "Support"

    phase = plan.phases.get(position=2)
    data = {**edit_data(alice, plan, "phases", phase), "actual_time": "+3 hours", "status": "done"}
    response = alice.post(url(plan, "phases", phase, "edit/"), data, headers=HTMX)

    assert response.status_code == 200
    phase.refresh_from_db()
    assert (phase.actual_time, phase.status) == ("+3 hours", PhaseStatus.DONE)
    assert plan.log_entries.filter(update="Timeline: Testing actual time +3 hours").exists()


def test_same_row_edited_by_two_people_gets_409(alice):
    plan = template_plan()
    metric = plan.metrics.first()
    mine = edit_data(alice, plan, "metrics", metric)
    theirs = edit_data(alice, plan, "metrics", metric)
    alice.post(url(plan, "metrics", metric, "edit/"), {**theirs, "alert_threshold": "> 2%"})

    response = alice.post(
        url(plan, "metrics", metric, "edit/"), {**mine, "alert_threshold": "> 5%"}, headers=HTMX
    )

    assert response.status_code == 409
    assert "Someone else changed this to “&gt; 2%”" in response.content.decode()


def test_rows_of_another_plan_are_404(alice):
    plan, other = template_plan(), template_plan()
    metric = other.metrics.first()

    assert alice.get(url(plan, "metrics", metric, "edit/"), headers=HTMX).status_code == 404
    assert alice.post(url(plan, "metrics", metric, "edit/"), {}).status_code == 404
    assert alice.post(url(plan, "metrics", metric, "delete/"), CONFIRM).status_code == 404
    assert alice.post(url(plan, "metrics", metric, "move/"), {"direction": "up"}).status_code == 404
    assert alice.get(url(plan, "metrics", metric)).status_code == 404
    assert alice.post(url(plan, "bogus", action="add/")).status_code == 404
    assert other.metrics.count() == 2


def test_without_htmx_actions_redirect_back(alice):
    plan = template_plan()
    first = prerequisites(plan).get(position=0)

    moved = alice.post(url(plan, "prerequisites", first, "move/"), {"direction": "down"})
    added = alice.post(url(plan, "prerequisites", action="add/"), {"add-prerequisites-text": "x"})
    failed = alice.post(url(plan, "prerequisites", action="add/"), {"add-prerequisites-text": ""})

    assert moved.status_code == 302 and moved["Location"].endswith(f"#prerequisites-{first.pk}")
    assert added.status_code == 302 and added["Location"].endswith("#prerequisites")
    assert failed.status_code == 422 and b"<html" in failed.content
    assert b"This field is required." in failed.content


def test_every_row_action_requires_change_permission(bob):
    plan = template_plan()
    first = prerequisites(plan).get(position=0)

    assert bob.post(url(plan, "prerequisites", action="add/"), {}).status_code == 403
    assert bob.get(url(plan, "prerequisites", first, "edit/")).status_code == 403
    assert bob.post(url(plan, "prerequisites", first, "edit/"), {}).status_code == 403
    assert (
        bob.post(url(plan, "prerequisites", first, "move/"), {"direction": "down"}).status_code
        == 403
    )
    assert bob.post(url(plan, "prerequisites", first, "delete/"), CONFIRM).status_code == 403
    assert texts(prerequisites(plan))[0] == first.text
    assert bob.get(url(plan, "prerequisites", first)).status_code == 200


def test_moving_a_row_someone_just_deleted_changes_nothing(alice):
    # The view reads the row, then someone deletes it before the move takes its locks.
    from plans import operations as row_ops
    from plans.rows import ROW_KINDS

    plan = template_plan()
    first, second = prerequisites(plan)[:2]
    alice.post(url(plan, "prerequisites", second, "delete/"), CONFIRM, headers=HTMX)

    with pytest.raises(type(second).DoesNotExist):
        row_ops.move_row(plan.pk, ROW_KINDS["prerequisites"], second, up=True)
    assert texts(prerequisites(plan))[0] == first.text


def test_adding_a_task_to_a_step_someone_just_deleted_adds_nothing(alice):
    from plans import forms
    from plans import operations as row_ops
    from plans.rows import ROW_KINDS

    plan = template_plan()
    step = plan.steps.first()
    form = forms.StepTaskForm(
        {"add-x-text": "Late task"}, instance=StepTask(step=step), prefix="add-x"
    )
    assert form.is_valid()
    alice.post(url(plan, "steps", step, "delete/"), CONFIRM, headers=HTMX)

    with pytest.raises(Step.DoesNotExist):
        row_ops.add_row(plan.pk, ROW_KINDS["tasks"], form)
    assert not StepTask.objects.filter(text="Late task").exists()


def test_a_lists_add_form_opens_only_when_asked(alice, django_assert_max_num_queries):
    plan = template_plan()
    step = plan.steps.first()
    page = alice.get(f"/plans/{plan.pk}/").content.decode()
    assert 'aria-label="Add task"' not in page and f'id="add-step-{step.pk}-tasks"' in page

    plain = alice.get(url(plan, "tasks", action="add/"), {"step": step.pk})
    opened = alice.get(f"/plans/{plan.pk}/", {"add": f"step-{step.pk}-tasks"}).content.decode()
    with django_assert_max_num_queries(8):
        fragment = alice.get(url(plan, "tasks", action="add/"), {"step": step.pk}, headers=HTMX)
    closed = alice.get(
        url(plan, "tasks", action="add/"), {"step": step.pk, "closed": "1"}, headers=HTMX
    )

    assert plain.status_code == 302
    assert plain["Location"] == f"/plans/{plan.pk}/?add=step-{step.pk}-tasks#step-{step.pk}-tasks"
    assert opened.count('aria-label="Add task"') == 1
    assert f'name="add-step-{step.pk}-tasks-text"' in opened
    assert fragment.status_code == 200 and 'class="add-form"' in fragment.content.decode()
    assert closed.status_code == 200 and b'class="add-link"' in closed.content


def test_a_row_moved_from_its_edit_form_stays_in_it(alice):
    plan = template_plan()
    first = prerequisites(plan).get(position=0)

    response = alice.post(
        url(plan, "prerequisites", first, "move/"), {"direction": "down"}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="down-prerequisites-{first.pk}"' in html and "autofocus" in html
    assert positions(prerequisites(plan)) == [0, 1, 2, 3]
    assert prerequisites(plan).get(pk=first.pk).position == 1


def test_a_move_keeps_what_was_typed_in_the_form(alice):
    plan = template_plan()
    first = prerequisites(plan).get(position=0)
    data = edit_data(alice, plan, "prerequisites", first)

    response = alice.post(
        url(plan, "prerequisites", first, "move/"),
        {**data, "text": "Typed, not yet saved", "direction": "down"},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Typed, not yet saved"' in html
    # The focus stays on the button, so Enter moves the row again.
    assert re.search(rf'id="down-prerequisites-{first.pk}"[^>]*autofocus', html)
    assert html.count("autofocus") == 1
    first.refresh_from_db()
    assert (first.position, first.text) == (1, data["text"])


def ticks(client, plan, kind, *, shown, was, ticked, step=None):
    data = {"shown": ",".join(map(str, shown)), "was": ",".join(map(str, was)), "ticked": ticked}
    if step is not None:
        data["step"] = step
    return client.post(url(plan, kind, action="ticks/"), data)


def test_save_ticks_leaves_a_row_open_for_editing_as_it_is(alice):
    plan = template_plan()
    one, two = prerequisites(plan).order_by("position")[:2]
    alice.post(url(plan, "prerequisites", one, "done/"), {"done": "true"})
    page = alice.get(f"/plans/{plan.pk}/", {"edit": f"prerequisites-{one.pk}"}).content.decode()
    # The row being edited has no box, but its tick still belongs to the list's form.
    kept = re.findall(r'name="ticked" value="(\d+)" form="ticks-prerequisites"', page)

    response = ticks(
        alice, plan, "prerequisites", shown=[one.pk, two.pk], was=[one.pk], ticked=[*kept, two.pk]
    )

    assert response.status_code == 302
    assert list(prerequisites(plan).order_by("position").values_list("done", flat=True))[:2] == [
        True,
        True,
    ]


def test_save_ticks_skips_a_row_deleted_meanwhile_and_logs_no_false_completion(alice):
    plan = template_plan()
    step = plan.steps.get(position=1)
    a, b, c, d = step.tasks.order_by("pk")
    for task in (b, c, d):
        alice.post(url(plan, "tasks", task, "done/"), {"done": "true"})
    gone = step.tasks.create(position=9, text="Deleted by a teammate")
    gone_id = gone.pk
    gone.delete()

    response = ticks(
        alice,
        plan,
        "tasks",
        step=step.pk,
        shown=[a.pk, b.pk, c.pk, d.pk, gone_id],
        was=[b.pk, c.pk, d.pk],
        ticked=[a.pk, c.pk, d.pk, gone_id],
    )

    assert response.status_code == 302
    assert list(step.tasks.order_by("pk").values_list("done", flat=True)) == [
        True,
        False,
        True,
        True,
    ]
    assert not plan.log_entries.filter(update__contains="complete").exists()


def test_opening_a_delete_address_in_the_browser_says_what_it_is(alice, client):
    plan = template_plan()
    second = prerequisites(plan).get(position=1)

    response = alice.get(url(plan, "prerequisites", second, "delete/"))
    by_htmx = alice.get(url(plan, "prerequisites", second, "delete/"), headers=HTMX)
    anonymous = client.get(url(plan, "prerequisites", second, "delete/"))

    assert response.status_code == by_htmx.status_code == anonymous.status_code == 405
    assert response["Allow"] == "POST"
    assert "Not a page to open" in response.content.decode()
    assert "Not a page to open" in anonymous.content.decode()
    assert by_htmx.content == b""
    assert second.text in texts(prerequisites(plan))


def test_a_steps_edit_form_shows_its_files_and_a_save_keeps_them(alice):
    # The files box opened empty, so saving a step (to set its owner, say) cleared them.
    plan = filled_plan()
    step = plan.steps.filter(files__isnull=False).distinct().first()
    paths = list(step.files.values_list("path", flat=True))
    edit = url(plan, "steps", step, "edit/")

    form = alice.get(edit, headers=HTMX)
    data = {**edit_data(alice, plan, "steps", step), "owner": "priya"}
    saved = alice.post(edit, data, headers=HTMX)

    assert form.status_code == 200
    assert "\n".join(paths) in form.content.decode()
    assert saved.status_code == 200
    step.refresh_from_db()
    assert step.owner == "priya"
    assert list(step.files.values_list("path", flat=True)) == paths
