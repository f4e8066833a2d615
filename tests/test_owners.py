"""Owners of steps and tasks: a username or an @handle, in the model, on the pages, in the
history and in Markdown ("**Owner:** @handle" under a step, " (@handle)" after a task)."""

import pytest

from plans import operations
from plans.defaults import template_document
from plans.markdown import export_plan, import_plan
from plans.markdown.export import render_plan
from plans.markdown.import_ import parse_plan
from plans.models import ChangeKind, HistoryEntry
from tests.conftest import HTMX
from tests.factories import template_plan

pytestmark = pytest.mark.django_db

STEP = """# Fix Implementation Plan: Slow search

## Implementation Steps

### Step 1: Mitigate

**Timeline:** ASAP

**Owner:** @priya

**Tasks:**

- [ ] Apply temporary workaround (@sam.k)
- [x] Page the DBA (@dba-oncall)
- [ ] Check (@ not a handle)

## Prerequisites

- [ ] Root cause confirmed (@ana)
"""


def form_data(client, url: str) -> dict:
    form = client.get(url, headers=HTMX).context["edit_form"]
    data = {name: "" if value is None else str(value) for name, value in form.current.items()}
    return {**data, "base": form.initial["base"]}


def test_the_importer_reads_a_steps_owner_and_its_tasks_owners():
    doc = parse_plan(STEP).document

    step = doc.steps[0]
    assert step.owner == "priya"
    assert [(t.text, t.owner) for t in step.tasks] == [
        ("Apply temporary workaround", "sam.k"),
        ("Page the DBA", "dba-oncall"),
        ("Check (@ not a handle)", ""),
    ]
    # A checklist item has no owner: its "(@ana)" stays its text.
    assert doc.prerequisites[0].text == "Root cause confirmed (@ana)"


@pytest.mark.parametrize(
    ("line", "owner"),
    [("**Assignee:** sam", "sam"), ("**Owner:** @a@b.example", "a@b.example"), ("Owner: @x", "x")],
)
def test_a_steps_owner_as_files_write_it(line, owner):
    text = f"# Fix Implementation Plan: X\n\n## Implementation Steps\n\n### Step 1: Go\n\n{line}\n"

    assert parse_plan(text).document.steps[0].owner == owner


def test_an_owner_that_is_no_handle_is_kept_not_dropped():
    text = "# Fix Implementation Plan: X\n\n## Steps\n\n### Step 1: Go\n\n**Owner:** Priya Sharma\n"

    result = parse_plan(text)

    assert result.document.steps[0].owner == ""
    assert "**Owner:** Priya Sharma" in result.document.notes
    assert any("not one @handle" in warning for warning in result.warnings)


def test_owners_export_where_the_format_says_and_come_back():
    doc = template_document(fix_name="X", issue_id="I-1")
    doc.steps[0].owner = "priya"
    doc.steps[1].tasks[0].owner = "sam.k"

    text = render_plan(doc)

    assert "**Timeline:** ASAP\n\n**Owner:** @priya\n\n**Tasks:**" in text
    assert "- [ ] Create feature branch from {{DEFAULT_BRANCH}} (@sam.k)\n" in text
    again = parse_plan(text).document
    assert again.steps[0].owner == "priya"
    assert again.steps[1].tasks[0].owner == "sam.k"
    assert render_plan(again) == text


def test_a_plan_without_owners_exports_as_before(template_text):
    plan, _warnings = import_plan(template_text)

    assert "Owner" not in export_plan(plan.pk)
    assert "(@" not in export_plan(plan.pk)


def test_a_plan_with_owners_round_trips_through_the_database():
    plan, _warnings = import_plan(STEP)

    text = export_plan(plan.pk)
    again, _warnings = import_plan(text)

    assert export_plan(again.pk) == text
    step = again.steps.get()
    assert step.owner == "priya"
    assert list(step.tasks.values_list("owner", flat=True)) == ["sam.k", "dba-oncall", ""]


def test_an_engineer_sets_a_tasks_owner_with_or_without_the_at(alice):
    plan = template_plan()
    task = plan.steps.get(position=0).tasks.get(position=0)
    url = f"/plans/{plan.pk}/rows/tasks/{task.pk}/edit/"
    assert alice.get(f"/plans/{plan.pk}/").status_code == 200  # its rows drawn and kept

    response = alice.post(url, {**form_data(alice, url), "owner": "@sam"}, headers=HTMX)

    assert response.status_code == 200
    task.refresh_from_db()
    assert task.owner == "sam"
    page = alice.get(f"/plans/{plan.pk}/").content.decode()
    assert '<span class="owner">@sam</span>' in page
    entry = HistoryEntry.objects.filter(plan=plan, kind=ChangeKind.EDITED).get()
    assert (entry.field, entry.before, entry.after) == ("Owner", "", "@sam")


def test_an_owner_with_a_space_is_refused_and_nothing_saved(alice):
    plan = template_plan()
    step = plan.steps.get(position=0)
    url = f"/plans/{plan.pk}/rows/steps/{step.pk}/edit/"

    response = alice.post(url, {**form_data(alice, url), "owner": "Priya Sharma"}, headers=HTMX)

    assert response.status_code == 422
    assert "no spaces" in response.content.decode()
    step.refresh_from_db()
    assert step.owner == ""


def test_the_owner_field_suggests_this_instances_usernames(alice):
    plan = template_plan()

    page = alice.get(f"/plans/{plan.pk}/").content.decode()

    assert '<datalist id="owners"><option value="alice"></option></datalist>' in page


def test_stakeholders_see_step_owners_but_not_task_owners(client):
    plan, _warnings = import_plan(STEP)
    _link, token = operations.create_share_link(plan.pk)

    page = client.get(f"/s/{token}/")
    download = client.get(f"/s/{token}/export.md")

    assert page.status_code == 200 and download.status_code == 200
    assert "@priya" in page.content.decode()
    assert "sam.k" not in page.content.decode()
    assert "**Owner:** @priya" in download.content.decode()
    assert "sam.k" not in download.content.decode()


@pytest.mark.parametrize(
    ("text", "owner"),
    [("Ask (@sam)", ""), ("Ask (@sam)", "bob"), ("Ask \\(@sam)", ""), ("Ask \\\\(@sam)", "x")],
)
def test_a_task_text_that_ends_like_an_owner_stays_text(alice, text, owner):
    plan = template_plan()
    task = plan.steps.get(position=0).tasks.get(position=0)
    url = f"/plans/{plan.pk}/rows/tasks/{task.pk}/edit/"
    assert alice.post(url, {**form_data(alice, url), "text": text, "owner": owner}, headers=HTMX)

    again, _warnings = import_plan(export_plan(plan.pk))

    copy = again.steps.get(position=0).tasks.get(position=0)
    assert (copy.text, copy.owner) == (text, owner)
    assert export_plan(again.pk) == export_plan(plan.pk)


def test_a_reviewer_that_ends_like_an_owner_fills_its_task_and_comes_back(alice):
    plan = template_plan()
    Plan = type(plan)
    Plan.objects.filter(pk=plan.pk).update(reviewer="Priya (@priya)")

    again, _warnings = import_plan(export_plan(plan.pk))

    assert again.reviewer == "Priya (@priya)"
    assert not again.steps.filter(tasks__owner="priya").exists()


def test_an_owner_typed_in_another_case_is_the_accounts_username(alice):
    plan = template_plan()
    task = plan.steps.get(position=0).tasks.get(position=0)
    url = f"/plans/{plan.pk}/rows/tasks/{task.pk}/edit/"

    response = alice.post(url, {**form_data(alice, url), "owner": "@ALICE"}, headers=HTMX)

    assert response.status_code == 200
    task.refresh_from_db()
    assert task.owner == "alice"
