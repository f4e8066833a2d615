"""The hostile round trip: whatever a user types into any field, the download imports back
as the same plan and exports the same text: export(import(export(plan))) == export(plan).

Text is drawn from the characters and line shapes that have broken exports before: fences
of any length, open or indented; lines that look like section or step headings; backticks,
pipes, backslashes and #s in one-line fields and table cells; line breaks in cells;
checkbox-like text; spec links with parentheses and brackets; log text that looks like the
"(@author)" the export appends, and owners of steps and tasks, "(@handle)" too. It holds
for documents, and for plans in the database.
"""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from plans.defaults import template_document
from plans.markdown import export_plan, import_plan
from plans.markdown import format as fmt
from plans.markdown.document import (
    CheckItem,
    LogRow,
    MetricRow,
    PhaseRow,
    StakeholderRow,
    StepData,
)
from plans.markdown.export import render_plan
from plans.markdown.import_ import parse_plan
from plans.models import OWNER_HANDLE, PhaseStatus
from plans.operations import create_plan
from tests.test_round_trip import minute

HOSTILE_CHARS = "ab #`~|\\*_[]()<>!-:x✅{}\t5"
one_line = st.text(HOSTILE_CHARS, min_size=1, max_size=25).map(str.strip).filter(bool)
cell = st.one_of(st.just(""), one_line)
# A table cell typed with a line break in it (the admin's text areas, a shell) is written
# on one line; after that first export it comes back as written.
table_cell = st.one_of(cell, st.tuples(one_line, one_line).map("\n".join))
# Step titles ending like a duration ("(5 minutes)"), which a title of a file's own gives.
TITLES = ["Wait for expiry (5 minutes)", "Run (2 h)", "x (3 nights)"]
SPEC_LINKS = [
    "spec.md", "https://en.wikipedia.org/wiki/Race_(computing)", "https://x.test/a?(b)=c",
    "./specs/(draft) spec.md", "<spec.md>", "spec.md)", "(spec.md", "[spec](spec.md)",
    "[](x)", "[a]b](c)",
]  # fmt: skip
# Owners: handles as people write them, and ones that look like the Markdown around them.
OWNERS = ["", "priya", "sam.k", "a@b.example", "x-y_z", "a#b", "`x`", "*bold*", "x\\"]
owner = st.one_of(
    st.sampled_from(OWNERS), st.text("abxy._-+#`*@()", min_size=1, max_size=8)
).filter(lambda handle: not handle or re.fullmatch(OWNER_HANDLE.regex, handle))
# Log text that looks like the "(@author)" the export appends, or like a table row.
LOG_TEXTS = ["done (@ana)", "(@x)", "x (@)", "a | b", "a (@b) (@c)", "ends with \\"]
HOSTILE_LINES = [
    "```", "````", "~~~", "    ```", "```py", "``` `x`", "~~~ a`b",
    "## Progress Log", "## Progress Log:", "##\tNotes", "# Title", "### Step 1: x",
    "## Task 2", "#### Step 3", "| a | b |", "|---|---|", "a | b", "--- | ---",
    "- [ ] task", "  - [x] nested", "1. [ ] numbered", "✅ done", "---", "\\## escaped",
    "\\```", "<!-- x", "**Timeline:** soon", "**Tasks:**", "> quote", "",
    "Progress Log", "Rollback", "Step 2: x", "===", "-", "  ---", "\\---", "----",
    "hard break  ", "tab\tinside", "\tindented", "trailing tab\t", "Wait (5 minutes)",
]  # fmt: skip
free_line = st.one_of(st.sampled_from(HOSTILE_LINES), one_line)
free_text = st.lists(free_line, max_size=8).map("\n".join).map(lambda t: t.strip("\n").rstrip())


@st.composite
def hostile_documents(draw):
    doc = template_document(now=draw(minute))
    doc.fix_name = draw(one_line)
    doc.issue_id = draw(cell)
    doc.author = draw(cell)
    doc.spec_title = draw(cell)
    doc.spec_link = draw(st.one_of(st.sampled_from(SPEC_LINKS), cell))
    for attr in ["default_branch", "reviewer", "test_command", "deploy_command"]:
        setattr(doc, attr, draw(cell))
    doc.notification_channel = draw(cell)
    doc.database_rollback = draw(cell)
    doc.rollback_command = draw(free_text)
    doc.overview = draw(free_text)
    doc.notes = draw(free_text)
    doc.revert_commit = draw(cell)
    doc.cache_keys = draw(cell)
    doc.rollback_language = draw(st.one_of(st.just("bash"), one_line))
    doc.prerequisites = draw(
        st.lists(st.builds(CheckItem, one_line, st.booleans(), st.integers(0, 2)), max_size=4)
    )
    doc.steps.append(
        StepData(
            title=draw(st.one_of(one_line, st.sampled_from(TITLES))),
            timeline=draw(cell),
            owner=draw(owner),
            due_at=draw(st.one_of(st.none(), minute)),
            files=draw(st.lists(one_line, max_size=3)),
            tasks=draw(
                st.lists(
                    st.builds(CheckItem, one_line, st.booleans(), st.just(0), owner),
                    max_size=3,
                )
            ),
            code_language=draw(cell),
            code=draw(free_text),
            test_commands=draw(free_text),
        )
    )
    doc.metrics = draw(st.lists(st.builds(MetricRow, one_line, table_cell, table_cell), max_size=2))
    doc.stakeholders = draw(
        st.lists(st.builds(StakeholderRow, one_line, table_cell, table_cell), max_size=2)
    )
    doc.phases = draw(
        st.lists(
            st.builds(
                PhaseRow, one_line, table_cell, table_cell, st.sampled_from(PhaseStatus.values)
            ),
            max_size=2,
        )
    )
    log_text = st.one_of(st.sampled_from(LOG_TEXTS), one_line)
    doc.log += draw(st.lists(st.builds(LogRow, minute, log_text, cell), max_size=3))
    doc.log.sort(key=lambda entry: entry.logged_at)
    return doc


@settings(max_examples=300, deadline=None)
@given(hostile_documents())
def test_whatever_is_typed_exports_to_a_document_that_comes_back_the_same(doc):
    text = render_plan(doc)

    again = render_plan(parse_plan(text).document)

    assert again == text


@pytest.mark.django_db
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_documents())
def test_whatever_is_stored_downloads_and_uploads_as_the_same_plan(doc):
    """Through the database as the app holds it: a plan created from the document exports
    a text that imports as a plan exporting the same text."""
    try:
        plan = create_plan(doc)
    except ValidationError:
        reject()  # a value the forms would refuse too (a {{PLACEHOLDER}} where none may be)
    text = export_plan(plan.pk)

    again, _warnings = import_plan(text)

    assert export_plan(again.pk) == text


@pytest.mark.parametrize(
    ("title", "link", "written"),
    [
        ("spec.md", "spec.md", "[spec.md](spec.md)"),
        ("Race", "https://w.org/Race_(computing)", "[Race](<https://w.org/Race_(computing)>)"),
        ("](", "](", "[\\](](<](>)"),
        ("a [draft]", "./specs/my spec.md", "[a \\[draft\\]](<./specs/my spec.md>)"),
        ("x", "<a\\b>", "[x](<\\<a\\\\b\\>>)"),
    ],
)
def test_a_spec_link_is_written_so_it_reads_back_exactly(title, link, written):
    assert fmt.spec_link(title, link) == written
    assert fmt.read_spec_link(written) == (title, link)


def test_a_spec_link_as_people_write_it_with_parentheses_in_the_url():
    text = "# X\n\n**Spec:** [Race](https://w.org/Race_(computing))\n\n## Steps\n\n- [ ] a\n"

    doc = parse_plan(text).document

    assert (doc.spec_title, doc.spec_link) == ("Race", "https://w.org/Race_(computing)")


def test_shapes_an_attack_found_come_back_the_same():
    doc = template_document(now=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC))
    doc.overview = "Line one  \nLine two\t"
    doc.spec_title, doc.spec_link = "", "[](x)"
    doc.steps = [
        StepData("Wait for cache expiry (5 minutes)", tasks=[CheckItem("Check\tcolumn\tvalues")]),
        StepData("Wait (2 h)", timeline="ASAP"),
    ]
    text = render_plan(doc)

    again = parse_plan(text).document

    assert render_plan(again) == text
    assert [(s.title, s.timeline) for s in again.steps] == [
        ("Wait for cache expiry (5 minutes)", ""),
        ("Wait (2 h)", "ASAP"),
    ]
    assert again.steps[0].tasks[0].text == "Check\tcolumn\tvalues"
    assert (again.spec_title, again.spec_link) == ("", "[](x)")
