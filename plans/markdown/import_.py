"""Read a fix plan written in the template's format, by FixTracker or by hand.

`parse_plan` returns the document and a list of warnings. It accepts what people really
write (dropped blank lines, CRLF, ticked `[X]`, placeholders left in, steps added or
removed, extra sections) and keeps text it does not recognise by appending it to Notes.
What it cannot read as a plan raises `PlanFormatError` with the line number.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone

from plans import limits
from plans.markdown import format as fmt
from plans.markdown import words
from plans.markdown.blocks import (
    HEADING_RE,
    LIST_RE,
    Block,
    Line,
    PlanFormatError,
    fence_opening,
    fences,
    parse_blocks,
    setext_level,
    split_lines,
)
from plans.markdown.document import (
    VARIABLE_FIELDS,
    CheckItem,
    LogRow,
    MetricRow,
    PhaseRow,
    PlanDocument,
    StakeholderRow,
    StepData,
)
from plans.markdown.encoding import decode
from plans.models import (
    NO_PLACEHOLDER,
    ChecklistItem,
    MonitoringMetric,
    PhaseStatus,
    Plan,
    Priority,
    ProgressLogEntry,
    StakeholderUpdate,
    Status,
    Step,
    StepFile,
    StepTask,
    TimelinePhase,
)

__all__ = ["ImportResult", "PlanFormatError", "parse_plan"]

CHECKBOX_RE = re.compile(r"^\[(?P<mark>[ xX])\]\s*(?P<text>.*)$")
# Markers people use instead of a checkbox. A tick or an empty box says all a checkbox
# does; any other marker (an hourglass: under way) stays in the text, unticked.
TICKED_MARKS = ("\u2705", "\u2714\ufe0f", "\u2714", "\u2611\ufe0f", "\u2611", "\u2713")
OPEN_MARKS = ("\u2610", "\u2b1c", "\U0001f532")
KEPT_MARKS = ("\u23f3", "\u231b", "\U0001f504", "\u274c")
# A step's heading: "Step 2: Deploy", and in other documents "Task 2", "Fix 2", "Phase 2".
STEP_RE = re.compile(
    r"^\W*(?:Step|Task|Fix|Phase)\s+(?P<number>\d+)\s*[:.)\-\u2013\u2014]?\s*(?P<title>.*)$",
    re.IGNORECASE,
)
# A step's bold labels under the names people give them.
STEP_LABELS = {
    name: label
    for label, names in {
        "timeline": [
            "timeline", "estimated time", "estimate", "time estimate", "duration", "eta",
            "time", "effort", "estimated duration",
        ],
        "files": [
            "files to modify", "files", "file", "code location", "location", "files changed",
            "files to change", "affected files",
        ],
        "tasks": ["tasks", "task list", "checklist", "action items", "actions", "todo", "to do"],
        "code changes": ["code changes", "code", "code change", "changes", "patch", "diff"],
        "test commands": [
            "test commands", "tests", "test", "testing", "test command", "how to test",
        ],
        "owner": ["owner", "owned by", "assignee", "assigned to", "dri"],
        "due": ["due", "due at", "due by", "deadline"],
    }.items()
    for name in names
}  # fmt: skip
# A first line that could be a title: words, not a list item, table, quote, label or code.
PLAIN_TITLE_RE = re.compile(r"^(?![-*+>|`~#]|\d+[.)]\s|\*\*)\S.{0,199}$")

# The header's fields under the names people give them.
HEADER_NAMES = {
    name: field
    for field, names in {
        "issue": [
            "issue", "issue id", "ticket", "jira", "change id", "change", "incident",
            "incident id", "bug", "bug id", "id", "tracking", "reference",
        ],
        "spec": ["spec", "specification"],
        "author": [
            "author", "owner", "assignee", "assigned to", "lead", "written by", "prepared by",
            "driver", "dri", "incident commander", "ic", "responder", "on call",
        ],
        "created": ["created", "date", "opened", "reported", "created at", "created on", "started"],
        "priority": ["priority", "severity", "sev", "urgency"],
        "status": ["status", "state"],
    }.items()
    for name in names
}  # fmt: skip
HEADER_PLACES = {
    "issue": "Issue",
    "spec": "Spec",
    "author": "Author",
    "created": "Created",
    "priority": "Priority",
    "status": "Status",
}
PLAIN_LABEL_RE = re.compile(r"^(?P<name>[A-Za-z][A-Za-z /-]{0,30}):\s+(?P<value>\S.*)$")
ISSUE_ID_RE = re.compile(r"\b[A-Z][A-Z0-9]{1,9}-\d+\b")
# A title that leads with its id: "INC-2041: Checkout times out", "[PAY-12] Refunds fail".
TITLE_ID_RE = re.compile(
    r"^[^\w\[]*\[?(?P<id>[A-Z][A-Z0-9]{1,9}-\d+)\]?\s*[:\-\u2013\u2014]?\s+(?P<rest>.*)$"
)
ROLLBACK_ITEM_RE = re.compile(r"^\*\*(?P<name>[^*]+?):\*\*\s*(?P<value>.*)$")
SEPARATOR_CELL_RE = re.compile(r"^:?-+:?$")
# The four numbered rollback actions: the Plan field each fills, how its value reads, and
# whether the value is code (a commit, cache keys: one code span, or one word without).
ROLLBACK_ACTIONS = {
    "immediate": ("revert_commit", r"Revert commit\s+(?P<v>.+)", True),
    "database": ("database_rollback", r"(?P<v>.*)", False),
    "cache": ("cache_keys", r"Clear cache keys:\s*(?P<v>.+)", True),
    "notify": ("notification_channel", r"Alert team via\s+(?P<v>.+)", False),
}


@dataclass
class ImportResult:
    document: PlanDocument
    warnings: list[str] = field(default_factory=list)
    # Where each section of the file went: (line, its heading, where in the plan).
    sections: list[tuple[int, str, str]] = field(default_factory=list)
    # Where each non-blank line of the file went: its number -> a place in the plan
    # ("Step 2: tasks", "Header: Priority", "Notes"), so that no line goes unaccounted.
    lines: dict[int, str] = field(default_factory=dict)
    # The text of each of those lines, as read.
    source: dict[int, str] = field(default_factory=dict)

    def line_ranges(self) -> list[tuple[int, int, str, str]]:
        """`lines` as runs of lines that went to one place, blank lines between them
        included: (first, last, place, the first line's text)."""
        runs: list[tuple[int, int, str, str]] = []
        for number, place in sorted(self.lines.items()):
            if runs and runs[-1][2] == place:
                runs[-1] = (runs[-1][0], number, place, runs[-1][3])
            else:
                runs.append((number, number, place, self.source.get(number, "")))
        return runs


def parse_plan(text: str | bytes, *, now: datetime.datetime | None = None) -> ImportResult:
    """The plan in `text`, or in the bytes of a file (decoded as `encoding.decode` says)."""
    return _Importer(now or timezone.now()).parse(text)


@dataclass
class _Section:
    title: str
    line: int
    lines: list[Line]
    # The template's name for it (a section or a subsection), or "" for one of its own.
    key: str = ""
    # Its heading line as written ("### Root cause"), kept with it when it goes to Notes.
    heading: str = ""


def _alone(lines: list[Line], index: int) -> bool:
    """Whether the line at `index` is a paragraph of its own: a blank line or the end next."""
    return index + 1 >= len(lines) or not lines[index + 1].text.strip()


def _holds_steps(section: _Section) -> str:
    """Whether a section of the file's own holds steps: "headings" ("### Phase 1"), "tasks"
    (a checklist), or ""."""
    blocks = parse_blocks(section.lines)
    if any(block.kind == "list" and _checks(block) for block in blocks) and any(
        block.kind == "heading" and block.level == 3 for block in blocks
    ):
        return "headings"  # under headings of their own: each is a step, as in a steps section
    if any(block.kind == "heading" and STEP_RE.match(block.text) for block in blocks):
        return "headings"
    if any(block.kind == "list" and _checks(block) for block in blocks):
        return "tasks"
    return ""


def _checks(block: Block) -> bool:
    """Whether a list is a checklist: any item with a checkbox or a marker."""
    marks = ("[ ]", "[x]", "[X]", *TICKED_MARKS, *OPEN_MARKS, *KEPT_MARKS)
    return any(_item_text(item.text).startswith(marks) for item in block.items)


def _files(block: Block) -> bool:
    """Whether a list is of file paths: every item one code span, no checkbox."""
    return all(fmt.read_code_span(_item_text(item.text)) for item in block.items)


def _plain_labels(blocks: list[Block], names: dict[str, str]) -> list[Block]:
    """`blocks`, with each plain `Name: value` line of a paragraph, for a name in `names`, as
    a label of its own, as if it were written `**Name:** value`."""
    out = []
    for block in blocks:
        if block.kind != "paragraph":
            out.append(block)
            continue
        rest: list[Line] = []
        for item in [*block.items, None]:
            match = item and PLAIN_LABEL_RE.match(item.text.strip())
            if item is not None and not (match and words.words_of(match["name"]) in names):
                rest.append(item)
                continue
            if rest:
                out.append(Block("paragraph", rest[0].number, [i.text for i in rest], items=rest))
                rest = []
            if item is not None:
                name, value = match["name"], match["value"]
                out.append(Block("label", item.number, [item.text], text=name, value=value))
    return out


def _section_name(title: str) -> str:
    """The template's name of the section or subsection a heading names, or ""."""
    key = fmt.section_key(title)
    return fmt.SECTION_BY_KEY.get(key) or fmt.SUBSECTION_BY_KEY.get(key, "")


def _norm(text: str) -> str:
    return " ".join(text.replace("*", "").strip().rstrip(":").split()).casefold()


def _value(text: str) -> str:
    """A field's value, with the template's own {{PLACEHOLDER}} read as "not filled in"."""
    text = text.strip()
    return "" if fmt.PLACEHOLDER_RE.match(text) else text


class _Importer:
    def __init__(self, now: datetime.datetime):
        self.now = now
        self.doc = PlanDocument(log=[])
        self.warnings: list[str] = []
        # Every reason to refuse the file, so that one import reports them all.
        self.problems: list[tuple[int, str]] = []
        self.over: set[limits.Limit] = set()
        # Text for Notes, by the line it came from: put there in the file's order.
        self.kept: list[tuple[int, str]] = []
        self.tasks = 0
        # Where a refusal of the notes points: their section, or the first line.
        self.notes_line = 1
        # An issue id read from the title, for a file with no Issue line.
        self.title_id = ""
        self.title_text = ""
        self.spec_read = False
        # The underline of each setext heading read as a heading -> its heading's line.
        self.underlines: dict[int, int] = {}
        self.header_fields = 0
        self.placed: list[tuple[int, str, str]] = []
        # Where each line went (see ImportResult.lines), and the lines whose words are
        # also kept in Notes because the value read from them does not hold them all.
        self.went: dict[int, str] = {}
        self.also_noted: set[int] = set()

    # -- entry point -------------------------------------------------------------------

    def parse(self, text: str | bytes) -> ImportResult:
        if isinstance(text, bytes):
            text, notes = decode(text)
            self.warnings += notes
        # Counted as `split_lines` will cut them: a lone CR ends a line too.
        if text.count("\n") + text.count("\r") - text.count("\r\n") >= limits.MAX_IMPORT_LINES:
            raise PlanFormatError(
                limits.MAX_IMPORT_LINES + 1,
                f"over {limits.MAX_IMPORT_LINES} lines, more than the largest plan the "
                "limits allow; is this the right file?",
            )
        lines = split_lines(self._without_control_characters(text))
        title_index = next((i for i, line in enumerate(lines) if line.text.strip()), None)
        if title_index is None:
            raise PlanFormatError(1, "the file is empty; expected a fix plan")
        title = lines[title_index]
        heading = HEADING_RE.match(title.text)
        if heading and len(heading[1]) == 1:
            self._title(title.number, title.text[len(heading[1]) :].strip())
            body = lines[title_index + 1 :]
        elif setext_level([line.text for line in lines], title_index) == 1:
            # A title underlined with `===`.
            self._title(title.number, title.text.strip())
            body = lines[self._underlined(lines, title_index) + 1 :]
        elif PLAIN_TITLE_RE.match(title.text) and _alone(lines, title_index):
            # A first line of its own, in words, is the title of a file written without one.
            self.warnings.append(f"line {title.number}: the first line was read as the title")
            self._title(title.number, title.text.strip())
            body = lines[title_index + 1 :]
        else:
            self.warnings.append(
                f"line {title.number}: the file has no title (a `# ` line first); "
                "the fix name is left blank"
            )
            body = lines[title_index:]
        header, sections = self._split_sections(body)
        if not sections and any(b.kind == "list" and _checks(b) for b in parse_blocks(header)):
            # A bare list of tasks: one step of them.
            name = self.doc.fix_name or "Tasks"
            first = next(line.number for line in header if line.text.strip())
            sections = [_Section(name, first, header, fmt.SECTION_STEPS)]
            header = []
        self._parse_header(header)
        if not self.spec_read:
            # No Spec line: none is invented (the export writes the template's own link).
            self.doc.spec_title = self.doc.spec_link = ""
        if self.title_id and not self.doc.issue_id:
            self.doc.issue_id = self.title_id
            self.went[title.number] += " and Issue"
        elif self.title_id and self.doc.issue_id != self.title_id:
            # The header names another issue (a change id): the title's id stays in the name.
            self.doc.fix_name = self._checked(Plan, "fix_name", self.title_text, title.number)
        seen: set[str] = set()
        parsers = {
            fmt.SECTION_OVERVIEW: self._parse_overview,
            fmt.SECTION_PREREQUISITES: self._parse_prerequisites,
            fmt.SECTION_STEPS: self._parse_steps,
            fmt.SECTION_ROLLBACK: self._parse_rollback,
            fmt.SECTION_VERIFICATION: self._parse_verification,
            fmt.SECTION_COMMUNICATION: self._parse_communication,
            fmt.SECTION_TIMELINE: self._parse_timeline,
            fmt.SECTION_NOTES: self._parse_notes,
            fmt.SECTION_LOG: self._parse_log,
        }
        for section in sections:
            parser = parsers.get(section.key)
            went = section.key if section.key not in seen and section.key else fmt.SECTION_NOTES
            numbers = [section.line, *(line.number for line in section.lines)]
            # Steps in a section of their own ("## Remediation Phases" over "### Phase 1"),
            # a checklist under a heading of the file's own ("## Order of work"), or a second
            # steps section: more steps, after those read so far.
            more_steps = section.key == fmt.SECTION_STEPS and section.key in seen
            if not section.key and (kind := _holds_steps(section)):
                more_steps = True
                if kind == "headings":
                    self._keep(
                        section.line,
                        fmt.SECTION_STEPS,
                        section.heading or f"## {section.title}",
                        "is a heading over steps; the steps under it were read",
                    )
            if more_steps:
                went = fmt.SECTION_STEPS
            if section.key in fmt.SUBSECTION_NAMES:
                went = section.key  # met again, its rows follow the first's
            self.placed.append((section.line, section.title, went))
            if more_steps:
                seen.add(fmt.SECTION_STEPS)
                self._parse_steps(section)
            elif section.key in fmt.SUBSECTION_NAMES:
                # A subsection of the template written as a section of its own.
                seen.add(section.key)
                self._parse_subsection(section.key, section.title, parse_blocks(section.lines))
            elif parser is None or section.key in seen:
                why = "appears twice" if section.key in seen else "is not part of the template"
                heading = section.heading or f"## {section.title}"
                self._keep(section.line, heading, _raw(section.lines), why, numbers)
            else:
                seen.add(section.key)
                parser(section)
            # What the section's parser did not place more exactly is the section's own text.
            self._went(numbers, went)
        seen |= {
            fmt.SECTION_VERIFICATION
            for key in (fmt.SUBSECTION_SUCCESS, fmt.SUBSECTION_MONITORING)
            if key in seen
        } | {
            fmt.SECTION_COMMUNICATION
            for key in (fmt.SUBSECTION_STAKEHOLDERS, fmt.SUBSECTION_POST_MORTEM)
            if key in seen
        }
        if self.doc.log:
            seen.add(fmt.SECTION_LOG)  # read from a postmortem's timeline
        missing = [title for title in fmt.SECTIONS if title not in seen]
        if fmt.SECTION_ROLLBACK in missing:
            # The template's own rollback text is an example, not this plan's rollback.
            self.doc.database_rollback = self.doc.rollback_command = ""
        if missing:
            self.warnings.append("sections not in the file, left empty: " + ", ".join(missing))
        if not seen and not self.doc.steps and not self.header_fields:
            raise PlanFormatError(
                title.number,
                "this is not a fix plan: it has none of the template's sections or header "
                "fields, and no steps",
            )
        self._recover_variables()
        self._append_kept_to_notes()
        self.doc.notes = self._checked(Plan, "notes", self.doc.notes, self.notes_line)
        if self.problems:
            raise PlanFormatError.of(self.problems)
        if not self.doc.log:
            self.doc.log = [LogRow(self.now, "Plan imported")]
        for underline, heading_line in self.underlines.items():
            self.went[underline] = self.went.get(heading_line, "")
        also = " (its words also kept in Notes)"
        went = {
            line.number: self.went.get(line.number, "")
            + (also if line.number in self.also_noted else "")
            for line in lines
            if line.text.strip()
        }
        source = {line.number: line.text for line in lines if line.number in went}
        return ImportResult(self.doc, self.warnings, self.placed, went, source)

    def _split_sections(self, lines: list[Line]) -> tuple[list[Line], list[_Section]]:
        """Cut the file at its section headings (not inside code blocks).

        A section starts at a `## ` heading, or a `# ` one after the title. Inside the
        overview, every `## ` heading starts one (the exporter escapes the overview's own);
        inside the notes, which are free Markdown with sections of their own, only one named
        like a section of the template does. A `## Task 1` or `## Step 1` heading outside
        the steps starts them, for documents that have no steps section of their own.
        """
        header: list[Line] = []
        sections: list[_Section] = []
        texts = [line.text for line in lines]
        in_code = set()
        for start, end in fences(texts).items():
            in_code.update(range(start, end + 1))

        def heading_at(index: int) -> tuple[int, str, bool] | None:
            """(level, title, underlined) of a heading starting at `index`, ATX or setext."""
            if index in in_code:
                return None
            if match := HEADING_RE.match(texts[index]):
                return len(match[1]), match[2].strip(), False
            if index + 1 not in in_code and (level := setext_level(texts, index)):
                return level, texts[index].strip(), True
            return None

        headings = {index: found for index in range(len(lines)) if (found := heading_at(index))}
        # Sections are the file's shallowest headings after the title: `## ` in the template,
        # `### ` in a file whose title is followed only by those.
        top = max(2, min((level for level, _, _ in headings.values()), default=2))
        underline = None  # the index of a setext heading's underline, read with its heading
        for index, line in enumerate(lines):
            if index == underline:
                continue
            current = sections[-1].key if sections else None
            if index not in in_code and fence_opening(line.text):
                self.warnings.append(
                    f"line {line.number}: a code block opened here is never closed; "
                    "its lines are read as text"
                )
            heading = headings.get(index)
            if heading and heading[0] <= top:
                level, title, underlined = heading
                raw = line.text.strip()
                if underlined:
                    raw += "\n" + lines[index + 1].text.strip()
                key = _section_name(title)
                free = current in (fmt.SECTION_OVERVIEW, fmt.SECTION_NOTES)
                in_notes = current == fmt.SECTION_NOTES
                if free and (level == 1 or (in_notes and not fmt.ends_notes(title))):
                    pass  # a heading of the free text itself
                elif not key and STEP_RE.match(title) and not free:
                    if current != fmt.SECTION_STEPS:
                        sections.append(
                            _Section(fmt.SECTION_STEPS, line.number, [], fmt.SECTION_STEPS)
                        )
                    sections[-1].lines.append(Line(line.number, f"### {title}"))
                    underline = self._underlined(lines, index) if underlined else None
                    continue
                else:
                    sections.append(_Section(title, line.number, [], key, raw))
                    underline = self._underlined(lines, index) if underlined else None
                    continue
            (sections[-1].lines if sections else header).append(line)
        return header, sections

    def _underlined(self, lines: list[Line], index: int) -> int:
        """The underline of the setext heading at `index`: it goes where its heading does."""
        self.underlines[lines[index + 1].number] = lines[index].number
        return index + 1

    # -- header ------------------------------------------------------------------------

    def _title(self, line: int, text: str) -> None:
        """The fix name from the title, and an issue id if the title leads with one."""
        prefix = fmt.TITLE_PREFIX.removeprefix("# ").rstrip()
        self.title_text = _value(text)
        if text.casefold().startswith(prefix.casefold()):
            text = text[len(prefix) :].strip()
        elif match := TITLE_ID_RE.match(text):
            self.title_id, text = match["id"], match["rest"].strip() or text
        elif match := ISSUE_ID_RE.search(text):
            self.title_id = match[0]
        self.doc.fix_name = self._checked(Plan, "fix_name", _value(text), line)
        self.went[line] = "Header: Fix name"

    def _parse_header(self, lines: list[Line]) -> None:
        handlers = {
            "issue": self._header_issue,
            "spec": self._header_spec,
            "author": self._header_author,
            "created": self._header_created,
            "priority": self._header_priority,
            "status": self._header_status,
        }
        read: set[str] = set()
        for block in _plain_labels(parse_blocks(lines), HEADER_NAMES):
            field = HEADER_NAMES.get(words.words_of(block.text)) if block.kind == "label" else None
            if field is None:
                self._keep(block.line, "Header", block.raw, "is not a header field")
            elif field in read:
                # The first one is the value ("Owner:" after "Author:"); this one is kept.
                self._keep(block.line, "Header", block.raw, "names a header field read above")
            else:
                read.add(field)
                self.header_fields += 1
                handlers[field](block)
                self._went(_block_lines(block), f"Header: {HEADER_PLACES[field]}")

    def _unfilled(self, block: Block, name: str) -> None:
        """The header line is the template's, not filled in: the field takes its default."""
        self._went(_block_lines(block), f"Header: {name} (not filled in: the template's text)")

    def _header_issue(self, block: Block) -> None:
        self.doc.issue_id = self._checked(Plan, "issue_id", _value(block.value), block.line)

    def _header_author(self, block: Block) -> None:
        self.doc.author = self._checked(Plan, "author", _value(block.value), block.line)

    def _header_spec(self, block: Block) -> None:
        value = block.value.strip()
        title, link = fmt.read_spec_link(value) or ("", _value(value))
        self.spec_read = True
        self.doc.spec_title = self._checked(Plan, "spec_title", title, block.line)
        self.doc.spec_link = self._checked(Plan, "spec_link", link, block.line)

    def _header_created(self, block: Block) -> None:
        value = _value(block.value)
        if not value:
            self.doc.created = timezone.localdate(self.now)
            self.warnings.append(f"line {block.line}: no Created date; set to today")
            self._unfilled(block, "Created")
            return
        try:
            created = words.read_date(value)
        except words.AmbiguousDate:
            created = None
        if created is None:
            self.doc.created = timezone.localdate(self.now)
            self._keep(block.line, "Header", block.raw, "is not a date; Created set to today")
            return
        self.doc.created = created
        if value != created.isoformat():
            self._keep(
                block.line, "Header", block.raw, f"was read as the date {created}", also=True
            )

    def _header_priority(self, block: Block) -> None:
        value = block.value.strip()
        if value == fmt.PRIORITY_OPTIONS or not _value(value):
            self.warnings.append(
                f"line {block.line}: no priority chosen; set to {Priority.P2.label}"
            )
            self._unfilled(block, "Priority")
            return
        priority, exact = words.read_priority(value)
        if priority is None:
            self._keep(
                block.line, "Header", block.raw, f"is not a priority; set to {Priority.P2.label}"
            )
            return
        self.doc.priority = priority
        if not exact:
            label = Priority(priority).label
            self._keep(block.line, "Header", block.raw, f"was read as priority {label}", also=True)

    def _header_status(self, block: Block) -> None:
        value = block.value.strip()
        if value == fmt.STATUS_OPTIONS or not _value(value):
            self.warnings.append(f"line {block.line}: no status chosen; set to Planning")
            self._unfilled(block, "Status")
            return
        status, exact = words.read_status(value)
        if status is None:
            self._keep(block.line, "Header", block.raw, "is not a status; set to Planning")
            return
        self.doc.status = status
        if not exact:
            label = Status(status).label
            self._keep(block.line, "Header", block.raw, f"was read as {label}", also=True)

    # -- sections ----------------------------------------------------------------------

    def _parse_overview(self, section: _Section) -> None:
        overview = fmt.unescape_free_text(_raw(section.lines))
        self.doc.overview = self._checked(Plan, "overview", overview, section.line)

    def _parse_notes(self, section: _Section) -> None:
        self.notes_line = section.line
        lines = list(section.lines)
        while lines and not lines[-1].text.strip():
            lines.pop()
        # The template's `---` before the progress log closes the notes; it is not a note.
        if lines and lines[-1].text.strip() == "---":
            lines.pop()
        self.doc.notes = fmt.unescape_free_text(_raw(lines), only_known=True)

    def _parse_prerequisites(self, section: _Section) -> None:
        blocks = parse_blocks(section.lines)
        self.doc.prerequisites = self._checklist_blocks(blocks, fmt.SECTION_PREREQUISITES)

    def _parse_steps(self, section: _Section) -> None:
        steps: list[StepData] = []
        blocks = parse_blocks(section.lines)
        step_blocks: list[Block] = []
        heading: Block | None = None

        # A step is a third-level heading, or "Step N" at any level people write it.
        def starts_step(block: Block) -> bool:
            return block.kind == "heading" and (block.level == 3 or bool(STEP_RE.match(block.text)))

        if not any(starts_step(block) for block in blocks) and any(
            block.kind == "list" and _checks(block) for block in blocks
        ):
            # A list of tasks with no steps ("## Action Items"): one step, named by its section.
            blocks = [Block("heading", section.line, level=3, text=section.title), *blocks]
        before = len(self.doc.steps)  # read from an earlier section of steps
        for block in [*blocks, None]:
            if block is None or starts_step(block):
                number = before + len(steps) + 1
                if heading is not None and self._limit(number, limits.STEPS, heading.line):
                    steps.append(self._step(heading, step_blocks, number))
                heading, step_blocks = block, []
            elif heading is None:
                self._keep(block.line, fmt.SECTION_STEPS, block.raw, "is outside any step")
            else:
                step_blocks.append(block)
        self.doc.steps += steps

    def _step(self, heading: Block, blocks: list[Block], number: int) -> StepData:
        blocks = _plain_labels(blocks, STEP_LABELS)
        match = STEP_RE.match(heading.text)
        if match:
            title = match["title"].strip()
            if int(match["number"]) != number:
                self.warnings.append(
                    f"line {heading.line}: Step {match['number']} is step {number} "
                    "of this plan and was renumbered"
                )
        else:
            title = heading.text.strip()
            self.warnings.append(
                f"line {heading.line}: heading {heading.text!r} read as step {number}"
            )
        timeline = ""
        labelled = any(
            b.kind == "label" and STEP_LABELS.get(words.words_of(b.text)) == "timeline"
            for b in blocks
        )
        if not labelled and (match := fmt.TIME_SUFFIX_RE.search(title)):
            # "(15 minutes)" after a title is its timeline, when no Timeline line says one.
            title, timeline = title[: match.start()].strip(), match["time"]
        if not title:
            title = f"Step {number}"
            self.warnings.append(f"line {heading.line}: a step with no title; called {title!r}")
        step = StepData(title=self._checked(Step, "title", title, heading.line))
        step.timeline = self._checked(Step, "timeline", timeline, heading.line)
        where = f"Step {number}: {title}"
        self._went([heading.line], f"Step {number}: title")
        pending = ""  # a label waiting for its list or code block
        for block in blocks:
            name = STEP_LABELS.get(words.words_of(block.text), "") if block.kind == "label" else ""
            label, pending = pending, ""
            place = name
            if block.kind == "list" and (label == "files" or (not label and _files(block))):
                # A second list of files, or of tasks, in one step adds to the first.
                for item in block.items:
                    self._add_files(step, _item_text(item.text), item.number, item.text, where)
                place = "files"
            elif block.kind == "list" and (label == "tasks" or (not label and _checks(block))):
                step.tasks += self._checklist(
                    block, StepTask, where, limits.TASKS_PER_STEP, len(step.tasks)
                )
                place = "tasks"
            elif block.kind == "fence" and label != "test commands" and not step.has_code:
                step.code_language = self._checked(Step, "code_language", block.text, block.line)
                step.code = self._checked(Step, "code", block.value, block.line)
                place = "code changes"
            elif block.kind == "fence" and label == "test commands" and not step.test_commands:
                step.test_commands_language = self._checked(
                    Step, "test_commands_language", block.text, block.line
                )
                step.test_commands = self._checked(Step, "test_commands", block.value, block.line)
                place = "test commands"
            elif block.kind == "fence":
                self._keep(block.line, where, block.raw, "is a second code block")
            elif name == "timeline" and step.timeline:
                self._keep(block.line, where, block.raw, "is a second timeline")
            elif name == "timeline":
                step.timeline = self._checked(Step, "timeline", block.value.strip(), block.line)
            elif name == "owner" and (
                step.owner or not fmt.OWNER_VALUE_RE.match(block.value.strip())
            ):
                why = "is a second owner" if step.owner else "is not one @handle"
                self._keep(block.line, where, block.raw, why)
            elif name == "owner":
                owner = fmt.OWNER_VALUE_RE.match(block.value.strip())["owner"]
                step.owner = self._checked(Step, "owner", owner, block.line)
            elif name == "due" and (step.due_at or not (due := self._due(block))):
                why = "is a second due time" if step.due_at else "is not a date and time"
                self._keep(block.line, where, block.raw, why)
            elif name == "due":
                step.due_at = due
            elif name == "files" and block.value.strip():
                self._add_files(step, block.value.strip(), block.line, block.raw, where)
            elif name:
                if block.value.strip():
                    self._keep(block.line, where, block.raw, "has text after its label")
                pending = name
            else:
                self._keep(block.line, where, block.raw, "is not part of a step")
            self._went(_block_lines(block), f"Step {number}: {place}" if place else where)
        return step

    def _add_files(self, step: StepData, text: str, line: int, raw: str, where: str) -> None:
        """The file paths of a line: its code spans (`a.py`, `b.py`), or the line as written.

        Words beside a path (`a.py` (the reverse_sql block)) say something about it, not
        another file: the first span is the path, and the line is also kept in Notes."""
        whole = fmt.read_code_span(text)
        paths = [whole] if whole is not None else re.findall(r"`([^`]+)`", text)
        words_beside = whole is None and re.sub(r"`[^`]+`|\band\b|[\s,;&]", "", text)
        if not paths:
            paths = [text]
        elif words_beside:
            paths = paths[:1]
            self._keep(line, where, raw, "has words beside its file path", also=True)
        for path in paths:
            if self._limit(len(step.files) + 1, limits.FILES_PER_STEP, line):
                step.files.append(self._checked(StepFile, "path", path, line))

    def _parse_rollback(self, section: _Section) -> None:
        doc = self.doc
        doc.rollback_command = ""
        pending: Block | None = None
        read_before: Block | None = None
        for block in parse_blocks(section.lines):
            # A code block under the rollback is its command, labelled or not.
            if block.kind == "fence" and (pending is not None or not doc.rollback_command):
                if doc.rollback_command:
                    # The labelled block is the command; the one read before it is kept.
                    self._keep(
                        read_before.line,
                        fmt.SECTION_ROLLBACK,
                        read_before.raw,
                        "is a second code block",
                    )
                read_before = block
                doc.rollback_language = self._checked(
                    Plan, "rollback_language", block.text, block.line
                )
                doc.rollback_command = self._checked(
                    Plan, "rollback_command", block.value, block.line
                )
                self._went(_block_lines(block), f"{fmt.SECTION_ROLLBACK}: rollback command")
                if pending is not None:
                    self._went([pending.line], f"{fmt.SECTION_ROLLBACK}: rollback command")
                pending = None
            elif block.kind == "label" and _norm(block.text) == "rollback command":
                pending = block
            elif block.kind == "paragraph" and block.raw.strip() == fmt.ROLLBACK_INTRO:
                continue
            elif block.kind == "list":
                for item in block.items:
                    self._rollback_action(item)
            else:
                self._keep(block.line, fmt.SECTION_ROLLBACK, block.raw, "is not a rollback field")

    def _rollback_action(self, item: Line) -> None:
        text = _item_text(item.text)
        match = ROLLBACK_ITEM_RE.match(text)
        name, value = (_norm(match["name"]), match["value"].strip()) if match else ("", "")
        if name in ROLLBACK_ACTIONS:
            attr, pattern, is_code = ROLLBACK_ACTIONS[name]
            found = re.fullmatch(pattern, value, re.IGNORECASE)
            value = found and (_code_or_word(found["v"]) if is_code else found["v"])
            if value is not None and found:
                value = "" if fmt.PLACEHOLDER_RE.match(value.strip()) else value
                setattr(self.doc, attr, self._checked(Plan, attr, value, item.number))
                self._went(
                    [item.number],
                    f"{fmt.SECTION_ROLLBACK}: {Plan._meta.get_field(attr).verbose_name}",
                )
                return
        self._keep(item.number, fmt.SECTION_ROLLBACK, item.text, "is not one of its four actions")

    def _parse_verification(self, section: _Section) -> None:
        for title, line, blocks in self._subsections(section):
            key = fmt.SUBSECTION_BY_KEY.get(fmt.section_key(title))
            if not title and any(block.kind == "list" and _checks(block) for block in blocks):
                # A checklist right under Verification is what success looks like.
                key = fmt.SUBSECTION_SUCCESS
            elif not title and any(block.kind == "table" for block in blocks):
                # A table right under it is what to watch.
                key = fmt.SUBSECTION_MONITORING
            if key in (fmt.SUBSECTION_SUCCESS, fmt.SUBSECTION_MONITORING):
                self._parse_subsection(key, title or section.title, blocks)
                self._went([line, *(n for b in blocks for n in _block_lines(b))], key)
            else:
                self._keep_blocks(blocks, fmt.SECTION_VERIFICATION, title, line)

    def _parse_communication(self, section: _Section) -> None:
        for title, line, blocks in self._subsections(section):
            key = fmt.SUBSECTION_BY_KEY.get(fmt.section_key(title))
            if not title and any(block.kind == "table" for block in blocks):
                # A table right under Communication is who hears what, and when.
                key = fmt.SUBSECTION_STAKEHOLDERS
            elif not title and any(block.kind == "list" and _checks(block) for block in blocks):
                # A checklist right under it is what to do after the incident.
                key = fmt.SUBSECTION_POST_MORTEM
            if key in (fmt.SUBSECTION_STAKEHOLDERS, fmt.SUBSECTION_POST_MORTEM):
                self._parse_subsection(key, title or section.title, blocks)
                self._went([line, *(n for b in blocks for n in _block_lines(b))], key)
            else:
                self._keep_blocks(blocks, fmt.SECTION_COMMUNICATION, title, line)

    def _parse_subsection(self, key: str, title: str, blocks: list[Block]) -> None:
        """Read a subsection into its list; met again ("Acceptance Criteria" after "Success
        Criteria"), its rows follow those read before."""
        doc = self.doc
        if key == fmt.SUBSECTION_SUCCESS:
            doc.success_criteria += self._checklist_blocks(blocks, title, len(doc.success_criteria))
        elif key == fmt.SUBSECTION_POST_MORTEM:
            doc.post_mortem += self._checklist_blocks(blocks, title, len(doc.post_mortem))
        elif key == fmt.SUBSECTION_MONITORING:
            rows = self._table_blocks(
                blocks, title, fmt.MONITORING_COLUMNS, limits.TABLE_ROWS, len(doc.metrics)
            )
            doc.metrics += [
                MetricRow(*self._checked_row(MonitoringMetric, line, cells)) for line, cells in rows
            ]
        else:
            rows = self._table_blocks(
                blocks, title, fmt.STAKEHOLDER_COLUMNS, limits.TABLE_ROWS, len(doc.stakeholders)
            )
            doc.stakeholders += [
                StakeholderRow(*self._checked_row(StakeholderUpdate, line, cells))
                for line, cells in rows
            ]

    def _parse_timeline(self, section: _Section) -> None:
        blocks = parse_blocks(section.lines)
        table = next((block for block in blocks if block.kind == "table"), None)
        names = {words.words_of(cell) for cell in _cells(table.items[0].text)} if table else set()
        if not names & fmt.COLUMN_NAMES["Phase"] and {"Time", "Update"} <= {
            column for column in fmt.LOG_COLUMNS if names & fmt.COLUMN_NAMES[column]
        }:
            # A timeline of what happened when (a postmortem's "Time | Event") is a log.
            self._parse_log(section)
            self.placed[-1] = (section.line, section.title, fmt.SECTION_LOG)
            self._went([section.line, *(line.number for line in section.lines)], fmt.SECTION_LOG)
            return
        rows = self._table_blocks(
            blocks,
            fmt.SECTION_TIMELINE,
            fmt.TIMELINE_COLUMNS,
            limits.TABLE_ROWS,
        )
        phases = []
        for line, cells in rows:
            phase, target, actual, status = self._checked_row(TimelinePhase, line, cells)
            value, exact = words.read_phase_status(status)
            if not exact:
                label = PhaseStatus(value or PhaseStatus.NOT_STARTED).label
                self._keep(
                    line,
                    fmt.SECTION_TIMELINE,
                    f"{phase}: {status}",
                    f"was read as {label}",
                    also=True,
                )
            phases.append(PhaseRow(phase, target, actual, value or PhaseStatus.NOT_STARTED))
        self.doc.phases = phases

    def _parse_log(self, section: _Section) -> None:
        blocks = parse_blocks(section.lines)
        columns = (*fmt.LOG_COLUMNS, fmt.LOG_AUTHOR_COLUMN)
        for line, cells in self._table_blocks(blocks, fmt.SECTION_LOG, columns, limits.LOG_ENTRIES):
            when, update = cells[0], cells[1]
            author = cells[2] if len(cells) > 2 else ""
            if not author and (match := fmt.LOG_AUTHOR_RE.match(update)):
                update, author = match["update"], match["author"]
            row = " | ".join(cell for cell in cells if cell)
            if not update:
                self._keep(line, fmt.SECTION_LOG, row, "has no update")
                continue
            logged_at = self._log_time(line, when)
            if logged_at is None:
                self._keep(line, fmt.SECTION_LOG, row, "has a time FixTracker cannot read")
                continue
            # A postmortem's timeline and a progress log both fill the log: count them all.
            if not self._limit(len(self.doc.log) + 1, limits.LOG_ENTRIES, line):
                continue
            self.doc.log.append(
                LogRow(
                    logged_at,
                    self._checked(ProgressLogEntry, "update", update, line),
                    self._checked(ProgressLogEntry, "author", author, line),
                )
            )

    def _due(self, block: Block) -> datetime.datetime | None:
        """A step's due time, when its line names a date and time within range."""
        try:
            due = words.read_time(block.value, self.doc.created, timezone.get_current_timezone())
        except words.AmbiguousDate:
            return None
        if due is None or not limits.LOG_TIMES[0] <= due < limits.LOG_TIMES[1]:
            return None
        return due.astimezone(datetime.UTC)

    def _log_time(self, line: int, text: str) -> datetime.datetime | None:
        """The row's time in UTC (None if it cannot be read); a time written without an
        offset or zone is in the current zone, a clock time alone on the plan's Created day."""
        if not _value(text):
            self.warnings.append(f"line {line}: progress log row has no time; set to now")
            return self.now.astimezone(datetime.UTC)
        try:
            parsed = words.read_time(text, self.doc.created, timezone.get_current_timezone())
        except words.AmbiguousDate:
            self.warnings.append(
                f"line {line}: the date in {text!r} reads both day-first and month-first"
            )
            return None
        if parsed is None:
            return None
        if not limits.LOG_OFFSETS[0] <= parsed.utcoffset() <= limits.LOG_OFFSETS[1]:
            return self._refuse(
                line,
                f"the progress log time {text!r} has an offset no time zone uses; "
                "expected an offset from -12:00 to +14:00",
            )
        # Comparing aware times never overflows; converting year 9999 to UTC may.
        if not limits.LOG_TIMES[0] <= parsed < limits.LOG_TIMES[1]:
            return self._refuse(
                line,
                f"the progress log time {text!r} is out of range; expected a time from "
                f"{limits.LOG_TIMES[0]:%Y-%m-%d} to before {limits.LOG_TIMES[1]:%Y-%m-%d} (UTC)",
            )
        return parsed.astimezone(datetime.UTC)

    # -- shared pieces -----------------------------------------------------------------

    def _subsections(self, section: _Section):
        """Each `### ` subsection: (its title, its heading's line, its blocks); the blocks
        before the first one come with no title, at the section's line."""
        blocks = parse_blocks(section.lines)
        title, line, current = "", section.line, []
        for block in blocks:
            if block.kind == "heading" and block.level == 3:
                if title or current:
                    yield title, line, current
                title, line, current = block.text, block.line, []
            else:
                current.append(block)
        if title or current:
            yield title, line, current

    def _checklist_blocks(
        self, blocks: list[Block], where: str, already: int = 0
    ) -> list[CheckItem]:
        items: list[CheckItem] = []
        for block in blocks:
            if block.kind == "list":
                items += self._checklist(
                    block, ChecklistItem, where, limits.CHECKLIST_ITEMS, already + len(items)
                )
            else:
                self._keep(block.line, where, block.raw, "is not a checklist item")
        return items

    def _checklist(
        self,
        block: Block,
        model: type[models.Model],
        where: str,
        limit: limits.Limit,
        already: int = 0,
    ) -> list[CheckItem]:
        """The checkbox items of a list block; `already` items of the same list came before."""
        items = []
        depths = _depths(block.items)
        for item, depth in zip(block.items, depths, strict=True):
            text = _item_text(item.text)
            if depth > limits.ITEM_DEPTH:
                self.warnings.append(
                    f"line {item.number}: {where}: nested {depth} deep; "
                    f"read as {limits.ITEM_DEPTH} deep, the deepest an item may be"
                )
                depth = limits.ITEM_DEPTH
            match = CHECKBOX_RE.match(text)
            if match:
                text, done = match["text"].strip(), match["mark"] != " "
            elif text.startswith(TICKED_MARKS + OPEN_MARKS):
                mark = next(m for m in TICKED_MARKS + OPEN_MARKS if text.startswith(m))
                text, done = text[len(mark) :].strip(), mark in TICKED_MARKS
            elif text.startswith(KEPT_MARKS):
                done = False
            else:
                done = False
                self.warnings.append(
                    f"line {item.number}: {where}: {text!r} has no checkbox; read as unticked"
                )
            if not text:
                self.warnings.append(f"line {item.number}: {where}: empty checkbox skipped")
                self.went[item.number] = "nowhere: an empty checkbox"
                continue
            if not self._limit(already + len(items) + 1, limit, item.number):
                continue
            if model is StepTask:
                self.tasks += 1
                if not self._limit(self.tasks, limits.TASKS, item.number):
                    continue
            owner = ""
            if model is StepTask and (match := fmt.TASK_OWNER_RE.match(text)):
                text, owner = (
                    match["text"],
                    self._checked(model, "owner", match["owner"], item.number),
                )
            if model is StepTask:
                text = fmt.unescape_task_text(text)
            text = self._checked(model, "text", text, item.number)
            items.append(CheckItem(text, done, depth, owner))
        return items

    def _table_blocks(
        self,
        blocks: list[Block],
        where: str,
        columns: tuple[str, ...],
        limit: limits.Limit,
        already: int = 0,
    ) -> list[tuple[int, list[str]]]:
        rows: list[tuple[int, list[str]]] = []
        tables = 0
        room = max(limit.value - already, 0)
        for block in blocks:
            if block.kind == "table" and tables == 0:
                tables += 1
                rows = self._table(block, where, columns)
                if len(rows) > room:
                    self._limit(already + len(rows), limit, rows[room][0])
                    rows = rows[:room]
            elif block.kind != "rule":
                self._keep(block.line, where, block.raw, "is not part of its table")
        return rows

    def _table(
        self, block: Block, where: str, columns: tuple[str, ...]
    ) -> list[tuple[int, list[str]]]:
        """The table's rows as cells in the order of `columns`, its header matched by name.

        Columns may come in any order and under other names (`fmt.COLUMN_NAMES`); a table
        with columns FixTracker does not keep, or rows longer than its header, is read for
        the columns it knows and also kept in Notes as written, so nothing of it is lost.
        """
        header, *rest = block.items
        found = _cells(header.text)
        order: list[int | None] = []
        taken: set[int | None] = set()  # a set: a header of thousands of cells is no work
        for cell in found:
            name = words.words_of(cell)
            match = next(
                (
                    i
                    for i, column in enumerate(columns)
                    if i not in taken and name in fmt.COLUMN_NAMES[column]
                ),
                None,
            )
            order.append(match)
            taken.add(match)
        if 0 not in order:
            self._keep(
                block.line, where, block.raw, f"is not the {where} table (no {columns[0]} column)"
            )
            return []
        if rest and all(SEPARATOR_CELL_RE.match(c) for c in _cells(rest[0].text)):
            rest = rest[1:]
        else:
            self.warnings.append(
                f"line {header.number + 1}: the {where} table has no separator row "
                "(| --- |) under its header; its rows were read all the same"
            )
        unknown = [cell for cell, index in zip(found, order, strict=True) if index is None]
        rows = []
        longer = False
        for line in rest:
            cells = _cells(line.text)
            longer = longer or len(cells) > len(found)
            row = [""] * len(columns)
            for cell, index in zip(cells, order, strict=False):
                if index is not None:
                    row[index] = cell
            if any(cells):
                rows.append((line.number, row))
        if unknown or longer:
            why = (
                f"has columns FixTracker does not keep ({', '.join(unknown)})"
                if unknown
                else "has rows longer than its header"
            )
            self._keep(
                block.line, where, block.raw, f"{why}; the table is also kept as written", also=True
            )
        return rows

    def _checked_row(self, model: type[models.Model], line: int, cells: list[str]) -> list[str]:
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField)]
        if not cells[0]:
            self._refuse(line, f"the first cell ({names[0]}) cannot be empty")
        return [self._checked(model, n, c, line) for n, c in zip(names, cells, strict=False)]

    def _limit(self, count: int, limit: limits.Limit, line: int) -> bool:
        """Whether a list of `count` rows is within `limit`; if not, refuse the file at the
        first row too many (once per limit) and leave the rest out of the document."""
        if count <= limit.value:
            return True
        if limit not in self.over:
            self.over.add(limit)
            message = f"over the limit of {limit.value} {limit.name}; a plan may hold no more"
            self._refuse(line, message)
        return False

    def _refuse(self, line: int, message: str) -> None:
        """The file will be refused for this, after the rest of it is read for other reasons."""
        self.problems.append((line, message))

    def _without_control_characters(self, text: str) -> str:
        """The text with each control character (which the forms refuse too: they would
        reach a terminal from `export_plan`) replaced by U+FFFD, each replacement noted."""
        # A NUL byte is left for `split_lines` to refuse: it marks a file that is not text.
        if "\x00" in text or not limits.CONTROL_CHARS_RE.search(text):
            return text
        lines = text.split("\n")
        for number, line in enumerate(lines, start=1):
            found = sorted(set(limits.CONTROL_CHARS_RE.findall(line)))
            if found:
                codes = ", ".join(f"U+{ord(char):04X}" for char in found)
                self.warnings.append(
                    f"line {number}: control characters ({codes}) replaced with \ufffd"
                )
                lines[number - 1] = limits.CONTROL_CHARS_RE.sub("\ufffd", line)
        return "\n".join(lines)

    def _checked(self, model: type[models.Model], name: str, value: str, line: int) -> str:
        field = model._meta.get_field(name)
        if field.max_length and len(value) > field.max_length:
            self._refuse(
                line, f"{field.verbose_name} is {len(value)} characters; at most {field.max_length}"
            )
        if _holds_placeholder(field, value):
            label = field.verbose_name.capitalize()
            self._keep(line, label, value, f"holds a {{{{PLACEHOLDER}}}}; {label} left blank")
            return ""
        return value

    # -- variables and kept text -------------------------------------------------------

    def _recover_variables(self) -> None:
        """Read back the plan's values from the places the template puts them.

        The exporter fills {{DEFAULT_BRANCH}} into "Create feature branch from ...",
        {{TEST_COMMAND}} into a one-line test block, and so on; reading them back keeps
        the values as fields and the text as the template's, so a re-export is identical.
        """
        doc = self.doc
        texts = [task.text for step in doc.steps for task in step.tasks]
        texts += [step.test_commands for step in doc.steps] + [doc.rollback_command]
        # The exporter fills in every value the plan has: a placeholder still in the file
        # was blank, so text that looks like its value (a step's own test command) is not.
        unfilled = {name for name in VARIABLE_FIELDS if any(f"{{{{{name}}}}}" in t for t in texts)}
        for name, prefix in fmt.ANCHORED_TASKS.items():
            attr = VARIABLE_FIELDS[name]
            token = "{{" + name + "}}"
            if name in unfilled:
                continue
            for step in doc.steps:
                for task in step.tasks:
                    value = task.text.removeprefix(prefix)
                    if value == task.text or value == token or not value:
                        continue
                    if not getattr(doc, attr) and _fits(attr, value):
                        setattr(doc, attr, value)
                    if getattr(doc, attr) == value:
                        task.text = prefix + token
        for step in doc.steps:
            command = step.test_commands
            if not command or "\n" in command or "TEST_COMMAND" in unfilled:
                continue
            if not doc.test_command and _fits("test_command", command):
                doc.test_command = command
            if doc.test_command == command:
                step.test_commands = "{{TEST_COMMAND}}"
        lines = doc.rollback_command.split("\n") if doc.rollback_command else []
        if doc.revert_commit:
            lines = [
                "git revert {{COMMIT_HASH}}" if line == f"git revert {doc.revert_commit}" else line
                for line in lines
            ]
        if (
            len(lines) == 2
            and lines[0] == "git revert {{COMMIT_HASH}}"
            and "DEPLOY_COMMAND" not in unfilled
            and not doc.deploy_command
            and _fits("deploy_command", lines[1])
        ):
            doc.deploy_command, lines[1] = lines[1], "{{DEPLOY_COMMAND}}"
        doc.rollback_command = "\n".join(lines)

    def _went(self, numbers, place: str) -> None:
        """Lines `numbers` went to `place`, unless a more exact place is recorded already."""
        for number in numbers:
            self.went.setdefault(number, place)

    def _keep(
        self, line: int, where: str, text: str, why: str, numbers=None, *, also: bool = False
    ) -> None:
        """Keep `text`, from line `line` on (or from lines `numbers`), in Notes: instead of
        reading it, or `also` beside a value read from it that does not hold all its words."""
        self.warnings.append(f"line {line}: text under {where} {why}; kept in Notes")
        numbers = numbers or range(line, line + text.count("\n") + 1)
        if also:
            self.also_noted.update(numbers)
        else:
            self.went.update(dict.fromkeys(numbers, fmt.SECTION_NOTES))
        # A whole section keeps its own heading; a piece of one is labelled with its place.
        heading = where if where.startswith("#") or "\n" in where else f"**{where}:**"
        self.kept.append((line, heading, text.strip("\n")))

    def _keep_blocks(self, blocks: list[Block], where: str, title: str, line: int) -> None:
        body = "\n\n".join(block.raw for block in blocks)
        if title:
            self.warnings.append(
                f"line {line}: '### {title}' under {where} is not part of the template; "
                "kept in Notes"
            )
            body = f"### {title}\n\n{body}"
        else:
            self.warnings.append(
                f"line {line}: text right under {where} is not part of the template; kept in Notes"
            )
        self.kept.append((line, f"**{where}:**", body.strip("\n")))
        numbers = [line] if title else []
        numbers += [n for block in blocks for n in _block_lines(block)]
        self.went.update(dict.fromkeys(numbers, fmt.SECTION_NOTES))

    def _append_kept_to_notes(self) -> None:
        if not self.kept:
            return
        # The Notes section's own text sits at its heading, among the rest in file order;
        # pieces in a row from one place are under one label.
        parts = sorted([(self.notes_line, "", self.doc.notes), *self.kept], key=lambda p: p[0])
        texts: list[str] = []
        label = None
        for _line, heading, text in parts:
            if heading and heading == label and heading.startswith("**"):
                texts.append(text)
            else:
                texts.append(f"{heading}\n\n{text}".strip("\n") if heading else text)
            label = heading
        self.doc.notes = "\n\n".join(text for text in texts if text)


def _item_text(line: str) -> str:
    """A list item's text, without its indentation and marker (a tab in it stays a tab)."""
    return LIST_RE.match(line.lstrip())["text"].strip()


def _depths(items: list[Line]) -> list[int]:
    """How deep each item of a list is nested, from its indentation: an item indented more
    than the one above is one level under it; less, back to the level it lines up with."""
    levels: list[int] = []
    depths = []
    for item in items:
        text = item.text.expandtabs(4)
        indent = len(text) - len(text.lstrip())
        while levels and indent < levels[-1]:
            levels.pop()
        if not levels or indent > levels[-1]:
            levels.append(indent)
        depths.append(len(levels) - 1)
    return depths


def _block_lines(block: Block) -> range:
    return range(block.line, block.line + len(block.source))


def _fits(attr: str, value: str) -> bool:
    """Whether a value read from free text fits its Plan field; if not, the text stays as is.

    A value holding a placeholder does not: the field may not hold one (NO_PLACEHOLDER)."""
    field = Plan._meta.get_field(attr)
    return len(value) <= field.max_length and not _holds_placeholder(field, value)


def _holds_placeholder(field: models.Field, value: str) -> bool:
    return NO_PLACEHOLDER in field.validators and bool(fmt.VARIABLE_RE.search(value))


def _raw(lines: list[Line]) -> str:
    return "\n".join(line.text for line in lines).strip("\n")


def _code_or_word(text: str) -> str | None:
    """A value written as code: one code span, or one word without backticks."""
    text = text.strip()
    code = fmt.read_code_span(text)
    if code is not None:
        return code
    return text if re.fullmatch(r"[^\s`]+", text) else None


def _cells(row: str) -> list[str]:
    row = row.strip()
    row = row.removeprefix("|")
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    cells = re.split(r"(?<!\\)\|", row)
    return [cell.strip().replace("\\|", "|") for cell in cells]
