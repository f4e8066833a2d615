"""The importer meets hostile files: it makes a plan or says which line is wrong, nothing else.

Random text and mutations of real plans (lines deleted, sections swapped, tables broken,
huge cells, NUL bytes, control characters). Either a plan is created, whole, or
`PlanFormatError` names a line, and nothing is written. Never another exception.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plans.markdown import PlanFormatError, import_plan
from plans.models import Plan
from tests.conftest import CORPUS, GOLDEN

pytestmark = pytest.mark.django_db

SOURCES = [
    (GOLDEN / "filled-plan.md").read_text(encoding="utf-8"),
    (GOLDEN / "fix-plan-template.md").read_text(encoding="utf-8"),
    (CORPUS / "compact-no-blank-lines.md").read_text(encoding="utf-8"),
]
NASTY = ["\x00", "\x07", "\u202e", "|", "```", "- [x]", "## ", "\r", "\ufeff", "{{X}}", "x" * 5000]

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def import_or_refuse(text: str) -> None:
    before = Plan.objects.count()
    try:
        plan, _warnings = import_plan(text)
    except PlanFormatError as error:
        assert str(error).startswith("line "), str(error)
        assert Plan.objects.count() == before
    else:
        assert Plan.objects.count() == before + 1
        # A plan that imported exports and imports again.
        from plans.markdown import export_plan

        import_plan(export_plan(plan.pk))


@st.composite
def mutated_plans(draw):
    lines = draw(st.sampled_from(SOURCES)).split("\n")
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "swap", "duplicate", "insert", "break_table"]))
        if action == "delete":
            del lines[i]
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "insert":
            position = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:position] + draw(st.sampled_from(NASTY)) + lines[i][position:]
        else:
            lines[i] = lines[i].replace("|", draw(st.sampled_from(["", "||", " | x |"])))
    return "\n".join(lines)


@FUZZ
@given(text=st.text(max_size=2000))
def test_random_text(text):
    import_or_refuse(text)


@FUZZ
@given(text=mutated_plans())
def test_mutated_plans(text):
    import_or_refuse(text)


@FUZZ
@given(section=st.sampled_from(["Overview", "Notes"]), cell=st.text(min_size=1, max_size=50))
def test_huge_and_strange_values_in_a_real_plan(section, cell):
    text = SOURCES[0].replace("Sessions issued", cell * 2000, 1)
    import_or_refuse(text)


def test_swapped_sections():
    head, *sections = SOURCES[0].split("\n## ")
    sections[1], sections[4] = sections[4], sections[1]
    import_or_refuse("\n## ".join([head, *sections]))
