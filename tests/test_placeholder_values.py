"""{{PLACEHOLDER}}s in a plan's values: the download writes blank values as placeholders and
fills the plan's values into its text, so no value may hold one, and every plan the app
holds still comes back through its own download."""

import pytest

from plans.markdown import parse_plan
from plans.models import Plan, Step, StepTask
from tests.conftest import GOLDEN, HTMX, round_trip
from tests.factories import template_plan

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "command", ["{{TEST_COMMAND}} -x", "x{{DEPLOY_COMMAND}}", "{{FIX_NAME}}", "pytest {{X}}"]
)
def test_a_step_command_holding_a_placeholder_comes_back_through_the_download(alice, command):
    plan = template_plan()
    Step.objects.filter(plan=plan).update(test_commands=command)

    round_trip(alice, plan)


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [
        ("header", "fix_name", "{{TEST_COMMAND}}"),
        ("header", "issue_id", "{{TEST_COMMAND}}"),
        ("header", "author", "{{TEST_COMMAND}}"),
        ("header", "spec_link", "{{TEST_COMMAND}}"),
        ("header", "reviewer", "main {{DEFAULT_BRANCH}}"),
        ("header", "test_command", "main {{DEFAULT_BRANCH}}"),
        ("rollback", "database_rollback", "{{TEST_COMMAND}}"),
        ("rollback", "cache_keys", "main {{DEFAULT_BRANCH}}"),
    ],
)
def test_header_and_rollback_values_may_not_hold_a_placeholder(alice, section, field, value):
    plan = template_plan(fix_name="Name", issue_id="ID-1")
    before = getattr(plan, field)
    url = f"/plans/{plan.pk}/sections/{section}/edit/"
    form = alice.get(url, headers=HTMX).context["edit_form"]
    data = {name: initial for name, initial in form.initial.items() if initial is not None}
    data[field] = value

    response = alice.post(url, data, headers=HTMX)

    assert response.status_code == 422
    assert "Cannot hold a {{PLACEHOLDER}}" in response.text
    plan.refresh_from_db()
    assert getattr(plan, field) == before


def test_a_new_plan_may_not_be_named_with_a_placeholder(alice):
    response = alice.post("/plans/new/", {"fix_name": "{{AUTHOR}}", "issue_id": "X-1"})

    assert response.status_code == 422
    assert not Plan.objects.exists()


def test_an_imported_value_holding_a_placeholder_is_kept_in_notes_not_refused():
    text = (GOLDEN / "filled-plan.md").read_text(encoding="utf-8")
    author_line = next(line for line in text.splitlines() if line.startswith("**Author:**"))
    text = text.replace(author_line, "**Author:** {{AUTHOR}} (fill me in)")

    result = parse_plan(text)

    assert result.document.author == ""
    assert "{{AUTHOR}} (fill me in)" in result.document.notes
    assert any("holds a {{PLACEHOLDER}}; Author left blank" in w for w in result.warnings)


def test_a_steps_own_test_command_stays_the_steps_when_the_plan_has_none(alice):
    # The template's step 3 still says {{TEST_COMMAND}}: the plan has no test command, so
    # step 1's one-line command is step 1's, not the plan's to fill in everywhere.
    plan = template_plan()
    Step.objects.filter(plan=plan, position=0).update(test_commands="abc")

    round_trip(alice, plan)


@pytest.mark.parametrize("task", ["Create feature branch from dev", "Get approval from @bob"])
def test_a_task_like_the_templates_stays_as_typed_when_the_plan_has_no_value(alice, task):
    plan = template_plan()
    step = Step.objects.filter(plan=plan).first()
    alice.post(
        f"/plans/{plan.pk}/rows/tasks/add/",
        {"step": step.pk, f"add-step-{step.pk}-tasks-text": task},
        headers=HTMX,
    )
    assert StepTask.objects.filter(text=task).exists()

    round_trip(alice, plan)
