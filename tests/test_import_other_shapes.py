"""Documents of other shapes (bug reports, remediation plans, task lists, resolution
checklists, an assistant's plan, a Windows file): each imports with its checkboxes as rows
that can be ticked, every line accounted for, and an export that comes back the same."""

import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from plans.markdown import format as fmt
from plans.markdown import parse_plan, render_plan
from plans.markdown import words as words_module
from plans.markdown.blocks import setext_level
from plans.markdown.encoding import decode
from plans.models import PhaseStatus, Plan, Priority, Status, Step
from tests.conftest import CORPUS, GOLDEN

SHAPES = CORPUS / "other_shapes"
TEMPLATE_TEXT = (GOLDEN / "fix-plan-template.md").read_text(encoding="utf-8")
DOCUMENTS = sorted(SHAPES.glob("*.md"))
# Every document that imports: these, the template's shape written by hand, and exports.
IMPORTED = DOCUMENTS + [
    path
    for path in [
        *sorted(CORPUS.glob("*.md")),
        *sorted(CORPUS.glob("fix_folders/*/plan.md")),
        *sorted(GOLDEN.glob("*.md")),
    ]
    if path.name != "not-a-plan.md"
]
CHECKBOX_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]|[\u2705\u2610\u2611\u23f3])")
# Words a reading may rightly change: times and dates are rewritten in one form, and status
# words read as the value they name ("Complete" is Done).
REWRITTEN = (
    set(words_module.ZONES)
    | set(words_module.MONTHS)
    | {"am", "pm"}
    | {w for names in words_module.PHASE_SYNONYMS.values() for name in names for w in name.split()}
)
HEADING = re.compile(r"^#{1,6}\s+(?P<title>.*)$")
LABEL = re.compile(
    r"^\*\*(?P<name>[^*]+?):\*\*\s*(?P<value>.*)$|^(?P<plain>[A-Za-z][\w /-]{0,30}):\s+"
)


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{3,}", text.casefold()) if w not in REWRITTEN}


def content(line: str, previous: str) -> str:
    """What of a line is the user's text rather than the structure the import maps: not a
    section's or a step's name, a label's name, or a table's header."""
    if heading := HEADING.match(line):
        title = heading["title"]
        if fmt.section_key(title) in fmt.SECTION_BY_KEY | fmt.SUBSECTION_BY_KEY:
            return ""
        return re.sub(r"^\W*(?:step|task|fix|phase)\s+\d+", "", title, flags=re.IGNORECASE)
    if label := LABEL.match(line):
        return line[label.end() :] if label["plain"] else label["value"]
    if line.lstrip().startswith("|") and not previous.lstrip().startswith("|"):
        return ""  # a table's header row: column names
    return line


def atx_headings(lines: list[str]) -> list[str]:
    """The lines, with each underlined (setext) heading written as `# ` or `## `."""
    out = list(lines)
    for i in range(len(lines)):
        if level := setext_level(lines, i):
            out[i] = "#" * level + " " + lines[i].strip()
    return out


def checkboxes(doc) -> int:
    lists = [doc.prerequisites, doc.success_criteria, doc.post_mortem]
    return sum(map(len, lists)) + sum(len(step.tasks) for step in doc.steps)


@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
def test_each_document_imports_with_its_checkboxes_and_every_line(path: Path):
    data = path.read_bytes()
    doc = parse_plan(data).document  # raises if refused
    exported = render_plan(doc)

    lines = atx_headings(decode(data)[0].splitlines())
    boxes = sum(1 for line in lines if CHECKBOX_LINE.match(line))
    assert checkboxes(doc) >= 0.95 * boxes, (checkboxes(doc), boxes)
    missing = [
        line
        for previous, line in zip(["", *lines], lines, strict=False)
        if line.strip() and not words(content(line, previous)) <= words(exported)
    ]
    assert not missing, missing
    assert render_plan(parse_plan(exported).document) == exported


@pytest.mark.parametrize(
    "path", IMPORTED, ids=[str(p.relative_to(CORPUS.parent)) for p in IMPORTED]
)
def test_the_import_says_where_each_line_went_and_it_is_there(path: Path):
    data = path.read_bytes()
    result = parse_plan(data)
    exported = render_plan(result.document)
    lines = atx_headings(decode(data)[0].splitlines())

    assert set(result.lines) == {n for n, line in enumerate(lines, 1) if line.strip()}
    wrong = []
    for number, place in result.lines.items():
        line, previous = lines[number - 1], lines[number - 2] if number > 1 else ""
        # A line in Notes is there in its own words; one read into a field, in the export.
        there = result.document.notes if place == "Notes" else exported
        if "the template's text" in place:
            there = TEMPLATE_TEXT
        if not place or not words(content(line, previous)) <= words(there):
            wrong.append((number, place, line))
    assert not wrong, wrong


def test_a_bug_report_becomes_a_plan():
    doc = parse_plan((SHAPES / "bug-report-checkout-timeout.md").read_bytes()).document

    assert (doc.issue_id, doc.fix_name) == (
        "INC-2041",
        "Checkout times out when the payment provider is slow",
    )
    assert (doc.priority, doc.status, doc.author) == (Priority.P1, Status.PLANNING, "ana")
    assert doc.overview.startswith("Checkout requests hang for 30 s")
    first, second = doc.steps
    assert (first.title, first.timeline, first.files) == (
        "Bound the payment call",
        "15 minutes",
        ["payments/client.py"],
    )
    assert first.code == "session.request(method, url, timeout=3)"
    assert [(t.text, t.done, t.depth) for t in second.tasks] == [
        ("Add a circuit breaker around the provider", False, 0),
        ("Open after 5 failures in 30 s", False, 1),
        ("Half-open after 60 s", True, 1),
    ]
    assert doc.rollback_command == "git revert 4f9c2e1"
    assert len(doc.success_criteria) == 2
    assert [(row.update, row.author) for row in doc.log] == [
        ("Paged; provider latency at 25 s", "ana"),
        ("Timeout deployed to canary", "raj"),
    ]
    assert "## Root Cause" in doc.notes


def test_a_remediation_plan_with_phases_and_plain_header_lines():
    doc = parse_plan((SHAPES / "remediation-plan-disk-full.md").read_bytes()).document

    assert (doc.issue_id, doc.priority, doc.status) == ("OPS-552", Priority.P1, Status.IN_PROGRESS)
    assert str(doc.created) == "2026-03-13"
    assert [(s.title, s.timeline, len(s.tasks)) for s in doc.steps] == [
        ("Immediate relief", "10 minutes", 2),
        ("Lasting fix", "2 hours", 3),
    ]
    assert doc.rollback_command == "kubectl rollout undo deployment/log-shipper"
    assert [p.status for p in doc.phases] == [PhaseStatus.DONE, PhaseStatus.IN_PROGRESS]


def test_a_task_list_is_one_step_of_its_tasks():
    doc = parse_plan((SHAPES / "task-list-search-reindex.md").read_bytes()).document

    (step,) = doc.steps
    assert step.title == "Action Items"
    assert [t.done for t in step.tasks] == [True, True, False, False, True, False]


@pytest.mark.django_db
def test_import_dry_run_says_what_it_would_create_and_writes_nothing(capsys):
    path = SHAPES / "bug-report-checkout-timeout.md"

    call_command("import_plan", "--dry-run", str(path))

    out = capsys.readouterr().out
    assert "would create this plan (dry run)" in out
    assert "Fix name: Checkout times out when the payment provider is slow" in out
    assert "Issue: INC-2041" in out
    assert "Steps: 2, with 5 tasks" in out
    assert "Summary' -> Overview" in out and "'Root Cause' -> Notes" in out
    assert "note: line 3: text under Header was read as priority P1 (High)" in out
    assert "lines 21-22 -> Step 1: tasks" not in out  # each line, only when asked
    assert not Plan.objects.exists() and not Step.objects.exists()


@pytest.mark.django_db
def test_import_dry_run_says_where_each_line_went_when_asked(capsys):
    path = SHAPES / "bug-report-checkout-timeout.md"

    call_command("import_plan", "--dry-run", "-v", "2", str(path))

    out = capsys.readouterr().out
    assert "  line 1 -> Header: Fix name and Issue\n" in out
    assert "  lines 21-22 -> Step 1: tasks\n" in out
    assert "  lines 13-15 -> Notes\n" in out
    assert not Plan.objects.exists()


@pytest.mark.django_db
def test_import_dry_run_refuses_what_the_import_would(tmp_path, capsys):
    path = tmp_path / "plan.md"
    path.write_text("# Fix Implementation Plan: X\n\n**Issue:** " + "I" * 101 + "\n")

    with pytest.raises(CommandError, match="1 of 1 plan"):
        call_command("import_plan", "--dry-run", str(path))

    assert "issue id is 101 characters" in capsys.readouterr().err
    assert not Plan.objects.exists()


def test_phases_under_a_heading_of_their_own_are_steps():
    doc = parse_plan((SHAPES / "cve-remediation-image-library.md").read_bytes()).document

    assert [(s.title, s.timeline) for s in doc.steps] == [
        ("Contain", "2 hours"),
        ("Patch", "1 day"),
        ("Verify and hunt", "4 hours"),
        ("Close out", ""),
    ]
    assert "## Remediation Phases" in doc.notes  # the heading over them, kept


def test_checklists_under_headings_of_the_files_own_are_steps_after_the_others():
    text = (
        "# Purge the CDN\n\n## To do\n\n- [ ] Announce\n\n"
        "## Order of work for Thursday\n\n1. [x] Drain edge\n2. [ ] Purge\n\n"
        "## Root cause\n\n- A list, no boxes: notes\n"
    )
    doc = parse_plan(text).document

    assert [(s.title, [t.text for t in s.tasks]) for s in doc.steps] == [
        ("To do", ["Announce"]),
        ("Order of work for Thursday", ["Drain edge", "Purge"]),
    ]
    assert "## Root cause\n\n- A list, no boxes: notes" in doc.notes


def test_a_file_line_with_words_beside_its_path_is_one_file_and_keeps_the_words():
    text = (
        "# X\n\n## Steps\n\n### Step 1: Reverse\n\n"
        "Code Location: `migrations/0087.py` (the `reverse_sql` block)\n\n"
        "**Files:**\n- `a.py` — why it changes\n- `b.py`, `c.py`\n"
    )
    doc = parse_plan(text).document

    assert doc.steps[0].files == ["migrations/0087.py", "a.py", "b.py", "c.py"]
    assert "(the `reverse_sql` block)" in doc.notes and "why it changes" in doc.notes


def test_a_title_id_stays_in_the_name_when_the_header_names_another_issue():
    text = (
        "# PLAT-2291 Remediation: CDN caches pages\n\nChange ID: CHG-20418\n\n## Steps\n\n- [ ] a\n"
    )
    doc = parse_plan(text).document

    assert (doc.issue_id, doc.fix_name) == ("CHG-20418", "PLAT-2291 Remediation: CDN caches pages")
    assert parse_plan("# 🚨 OPS-7781: Flag flips\n\n- [ ] a\n").document.issue_id == "OPS-7781"


def test_review_checklists_stakeholder_tables_and_postmortem_timelines_find_their_place():
    text = (
        "# X\n\n**Date:** 2026-02-19\n\n## Steps\n\n- [ ] a\n\n"
        "## Communication\n\n| Audience | Channel | When |\n|---|---|---|\n"
        "| Support | Slack | Hourly |\n\n"
        "## Timeline\n\n| Time (UTC) | Event |\n|---|---|\n| 14:01 | Change merged |\n\n"
        "## Post-Implementation Review\n\n- [ ] Review alerts\n"
    )
    doc = parse_plan(text).document

    assert [(s.stakeholder, s.update_method, s.when) for s in doc.stakeholders] == [
        ("Support", "Slack", "Hourly")
    ]
    assert [(str(e.logged_at), e.update) for e in doc.log] == [
        ("2026-02-19 14:01:00+00:00", "Change merged")
    ]
    assert [item.text for item in doc.post_mortem] == ["Review alerts"]


def test_a_step_title_ending_in_nights_gives_its_timeline():
    doc = parse_plan("# X\n\n## Steps\n\n### Step 1: Parallel run (3 nights)\n\n- [ ] a\n").document

    assert (doc.steps[0].title, doc.steps[0].timeline) == ("Parallel run", "3 nights")


def test_underlined_headings_are_headings():
    doc = parse_plan((SHAPES / "setext-headings-redis-failover-runbook.md").read_bytes()).document

    assert (doc.fix_name, doc.author) == ("Redis primary failover runbook", "platform-team")
    assert len(doc.prerequisites) == 2
    assert [(s.title, len(s.tasks)) for s in doc.steps] == [("Procedure", 5)]
    assert [m.metric for m in doc.metrics] == ["replication lag", "error rate"]
    assert "Fail back to the old primary" in doc.notes
    # A --- under a field, or after a blank line, is still a rule.
    rules = parse_plan("# X\n\n**Author:** ana\n---\n\n## Steps\n\n- [ ] a\n\n---\n").document
    assert (rules.author, [t.text for t in rules.steps[0].tasks]) == ("ana", ["a"])
