"""The vocabulary of the fix-plan template, shared by the exporter and the importer."""

import re

from django.utils import timezone

from plans.markdown.blocks import fences, setext_level

TITLE_PREFIX = "# Fix Implementation Plan: "
TIME_FORMAT = "%Y-%m-%d %H:%M"


def moment(value) -> str:
    """A moment as FixTracker writes and shows every one, and the importer reads back: in
    `TIME_ZONE`, with the zone's offset from UTC ("2026-11-29 19:30 UTC+05:30"). An offset
    is never ambiguous, where "IST" is India's, Israel's or Ireland's."""
    return f"{timezone.localtime(value).strftime(TIME_FORMAT)} {zone_of(value)}"


def zone_of(value) -> str:
    offset = timezone.localtime(value).strftime("%z")
    return "UTC" if offset in ("+0000", "") else f"UTC{offset[:3]}:{offset[3:]}"


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

# The names people give the template's sections and subsections in their own documents,
# matched by `section_key`: words only, without emoji, bold, numbering or a colon.
SECTION_NAMES = {
    SECTION_OVERVIEW: {
        "overview", "summary", "description", "background", "context", "problem",
        "problem statement", "problem summary", "tl dr", "tldr", "executive summary",
    },
    SECTION_PREREQUISITES: {
        "prerequisites", "pre requisites", "prereqs", "before you start", "preparation",
        "requirements", "pre checks", "pre flight checks", "preflight", "preconditions",
        "pre conditions", "before you begin",
    },
    SECTION_STEPS: {
        "implementation steps", "implementation", "implementation plan", "steps", "tasks",
        "task list", "action items", "actions", "fix", "fixes", "fix steps", "the fix",
        "remediation", "remediation steps", "remediation plan", "action plan", "work items",
        "plan", "todo", "to do", "proposed solution", "solution", "resolution",
        "resolution steps", "resolution checklist", "fix checklist", "checklist",
        "to do list", "todo list",
    },
    SECTION_ROLLBACK: {
        "rollback plan", "rollback", "roll back", "revert plan", "revert", "backout plan",
        "back out plan", "rollback procedure", "rollback steps",
    },
    SECTION_VERIFICATION: {"verification", "validation", "testing", "test plan", "how to verify"},
    SECTION_COMMUNICATION: {"communication", "communications", "comms"},
    SECTION_TIMELINE: {"timeline", "schedule", "phases", "milestones"},
    SECTION_NOTES: {"notes", "additional notes", "remarks", "other notes"},
    SECTION_LOG: {
        "progress log", "log", "activity log", "status log", "updates log", "work log",
        "progress",
    },
}  # fmt: skip
SUBSECTION_NAMES = {
    SUBSECTION_SUCCESS: {
        "success criteria", "definition of done", "acceptance criteria", "validation checklist",
        "done when", "exit criteria", "verification checklist",
    },
    SUBSECTION_MONITORING: {
        "monitoring", "metrics", "monitoring metrics", "observability", "monitoring plan",
    },
    SUBSECTION_STAKEHOLDERS: {
        "stakeholder updates", "stakeholders", "stakeholder communication",
    },
    SUBSECTION_POST_MORTEM: {
        "post mortem", "postmortem", "retrospective", "follow ups", "follow up",
        "lessons learned", "post incident review", "post implementation review", "pir",
        "post incident actions", "follow up actions", "retro",
    },
}  # fmt: skip
SECTION_BY_KEY = {key: name for name, keys in SECTION_NAMES.items() for key in keys}
SUBSECTION_BY_KEY = {key: name for name, keys in SUBSECTION_NAMES.items() for key in keys}


def section_key(title: str) -> str:
    """A heading's words, as the section names are matched: "## 3. 🔁 **Rollback:**" is
    "rollback"."""
    words = " ".join(re.findall(r"[a-z0-9]+", title.casefold()))
    return re.sub(r"^(?:\d+ )+", "", words)


MONITORING_COLUMNS = ("Metric", "Expected Value", "Alert Threshold")
STAKEHOLDER_COLUMNS = ("Stakeholder", "Update Method", "When")
TIMELINE_COLUMNS = ("Phase", "Target Time", "Actual Time", "Status")
LOG_COLUMNS = ("Time", "Update")
# The log's third column, when a file names the author in one.
LOG_AUTHOR_COLUMN = "Author"

# The names people give the template's table columns; a table's header is matched against
# its own table's columns only, so "When" is a time in the log and a timing elsewhere.
COLUMN_NAMES = {
    "Metric": {"metric", "name", "signal", "indicator", "check"},
    "Expected Value": {"expected value", "expected", "target", "normal", "baseline"},
    "Alert Threshold": {"alert threshold", "threshold", "alert", "alert at", "alert when"},
    "Stakeholder": {"stakeholder", "stakeholders", "audience", "who", "team", "group"},
    "Update Method": {"update method", "method", "channel", "how", "via", "medium"},
    "When": {"when", "frequency", "timing", "cadence", "schedule"},
    "Phase": {"phase", "milestone", "stage", "step"},
    "Target Time": {"target time", "target", "eta", "planned", "due", "target date"},
    "Actual Time": {"actual time", "actual", "done at", "completed at", "actual date"},
    "Status": {"status", "state", "progress"},
    "Time": {"time", "timestamp", "when", "date", "date time", "datetime", "time utc"},
    "Update": {"update", "event", "note", "notes", "description", "entry", "what", "details"},
    "Author": {"author", "who", "by", "owner", "person", "name"},
}

ROLLBACK_INTRO = "If the fix causes issues:"

# Step tasks that carry one of the plan's values; the importer reads the value back from them.
ANCHORED_TASKS = {
    "DEFAULT_BRANCH": "Create feature branch from ",
    "REVIEWER": "Get approval from ",
}

# A code span: a run of backticks, the text, the same run again (CommonMark 6.1).
# The header's spec link: `[title](destination)`, the destination bare (with balanced
# parentheses, as people write URLs) or in <angle brackets> (as the exporter writes any
# destination that holds a space, a parenthesis or an angle bracket); \-escapes anywhere.
SPEC_LINK_RE = re.compile(
    r"^\[(?P<title>(?:\\.|[^\\\]])*)\]"
    r"\((?:<(?P<angled>(?:\\.|[^\\<>])*)>|(?P<bare>(?:\\.|[^\s()<>\\]|\((?:\\.|[^\s()<>\\])*\))*))\)$"
)
BARE_DESTINATION_RE = re.compile(r"^[^\s()<>\\]+$")


def spec_link(title: str, link: str) -> str:
    """The Markdown link `read_spec_link` reads back as `(title, link)`."""
    title = re.sub(r"([\\\[\]])", r"\\\1", title)
    if not BARE_DESTINATION_RE.match(link):
        link = "<" + re.sub(r"([\\<>])", r"\\\1", link) + ">"
    return f"[{title}]({link})"


def read_spec_link(text: str) -> tuple[str, str] | None:
    """(title, link) of a Markdown link as the whole of `text`, or None."""
    match = SPEC_LINK_RE.match(text)
    if match is None:
        return None
    link = match["angled"] if match["angled"] is not None else match["bare"]
    return _unescape(match["title"]), _unescape(link)


def _unescape(text: str) -> str:
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


# How long a step takes, written after its title: "Add a timeout (5 minutes)".
TIME_SUFFIX_RE = re.compile(
    r"\s*\((?P<time>~?\s*\d+(?:[.,]\d+)?\s*(?:-\s*\d+\s*)?"
    r"(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|nights?|w|weeks?))\)\s*$",
    re.IGNORECASE,
)


def code_span(text: str) -> str:
    """`text` as a code span that reads back exactly, whatever backticks or spaces it holds.

    The delimiters are one backtick longer than any run inside. One space pads each side
    when the text starts or ends with a backtick, or starts and ends with a space, because
    a reader strips one space from each side then (and only then).
    """
    ticks = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    padded = text.startswith("`") or text.endswith("`") or _space_both_ends(text)
    pad = " " if padded else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def read_code_span(text: str) -> str | None:
    """The text of a code span as `code_span` writes it (or a person does); None if `text`
    is not exactly one code span. In linear time: a line of backticks is no work."""
    ticks = len(text) - len(text.lstrip("`"))
    if ticks == 0:
        return None
    if ticks == len(text):
        # Backticks only: an empty span (``) when they split in two, else not a span.
        return "" if ticks % 2 == 0 else None
    if len(text) < 2 * ticks or text[-ticks:] != "`" * ticks:
        return None
    inner = text[ticks:-ticks]
    runs = re.findall("`+", inner)
    if inner.startswith("`") or inner.endswith("`") or ticks in map(len, runs):
        return None
    return inner[1:-1] if _space_both_ends(inner) else inner


def _space_both_ends(text: str) -> bool:
    return len(text) >= 2 and text[0] == " " and text[-1] == " " and text.strip(" ") != ""


LOG_AUTHOR_RE = re.compile(r"^(?P<update>.*?)\s+\(@(?P<author>[^()]+)\)$")
# An owner's handle as the Markdown writes it after its "@": one word, no parenthesis, at
# most an owner field's length (`plans.models.OWNER_HANDLE`).
HANDLE = r"[^\s()@][^\s()]{0,149}"
# A step's task ends with its owner the same way: "- [ ] Roll back (@priya)".
TASK_OWNER_RE = re.compile(rf"^(?P<text>.*?)\s+\(@(?P<owner>{HANDLE})\)$")
# A task's own text that ends as an owner would ("Ask (@sam)") is written with one more
# backslash before that "(" than it has; the importer reads no owner there and takes one
# backslash off, so the text comes back as it was and nobody is made its owner.
OWNER_LOOKALIKE_RE = re.compile(rf"^(?P<text>.*?\s)(?P<slashes>\\*)\((?P<handle>@{HANDLE}\))$")


def escape_task_text(text: str) -> str:
    match = OWNER_LOOKALIKE_RE.match(text)
    return f"{match['text']}\\{match['slashes']}({match['handle']}" if match else text


def unescape_task_text(text: str) -> str:
    match = OWNER_LOOKALIKE_RE.match(text)
    if not match or not match["slashes"]:
        return text
    return f"{match['text']}{match['slashes'][1:]}({match['handle']}"


# A step's owner is a label line of its own: "**Owner:** @priya".
OWNER_VALUE_RE = re.compile(rf"^@?(?P<owner>{HANDLE})$")


VARIABLE_RE = re.compile(r"\{\{(?P<name>[A-Z0-9_]+)\}\}")


def fill_variables(text: str, variables: dict[str, str], limit: int) -> str:
    """Replace each {{NAME}} whose value is known; unknown ones stay as placeholders.

    One pass, so a value is never filled into again. Text that would grow past `limit`
    (the field's own length limit) stays as written, placeholders and all: what a page
    shows and a download writes is then never longer than the field, and imports again.
    """
    filled = VARIABLE_RE.sub(lambda match: variables.get(match["name"]) or match[0], text)
    return filled if len(filled) <= limit else text


# Free text (overview, notes) is Markdown, and two kinds of its lines would change how the
# importer cuts the file: a `## ` line it would take for a section of the plan, and a code
# fence that is never closed (it would pair with a fence line of a later section). Outside
# its code blocks, such a line is written with one more leading backslash (which renders
# the same) and read back with one less, so it stays where it was written.
ESCAPABLE_RE = re.compile(r"^(?P<slashes>\\*)##[ \t]+(?P<title>.*)$")
FENCE_LIKE_RE = re.compile(r"^(?P<slashes>\\*) {0,3}(?:`{3}|~{3})")
# A `---` under a line of words makes it a `## ` heading (setext).
UNDERLINE_LIKE_RE = re.compile(r"^(?P<slashes>\\*)(?P<bare> {0,3}-+[ \t]*)$")


def _is_structural(match: re.Match, only_known: bool) -> bool:
    return not only_known or ends_notes(match["title"])


def ends_notes(title: str) -> bool:
    """Whether a `## ` heading inside the notes starts a section of the plan: one named like
    a section of the template, in any of its names."""
    return section_key(title.strip().strip("#")) in SECTION_BY_KEY


def _shift_slashes(text: str, step: int, *, only_known: bool) -> str:
    lines = text.split("\n")
    written = list(lines)
    # Written text has its own fences; read text has them too, and its escaped openers
    # are not fences, so both directions see the same code blocks.
    in_code = set()
    for start, end in fences(lines).items():
        in_code.update(range(start, end + 1))
    for i, line in enumerate(lines):
        if i in in_code:
            continue
        heading = ESCAPABLE_RE.match(line)
        fence = FENCE_LIKE_RE.match(line)
        match = heading if heading and _is_structural(heading, only_known) else fence
        if (underline := UNDERLINE_LIKE_RE.match(line)) and i > 0:
            # Escaped on the underline, so the line above it stays the user's words. Whether
            # the two make a heading is judged on the written text, as the importer sees it:
            # the lines escaped so far when writing, the lines as read when reading.
            seen = lines if step > 0 else written
            above = [seen[i - 2] if i > 1 else "", seen[i - 1], underline["bare"]]
            if setext_level(above, 1) == 2 and (not only_known or ends_notes(seen[i - 1])):
                match = underline
        if match and (step > 0 or match["slashes"]):
            lines[i] = line[1:] if step < 0 else "\\" + line
    return "\n".join(lines)


def escape_free_text(text: str, *, only_known: bool = False) -> str:
    """Overview: every `## ` line would start a section; notes: only the template's own."""
    return _shift_slashes(text, +1, only_known=only_known)


def unescape_free_text(text: str, *, only_known: bool = False) -> str:
    return _shift_slashes(text, -1, only_known=only_known)
