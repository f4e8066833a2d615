"""How much one plan may hold: the same limits in the forms, the row actions and the importer,
and the largest plan they allow opens quickly and comes back whole through its own download."""

import dataclasses
import time
from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command

from plans import limits
from plans.markdown import PlanFormatError, export_plan, parse_plan, render_plan
from plans.markdown.document import CheckItem, LogRow, MetricRow, PhaseRow, StakeholderRow, StepData
from plans.models import ChecklistItem, ChecklistKind, Plan, ProgressLogEntry, StepTask
from plans.operations import create_plan, create_share_link
from tests.conftest import HTMX, upload_and_import
from tests.factories import CREATED_AT, largest_document, template_plan

pytestmark = pytest.mark.django_db


def timed_get(client, url):
    started = time.perf_counter()
    response = client.get(url)
    return response, time.perf_counter() - started


def test_the_largest_plan_the_limits_allow_opens_in_under_two_seconds(alice):
    plan = create_plan(largest_document())
    _link, token = create_share_link(plan.pk)

    for url in [f"/plans/{plan.pk}/", f"/s/{token}/", f"/plans/{plan.pk}/export.md"]:
        response, seconds = timed_get(alice, url)
        assert response.status_code == 200, url
        assert seconds < 2, f"{url} took {seconds:.2f} s"


def test_the_largest_download_uploads_again_and_comes_back_the_same(alice):
    plan = create_plan(largest_document(wide=True))
    download = alice.get(f"/plans/{plan.pk}/export.md").content
    assert len(download) <= limits.MAX_IMPORT_BYTES

    response = upload_and_import(alice, download)

    assert response.status_code == 302
    copy = Plan.objects.exclude(pk=plan.pk).get()
    assert export_plan(copy.pk).encode() == download


def over(limit: limits.Limit, make) -> list:
    return [make(i) for i in range(limit.value + 1)]


def document(**changes):
    """A small plan document with `changes`; the rest as a new plan has it."""
    base = parse_plan(export_plan(template_plan().pk)).document
    return dataclasses.replace(base, **changes)


OVER_THE_LIMIT = {
    "steps": (limits.STEPS, lambda: {"steps": over(limits.STEPS, lambda i: StepData(f"S{i}"))}),
    "tasks per step": (
        limits.TASKS_PER_STEP,
        lambda: {
            "steps": [
                StepData("One", tasks=over(limits.TASKS_PER_STEP, lambda i: CheckItem(f"T{i}")))
            ]
        },
    ),
    "tasks per plan": (
        limits.TASKS,
        lambda: {
            "steps": [
                StepData(f"S{s}", tasks=[CheckItem(f"T{s}.{i}") for i in range(50)])
                for s in range(limits.TASKS.value // 50 + 1)
            ]
        },
    ),
    "files per step": (
        limits.FILES_PER_STEP,
        lambda: {"steps": [StepData("One", files=over(limits.FILES_PER_STEP, lambda i: f"f{i}"))]},
    ),
    "prerequisites": (
        limits.CHECKLIST_ITEMS,
        lambda: {"prerequisites": over(limits.CHECKLIST_ITEMS, lambda i: CheckItem(f"P{i}"))},
    ),
    "success criteria": (
        limits.CHECKLIST_ITEMS,
        lambda: {"success_criteria": over(limits.CHECKLIST_ITEMS, lambda i: CheckItem(f"C{i}"))},
    ),
    "post-mortem": (
        limits.CHECKLIST_ITEMS,
        lambda: {"post_mortem": over(limits.CHECKLIST_ITEMS, lambda i: CheckItem(f"M{i}"))},
    ),
    "metrics": (
        limits.TABLE_ROWS,
        lambda: {"metrics": over(limits.TABLE_ROWS, lambda i: MetricRow(f"m{i}"))},
    ),
    "stakeholders": (
        limits.TABLE_ROWS,
        lambda: {"stakeholders": over(limits.TABLE_ROWS, lambda i: StakeholderRow(f"s{i}"))},
    ),
    "phases": (
        limits.TABLE_ROWS,
        lambda: {"phases": over(limits.TABLE_ROWS, lambda i: PhaseRow(f"p{i}"))},
    ),
    "log": (
        limits.LOG_ENTRIES,
        lambda: {"log": over(limits.LOG_ENTRIES, lambda i: LogRow(CREATED_AT, f"u{i}"))},
    ),
}


@pytest.mark.parametrize("case", OVER_THE_LIMIT)
def test_the_importer_refuses_a_list_over_its_limit_at_the_first_row_too_many(case):
    limit, changes = OVER_THE_LIMIT[case]
    text = render_plan(document(**changes()))

    with pytest.raises(PlanFormatError) as refused:
        parse_plan(text)

    assert limit.name in str(refused.value)
    assert str(limit.value) in str(refused.value)
    assert refused.value.line > 1


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("overview", lambda n: {"overview": "o" * n}),
        ("notes", lambda n: {"notes": "n" * n}),
        ("rollback command", lambda n: {"rollback_command": "r" * n}),
        ("code", lambda n: {"steps": [StepData("One", code_language="sh", code="c" * n)]}),
        ("test commands", lambda n: {"steps": [StepData("One", test_commands="t\n" * n)]}),
    ],
)
def test_the_importer_refuses_free_text_over_its_length(field, changes):
    sizes = {
        "overview": limits.OVERVIEW_CHARS,
        "notes": limits.NOTES_CHARS,
        "rollback command": limits.COMMAND_CHARS,
        "code": limits.CODE_CHARS,
        "test commands": limits.COMMAND_CHARS // 2,
    }
    text = render_plan(document(**changes(sizes[field] + 1)))

    with pytest.raises(PlanFormatError, match=f"{field} is .* characters; at most"):
        parse_plan(text)


def test_import_plan_refuses_a_file_over_the_upload_limit(tmp_path):
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * (limits.MAX_IMPORT_BYTES + 1))

    with pytest.raises(CommandError):
        call_command("import_plan", str(big))
    assert not Plan.objects.exists()


def fill_prerequisites(plan, count):
    ChecklistItem.objects.filter(plan=plan, kind=ChecklistKind.PREREQUISITE).delete()
    ChecklistItem.objects.bulk_create(
        ChecklistItem(plan=plan, kind=ChecklistKind.PREREQUISITE, position=i, text=f"P{i}")
        for i in range(count)
    )


def test_adding_to_a_full_list_gets_422_with_the_limit_and_adds_nothing(alice):
    plan = template_plan()
    fill_prerequisites(plan, limits.CHECKLIST_ITEMS.value)

    response = alice.post(
        f"/plans/{plan.pk}/rows/prerequisites/add/",
        {"add-prerequisites-text": "One too many"},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert "past its limit of 100 items per checklist" in response.text
    assert not ChecklistItem.objects.filter(text="One too many").exists()


def test_a_task_over_the_plans_task_limit_gets_422(alice):
    per_step = limits.TASKS_PER_STEP.value
    full = [
        StepData(f"S{s}", tasks=[CheckItem(f"T{i}") for i in range(per_step)])
        for s in range(limits.TASKS.value // per_step)
    ]
    plan = create_plan(document(steps=[*full, StepData("Room for one more")]))
    step = plan.steps.last()

    response = alice.post(
        f"/plans/{plan.pk}/rows/tasks/add/",
        {"step": step.pk, f"add-step-{step.pk}-tasks-text": "One too many"},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert limits.TASKS.name in response.text
    assert not StepTask.objects.filter(text="One too many").exists()


def fill_log(plan):
    ProgressLogEntry.objects.filter(plan=plan).delete()
    ProgressLogEntry.objects.bulk_create(
        ProgressLogEntry(plan=plan, logged_at=CREATED_AT, update=f"u{i}")
        for i in range(limits.LOG_ENTRIES.value)
    )


def test_a_full_log_refuses_an_entry_with_422(alice):
    plan = template_plan()
    fill_log(plan)

    response = alice.post(f"/plans/{plan.pk}/log/", {"update": "One too many"}, headers=HTMX)

    assert response.status_code == 422
    assert limits.LOG_ENTRIES.name in response.text
    assert ProgressLogEntry.objects.filter(plan=plan).count() == limits.LOG_ENTRIES.value


def test_a_full_log_refuses_a_status_change_that_would_log_it(alice):
    plan = template_plan()
    fill_log(plan)

    response = alice.post(
        f"/plans/{plan.pk}/status/", {"expected": "planning", "to": "in_progress"}, headers=HTMX
    )

    assert response.status_code == 422
    assert limits.LOG_ENTRIES.name in response.text
    plan.refresh_from_db()
    assert plan.status == "planning"


def test_a_full_log_refuses_the_tick_that_completes_a_step(alice):
    plan = template_plan()
    tasks = list(StepTask.objects.filter(step__plan=plan, step__position=0))
    for task in tasks[:-1]:
        alice.post(f"/plans/{plan.pk}/rows/tasks/{task.pk}/done/", {"done": "true"}, headers=HTMX)
    fill_log(plan)

    response = alice.post(
        f"/plans/{plan.pk}/rows/tasks/{tasks[-1].pk}/done/", {"done": "true"}, headers=HTMX
    )

    assert response.status_code == 422
    assert limits.LOG_ENTRIES.name in response.text
    tasks[-1].refresh_from_db()
    assert not tasks[-1].done


def test_an_overview_over_its_length_gets_422_in_the_form(alice):
    plan = template_plan()

    response = alice.post(
        f"/plans/{plan.pk}/sections/overview/edit/",
        {"overview": "o" * (limits.OVERVIEW_CHARS + 1)},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert f"at most {limits.OVERVIEW_CHARS}" in response.text.replace(",", "")
    plan.refresh_from_db()
    assert len(plan.overview) < limits.OVERVIEW_CHARS


def test_a_step_edit_naming_too_many_files_gets_422(alice):
    plan = template_plan()
    step = plan.steps.first()
    files = "\n".join(f"src/f{i}.py" for i in range(limits.FILES_PER_STEP.value + 1))

    response = alice.post(
        f"/plans/{plan.pk}/rows/steps/{step.pk}/edit/",
        {"title": step.title, "files": files},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert limits.FILES_PER_STEP.name in response.text
    assert not step.files.exists()


def test_notes_at_their_length_in_four_byte_characters_save_in_the_form(alice):
    plan = template_plan()
    url = f"/plans/{plan.pk}/sections/notes/edit/"
    notes = "😀" * limits.NOTES_CHARS
    plan.notes = notes[:-1]
    plan.save()
    base = alice.get(url, headers=HTMX).context["edit_form"].initial["base"]

    # As htmx sends a form: URL-encoded, every byte of the emoji as %XX.
    body = urlencode({"notes": notes, "base": base})
    response = alice.post(url, body, content_type="application/x-www-form-urlencoded", headers=HTMX)

    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.notes == notes


def test_a_file_of_more_lines_than_any_plan_is_refused_before_it_is_parsed():
    text = "# Fix Implementation Plan: Many lines\n" + "a\n\n" * limits.MAX_IMPORT_LINES

    started = time.perf_counter()
    with pytest.raises(PlanFormatError, match="lines, more than the largest plan"):
        parse_plan(text)
    assert time.perf_counter() - started < 1


# The plan's values ({{TEST_COMMAND}} and the rest) are filled into its tasks and commands.


def placeholders_at_length(name: str, length: int) -> str:
    token = "{{" + name + "}}"
    return token * (length // len(token))


def test_a_task_that_would_outgrow_its_limit_when_filled_comes_back_through_its_download(alice):
    step = StepData(
        "Many placeholders",
        tasks=[CheckItem(placeholders_at_length("TEST_COMMAND", limits.ITEM_CHARS))],
        test_commands=placeholders_at_length("DEPLOY_COMMAND", limits.COMMAND_CHARS),
    )
    plan = create_plan(
        document(
            steps=[step],
            test_command="t" * 500,
            deploy_command="d" * 500,
            rollback_command=placeholders_at_length("DEPLOY_COMMAND", limits.COMMAND_CHARS),
        )
    )
    download = alice.get(f"/plans/{plan.pk}/export.md").content

    response = upload_and_import(alice, download)

    assert response.status_code == 302
    copy = Plan.objects.latest("pk")
    assert copy.pk != plan.pk
    assert export_plan(copy.pk).encode() == download


def test_a_value_is_filled_in_once_so_values_naming_each_other_cannot_grow_a_page(alice):
    # Values as an older version could store them: each naming the others many times.
    names = ["DEFAULT_BRANCH", "REVIEWER", "TEST_COMMAND", "DEPLOY_COMMAND"]
    values = {name: "".join("{{" + other + "}}" for other in names) * 3 for name in names}
    task = CheckItem("".join("{{" + name + "}}" for name in names) * 7)
    steps = [StepData(f"Step {i}", tasks=[task] * limits.TASKS_PER_STEP.value) for i in range(10)]
    plan = create_plan(document(steps=steps))
    Plan.objects.filter(pk=plan.pk).update(
        default_branch=values["DEFAULT_BRANCH"][:200],
        reviewer=values["REVIEWER"][:200],
        test_command=values["TEST_COMMAND"],
        deploy_command=values["DEPLOY_COMMAND"],
    )

    page, seconds = timed_get(alice, f"/plans/{plan.pk}/")
    download = alice.get(f"/plans/{plan.pk}/export.md").content.decode()

    assert page.status_code == 200
    assert seconds < 1
    task_lines = [line for line in download.splitlines() if line.startswith("- [ ] {{")]
    assert len(task_lines) == 10 * limits.TASKS_PER_STEP.value
    assert all(len(line) <= len("- [ ] ") + limits.ITEM_CHARS for line in task_lines)
