"""Write a plan in the exact format of `fix-plan-template.md`.

Blocks are joined by one blank line, as in the template; a blank field is written as the
template's placeholder, and tables are aligned the way the template aligns them.
"""

import re

from django.utils import timezone

from plans import limits
from plans.markdown import format as fmt
from plans.markdown.blocks import code_body_lines
from plans.markdown.document import CheckItem, LogRow, PlanDocument, StepData
from plans.models import PhaseStatus, Priority, Status


def render_plan(doc: PlanDocument) -> str:
    blocks: list[str] = []
    blocks += _header(doc)
    blocks += _section(fmt.SECTION_OVERVIEW, [fmt.escape_free_text(_free_text(doc.overview))])
    blocks += _section(fmt.SECTION_PREREQUISITES, [_checklist(doc.prerequisites)])
    blocks.append(f"## {fmt.SECTION_STEPS}")
    for number, step in enumerate(doc.steps, start=1):
        blocks += _step(number, step, doc.variables)
    blocks += _rollback(doc)
    blocks += [
        f"## {fmt.SECTION_VERIFICATION}",
        f"### {fmt.SUBSECTION_SUCCESS}",
        _checklist(doc.success_criteria),
        f"### {fmt.SUBSECTION_MONITORING}",
        render_table(
            fmt.MONITORING_COLUMNS,
            [(m.metric, m.expected_value, m.alert_threshold) for m in doc.metrics],
        ),
        f"## {fmt.SECTION_COMMUNICATION}",
        f"### {fmt.SUBSECTION_STAKEHOLDERS}",
        render_table(
            fmt.STAKEHOLDER_COLUMNS,
            [(s.stakeholder, s.update_method, s.when) for s in doc.stakeholders],
        ),
        f"### {fmt.SUBSECTION_POST_MORTEM}",
        _checklist(doc.post_mortem),
        f"## {fmt.SECTION_TIMELINE}",
        render_table(
            fmt.TIMELINE_COLUMNS,
            [
                (p.phase, p.target_time, p.actual_time, PhaseStatus(p.status).label)
                for p in doc.phases
            ],
        ),
    ]
    notes = fmt.escape_free_text(_free_text(doc.notes), only_known=True)
    blocks += _section(fmt.SECTION_NOTES, [notes])
    blocks += [
        "---",
        f"## {fmt.SECTION_LOG}",
        render_table(fmt.LOG_COLUMNS, [_log_row(entry) for entry in doc.log]),
    ]
    return "\n\n".join(block for block in blocks if block) + "\n"


def _header(doc: PlanDocument) -> list[str]:
    if doc.spec_title:
        spec = fmt.spec_link(doc.spec_title, doc.spec_link or doc.spec_title)
    elif fmt.read_spec_link(doc.spec_link):
        # A bare link that reads as a Markdown link would lose its brackets: write it as the
        # destination of a link with no title, which reads back as this link alone.
        spec = fmt.spec_link("", doc.spec_link)
    else:
        spec = doc.spec_link or "[spec.md](spec.md)"
    lines = [
        f"**Issue:** {_or_placeholder(doc.issue_id, 'issue_id')}",
        f"**Spec:** {spec}",
        f"**Author:** {_or_placeholder(doc.author, 'author')}",
        f"**Created:** {doc.created.isoformat()}",
        f"**Priority:** {Priority(doc.priority).label}",
        f"**Status:** {Status(doc.status).label}",
    ]
    return [fmt.TITLE_PREFIX + _or_placeholder(doc.fix_name, "fix_name"), "\n".join(lines)]


def _free_text(text: str) -> str:
    # Blank lines around it would be read as the blank lines between blocks; the first
    # line's indentation is text (four spaces make a code block), and is kept. Spaces at
    # the end of a line are not written outside code: the importer does not keep them.
    lines = text.strip("\n").split("\n")
    in_code = code_body_lines(lines)
    lines = [line if i in in_code else line.rstrip() for i, line in enumerate(lines)]
    return "\n".join(lines).rstrip()


def _section(title: str, body: list[str]) -> list[str]:
    return [f"## {title}", *body]


def _step(number: int, step: StepData, variables: dict[str, str]) -> list[str]:
    # A title ending in # gets a closing sequence of its own: Markdown drops a heading's
    # closing #s, and would otherwise take the title's.
    closing = " #" if step.title.endswith("#") else ""
    blocks = [f"### Step {number}: {step.title}{closing}"]
    if step.timeline:
        blocks.append(f"**Timeline:** {step.timeline}")
    elif fmt.TIME_SUFFIX_RE.search(step.title):
        # An empty Timeline line, so that "(5 minutes)" in the title stays in the title.
        blocks.append("**Timeline:**")
    if step.owner:
        blocks.append(f"**Owner:** @{step.owner}")
    if step.due_at:
        blocks.append(f"**Due:** {fmt.moment(step.due_at)}")
    if step.files:
        files = "\n".join(f"- {fmt.code_span(path)}" for path in step.files)
        blocks += ["**Files to modify:**", files]
    if step.tasks:
        tasks = [
            CheckItem(
                fmt.escape_task_text(fmt.fill_variables(t.text, variables, limits.ITEM_CHARS)),
                t.done,
                t.depth,
                t.owner,
            )
            for t in step.tasks
        ]
        blocks += ["**Tasks:**", _checklist(tasks)]
    if step.has_code:
        blocks += ["**Code Changes:**", render_fence(step.code_language, step.code)]
    if step.test_commands:
        commands = fmt.fill_variables(step.test_commands, variables, limits.COMMAND_CHARS)
        blocks += ["**Test Commands:**", render_fence(step.test_commands_language, commands)]
    return blocks


def _rollback(doc: PlanDocument) -> list[str]:
    commit = _or_placeholder(doc.revert_commit, "revert_commit")
    cache_keys = _or_placeholder(doc.cache_keys, "cache_keys")
    channel = _or_placeholder(doc.notification_channel, "notification_channel")
    actions = "\n".join(
        [
            f"1. **Immediate:** Revert commit {fmt.code_span(commit)}",
            f"2. **Database:** {doc.database_rollback}".rstrip(),
            f"3. **Cache:** Clear cache keys: {fmt.code_span(cache_keys)}",
            f"4. **Notify:** Alert team via {channel}",
        ]
    )
    blocks = [f"## {fmt.SECTION_ROLLBACK}", fmt.ROLLBACK_INTRO, actions]
    if doc.rollback_command:
        command = fmt.fill_variables(doc.rollback_command, doc.variables, limits.COMMAND_CHARS)
        blocks += ["**Rollback command:**", render_fence(doc.rollback_language, command)]
    return blocks


def _checklist(items: list[CheckItem]) -> str:
    lines = []
    depth = -1
    for item in items:
        # An item is nested at most one level under the one above it (the first not at
        # all), as its file can say; rows deleted above it may have left it deeper.
        depth = min(item.depth, depth + 1)
        owner = f" (@{item.owner})" if item.owner else ""
        lines.append(f"{'  ' * depth}- [{'x' if item.done else ' '}] {item.text}{owner}")
    return "\n".join(lines)


def _log_row(entry: LogRow) -> tuple[str, str]:
    update = f"{entry.update} (@{entry.author})" if entry.author else entry.update
    return timezone.localtime(entry.logged_at).strftime(fmt.TIME_FORMAT), update


def _or_placeholder(value: str, name: str) -> str:
    return value if value else fmt.PLACEHOLDER[name]


def render_fence(language: str, body: str) -> str:
    """A fenced code block that closes where it should, whatever its text and language.

    The fence is longer than any run of its character inside. A backtick fence's language
    may not hold a backtick (CommonMark 4.5), so such a language gets a tilde fence.
    """
    char = "~" if "`" in language else "`"
    longest = max((len(run) for run in re.findall(re.escape(char) + "+", body)), default=0)
    fence = char * max(3, longest + 1)
    # A language that starts with the fence's character would read as part of the fence.
    opening = fence + (" " if language.startswith(char) else "") + language
    return f"{opening}\n{body}\n{fence}" if body else f"{opening}\n{fence}"


def render_table(columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [
        max([3, len(title), *(len(row[i]) for row in cells)]) for i, title in enumerate(columns)
    ]

    def line(values) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    return "\n".join([line(columns), line(["-" * w for w in widths]), *map(line, cells)])


def _cell(value: str) -> str:
    return value.replace("\n", " ").replace("|", "\\|")
