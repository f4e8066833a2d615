"""A fix plan as plain data: what one Markdown file holds, with no database behind it.

The exporter writes a `PlanDocument`, the importer returns one, and `store` converts it
to and from model rows, so the format can be tested without the database and the
round trip has one thing to compare.
"""

import dataclasses
import datetime
from dataclasses import dataclass, field

from plans.models import DEFAULT_DATABASE_ROLLBACK, DEFAULT_ROLLBACK_COMMAND, Priority, Status

# The {{NAME}}s a plan fills from its own fields, and the Plan field behind each.
VARIABLE_FIELDS = {
    "DEFAULT_BRANCH": "default_branch",
    "REVIEWER": "reviewer",
    "TEST_COMMAND": "test_command",
    "DEPLOY_COMMAND": "deploy_command",
    "NOTIFICATION_CHANNEL": "notification_channel",
    "COMMIT_HASH": "revert_commit",
    "CACHE_KEYS": "cache_keys",
}


def variables_of(plan) -> dict[str, str]:
    """The {{NAME}} values of a plan or a document (both have the fields of VARIABLE_FIELDS)."""
    return {name: getattr(plan, attr) for name, attr in VARIABLE_FIELDS.items()}


# The document's lists, each stored as rows of a child model rather than Plan columns.
CHILD_LISTS = frozenset(
    [
        "prerequisites",
        "steps",
        "success_criteria",
        "metrics",
        "stakeholders",
        "post_mortem",
        "phases",
        "log",
    ]
)


@dataclass
class CheckItem:
    text: str
    done: bool = False
    depth: int = 0
    # A step's task only: the checklists' items have no owner.
    owner: str = ""


@dataclass
class StepData:
    title: str
    timeline: str = ""
    owner: str = ""
    # Set by hand only; a due time derived from the timeline is not part of the document.
    due_at: datetime.datetime | None = None
    files: list[str] = field(default_factory=list)
    tasks: list[CheckItem] = field(default_factory=list)
    code_language: str = ""
    code: str = ""
    test_commands_language: str = "bash"
    test_commands: str = ""

    @property
    def has_code(self) -> bool:
        return bool(self.code or self.code_language)


@dataclass
class MetricRow:
    metric: str
    expected_value: str = ""
    alert_threshold: str = ""


@dataclass
class StakeholderRow:
    stakeholder: str
    update_method: str = ""
    when: str = ""


@dataclass
class PhaseRow:
    phase: str
    target_time: str = ""
    actual_time: str = ""
    status: str = "not_started"


@dataclass
class LogRow:
    logged_at: datetime.datetime
    update: str
    author: str = ""


@dataclass
class PlanDocument:
    fix_name: str = ""
    issue_id: str = ""
    spec_title: str = "spec.md"
    spec_link: str = "spec.md"
    author: str = ""
    created: datetime.date = field(default_factory=datetime.date.today)
    priority: str = Priority.P2
    status: str = Status.PLANNING

    default_branch: str = ""
    reviewer: str = ""
    test_command: str = ""
    deploy_command: str = ""
    notification_channel: str = ""

    overview: str = ""
    prerequisites: list[CheckItem] = field(default_factory=list)
    steps: list[StepData] = field(default_factory=list)

    revert_commit: str = ""
    database_rollback: str = DEFAULT_DATABASE_ROLLBACK
    cache_keys: str = ""
    rollback_language: str = "bash"
    rollback_command: str = DEFAULT_ROLLBACK_COMMAND

    success_criteria: list[CheckItem] = field(default_factory=list)
    metrics: list[MetricRow] = field(default_factory=list)
    stakeholders: list[StakeholderRow] = field(default_factory=list)
    post_mortem: list[CheckItem] = field(default_factory=list)
    phases: list[PhaseRow] = field(default_factory=list)
    notes: str = ""
    log: list[LogRow] = field(default_factory=list)

    @property
    def variables(self) -> dict[str, str]:
        return variables_of(self)

    @classmethod
    def header_names(cls) -> list[str]:
        """The fields that are the Plan model's own columns, not child rows."""
        return [f.name for f in dataclasses.fields(cls) if f.name not in CHILD_LISTS]

    def header_fields(self) -> dict:
        """The Plan model's own fields, ready for `Plan(**...)`."""
        return {name: getattr(self, name) for name in self.header_names()}
