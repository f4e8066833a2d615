"""Fix folders as teams keep them (docs/fixes/<ISSUE>-<NAME>/plan.md beside spec.md):
`import_plan DIR` imports each, keeps its spec.md byte for byte, shows it rendered behind
the plan's Spec link and gives it back unchanged; `export_all` writes such folders."""

import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from plans import limits
from plans.models import Plan, PlanSpec
from tests.conftest import CORPUS
from tests.factories import template_plan

pytestmark = pytest.mark.django_db

FOLDERS = CORPUS / "fix_folders"
STAMPEDE = FOLDERS / "INC-2107-session-cache-stampede"
REFUNDS = FOLDERS / "PAY-88-refund-double-post"


def imported(issue_id: str) -> Plan:
    return Plan.objects.get(issue_id=issue_id)


def test_a_folder_of_fix_folders_imports_each_with_its_spec_byte_for_byte(capsys):
    call_command("import_plan", str(FOLDERS))

    out = capsys.readouterr().out
    assert f"({STAMPEDE}, with its spec.md)" in out
    assert f"{FOLDERS / 'archive'}: no plan.md in it; skipped" in out
    stampede, refunds = imported("INC-2107"), imported("PAY-88")
    assert stampede.steps.count() == 2 and refunds.steps.count() == 1
    assert bytes(stampede.spec_file.data) == (STAMPEDE / "spec.md").read_bytes()
    # Windows-1252 with CRLF endings: kept as it came, not as FixTracker would write it.
    assert bytes(refunds.spec_file.data) == (REFUNDS / "spec.md").read_bytes()
    assert b"\r\n" in bytes(refunds.spec_file.data)


def test_one_fix_folder_imports_by_itself(tmp_path):
    folder = tmp_path / "OPS-9-disk-full"
    folder.mkdir()
    (folder / "plan.md").write_bytes((STAMPEDE / "plan.md").read_bytes())

    call_command("import_plan", str(folder))

    plan = Plan.objects.get()
    assert plan.issue_id == "INC-2107"
    assert not PlanSpec.objects.exists()  # no spec.md beside it, none kept


def test_a_folder_without_any_plan_is_refused_with_what_was_expected(tmp_path, capsys):
    (tmp_path / "notes.md").write_text("# Notes\n")

    with pytest.raises(CommandError, match="1 of 1 plan"):
        call_command("import_plan", str(tmp_path))

    assert "no plan.md in this folder or in any folder in it" in capsys.readouterr().err
    assert not Plan.objects.exists()


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (b"x" * (limits.SPEC_BYTES + 1), f"at most {limits.SPEC_BYTES} bytes"),
        (b"# Spec\n\nbinary\x00data\n", "line 3: contains a NUL byte"),
    ],
    ids=["too large", "not text"],
)
def test_a_spec_that_cannot_be_kept_refuses_its_folder_and_the_others_import(
    tmp_path, capsys, spec, reason
):
    shutil.copytree(FOLDERS, tmp_path, dirs_exist_ok=True)
    (tmp_path / REFUNDS.name / "spec.md").write_bytes(spec)

    with pytest.raises(CommandError, match="1 of 2 plan"):
        call_command("import_plan", str(tmp_path))

    err = capsys.readouterr().err
    assert f"{REFUNDS.name}: spec.md" in err and reason in err
    assert "nothing of this folder imported" in err
    assert list(Plan.objects.values_list("issue_id", flat=True)) == ["INC-2107"]


def test_a_dry_run_of_folders_names_the_spec_and_writes_nothing(capsys):
    call_command("import_plan", "--dry-run", str(FOLDERS))

    out = capsys.readouterr().out
    size = len((STAMPEDE / "spec.md").read_bytes())
    assert f"  spec.md: kept as it is ({size} bytes)" in out
    assert out.count("would create this plan (dry run)") == 2
    assert not Plan.objects.exists() and not PlanSpec.objects.exists()


def test_the_spec_link_opens_the_kept_spec_rendered(alice, django_assert_num_queries):
    call_command("import_plan", str(STAMPEDE))
    plan = imported("INC-2107")

    page = alice.get(f"/plans/{plan.pk}/")
    assert page.status_code == 200
    assert f'<a href="/plans/{plan.pk}/spec/">spec.md</a>' in page.content.decode()

    with django_assert_num_queries(4):  # session, user, plan, spec
        response = alice.get(f"/plans/{plan.pk}/spec/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Fix Specification: Session cache stampede after Redis failover</h1>" in html
    assert "<td>Added TTL jitter after review</td>" in html
    assert f'href="/plans/{plan.pk}/spec.md"' in html


def test_the_spec_downloads_as_it_came(alice):
    call_command("import_plan", str(REFUNDS))
    plan = imported("PAY-88")

    response = alice.get(f"/plans/{plan.pk}/spec.md")

    assert response.status_code == 200
    assert response.content == (REFUNDS / "spec.md").read_bytes()
    # Not UTF-8: no charset is claimed for bytes that are not changed.
    assert response["Content-Type"] == "text/markdown"
    assert (
        "PAY-88-Refunds-posted-twice-after-a-gateway-timeout-spec.md"
        in (response["Content-Disposition"])
    )
    page = alice.get(f"/plans/{plan.pk}/spec/")
    assert "Windows-1252" in page.content.decode()  # said, as the importer says it
    assert "the refund\u2019s id" in page.content.decode()


def test_a_spec_is_rendered_sanitised(alice, tmp_path):
    folder = tmp_path / "X-1-x"
    shutil.copytree(STAMPEDE, folder)
    (folder / "spec.md").write_text(
        "# Spec\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))\n"
        "<img src=x onerror=alert(3)>\n"
    )
    call_command("import_plan", str(folder))

    html = alice.get(f"/plans/{Plan.objects.get().pk}/spec/").content.decode()

    assert "<script>alert(1)" not in html and "javascript:alert" not in html
    assert "onerror" not in html


def test_a_plan_without_a_spec_says_so_and_has_no_download(alice):
    plan = template_plan()

    page = alice.get(f"/plans/{plan.pk}/spec/")
    assert page.status_code == 200
    assert "No spec file was imported with this plan." in page.content.decode()
    assert alice.get(f"/plans/{plan.pk}/spec.md").status_code == 404


def test_the_spec_needs_a_login(client):
    call_command("import_plan", str(STAMPEDE))
    plan = imported("INC-2107")

    for url in (f"/plans/{plan.pk}/spec/", f"/plans/{plan.pk}/spec.md"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_backup_keeps_specs_and_restores_them(tmp_path):
    call_command("import_plan", str(FOLDERS))
    before = {p.issue_id: bytes(p.spec_file.data) for p in Plan.objects.all()}

    call_command("export_all", str(tmp_path / "backup"))
    Plan.objects.all().delete()
    call_command("import_plan", str(tmp_path / "backup"))

    after = {p.issue_id: bytes(p.spec_file.data) for p in Plan.objects.all()}
    assert after == before
    assert after["PAY-88"] == (REFUNDS / "spec.md").read_bytes()
