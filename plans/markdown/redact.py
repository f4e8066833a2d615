"""A stakeholder's copy of a plan: the same format, without the engineering internals.

Share links are for people outside the team (product, support, customers' contacts). Their
page hides rollback commands, cache keys, commit hashes, files and code, so their download
does too: those fields are blanked, and the exporter writes a blank field as the template's
placeholder, so the copy is still a valid plan document that imports.
"""

import dataclasses

from plans.markdown.document import PlanDocument
from plans.models import DEFAULT_DATABASE_ROLLBACK

INTERNAL_FIELDS = {
    "default_branch": "",
    "reviewer": "",
    "test_command": "",
    "deploy_command": "",
    "notification_channel": "",
    "revert_commit": "",
    "cache_keys": "",
    "database_rollback": DEFAULT_DATABASE_ROLLBACK,
    "rollback_command": "",
    "notes": "",
}


def for_stakeholders(doc: PlanDocument) -> PlanDocument:
    steps = [
        dataclasses.replace(step, files=[], code_language="", code="", test_commands="")
        for step in doc.steps
    ]
    return dataclasses.replace(doc, steps=steps, **INTERNAL_FIELDS)
