"""What a stakeholder sees of a plan: the one policy behind the share page and its download.

Share links go to people outside the team (product, support, a customer's contact). They
see where a fix stands, not how it is done. `for_stakeholders` copies what `SHOWN` names
into a fresh `PlanDocument`; everything else keeps the document's default, which the
exporter writes as the template's placeholder or leaves empty, so the copy still imports.
Withheld: the spec's title and link, prerequisites, the steps' task texts, files, code,
test commands and timelines, the rollback plan, metrics, post-mortem, notes, and the plan's
variables (default branch, reviewer, commands, commit, cache keys, channel). A field added
to the document later is withheld until it is named here.

The download is this document in the template format (`export_plan(stakeholder_copy=True)`)
and the stakeholder page is drawn from the same document (`plans.views.share`), so the
page cannot show what the download leaves out, nor the other way round.
"""

from plans.markdown.document import CheckItem, PlanDocument, StepData

# The document's fields and whole lists a stakeholder sees.
SHOWN = (
    "fix_name",
    "issue_id",
    "author",
    "created",
    "priority",
    "status",
    "overview",
    "success_criteria",
    "stakeholders",
    "phases",
    "log",
)
# Of a step, a stakeholder sees its title, its owner and its progress: each task's tick, not
# its text or owner.
TASK_PLACEHOLDER = "{{TASK}}"


def for_stakeholders(doc: PlanDocument) -> PlanDocument:
    """The part of `doc` a stakeholder sees, as a document of its own."""
    shown = PlanDocument(**{name: getattr(doc, name) for name in SHOWN})
    shown.steps = [
        StepData(
            step.title,
            owner=step.owner,
            tasks=[CheckItem(TASK_PLACEHOLDER, task.done, task.depth) for task in step.tasks],
        )
        for step in doc.steps
    ]
    return shown
