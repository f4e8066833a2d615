"""Steps as people write them: headings at other levels, a step's lists written in parts,
and nothing of a step overwritten by what follows it."""

import pytest

from plans.markdown import export_plan, parse_plan
from plans.models import Plan
from tests.conftest import CORPUS, upload_and_import

BASE = (CORPUS / "bad-log-time.md").read_text(encoding="utf-8")


def plan_with_steps(steps: str):
    return parse_plan(
        BASE.replace("## Progress Log", f"## Implementation Steps\n\n{steps}\n\n## Progress Log")
    )


def test_a_step_heading_at_another_level_is_a_step_of_its_own():
    result = plan_with_steps(
        "### Step 1: First\n\n**Timeline:** 1h\n\n**Tasks:**\n\n- [x] One\n\n"
        "#### Step 2: Second\n\n**Timeline:** 2h\n\n**Tasks:**\n\n- [ ] Two"
    )

    steps = result.document.steps
    assert [(s.title, s.timeline, [t.text for t in s.tasks]) for s in steps] == [
        ("First", "1h", ["One"]),
        ("Second", "2h", ["Two"]),
    ]


def test_a_steps_second_task_and_file_lists_add_to_the_first():
    result = plan_with_steps(
        "### Step 1: First\n\n**Tasks:**\n\n- [x] One\n\n**Files to modify:**\n\n- `a.py`\n\n"
        "**Tasks:**\n\n- [ ] Two\n\n**Files to modify:**\n\n- `b.py`"
    )

    step = result.document.steps[0]
    assert [(t.text, t.done) for t in step.tasks] == [("One", True), ("Two", False)]
    assert step.files == ["a.py", "b.py"]


def test_a_second_code_block_or_timeline_is_kept_in_notes_not_overwriting_the_first():
    result = plan_with_steps(
        "### Step 1: First\n\n**Timeline:** 1h\n\n**Timeline:** later\n\n"
        "**Code Changes:**\n\n```python\nfirst()\n```\n\n"
        "**Code Changes:**\n\n```python\nsecond()\n```"
    )

    step = result.document.steps[0]
    assert (step.timeline, step.code) == ("1h", "first()")
    assert "**Timeline:** later" in result.document.notes
    assert "second()" in result.document.notes


NESTED = """- [x] Parent
    - [ ] Child four spaces
        - [x] Grandchild
    - [x] Second child
- [ ] Sibling
  - [ ] Child two spaces"""


def test_nested_checkboxes_are_items_of_their_own_with_their_ticks_and_depth():
    result = plan_with_steps(f"### Step 1: First\n\n**Tasks:**\n\n{NESTED}")

    tasks = result.document.steps[0].tasks
    assert [(t.text, t.done, t.depth) for t in tasks] == [
        ("Parent", True, 0),
        ("Child four spaces", False, 1),
        ("Grandchild", True, 2),
        ("Second child", True, 1),
        ("Sibling", False, 0),
        ("Child two spaces", False, 1),
    ]


@pytest.mark.django_db
def test_nested_items_show_nested_and_come_back_through_the_download(alice):
    text = BASE.replace(
        "## Progress Log",
        f"## Prerequisites\n\n{NESTED}\n\n## Implementation Steps\n\n"
        f"### Step 1: First\n\n**Tasks:**\n\n{NESTED}\n\n## Progress Log",
    )
    assert upload_and_import(alice, text.encode()).status_code == 302
    plan = Plan.objects.get()

    page = alice.get(f"/plans/{plan.pk}/").content.decode()
    assert page.count(' depth-2"') == 2
    download = export_plan(plan.pk)
    assert "- [x] Parent\n  - [ ] Child four spaces\n    - [x] Grandchild" in download
    again = upload_and_import(alice, download.encode())
    assert again.status_code == 302
    assert export_plan(Plan.objects.latest("pk").pk) == download


def test_checkboxes_in_every_list_style_and_emoji_marker():
    tasks = (
        "* [x] Star\n+ [ ] Plus\n1. [X] Numbered\n2) [ ] Parenthesis\n"
        "- \u2705 Done by emoji\n- \u2610 Open box\n- \u23f3 Under way\n- \u2714\ufe0f Checked"
    )

    result = plan_with_steps(f"### Step 1: First\n\n**Tasks:**\n\n{tasks}")

    assert [(t.text, t.done) for t in result.document.steps[0].tasks] == [
        ("Star", True),
        ("Plus", False),
        ("Numbered", True),
        ("Parenthesis", False),
        ("Done by emoji", True),
        ("Open box", False),
        ("\u23f3 Under way", False),
        ("Checked", True),
    ]
    assert not any("has no checkbox" in w for w in result.warnings)
