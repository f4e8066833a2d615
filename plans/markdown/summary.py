"""What an import will create, in words: for `import_plan --dry-run` and the browser's
preview before a plan is saved."""

from dataclasses import dataclass

from plans.markdown.import_ import ImportResult
from plans.models import Priority, Status


@dataclass(frozen=True)
class Preview:
    header: list[tuple[str, str]]
    counts: list[tuple[str, str]]
    # (line, the file's heading, where in the plan it went)
    sections: list[tuple[int, str, str]]
    # Runs of lines and where they went: (first, last, place, the first line's text)
    lines: list[tuple[int, int, str, str]]
    notes: list[str]


def preview(result: ImportResult) -> Preview:
    doc = result.document
    tasks = [task for step in doc.steps for task in step.tasks]
    checklists = [doc.prerequisites, doc.success_criteria, doc.post_mortem]
    boxes = tasks + [item for items in checklists for item in items]
    header = [
        ("Fix name", doc.fix_name or "(blank)"),
        ("Issue", doc.issue_id or "(blank)"),
        ("Priority", Priority(doc.priority).label),
        ("Status", Status(doc.status).label),
        ("Author", doc.author or "(blank)"),
        ("Created", str(doc.created)),
    ]
    counts = [
        ("Steps", f"{len(doc.steps)}, with {_count(tasks, 'task')}"),
        (
            "Checklists",
            f"{_count(doc.prerequisites, 'prerequisite')}, "
            f"{_count(doc.success_criteria, 'success criterion', 'success criteria')}, "
            f"{_count(doc.post_mortem, 'post-mortem item')}",
        ),
        (
            "Ticked",
            f"{sum(box.done for box in boxes)} of {_count(boxes, 'checkbox', 'checkboxes')}",
        ),
        (
            "Tables",
            f"{_count(doc.metrics, 'metric')}, {_count(doc.stakeholders, 'stakeholder update')}, "
            f"{_count(doc.phases, 'timeline phase')}, "
            f"{_count(doc.log, 'progress-log entry', 'progress-log entries')}",
        ),
    ]
    return Preview(header, counts, result.sections, result.line_ranges(), result.warnings)


def _count(items: list, one: str, many: str = "") -> str:
    return f"{len(items)} {one if len(items) == 1 else many or one + 's'}"


def summary(result: ImportResult, *, every_line: bool = False) -> list[str]:
    """The preview as lines of text; `every_line` adds where each line of the file went."""
    shown = preview(result)
    lines = [f"{name}: {value}" for name, value in shown.header + shown.counts]
    lines += [f"line {line}: {heading!r} -> {went}" for line, heading, went in shown.sections]
    if every_line:
        lines += [
            f"lines {first}-{last} -> {place}" if last > first else f"line {first} -> {place}"
            for first, last, place, _ in shown.lines
        ]
    lines += [f"note: {note}" for note in shown.notes]
    return lines
