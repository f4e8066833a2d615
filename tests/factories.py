"""Small builders for plans in known states, shared by the tests."""

import datetime

from django.utils import timezone

from plans.defaults import create_plan_from_template
from plans.markdown.document import (
    CheckItem,
    LogRow,
    MetricRow,
    PhaseRow,
    PlanDocument,
    StakeholderRow,
    StepData,
)
from plans.models import (
    ChecklistItem,
    ChecklistKind,
    MonitoringMetric,
    PhaseStatus,
    Plan,
    Priority,
    ProgressLogEntry,
    StakeholderUpdate,
    Status,
    Step,
    StepFile,
    StepTask,
    TimelinePhase,
)
from plans.operations import record_change

CREATED_AT = datetime.datetime(2026, 11, 20, 9, 14, tzinfo=datetime.UTC)


def template_plan(**header) -> Plan:
    """A plan created from the template with nothing filled in, at a fixed time."""
    header.setdefault("now", CREATED_AT)
    return create_plan_from_template(**header)


def filled_plan() -> Plan:
    """A realistic plan with every kind of value filled in: the export golden file's source."""
    plan = template_plan(
        fix_name="Login sessions expire after 5 minutes",
        issue_id="AUTH-812",
        author="Dana Whitfield",
        priority=Priority.P0,
        overview=(
            "Sessions issued since release 4.12 carry a 300 s TTL instead of 30 days.\n\n"
            "The fix restores the TTL from `SESSION_COOKIE_AGE` and re-issues cookies on "
            "next request, so nobody has to log in again."
        ),
        logged_by="Dana Whitfield",
    )
    Plan.objects.filter(pk=plan.pk).update(
        status=Status.IN_REVIEW,
        spec_link="https://wiki.example.com/incidents/AUTH-812/spec.md",
        default_branch="main",
        reviewer="@sre-oncall",
        test_command="pytest tests/auth -x",
        deploy_command="./deploy.sh production",
        notification_channel="#incident-auth",
        revert_commit="4f2a9c1",
        database_rollback="None: the fix has no migration",
        cache_keys="session:*",
        notes=(
            "- Mobile apps refresh their token on 401, so they recovered by themselves.\n"
            "- Decided **not** to force-logout: the short sessions are harmless once fixed."
        ),
    )
    ChecklistItem.objects.filter(plan=plan, kind=ChecklistKind.PREREQUISITE).update(done=True)
    ChecklistItem.objects.create(
        plan=plan, kind=ChecklistKind.SUCCESS_CRITERION, position=4, text="Session TTL is 30 days"
    )
    ChecklistItem.objects.filter(plan=plan, kind=ChecklistKind.POST_MORTEM, position=0).update(
        done=True
    )
    steps = list(plan.steps.order_by("position"))
    StepTask.objects.filter(step__in=steps[:3]).update(done=True)
    StepTask.objects.filter(step=steps[3], position=0).update(done=True)
    prepare = steps[1]
    prepare.timeline = "2 hours"
    prepare.code_language = "python"
    prepare.code = (
        "SESSION_COOKIE_AGE = 60 * 60 * 24 * 30\n"
        "request.session.set_expiry(settings.SESSION_COOKIE_AGE)"
    )
    prepare.save()
    StepFile.objects.filter(step=prepare).delete()
    StepFile.objects.bulk_create(
        [
            StepFile(step=prepare, position=0, path="auth/settings.py"),
            StepFile(step=prepare, position=1, path="auth/middleware.py"),
        ]
    )
    extra = Step.objects.create(
        plan=plan,
        position=5,
        title="Re-issue affected cookies",
        timeline="1 hour",
        test_commands_language="sh",
        test_commands="curl -sI https://app.example.com/ | grep -i set-cookie\n"
        "./scripts/count_short_sessions.sh",
    )
    StepTask.objects.create(step=extra, position=0, text="Run the re-issue job")
    MonitoringMetric.objects.create(
        plan=plan,
        position=2,
        metric="Logins per minute",
        expected_value="~120",
        alert_threshold="> 400",
    )
    StakeholderUpdate.objects.create(
        plan=plan,
        position=3,
        stakeholder="Support",
        update_method="Zendesk | macro",
        when="Every 2 hours",
    )
    phases = list(plan.phases.order_by("position"))
    for phase, actual in zip(phases[:3], ["+20 min", "+3 hours", "+1.5 hours"], strict=False):
        phase.actual_time = actual
        phase.status = PhaseStatus.DONE
        phase.save()
    phases[3].status = PhaseStatus.IN_PROGRESS
    phases[3].save()
    ProgressLogEntry.objects.bulk_create(
        [
            ProgressLogEntry(
                plan=plan,
                logged_at=CREATED_AT + datetime.timedelta(minutes=25),
                update="Mitigation: raised TTL via feature flag",
                author="Dana Whitfield",
            ),
            ProgressLogEntry(
                plan=plan,
                logged_at=CREATED_AT + datetime.timedelta(hours=5, minutes=2),
                update="PR #4411 up for review",
                author="Lee Chen",
            ),
        ]
    )
    # Built row by row for its known state: recorded as one change, as an admin's would be.
    record_change(plan.pk, timezone.now())
    plan.refresh_from_db()
    return plan


def largest_document(*, wide: bool = False) -> PlanDocument:
    """A plan with every list at its limit and every field at its length.

    `wide` fills the text with a four-byte character, the most bytes a character takes in
    UTF-8: the largest download the limits allow.
    """
    from plans import limits

    def text(length: int, tag: str) -> str:
        if wide:
            return "😀" * length
        return (f"{tag} " * length)[:length]

    def field(model, name: str, tag: str) -> str:
        return text(model._meta.get_field(name).max_length, tag)

    def checklist(tag: str) -> list[CheckItem]:
        return [
            CheckItem(field(ChecklistItem, "text", f"{tag}{i}"), i % 2 == 0)
            for i in range(limits.CHECKLIST_ITEMS.value)
        ]

    tasks_left = limits.TASKS.value
    steps = []
    for s in range(limits.STEPS.value):
        count = min(limits.TASKS_PER_STEP.value, tasks_left)
        tasks_left -= count
        steps.append(
            StepData(
                title=field(Step, "title", f"step{s}"),
                timeline=field(Step, "timeline", "timeline"),
                files=[field(StepFile, "path", "path") for _ in range(limits.FILES_PER_STEP.value)],
                tasks=[
                    CheckItem(field(StepTask, "text", f"task{s}.{i}"), i % 2 == 0)
                    for i in range(count)
                ],
                code_language="python",
                code=field(Step, "code", "code"),
                test_commands=field(Step, "test_commands", "test"),
            )
        )
    rows = range(limits.TABLE_ROWS.value)
    first = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)
    return PlanDocument(
        fix_name=field(Plan, "fix_name", "fix"),
        issue_id=field(Plan, "issue_id", "ISSUE"),
        author=field(Plan, "author", "author"),
        overview=field(Plan, "overview", "overview"),
        notes=field(Plan, "notes", "notes"),
        rollback_command=field(Plan, "rollback_command", "rollback"),
        prerequisites=checklist("prerequisite"),
        success_criteria=checklist("criterion"),
        post_mortem=checklist("postmortem"),
        steps=steps,
        metrics=[MetricRow(*[field(MonitoringMetric, "metric", f"m{i}")] * 3) for i in rows],
        stakeholders=[
            StakeholderRow(*[field(StakeholderUpdate, "stakeholder", f"s{i}")] * 3) for i in rows
        ],
        phases=[
            PhaseRow(field(TimelinePhase, "phase", f"p{i}"), "+1h", "+2h", PhaseStatus.DONE)
            for i in rows
        ],
        log=[
            LogRow(
                first + datetime.timedelta(minutes=i),
                field(ProgressLogEntry, "update", f"update{i}"),
                field(ProgressLogEntry, "author", "someone"),
            )
            for i in range(limits.LOG_ENTRIES.value)
        ],
    )
