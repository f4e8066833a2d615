"""The importer reads the template, FixTracker's exports and hand-written variants."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from plans.markdown import PlanFormatError, export_plan, import_plan
from plans.markdown.store import load_document
from plans.models import (
    ChecklistItem,
    ChecklistKind,
    PhaseStatus,
    Plan,
    Priority,
    ProgressLogEntry,
    Status,
    Step,
)
from tests.conftest import CORPUS, GOLDEN

pytestmark = pytest.mark.django_db


def corpus(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def test_template_itself_imports_with_defaults_and_notes(template_text):
    plan, warnings = import_plan(template_text)

    assert plan.fix_name == "" and plan.issue_id == ""
    assert plan.priority == Priority.P2 and plan.status == Status.PLANNING
    assert plan.steps.count() == 5
    assert plan.checklist_items.filter(kind=ChecklistKind.PREREQUISITE).count() == 4
    assert plan.phases.count() == 6
    assert [e.update for e in plan.log_entries.all()] == ["Plan created"]
    assert any("no priority chosen" in w for w in warnings)
    assert any("line 6: no Created date" in w for w in warnings)


def test_golden_export_imports_to_the_same_document():
    text = (GOLDEN / "filled-plan.md").read_text(encoding="utf-8")

    plan, warnings = import_plan(text)

    assert warnings == []
    assert export_plan(plan.pk) == text
    assert plan.default_branch == "main"
    assert plan.reviewer == "@sre-oncall"
    assert plan.test_command == "pytest tests/auth -x"
    assert plan.deploy_command == "./deploy.sh production"
    assert plan.revert_commit == "4f2a9c1"
    assert plan.rollback_command == "git revert {{COMMIT_HASH}}\n{{DEPLOY_COMMAND}}"


def test_compact_file_without_blank_lines():
    plan, warnings = import_plan(corpus("compact-no-blank-lines.md"))

    doc = load_document(plan.pk)
    assert plan.priority == Priority.P1 and plan.status == Status.IN_PROGRESS
    assert [(i.text, i.done) for i in doc.prerequisites] == [
        ("Root cause confirmed in spec", True),
        ("Impact assessment complete", True),
        ("Stakeholders notified", False),
    ]
    assert [s.title for s in doc.steps] == [
        "Immediate Mitigation (if needed)",
        "Prepare Fix",
        "Testing",
    ]
    assert doc.steps[0].tasks[0].done is True  # ticked with a capital X
    assert doc.steps[1].files == ["search/reindex.py"]
    assert doc.steps[1].code_language == "python"
    assert plan.default_branch == "develop"
    assert plan.test_command == "make test-search"
    assert plan.notification_channel == "#search"
    assert [(m.metric, m.alert_threshold) for m in doc.metrics] == [("Indexing lag", "> 5 min")]
    assert [p.status for p in doc.phases] == [PhaseStatus.DONE, PhaseStatus.IN_PROGRESS]
    assert doc.notes == "Reindex runs weekly on Sundays."
    assert [(e.update, e.author) for e in doc.log][1] == ("Alias fixed by hand", "Tomás")
    assert warnings == []


def test_windows_line_endings_and_trailing_spaces_read_like_the_unix_file():
    crlf, _ = import_plan(corpus("windows-crlf.md"))
    unix, _ = import_plan(corpus("compact-no-blank-lines.md"))

    crlf_doc, unix_doc = load_document(crlf.pk), load_document(unix.pk)
    assert crlf_doc.issue_id == "SRCH-78"
    crlf_doc.issue_id = unix_doc.issue_id
    assert crlf_doc == unix_doc


def test_extra_sections_rows_and_text_are_kept_in_notes():
    plan, warnings = import_plan(corpus("extra-sections-and-rows.md"))

    doc = load_document(plan.pk)
    assert plan.status == Status.DEPLOYED
    assert (plan.spec_title, plan.spec_link) == ("Incident spec", "https://docs.example.com/hook-5")
    assert len(doc.prerequisites) == 5
    assert [s.title for s in doc.steps] == ["Prepare Fix", "Deployment"]
    assert doc.steps[0].code_language == "go"
    assert "time.Duration(1<<attempt)" in doc.steps[0].code
    assert len(doc.metrics) == 4
    assert plan.revert_commit == "9e8d7c6"
    assert plan.deploy_command == "kubectl rollout undo deploy/webhooks"
    # Text outside the template survives, in Notes, in the file's order with the Notes
    # section's own text, and the command says so.
    kept = [
        "**Slack thread:** https://chat.example.com/t/123",
        "## Impact\n\nAbout 40 partners got up to 300 requests per minute.",
        "Remember to tell the partner team before deploying.",
        "### Dashboards\n\n- https://grafana.example.com/d/webhooks",
        "Backoff base is 2 s.\n\n## Lessons\n\nLoad-test retry paths too.",
    ]
    places = [doc.notes.find(text) for text in kept]
    assert -1 not in places and places == sorted(places), places
    assert any("line 9:" in w and "Header" in w for w in warnings)
    assert any("line 15:" in w and "## Impact" in w for w in warnings)
    assert any("Dashboards" in w for w in warnings)


def test_more_steps_missing_sections_and_placeholders():
    plan, warnings = import_plan(corpus("seven-steps-placeholders.md"))

    doc = load_document(plan.pk)
    assert plan.fix_name == "" and plan.author == ""
    assert [s.title for s in doc.steps][-1] == "Follow-up"
    assert len(doc.steps) == 7
    assert doc.steps[3].test_commands == "{{TEST_COMMAND}}"
    assert plan.test_command == "" and plan.reviewer == ""
    assert doc.prerequisites == [] and doc.stakeholders == [] and doc.metrics == []
    # A section not in the file stays empty: the template's example rollback is not invented.
    assert plan.rollback_command == "" and plan.database_rollback == ""
    assert any("Step 8 is step 7" in w for w in warnings)
    assert any("Prerequisites, Rollback Plan, Communication" in w for w in warnings)
    assert doc.log[0].update == "Plan created"


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("not-a-plan.md", 1, "this is not a fix plan: it has none of the template's sections"),
    ],
)
def test_malformed_file_is_refused_with_its_line_and_writes_nothing(name, line, message):
    with pytest.raises(Exception) as caught:
        import_plan(corpus(name))

    assert caught.value.line == line
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"line {line}: ")
    assert Plan.objects.count() == 0
    assert Step.objects.count() == ChecklistItem.objects.count() == 0


def test_a_code_block_never_closed_is_read_as_text_and_kept():
    plan, warnings = import_plan(corpus("unclosed-code-block.md"))

    assert "line 14: a code block opened here is never closed; its lines are read as text" in (
        warnings
    )
    assert "```python\nif not rows:\n    return empty_report()" in plan.notes
    step = load_document(plan.pk).steps[0]
    assert step.title == "Prepare Fix" and step.code == ""


def test_a_priority_it_cannot_read_is_the_default_and_its_line_is_kept_in_notes():
    plan, warnings = import_plan(corpus("unknown-priority.md"))

    assert plan.priority == "P2"
    assert "**Header:**\n\n**Priority:** P5 (Whenever)" in plan.notes
    assert "line 5: text under Header is not a priority; set to P2 (Medium); kept in Notes" in (
        warnings
    )


def test_a_log_row_whose_time_it_cannot_read_is_kept_in_notes():
    plan, warnings = import_plan(corpus("bad-log-time.md"))

    assert "**Progress Log:**\n\nyesterday | Plan created" in plan.notes
    assert any(w.startswith("line 12: text under Progress Log has a time") for w in warnings)


def test_every_problem_of_a_file_is_reported_at_once_with_its_line():
    text = corpus("compact-no-blank-lines.md")
    text = text.replace("- [ ] Stakeholders notified", "- [ ] " + "y" * 501)
    text = text.replace("**Issue:** SRCH-77", "**Issue:** " + "X" * 101)
    lines = text.splitlines()
    item = next(i for i, line in enumerate(lines, 1) if "yyyy" in line)
    issue = next(i for i, line in enumerate(lines, 1) if "XXXX" in line)

    with pytest.raises(PlanFormatError) as caught:
        import_plan(text)

    assert caught.value.problems == [
        (issue, "issue id is 101 characters; at most 100"),
        (item, "text is 501 characters; at most 500"),
    ]
    assert str(caught.value).splitlines() == [f"line {n}: {m}" for n, m in caught.value.problems]
    assert Plan.objects.count() == 0


def test_a_table_row_longer_than_its_header_is_read_and_the_table_kept_as_written():
    text = corpus("compact-no-blank-lines.md").replace(
        "|Indexing lag|< 60 s|> 5 min|", "|Indexing lag|< 60 s|> 5 min|extra|"
    )

    plan, warnings = import_plan(text)

    assert "|Indexing lag|< 60 s|> 5 min|extra|" in plan.notes
    assert any("has rows longer than its header" in w for w in warnings)
    metrics = load_document(plan.pk).metrics
    assert ("Indexing lag", "< 60 s", "> 5 min") in [
        (m.metric, m.expected_value, m.alert_threshold) for m in metrics
    ]


def test_table_columns_are_matched_by_name_and_the_others_kept():
    plan, warnings = import_plan(corpus("wrong-columns.md"))

    metrics = load_document(plan.pk).metrics
    assert [(m.metric, m.expected_value, m.alert_threshold) for m in metrics] == [
        ("Error rate", "< 1%", "")
    ]
    assert "| Metric     | Target | Owner |" in plan.notes
    assert any(w.startswith("line 12: text under Monitoring has columns") for w in warnings)


def test_too_long_value_is_refused_before_the_database_sees_it():
    text = corpus("compact-no-blank-lines.md").replace(
        "- [ ] Stakeholders notified", "- [ ] " + "x" * 501
    )

    with pytest.raises(Exception, match="line 15: text is 501 characters; at most 500"):
        import_plan(text)
    assert Plan.objects.count() == 0


def test_import_command_creates_each_plan_and_prints_it(capsys):
    call_command(
        "import_plan",
        str(CORPUS / "compact-no-blank-lines.md"),
        str(CORPUS / "extra-sections-and-rows.md"),
    )

    out = capsys.readouterr().out
    first, second = Plan.objects.order_by("pk")
    assert f"Created plan {first.pk}: SRCH-77: Search index stops updating" in out
    assert f"Created plan {second.pk}: HOOK-5: Webhook retries flood partner API" in out
    assert "kept in Notes" in out


def test_import_command_refuses_bad_files_but_imports_the_good(capsys):
    with pytest.raises(CommandError, match="2 of 3 plan"):
        call_command(
            "import_plan",
            str(CORPUS / "not-a-plan.md"),
            str(CORPUS / "compact-no-blank-lines.md"),
            str(CORPUS / "no-such-file.md"),
        )

    captured = capsys.readouterr()
    assert "not-a-plan.md: line 1: this is not a fix plan" in captured.err
    assert "no-such-file.md: No such file or directory" in captured.err
    assert Plan.objects.get().issue_id == "SRCH-77"


def test_import_command_refuses_binary_files(tmp_path, capsys):
    path = tmp_path / "plan.md"
    path.write_bytes(b"# Fix Implementation Plan: \x89PNG\n\x00\x00")

    with pytest.raises(CommandError):
        call_command("import_plan", str(path))
    assert "line 2: contains a NUL byte" in capsys.readouterr().err
    assert Plan.objects.count() == 0


def test_log_time_without_a_date_uses_the_created_date():
    text = corpus("bad-log-time.md").replace("| yesterday |", "| 14:05     |")

    plan, _ = import_plan(text)

    entry = ProgressLogEntry.objects.get(plan=plan)
    assert entry.logged_at == datetime.datetime(2026, 4, 4, 14, 5, tzinfo=datetime.UTC)


def test_over_long_value_in_an_anchor_task_stays_in_the_task():
    branch = "b" * 250  # longer than the default-branch field, shorter than a task
    text = corpus("compact-no-blank-lines.md").replace(
        "Create feature branch from develop", f"Create feature branch from {branch}"
    )

    plan, _ = import_plan(text)

    assert plan.default_branch == ""
    assert plan.steps.get(position=1).tasks.get(position=0).text.endswith(branch)


def test_a_nul_byte_is_refused_with_its_line(template_text):
    """PostgreSQL refused it with a DataError (found by the fuzz tests); now a clear error."""
    text = template_text.replace("Brief summary", "Brief\x00summary")

    with pytest.raises(PlanFormatError, match=r"^line 12: contains a NUL byte"):
        import_plan(text)


def test_a_duplicated_section_kept_in_notes_survives_export_and_import():
    """Found by the fuzz test: the kept `## Progress Log` came back as the real one."""
    text = (CORPUS / "compact-no-blank-lines.md").read_text(encoding="utf-8")
    text = text.replace("## Progress Log\n", "## Progress Log\n## Progress Log\n", 1)
    plan, warnings = import_plan(text)
    assert warnings

    again, _ = import_plan(export_plan(plan.pk))

    assert load_document(again.pk).notes == load_document(plan.pk).notes
    assert export_plan(again.pk) == export_plan(plan.pk)


def test_a_plan_without_a_rollback_section_exports_only_placeholders_there_and_comes_back():
    plan, _warnings = import_plan(corpus("seven-steps-placeholders.md"))
    text = export_plan(plan.pk)

    rollback = text[text.index("## Rollback Plan") : text.index("## Verification")]
    assert "Run rollback migration" not in rollback and "git revert" not in rollback
    assert "2. **Database:**\n" in rollback
    again, _warnings = import_plan(text)
    assert export_plan(again.pk) == text
