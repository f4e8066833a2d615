"""Files made to hurt the importer, the exporter or the server: each is read in bounded
time and memory, refused with a reason, or kept; none is a server error."""

import contextlib
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from plans import limits
from plans.markdown import PlanFormatError, export_plan, parse_plan
from plans.models import Plan, PlanSpec
from tests.conftest import CORPUS, upload_and_import
from tests.factories import template_plan

STAMPEDE = CORPUS / "fix_folders" / "INC-2107-session-cache-stampede"


def cpu_seconds(text: str) -> float:
    """How long reading `text` takes, whether it is read or refused.

    A short piece of it is read first: the first read of a shape pays for compiling its
    patterns (half a second here, more on a loaded machine), which is not what is measured.
    """
    with contextlib.suppress(PlanFormatError):
        parse_plan(text[:100])
    start = time.process_time()
    with contextlib.suppress(PlanFormatError):  # too long for a field: refused, once read
        parse_plan(text)
    return time.process_time() - start


@pytest.mark.parametrize(
    "closer",
    ["\t\t\t\t```", "\u00a0\u00a0\u00a0\u00a0```", "    ```", "```\t"],
    ids=["tabs", "no-break spaces", "four spaces", "trailing tab"],
)
def test_a_line_that_almost_closes_a_fence_is_read(closer):
    text = f"# X\n\n## Overview\n\n```\ncode\n{closer}\n\n## Steps\n\n- [ ] a\n"

    doc = parse_plan(text).document  # was an IndexError: a 500 and a stopped import_plan

    assert [t.text for s in doc.steps for t in s.tasks] == ["a"]
    assert "code" in doc.overview


@pytest.mark.django_db
def test_an_overview_that_almost_closes_a_fence_still_downloads(alice):
    plan = template_plan()
    Plan.objects.filter(pk=plan.pk).update(overview="```\ncode\n\t\t\t\t```")

    response = alice.get(f"/plans/{plan.pk}/export.md")

    assert response.status_code == 200
    assert "code" in export_plan(plan.pk)


@pytest.mark.parametrize(
    "line",
    [
        "## a" + " " * 20_000 + "x",  # cubic in a heading pattern: hours
        "- " + "`" * 20_000 + "a",  # cubic in a code-span pattern: minutes
    ],
    ids=["heading of spaces", "run of backticks"],
)
def test_long_lines_are_read_in_bounded_time(line):
    text = f"# X\n\n## Steps\n\n### Step 1: a\n\n**Files:**\n{line}\n\n- [ ] b\n"

    # Bounded, not fast: the patterns these lines hurt took minutes and hours. The bound
    # leaves room for a slow machine, where the read took most of a second.
    assert cpu_seconds(text) < 2


def test_many_continuation_lines_are_read_in_linear_time():
    text = "# X\n\n## Steps\n\n- [ ] a\n" + "  more words\n" * 200_000

    assert cpu_seconds(text) < 10


def test_a_file_of_lone_carriage_returns_is_counted_as_lines():
    text = "# X\n" + "\r" * (limits.MAX_IMPORT_LINES + 1)

    with pytest.raises(PlanFormatError, match=f"over {limits.MAX_IMPORT_LINES} lines"):
        parse_plan(text)


@pytest.mark.django_db
def test_a_symbolic_link_in_a_fix_folder_is_not_followed(tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n")
    folder = tmp_path / "docs" / "INC-1-x"
    folder.mkdir(parents=True)
    (folder / "plan.md").write_bytes((STAMPEDE / "plan.md").read_bytes())
    (folder / "spec.md").symlink_to(secret)
    (tmp_path / "docs" / "INC-2-linked").symlink_to(STAMPEDE)

    with pytest.raises(CommandError, match="1 of 1 plan"):
        call_command("import_plan", str(tmp_path / "docs"))

    out, err = capsys.readouterr()
    assert "spec.md is a symbolic link; only files in the folder are read" in err
    assert "INC-2-linked: a symbolic link; not followed; skipped" in out
    assert not Plan.objects.exists() and not PlanSpec.objects.exists()


@pytest.mark.django_db
def test_a_folder_name_cannot_drive_the_terminal(tmp_path, capsys):
    (tmp_path / "evil\x1b]0;TITLE\x07").mkdir()

    with pytest.raises(CommandError):
        call_command("import_plan", str(tmp_path))

    out = capsys.readouterr().out
    assert "\x1b" not in out and "evil\ufffd]0;TITLE\ufffd" in out


@pytest.mark.django_db(transaction=True)
def test_import_pressed_twice_creates_one_plan(alice):
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploaded = alice.post(
        "/plans/import/",
        {"file": SimpleUploadedFile("plan.md", (STAMPEDE / "plan.md").read_bytes())},
    )
    first = alice.post(uploaded["Location"])
    second = alice.post(uploaded["Location"], follow=True)

    assert first.status_code == 302 and second.status_code == 200
    assert Plan.objects.count() == 1
    assert upload_and_import(alice, b"# X\n\n- [ ] a\n").status_code == 302


def test_a_value_met_twice_keeps_both():
    text = (
        "# X\n\n**Issue:** ABC-1\n**Issue:** ABC-2\n**Priority:** P0 | customer facing outage\n\n"
        "## Steps\n\n- [ ] a\n\n"
        "## Verification\n\n### Success Criteria\n\n- [ ] alphaone\n\n"
        "## Acceptance Criteria\n\n- [ ] betatwo\n\n"
        "## Rollback\n\n```bash\nfirstcommand\n```\n\n"
        "**Rollback command:**\n\n```bash\nsecond\n```\n"
    )
    result = parse_plan(text)
    doc = result.document

    assert (doc.issue_id, doc.priority) == ("ABC-1", "P0")
    assert "**Issue:** ABC-2" in doc.notes and "customer facing outage" in doc.notes
    assert [item.text for item in doc.success_criteria] == ["alphaone", "betatwo"]
    assert doc.rollback_command == "second" and "firstcommand" in doc.notes
    assert result.lines[4] == "Notes"  # the second Issue line, said to be where it is


@pytest.mark.parametrize(
    "text",
    [
        "# T\n\n## Random Heading\n\n### Post-Mortem\n\n- [ ] x\n",
        "Random Heading\n---\n\n### Deploy\n\n- [ ] x\n",
    ],
    ids=["atx", "setext"],
)
def test_a_heading_of_its_own_over_step_headings_is_kept(text):
    result = parse_plan(text)

    assert "Random Heading" in result.document.notes
    assert [t.text for s in result.document.steps for t in s.tasks] == ["x"]


def test_a_table_header_of_many_cells_is_read_in_linear_time():
    assert cpu_seconds("# T\n\n## Timeline\n\n" + "|" * 40_000 + "\n") < 1


def test_an_underlined_heading_kept_in_notes_keeps_its_shape():
    doc = parse_plan("# T\n\n## Steps\n\n- [ ] a\n\nWhy\n---\n\nBecause.\n").document

    assert "**Why\n---:**" not in doc.notes and "Why\n---" in doc.notes
