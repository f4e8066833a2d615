"""How much one plan may hold. The forms, the row operations, the importer and the admin
all read these, so a plan the app holds always fits through its own download and upload.

Each limit is what a real incident plan never comes near, and together they keep the
largest plan they allow quick to open; docs/security.md lists them and says why.
"""

import datetime
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    value: int
    # Named in every refusal, so the user knows which limit was met.
    name: str


STEPS = Limit(40, "steps per plan")
TASKS_PER_STEP = Limit(50, "tasks per step")
TASKS = Limit(500, "tasks per plan")
FILES_PER_STEP = Limit(20, "files per step")
CHECKLIST_ITEMS = Limit(100, "items per checklist")
TABLE_ROWS = Limit(100, "rows per table")
LOG_ENTRIES = Limit(2000, "progress log entries")
# How deep checklist items and tasks may nest under one another.
ITEM_DEPTH = 5
SHARE_LINKS = Limit(25, "live share links")
# Revoked and expired links are kept, and the plan page lists the latest of them.
ENDED_SHARE_LINKS_SHOWN = 10

# Characters of a checklist item or task, and of the free-text fields; every other one-line
# field has its own max_length.
ITEM_CHARS = 500
OVERVIEW_CHARS = 20_000
NOTES_CHARS = 100_000
CODE_CHARS = 20_000
COMMAND_CHARS = 5_000

# A value the history keeps of a change (a field before and after) is cut after this many
# characters: the plan holds the text itself, and each edit of a long overview would
# otherwise store two whole copies of it.
HISTORY_VALUE_CHARS = 2000

# Progress-log times are stored in UTC and must be readable back on every database:
# PostgreSQL cannot hand Python a year past 9999 once converted, and refuses offsets
# past +-15:59. Real-world zones run from -12:00 to +14:00; a fix plan is not logged
# before 1970 or after 2200. The importer and the model (so the admin too) both hold to it.
LOG_OFFSETS = (datetime.timedelta(hours=-12), datetime.timedelta(hours=14))
LOG_TIMES = (
    datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC),
    datetime.datetime(2200, 1, 1, tzinfo=datetime.UTC),
)

# The most lines the largest plan's download can have: every character of its free text a
# line of its own, plus a line a row and the headings around them. A file with more is
# refused before it is parsed, which costs time and memory by the line.
MAX_IMPORT_LINES = (
    OVERVIEW_CHARS
    + NOTES_CHARS
    + COMMAND_CHARS
    + STEPS.value * (CODE_CHARS + COMMAND_CHARS + FILES_PER_STEP.value + 20)
    + TASKS.value
    + 3 * CHECKLIST_ITEMS.value
    + 3 * TABLE_ROWS.value
    + LOG_ENTRIES.value
    + 1_000
)

# A fix folder's spec.md, kept as it came and rendered on its page: a spec is a few pages,
# and rendering the largest allowed takes a fraction of a second.
SPEC_BYTES = 256 * 2**10

# An upload (or `import_plan` file) may be as large as the export of the largest plan the
# limits above allow; tests/test_limits.py builds that plan and checks it fits.
MAX_IMPORT_BYTES = 20 * 2**20


class LimitReached(Exception):
    """A change would take a plan past one of its limits; nothing was changed."""

    def __init__(self, limit: Limit):
        self.limit = limit
        super().__init__(f"This would take the plan past its limit of {limit.value} {limit.name}.")


def check_room(limit: Limit, count: int, *, adding: int = 1) -> None:
    """Raise LimitReached unless a list holding `count` rows has room for `adding` more."""
    if count + adding > limit.value:
        raise LimitReached(limit)


# Tab, line feed and carriage return are text; every other C0 control, DEL and the C1
# controls are not: they would reach a terminal from `export_plan` (ESC starts a terminal
# escape, U+009B is one in some terminals) and corrupt the Markdown.
CONTROL_CHARS = frozenset(
    [chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)]
    + ["\x7f"]
    + [chr(c) for c in range(0x80, 0xA0)]
)
CONTROL_CHARS_RE = re.compile("[" + "".join(re.escape(c) for c in sorted(CONTROL_CHARS)) + "]")
