"""What an import will create, in words: for `import_plan --dry-run` and the browser's
preview before a plan is saved."""

from plans.markdown.import_ import ImportResult
from plans.models import Priority, Status


def summary(result: ImportResult) -> list[str]:
    doc = result.document
    tasks = [task for step in doc.steps for task in step.tasks]
    checklists = {
        "prerequisites": doc.prerequisites,
        "success criteria": doc.success_criteria,
        "post-mortem": doc.post_mortem,
    }
    ticked = sum(item.done for items in [tasks, *checklists.values()] for item in items)
    lines = [
        f"Fix name: {doc.fix_name or '(blank)'}",
        f"Issue: {doc.issue_id or '(blank)'}",
        f"Priority: {Priority(doc.priority).label}; status: {Status(doc.status).label}",
        f"Author: {doc.author or '(blank)'}; created: {doc.created}",
        f"Steps: {len(doc.steps)}, with {len(tasks)} tasks",
        "Checklists: " + ", ".join(f"{len(items)} {name}" for name, items in checklists.items()),
        f"Ticked: {ticked} of {len(tasks) + sum(map(len, checklists.values()))} checkboxes",
        f"Tables: {len(doc.metrics)} metrics, {len(doc.stakeholders)} stakeholder updates, "
        f"{len(doc.phases)} timeline phases, {len(doc.log)} progress-log entries",
    ]
    lines += [f"line {line}: {heading!r} -> {went}" for line, heading, went in result.sections]
    lines += [f"note: {warning}" for warning in result.warnings]
    return lines
