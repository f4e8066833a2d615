"""What a plan created "from the template" starts with: the template's own default items."""

import datetime

from django.utils import timezone

from plans.markdown.document import (
    CheckItem,
    LogRow,
    MetricRow,
    PhaseRow,
    PlanDocument,
    StakeholderRow,
    StepData,
)
from plans.models import Plan, Priority, Status

OVERVIEW = "Brief summary of the fix and implementation approach."
NOTES = "Additional notes, edge cases discovered, or decisions made during implementation."
PLAN_CREATED = "Plan created"


def _items(*texts: str) -> list[CheckItem]:
    return [CheckItem(text) for text in texts]


def template_document(
    *,
    fix_name: str = "",
    issue_id: str = "",
    author: str = "",
    priority: str = Priority.P2,
    overview: str = OVERVIEW,
    created: datetime.date | None = None,
    now: datetime.datetime | None = None,
    logged_by: str = "",
) -> PlanDocument:
    now = now or timezone.now()
    return PlanDocument(
        fix_name=fix_name,
        issue_id=issue_id,
        author=author,
        created=created or timezone.localdate(now),
        priority=priority,
        status=Status.PLANNING,
        overview=overview,
        prerequisites=_items(
            "Root cause confirmed in spec",
            "Impact assessment complete",
            "Stakeholders notified",
            "Rollback plan ready",
        ),
        steps=[
            StepData(
                title="Immediate Mitigation (if needed)",
                timeline="ASAP",
                tasks=_items(
                    "Apply temporary workaround", "Notify affected users", "Enable monitoring"
                ),
            ),
            StepData(
                title="Prepare Fix",
                timeline="X hours",
                files=["path/to/file1.{{FILE_EXTENSION}}", "path/to/file2.{{FILE_EXTENSION}}"],
                tasks=_items(
                    "Create feature branch from {{DEFAULT_BRANCH}}",
                    "Implement code changes",
                    "Add/update tests",
                    "Update documentation",
                ),
                code_language="{{FILE_EXTENSION}}",
                code="// Describe the key changes",
            ),
            StepData(
                title="Testing",
                timeline="X hours",
                tasks=_items(
                    "Run unit tests",
                    "Run integration tests",
                    "Manual verification of fix",
                    "Verify no regression",
                ),
                test_commands="{{TEST_COMMAND}}",
            ),
            StepData(
                title="Code Review",
                timeline="X hours",
                tasks=_items(
                    "Create pull request",
                    "Address review comments",
                    "Get approval from {{REVIEWER}}",
                ),
            ),
            StepData(
                title="Deployment",
                timeline="X hours",
                tasks=_items(
                    "Deploy to staging",
                    "Verify fix in staging",
                    "Deploy to production",
                    "Monitor for 24 hours",
                ),
            ),
        ],
        success_criteria=_items(
            "Original bug no longer reproducible",
            "No new errors in logs",
            "Performance metrics stable",
            "User reports resolved",
        ),
        metrics=[
            MetricRow("Error rate", "< 0.1%", "> 1%"),
            MetricRow("Response time", "< 200ms", "> 500ms"),
        ],
        stakeholders=[
            StakeholderRow("Engineering", "Slack", "On fix complete"),
            StakeholderRow("Product", "Email", "On deployment"),
            StakeholderRow("Customers", "Status page", "If applicable"),
        ],
        post_mortem=_items(
            "Schedule post-mortem meeting",
            "Document lessons learned",
            "Create follow-up tickets for improvements",
        ),
        phases=[
            PhaseRow("Mitigation", "+1 hour"),
            PhaseRow("Fix Development", "+4 hours"),
            PhaseRow("Testing", "+2 hours"),
            PhaseRow("Code Review", "+2 hours"),
            PhaseRow("Deployment", "+1 hour"),
            PhaseRow("Monitoring", "+24 hours"),
        ],
        notes=NOTES,
        log=[LogRow(logged_at=now, update=PLAN_CREATED, author=logged_by)],
    )


def create_plan_from_template(user=None, **header) -> Plan:
    """A new plan holding the template's default items, with the given header values."""
    from plans.operations import create_plan

    return create_plan(template_document(**header), user=user)
