"""The exporter writes the template's format exactly: checked against golden files."""

import datetime
import difflib

import pytest
from django.core.management import call_command

from plans.defaults import template_document
from plans.markdown import export_plan
from plans.markdown.export import render_fence, render_plan
from tests.conftest import GOLDEN, SHARED_TEMPLATE
from tests.factories import filled_plan, template_plan

pytestmark = pytest.mark.django_db


def changed_lines(expected: str, actual: str) -> list[tuple[str, str]]:
    pairs = []
    matcher = difflib.SequenceMatcher(a=expected.splitlines(), b=actual.splitlines())
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag != "equal":
            assert tag == "replace" and a2 - a1 == b2 - b1, (tag, expected[a1:a2])
            pairs += zip(expected.splitlines()[a1:a2], actual.splitlines()[b1:b2], strict=True)
    return pairs


def test_vendored_template_is_the_shared_template():
    if not SHARED_TEMPLATE.exists():
        pytest.skip(f"{SHARED_TEMPLATE} is not beside this checkout")
    assert (GOLDEN / "fix-plan-template.md").read_bytes() == SHARED_TEMPLATE.read_bytes()


def test_new_plan_exports_as_the_template_except_the_filled_lines(template_text):
    plan = template_plan()

    exported = export_plan(plan.pk)

    # Priority, Status and Created carry the plan's values, and the log's first row its
    # time; the log table's header and rule widen with that time, as the template aligns.
    assert changed_lines(template_text, exported) == [
        ("**Created:** {{DATE}}", "**Created:** 2026-11-20"),
        (
            "**Priority:** P0 (Critical) | P1 (High) | P2 (Medium) | P3 (Low)",
            "**Priority:** P2 (Medium)",
        ),
        ("**Status:** Planning | In Progress | In Review | Deployed", "**Status:** Planning"),
        ("| Time     | Update       |", "| Time             | Update       |"),
        ("| -------- | ------------ |", "| ---------------- | ------------ |"),
        ("| {{TIME}} | Plan created |", "| 2026-11-20 09:14 | Plan created |"),
    ]
    assert exported.endswith("Plan created |\n")


def test_filled_plan_exports_to_the_golden_file():
    plan = filled_plan()

    assert export_plan(plan.pk) == (GOLDEN / "filled-plan.md").read_text(encoding="utf-8")


def test_export_command_writes_stdout_and_file(tmp_path, capsys):
    plan = filled_plan()
    expected = (GOLDEN / "filled-plan.md").read_text(encoding="utf-8")

    call_command("export_plan", str(plan.pk))
    assert capsys.readouterr().out == expected

    target = tmp_path / "plan.md"
    call_command("export_plan", str(plan.pk), "-o", str(target))
    assert target.read_bytes() == expected.encode()


def test_export_command_names_a_missing_plan():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no plan with id 999"):
        call_command("export_plan", "999")


def test_code_containing_a_fence_gets_a_longer_fence():
    assert render_fence("md", "```python\nx = 1\n```") == "````md\n```python\nx = 1\n```\n````"


def test_empty_sections_keep_their_headings():
    doc = template_document(now=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    doc.prerequisites = []
    doc.steps = []
    doc.metrics = []
    doc.overview = ""

    text = render_plan(doc)

    assert "## Overview\n\n## Prerequisites\n\n## Implementation Steps\n\n## Rollback" in text
    assert "| Metric | Expected Value | Alert Threshold |\n| ------ | -------------- |" in text


def test_export_runs_the_same_queries_for_a_small_and_a_large_plan(
    django_assert_num_queries,
):
    from plans.markdown.document import CheckItem, LogRow, MetricRow, StepData
    from plans.operations import create_plan

    small = template_plan()
    big_doc = template_document(now=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    big_doc.steps += [
        StepData(f"Step {i}", tasks=[CheckItem(f"task {j}") for j in range(50)], files=["a.py"])
        for i in range(50)
    ]
    big_doc.metrics += [MetricRow(f"metric {i}") for i in range(50)]
    big_doc.log += [LogRow(big_doc.log[0].logged_at, f"entry {i}") for i in range(50)]
    big = create_plan(big_doc)

    for plan in (small, big):
        with django_assert_num_queries(9):
            export_plan(plan.pk)
