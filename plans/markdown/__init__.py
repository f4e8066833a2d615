"""The fix-plan Markdown format, both directions, in one place.

`document` holds the plan as plain data, `export` writes it in the template's format,
`import_` reads such a file back, and `store` moves documents in and out of the database.
The two functions here are what commands and views call.
"""

from plans.markdown.blocks import PlanFormatError
from plans.markdown.export import render_plan
from plans.markdown.import_ import parse_plan
from plans.markdown.redact import for_stakeholders
from plans.markdown.store import load_document

__all__ = ["PlanFormatError", "export_plan", "import_plan"]


def export_plan(plan_id: int, *, stakeholder_copy: bool = False) -> str:
    """The plan as a Markdown document in the template's format.

    `stakeholder_copy` leaves out what the stakeholder page hides (see `redact`).
    """
    doc = load_document(plan_id)
    return render_plan(for_stakeholders(doc) if stakeholder_copy else doc)


def import_plan(
    text: str | bytes, *, spec: bytes | None = None, user=None, source: str = "a Markdown file"
):
    """Create one plan from a Markdown document or a file's bytes, keeping `spec` (the bytes
    of the spec.md beside it) with it; returns `(plan, warnings)`. The plan's history says
    `user` imported it from `source` (a file's name).

    Raises `PlanFormatError` (with the line number) when the text is not a plan, and
    writes nothing in that case.
    """
    # Imported here: plans.operations reads documents through this package.
    from plans.operations import create_plan

    result = parse_plan(text)
    return create_plan(result.document, spec=spec, user=user, source=source), result.warnings
