"""The vocabulary of the fix-plan template, shared by the exporter and the importer."""

import re

TITLE_PREFIX = "# Fix Implementation Plan: "
TIME_FORMAT = "%Y-%m-%d %H:%M"

# What a blank field is written as, so a half-filled plan is still a template document.
PLACEHOLDER = {
    "fix_name": "{{FIX_NAME}}",
    "issue_id": "{{ISSUE_ID}}",
    "author": "{{AUTHOR}}",
    "created": "{{DATE}}",
    "logged_at": "{{TIME}}",
    "revert_commit": "{{COMMIT_HASH}}",
    "cache_keys": "{{CACHE_KEYS}}",
    "notification_channel": "{{NOTIFICATION_CHANNEL}}",
}
PLACEHOLDER_RE = re.compile(r"^\{\{[A-Z0-9_]+\}\}$")

PRIORITY_OPTIONS = "P0 (Critical) | P1 (High) | P2 (Medium) | P3 (Low)"
STATUS_OPTIONS = "Planning | In Progress | In Review | Deployed"

SECTION_OVERVIEW = "Overview"
SECTION_PREREQUISITES = "Prerequisites"
SECTION_STEPS = "Implementation Steps"
SECTION_ROLLBACK = "Rollback Plan"
SECTION_VERIFICATION = "Verification"
SECTION_COMMUNICATION = "Communication"
SECTION_TIMELINE = "Timeline"
SECTION_NOTES = "Notes"
SECTION_LOG = "Progress Log"
SECTIONS = (
    SECTION_OVERVIEW,
    SECTION_PREREQUISITES,
    SECTION_STEPS,
    SECTION_ROLLBACK,
    SECTION_VERIFICATION,
    SECTION_COMMUNICATION,
    SECTION_TIMELINE,
    SECTION_NOTES,
    SECTION_LOG,
)

SUBSECTION_SUCCESS = "Success Criteria"
SUBSECTION_MONITORING = "Monitoring"
SUBSECTION_STAKEHOLDERS = "Stakeholder Updates"
SUBSECTION_POST_MORTEM = "Post-Mortem"

MONITORING_COLUMNS = ("Metric", "Expected Value", "Alert Threshold")
STAKEHOLDER_COLUMNS = ("Stakeholder", "Update Method", "When")
TIMELINE_COLUMNS = ("Phase", "Target Time", "Actual Time", "Status")
LOG_COLUMNS = ("Time", "Update")

ROLLBACK_INTRO = "If the fix causes issues:"

# Step tasks that carry one of the plan's values; the importer reads the value back from them.
ANCHORED_TASKS = {
    "DEFAULT_BRANCH": "Create feature branch from ",
    "REVIEWER": "Get approval from ",
}

LOG_AUTHOR_RE = re.compile(r"^(?P<update>.*?)\s+\(@(?P<author>[^()]+)\)$")


def fill_variables(text: str, variables: dict[str, str]) -> str:
    """Replace each {{NAME}} whose value is known; unknown ones stay as placeholders."""
    for name, value in variables.items():
        if value:
            text = text.replace("{{" + name + "}}", value)
    return text
