"""A share link shows one set of things, on the page and in the download alike.

The plan below has a marker in every field and row: "Shown ..." where a stakeholder may see
it, "withheld" where they may not (plans/markdown/redact.py decides which is which).
"""

import dataclasses

import pytest
from django.utils import timezone
from django.utils.html import escape

from plans.markdown import import_plan
from plans.markdown.document import PlanDocument, StepData
from plans.markdown.format import PLACEHOLDER_RE, TIME_FORMAT
from plans.markdown.import_ import parse_plan
from plans.models import PhaseStatus, Priority, Status
from plans.operations import create_share_link

pytestmark = pytest.mark.django_db

MARKED_PLAN = """\
# Fix Implementation Plan: Shown fix & <name>

**Issue:** SHOWN-77
**Spec:** [Withheld spec title](https://withheld-spec.example/link)
**Author:** Shown O'Author
**Created:** 2026-03-04
**Priority:** P1 (High)
**Status:** In Progress

## Overview

Shown overview: marigold harbour lantern.

## Prerequisites

- [x] Withheld prerequisite one
- [ ] Withheld prerequisite two

## Implementation Steps

### Step 1: Shown step & one

**Timeline:** Withheld step timeline

**Files to modify:**

- `withheld/file/path.py`

**Tasks:**

- [x] Create feature branch from withheld-branch
- [ ] Withheld task one

**Code Changes:**

```python
withheld_code = 1
```

**Test Commands:**

```bash
withheld-test-command
```

### Step 2: Shown step two

**Tasks:**

- [x] Get approval from withheld-reviewer
- [x] Withheld task two
- [ ] Withheld task three

## Rollback Plan

If the fix causes issues:

1. **Immediate:** Revert commit `withheldcommit`
2. **Database:** Withheld database rollback
3. **Cache:** Clear cache keys: `withheld-cache-keys`
4. **Notify:** Alert team via withheld-channel

**Rollback command:**

```bash
git revert withheldcommit
withheld-deploy-command
```

## Verification

### Success Criteria

- [x] Shown criterion met
- [ ] Shown criterion open

### Monitoring

| Metric          | Expected Value    | Alert Threshold    |
| --------------- | ----------------- | ------------------ |
| Withheld metric | Withheld expected | Withheld threshold |

## Communication

### Stakeholder Updates

| Stakeholder       | Update Method | When       |
| ----------------- | ------------- | ---------- |
| Shown stakeholder | Shown method  | Shown when |

### Post-Mortem

- [x] Withheld post-mortem item

## Timeline

| Phase       | Target Time   | Actual Time   | Status      |
| ----------- | ------------- | ------------- | ----------- |
| Shown phase | +9h shown     | +7h shown     | Done        |
| Shown later | +12h shown    |               | In Progress |

## Notes

Withheld notes.

---

## Progress Log

| Time             | Update                                  |
| ---------------- | --------------------------------------- |
| 2026-03-04 10:00 | Shown update one (@shown-author-one)    |
| 2026-03-04 11:30 | Shown update & two (@shown-author-two)  |
"""

WITHHELD = [
    "Withheld spec title",
    "withheld-spec.example",
    "Withheld prerequisite",
    "Withheld step timeline",
    "withheld/file/path.py",
    "withheld-branch",
    "Withheld task",
    "withheld_code",
    "withheld-test-command",
    "withheld-reviewer",
    "withheldcommit",
    "Withheld database rollback",
    "withheld-cache-keys",
    "withheld-channel",
    "withheld-deploy-command",
    "Withheld metric",
    "Withheld expected",
    "Withheld threshold",
    "Withheld post-mortem item",
    "Withheld notes",
]
# What the checks below compare; every other part of the copy must be the template's own.
COMPARED = {
    "fix_name",
    "issue_id",
    "author",
    "created",
    "priority",
    "status",
    "overview",
    "steps",
    "success_criteria",
    "stakeholders",
    "phases",
    "log",
}


@pytest.fixture
def shared():
    plan, _warnings = import_plan(MARKED_PLAN)
    _link, token = create_share_link(plan.pk)
    return plan, token


def as_the_page_shows(doc: PlanDocument) -> list[str]:
    """Every value of a stakeholder's file that is not a placeholder, as the page writes it:
    escaped, and for rows and ticks with the markup around it that ties it to its place.
    """
    e = escape
    texts = [
        e(doc.fix_name),
        e(doc.issue_id),
        e(doc.author),
        f'<time datetime="{doc.created.isoformat()}">',
        e(Priority(doc.priority).label),
        e(Status(doc.status).label),
        *map(e, doc.overview.split()),
    ]
    for number, step in enumerate(doc.steps, start=1):
        done = sum(task.done for task in step.tasks)
        texts += [f"Step {number}: {e(step.title)}<", f"{done} of {len(step.tasks)} tasks done"]
    texts += [f"{'☑' if c.done else '☐'}</span> {e(c.text)} " for c in doc.success_criteria]
    for row in doc.stakeholders:
        texts += [
            f'<td data-label="Stakeholder">{e(row.stakeholder)}</td>'
            f'<td data-label="Update Method">{e(row.update_method)}</td>'
            f'<td data-label="When">{e(row.when)}'
        ]
    for p in doc.phases:
        texts += [
            f'<td data-label="Phase">{e(p.phase)}</td>'
            f'<td data-label="Target Time">{e(p.target_time)}</td>'
            f'<td data-label="Actual Time">{e(p.actual_time)}</td>'
        ]
        texts += [f"{PhaseStatus(p.status).label}</span>"]
    for entry in doc.log:
        local = timezone.localtime(entry.logged_at)
        # Every time shown says its zone.
        when = f"{local.strftime(TIME_FORMAT)} {local.tzname()}"
        texts += [f"{when}</time> {e(entry.update)} ", f"(@{e(entry.author)})"]
    return texts


def test_the_plan_holds_every_marker(alice, shared):
    plan, _token = shared

    full = alice.get(f"/plans/{plan.pk}/export.md").content.decode()

    for marker in WITHHELD:
        assert marker in full, marker


def test_everything_in_the_download_is_on_the_page(client, shared):
    _plan, token = shared

    download = client.get(f"/s/{token}/export.md").content.decode()
    page = client.get(f"/s/{token}/").content.decode()

    doc = parse_plan(download).document
    assert doc.fix_name == "Shown fix & <name>" and len(doc.log) == 2
    assert not any(PLACEHOLDER_RE.match(value) for value in [doc.fix_name, doc.author])
    for text in as_the_page_shows(doc):
        assert text in page, text


def test_the_download_holds_nothing_else(client, shared):
    _plan, token = shared

    doc = parse_plan(client.get(f"/s/{token}/export.md").content.decode()).document

    blank = PlanDocument()
    for field in dataclasses.fields(PlanDocument):
        if field.name not in COMPARED:
            assert getattr(doc, field.name) == getattr(blank, field.name), field.name
    for step in doc.steps:
        assert step == StepData(step.title, tasks=step.tasks)
        assert all(PLACEHOLDER_RE.match(task.text) for task in step.tasks)


def test_nothing_withheld_is_in_the_download_or_on_the_page(client, shared):
    _plan, token = shared

    download = client.get(f"/s/{token}/export.md").content.decode()
    page = client.get(f"/s/{token}/").content.decode()

    for marker in WITHHELD:
        assert marker not in download, marker
        assert marker not in page, marker
    assert "withheld" not in download.lower() and "withheld" not in page.lower()


def test_the_download_imports_with_each_steps_progress(client, shared):
    plan, token = shared

    copy, _warnings = import_plan(client.get(f"/s/{token}/export.md").content.decode())

    def ticks(p):
        return [[t.done for t in step.tasks.all()] for step in p.steps.all()]

    assert ticks(copy) == ticks(plan) == [[True, False], [True, True, False]]
    assert copy.fix_name == plan.fix_name and copy.status == plan.status
