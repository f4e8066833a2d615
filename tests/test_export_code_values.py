"""Values the download writes as code (file paths, the commit and cache keys in code spans,
code-block languages in fences) come back exactly, whatever backticks or spaces they hold."""

import pytest

from plans.markdown import parse_plan
from plans.models import Plan, Step, StepFile
from tests.conftest import GOLDEN, round_trip
from tests.factories import template_plan

pytestmark = pytest.mark.django_db

ODD = ["a`b``c", "```", "`", "~~~", "  abc", "abc  ", " abc ", "\u00a0abc", "a b"]


@pytest.mark.parametrize("value", ODD)
def test_file_paths_come_back_exactly(alice, value):
    plan = template_plan()
    step = Step.objects.filter(plan=plan).first()
    StepFile.objects.create(step=step, position=99, path=value)

    copy = round_trip(alice, plan)

    assert value in StepFile.objects.filter(step__plan=copy).values_list("path", flat=True)


@pytest.mark.parametrize("value", ["a`b``c", "```", "`x", "~~~"])
def test_code_block_languages_come_back_exactly(alice, value):
    plan = template_plan()
    Plan.objects.filter(pk=plan.pk).update(rollback_language=value)
    Step.objects.filter(plan=plan).update(
        code_language=value,
        code="print(1)\n~~~~\n```",
        test_commands_language=value,
        test_commands="pytest",
    )

    copy = round_trip(alice, plan)

    assert copy.rollback_language == value
    step = Step.objects.filter(plan=copy).first()
    assert (step.code_language, step.test_commands_language) == (value, value)
    assert step.code == "print(1)\n~~~~\n```"


@pytest.mark.parametrize("value", ["a`b``c", "```", "`", "abc123", "a b"])
def test_the_commit_and_cache_keys_come_back_exactly(alice, value):
    plan = template_plan()
    Plan.objects.filter(pk=plan.pk).update(revert_commit=value, cache_keys=value)

    copy = round_trip(alice, plan)

    assert (copy.revert_commit, copy.cache_keys) == (value, value)


def test_free_text_after_revert_commit_is_not_taken_for_a_commit():
    text = (GOLDEN / "filled-plan.md").read_text(encoding="utf-8")
    start = text.index("1. **Immediate:**")
    line = text[start : text.index("\n", start)]
    text = text.replace(line, "1. **Immediate:** Revert commit (pure JavaScript change, no data)")

    result = parse_plan(text)

    assert result.document.revert_commit == ""
    assert "Revert commit (pure JavaScript change, no data)" in result.document.notes


@pytest.mark.parametrize(
    "text",
    [
        "Before\n~~~",
        "```",
        "    ```\n## Not a section\n    ```",
        "````\n```",
        "\\```\nescaped by hand",
        "```python\nok()\n```\n```\nnever closed",
        "~~~\n## Prerequisites\n- [ ] not a row",
        "```\n## Implementation Steps",
        "##\tTab heading\n# Level one",
    ],
)
@pytest.mark.parametrize("field", ["overview", "notes"])
def test_free_text_with_fences_of_any_kind_keeps_the_plan_after_it(alice, text, field):
    plan = template_plan()
    Plan.objects.filter(pk=plan.pk).update(**{field: text})

    copy = round_trip(alice, plan)

    assert getattr(copy, field) == text
    assert Step.objects.filter(plan=copy).count() == Step.objects.filter(plan=plan).count()


@pytest.mark.parametrize(
    "heading",
    [
        "## Monitoring",
        "## Progress Log:",
        "## Progress  Log",
        "## Summary",
        "## **Timeline**",
        "##\tProgress Log",
        "##\u00a0Progress Log",
    ],
)
def test_notes_with_headings_named_like_the_templates_come_back_in_the_notes(alice, heading):
    plan = template_plan()
    notes = f"Before\n\n{heading}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nAfter"
    Plan.objects.filter(pk=plan.pk).update(notes=notes)

    copy = round_trip(alice, plan)

    assert copy.notes == notes
