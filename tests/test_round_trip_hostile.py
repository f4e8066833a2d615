"""The hostile round trip: whatever a user types into any field, the download imports back
as the same plan and exports the same text: export(import(export(plan))) == export(plan).

Text is drawn from the characters and line shapes that have broken exports before: fences
of any length, open or indented; lines that look like section or step headings; backticks,
pipes, backslashes and #s in one-line fields and table cells; checkbox-like text.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from plans.defaults import template_document
from plans.markdown.document import CheckItem, MetricRow, PhaseRow, StakeholderRow, StepData
from plans.markdown.export import render_plan
from plans.markdown.import_ import parse_plan
from plans.models import PhaseStatus
from tests.test_round_trip import minute

HOSTILE_CHARS = "ab #`~|\\*_[]()<>!-:x✅{}"
one_line = st.text(HOSTILE_CHARS, min_size=1, max_size=25).map(str.strip).filter(bool)
cell = st.one_of(st.just(""), one_line)
HOSTILE_LINES = [
    "```", "````", "~~~", "    ```", "```py", "``` `x`", "~~~ a`b",
    "## Progress Log", "## Progress Log:", "##\tNotes", "# Title", "### Step 1: x",
    "## Task 2", "#### Step 3", "| a | b |", "|---|---|", "a | b", "--- | ---",
    "- [ ] task", "  - [x] nested", "1. [ ] numbered", "✅ done", "---", "\\## escaped",
    "\\```", "<!-- x", "**Timeline:** soon", "**Tasks:**", "> quote", "",
]  # fmt: skip
free_line = st.one_of(st.sampled_from(HOSTILE_LINES), one_line)
free_text = st.lists(free_line, max_size=8).map("\n".join).map(lambda t: t.strip("\n").rstrip())


@st.composite
def hostile_documents(draw):
    doc = template_document(now=draw(minute))
    doc.fix_name = draw(one_line)
    doc.author = draw(cell)
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
            title=draw(one_line),
            timeline=draw(cell),
            files=draw(st.lists(one_line, max_size=3)),
            tasks=draw(st.lists(st.builds(CheckItem, one_line, st.booleans()), max_size=3)),
            code_language=draw(cell),
            code=draw(free_text),
        )
    )
    doc.metrics = draw(st.lists(st.builds(MetricRow, one_line, cell, cell), max_size=2))
    doc.stakeholders = draw(st.lists(st.builds(StakeholderRow, one_line, cell, cell), max_size=2))
    doc.phases = draw(
        st.lists(
            st.builds(PhaseRow, one_line, cell, cell, st.sampled_from(PhaseStatus.values)),
            max_size=2,
        )
    )
    return doc


@settings(max_examples=300, deadline=None)
@given(hostile_documents())
def test_whatever_is_typed_exports_to_a_document_that_comes_back_the_same(doc):
    text = render_plan(doc)

    again = render_plan(parse_plan(text).document)

    assert again == text
