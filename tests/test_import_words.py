"""The words people write for priorities, statuses, phase statuses and times: each is read
as the nearest value FixTracker holds, and words the value would lose are kept in Notes."""

import datetime

import pytest

from plans.markdown import parse_plan
from plans.models import PhaseStatus, Priority, Status
from tests.conftest import CORPUS

BASE = (CORPUS / "bad-log-time.md").read_text(encoding="utf-8")
LOG_LINE = 12


def plan(*, priority="P2 (Medium)", status="Planning", created="2026-04-04", time="09:00"):
    text = BASE.replace("**Priority:** P2 (Medium)", f"**Priority:** {priority}")
    text = text.replace("**Status:** Planning", f"**Status:** {status}")
    text = text.replace("**Created:** 2026-04-04", f"**Created:** {created}")
    return parse_plan(text.replace("| yesterday |", f"| {time} |"))


@pytest.mark.parametrize(
    ("written", "priority", "kept"),
    [
        ("P0 (Critical)", Priority.P0, False),
        ("P1", Priority.P1, False),
        ("HIGH", Priority.P1, False),
        ("Critical", Priority.P0, False),
        ("**Low**", Priority.P3, False),
        ("Sev-1", Priority.P0, True),
        ("SEV2", Priority.P1, True),
        ("Severity 3", Priority.P2, True),
        ("P0 (customer-facing)", Priority.P0, True),
        ("🔥 Urgent", Priority.P0, True),
        ("Whenever", Priority.P2, True),
    ],
)
def test_priority_words(written, priority, kept):
    result = plan(priority=written)

    assert result.document.priority == priority
    assert (f"**Priority:** {written}" in result.document.notes) == kept
    assert any(w.startswith("line 5: text under Header") for w in result.warnings) == kept


@pytest.mark.parametrize(
    ("written", "status"),
    [
        ("In Progress", Status.IN_PROGRESS),
        ("Open", Status.PLANNING),
        ("Investigating", Status.PLANNING),
        ("Ready", Status.PLANNING),
        ("Analysis Complete", Status.PLANNING),
        ("✅ Done", Status.DEPLOYED),
        ("Fixed", Status.DEPLOYED),
        ("Resolved", Status.DEPLOYED),
        ("In Progress (Blocking backlog additions)", Status.IN_PROGRESS),
        ("Ready for review", Status.IN_REVIEW),
        ("Mysterious", Status.PLANNING),
    ],
)
def test_status_words(written, status):
    result = plan(status=written)

    assert result.document.status == status
    kept = written != Status(status).label
    assert (f"**Status:** {written}" in result.document.notes) == kept


@pytest.mark.parametrize(
    ("written", "created", "kept"),
    [
        ("2026-03-14", datetime.date(2026, 3, 14), False),
        ("2026-03-14 (rev. 2026-03-16)", datetime.date(2026, 3, 14), True),
        ("2026-03-14T09:30:00Z", datetime.date(2026, 3, 14), True),
        ("14 March 2026", datetime.date(2026, 3, 14), True),
        ("March 14, 2026", datetime.date(2026, 3, 14), True),
    ],
)
def test_created_keeps_what_follows_the_date(written, created, kept):
    result = plan(created=written)

    assert result.document.created == created
    assert (f"**Created:** {written}" in result.document.notes) == kept


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("written", "logged_at"),
    [
        ("2026-04-04 09:37", utc(2026, 4, 4, 9, 37)),
        ("09:37 PST", utc(2026, 4, 4, 17, 37)),
        ("08:52 UTC", utc(2026, 4, 4, 8, 52)),
        ("9:05 pm EDT", utc(2026, 4, 5, 1, 5)),
        ("2026-04-04T09:37:00+02:00", utc(2026, 4, 4, 7, 37)),
        ("2026-04-04T09:37Z", utc(2026, 4, 4, 9, 37)),
        ("13/03/2026 09:37", utc(2026, 3, 13, 9, 37)),
        ("03/13/2026 09:37", utc(2026, 3, 13, 9, 37)),
        ("Apr 4, 2026 10:15 CET", utc(2026, 4, 4, 9, 15)),
        ("2026-04-04", utc(2026, 4, 4)),
    ],
)
def test_log_times_in_common_forms(written, logged_at):
    result = plan(time=written)

    assert [row.logged_at for row in result.document.log] == [logged_at]


@pytest.mark.parametrize("written", ["02/03/2026 09:37", "yesterday", "09:37 XYZ", "25:00"])
def test_a_log_time_it_cannot_read_keeps_the_row_in_notes(written):
    result = plan(time=written)

    assert [row.update for row in result.document.log] == ["Plan imported"]
    assert f"{written} | Plan created" in result.document.notes
    assert any(w.startswith(f"line {LOG_LINE}: ") for w in result.warnings)


PHASES = """
## Timeline

| Phase | Target Time | Actual Time | Status |
| ----- | ----------- | ----------- | ------ |
| Investigation | +1h | +1h | Complete |
| Fix | +2h | | Blocked |
| Deploy | +3h | | Pending |
| Review | +4h | | Awaiting sign-off |
"""


def test_phase_status_words():
    text = BASE.replace("## Progress Log", PHASES.strip() + "\n\n## Progress Log")

    result = parse_plan(text)

    statuses = [phase.status for phase in result.document.phases]
    assert statuses == [
        PhaseStatus.DONE,
        PhaseStatus.IN_PROGRESS,
        PhaseStatus.NOT_STARTED,
        PhaseStatus.NOT_STARTED,
    ]
    assert "Fix: Blocked" in result.document.notes
    assert "Review: Awaiting sign-off" in result.document.notes
    assert "Investigation: Complete" not in result.document.notes


LOG_TABLES = {
    "author in the middle": (
        "| Time | Author | Update |\n|---|---|---|\n| 2026-04-04 09:37 | ana | Paged |"
    ),
    "other order and names": (
        "| Update | Timestamp | Who |\n|---|---|---|\n| Paged | 2026-04-04 09:37 | ana |"
    ),
    "no outer pipes": "Time | Author | Update\n--- | --- | ---\n2026-04-04 09:37 | ana | Paged",
}


@pytest.mark.parametrize("table", LOG_TABLES.values(), ids=LOG_TABLES.keys())
def test_log_tables_as_people_write_them(table):
    text = BASE[: BASE.index("| Time")] + table + "\n"

    result = parse_plan(text)

    assert [(r.logged_at, r.update, r.author) for r in result.document.log] == [
        (datetime.datetime(2026, 4, 4, 9, 37, tzinfo=datetime.UTC), "Paged", "ana")
    ]
    assert "Paged" not in result.document.notes
