"""Move a `PlanDocument` into the database and back, in a constant number of queries."""

from django.db.models import Model, QuerySet

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
    Plan,
    PlanSpec,
    ProgressLogEntry,
    StakeholderUpdate,
    Step,
    StepFile,
    StepTask,
    TimelinePhase,
)

CHECKLIST_ATTRS = {
    ChecklistKind.PREREQUISITE: "prerequisites",
    ChecklistKind.SUCCESS_CRITERION: "success_criteria",
    ChecklistKind.POST_MORTEM: "post_mortem",
}


# Every child of a plan but its progress log, which the pages read apart (`recent_log`).
PLAN_ROWS = (
    "checklist_items",
    "steps__tasks",
    "steps__files",
    "metrics",
    "stakeholder_updates",
    "phases",
)


def plans_with_children() -> QuerySet[Plan]:
    """Plans with every child prefetched: a fixed number of queries, whatever the plan holds."""
    return Plan.objects.prefetch_related(*PLAN_ROWS, "log_entries")


def document_from_plan(plan: Plan) -> PlanDocument:
    """Read a plan fetched through `plans_with_children()` into a document."""
    doc = PlanDocument(**{name: getattr(plan, name) for name in PlanDocument.header_names()})
    for item in plan.checklist_items.all():
        getattr(doc, CHECKLIST_ATTRS[item.kind]).append(CheckItem(item.text, item.done, item.depth))
    doc.steps = [
        StepData(
            title=step.title,
            timeline=step.timeline,
            owner=step.owner,
            due_at=step.due_at,
            files=[f.path for f in step.files.all()],
            tasks=[CheckItem(t.text, t.done, t.depth, t.owner) for t in step.tasks.all()],
            code_language=step.code_language,
            code=step.code,
            test_commands_language=step.test_commands_language,
            test_commands=step.test_commands,
        )
        for step in plan.steps.all()
    ]
    doc.metrics = [
        MetricRow(m.metric, m.expected_value, m.alert_threshold) for m in plan.metrics.all()
    ]
    doc.stakeholders = [
        StakeholderRow(s.stakeholder, s.update_method, s.when)
        for s in plan.stakeholder_updates.all()
    ]
    doc.phases = [
        PhaseRow(p.phase, p.target_time, p.actual_time, p.status) for p in plan.phases.all()
    ]
    doc.log = [LogRow(e.logged_at, e.update, e.author) for e in plan.log_entries.all()]
    return doc


def load_document(plan_id: int) -> PlanDocument:
    return document_from_plan(plans_with_children().get(pk=plan_id))


def insert_document(doc: PlanDocument, *, spec: bytes | None = None) -> Plan:
    """Insert a whole document as one new plan, with the `spec.md` of its fix folder if it
    came with one. Only `plans.operations.create_plan` calls this, in its transaction."""
    plan = _validated(Plan(**doc.header_fields()))
    plan.save()
    if spec is not None:
        PlanSpec.objects.create(plan=plan, data=spec)
    insert_children(plan, doc)
    return plan


def replace_document(plan: Plan, doc: PlanDocument) -> None:
    """Make an existing plan hold `doc` in place of what it held: its header fields set,
    every row replaced. The plan keeps its id, history and share links. Only
    `plans.operations.replace_plan` calls this, in its change."""
    for name, value in doc.header_fields().items():
        setattr(plan, name, value)
    _validated(plan).save()
    for rows in (
        ChecklistItem.objects.filter(plan=plan),
        Step.objects.filter(plan=plan),
        MonitoringMetric.objects.filter(plan=plan),
        StakeholderUpdate.objects.filter(plan=plan),
        TimelinePhase.objects.filter(plan=plan),
        ProgressLogEntry.objects.filter(plan=plan),
    ):
        rows.delete()
    insert_children(plan, doc)


def insert_children(plan: Plan, doc: PlanDocument) -> None:
    checklist = [
        ChecklistItem(
            plan=plan, kind=kind, position=i, text=item.text, done=item.done, depth=item.depth
        )
        for kind, attr in CHECKLIST_ATTRS.items()
        for i, item in enumerate(getattr(doc, attr))
    ]
    steps = [
        Step(
            plan=plan,
            position=i,
            title=s.title,
            timeline=s.timeline,
            owner=s.owner,
            due_at=s.due_at,
            code_language=s.code_language,
            code=s.code,
            test_commands_language=s.test_commands_language,
            test_commands=s.test_commands,
        )
        for i, s in enumerate(doc.steps)
    ]
    _bulk_create(checklist)
    _bulk_create(steps)
    _bulk_create(
        [
            StepTask(step=step, position=i, text=t.text, done=t.done, depth=t.depth, owner=t.owner)
            for step, data in zip(steps, doc.steps, strict=True)
            for i, t in enumerate(data.tasks)
        ]
    )
    _bulk_create(
        [
            StepFile(step=step, position=i, path=path)
            for step, data in zip(steps, doc.steps, strict=True)
            for i, path in enumerate(data.files)
        ]
    )
    _bulk_create(
        [MonitoringMetric(plan=plan, position=i, **vars(m)) for i, m in enumerate(doc.metrics)]
    )
    _bulk_create(
        [
            StakeholderUpdate(plan=plan, position=i, **vars(s))
            for i, s in enumerate(doc.stakeholders)
        ]
    )
    _bulk_create(
        [TimelinePhase(plan=plan, position=i, **vars(p)) for i, p in enumerate(doc.phases)]
    )
    _bulk_create([ProgressLogEntry(plan=plan, **vars(e)) for e in doc.log])


def _validated(instance: Model) -> Model:
    # Field checks only (length, choices, blank): uniqueness is ours to get right, and
    # checking it here would cost a query per row.
    instance.full_clean(exclude=["plan", "step"], validate_unique=False, validate_constraints=False)
    return instance


def _bulk_create(instances: list[Model]) -> None:
    if not instances:
        return
    for instance in instances:
        _validated(instance)
    type(instances[0]).objects.bulk_create(instances)
