"""`manage.py sync_fixes`: plans and fix folders in real temporary git repositories."""

import hashlib
import io
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from plans import operations
from plans.defaults import create_plan_from_template
from plans.markdown import export_plan
from plans.models import FixFolder, Plan, PlanSpec
from tests.conftest import GOLDEN

pytestmark = pytest.mark.django_db

FILLED = (GOLDEN / "filled-plan.md").read_text(encoding="utf-8")
DEMO = (Path(__file__).resolve().parent.parent / "plans" / "demo" / "demo-plan.md").read_text(
    encoding="utf-8"
)


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return result.stdout


def commit_all(repo: Path, message: str = "plan") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", message)


def folder(fixes: Path, name: str, text: str, spec: bytes | None = None) -> Path:
    path = fixes / name
    path.mkdir(exist_ok=True)
    (path / "plan.md").write_bytes(text.encode() if isinstance(text, str) else text)
    if spec is not None:
        (path / "spec.md").write_bytes(spec)
    return path


def sync(directory: Path, *args: str) -> tuple[bool, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("sync_fixes", str(directory), *args, stdout=out, stderr=err)
    except CommandError as error:
        return False, out.getvalue(), err.getvalue() + str(error)
    return True, out.getvalue(), err.getvalue()


def commits(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD"))


def test_a_new_folder_becomes_a_plan_linked_to_it(repo, fixes):
    folder(fixes, "INC-2041-checkout-timeouts", DEMO, spec=b"# Spec\n")

    ok, out, _ = sync(fixes)

    assert ok, out
    assert "INC-2041-checkout-timeouts: created" in out
    plan = Plan.objects.get()
    assert plan.issue_id == "INC-2041"
    assert bytes(PlanSpec.objects.get(plan=plan).data) == b"# Spec\n"
    link = FixFolder.objects.get()
    # The repository (no remote here: its path) and the folder's place in it.
    tree = f"{repo.resolve()} docs/fixes"
    assert (link.name, link.tree, link.plan_id) == ("INC-2041-checkout-timeouts", tree, plan.pk)


def test_a_second_run_with_no_changes_writes_and_commits_nothing(repo, fixes):
    folder(fixes, "INC-2041-checkout", DEMO)
    commit_all(repo)
    assert sync(fixes, "--commit")[0]
    before = {p: p.stat().st_mtime_ns for p in fixes.rglob("*")}
    count, version = commits(repo), Plan.objects.get().version

    ok, out, _ = sync(fixes, "--commit")

    assert ok and "0 changed, 1 in sync" in out
    assert {p: p.stat().st_mtime_ns for p in fixes.rglob("*")} == before
    assert commits(repo) == count and Plan.objects.get().version == version
    assert git(repo, "status", "--porcelain") == ""


def test_a_plan_md_changed_in_the_folder_updates_its_plan(fixes):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    plan = Plan.objects.get()
    edited = DEMO.replace("**Status:** In Progress", "**Status:** In Review").replace(
        "- [ ] ", "- [x] ", 1
    )
    (path / "plan.md").write_text(edited)

    ok, out, _ = sync(fixes)

    assert ok and "INC-2041-checkout: updated from the file" in out
    plan.refresh_from_db()
    assert plan.status == "in_review" and plan.boxes_done >= 1
    assert plan.history.filter(kind="imported", place="Fix folder").exists()
    assert sync(fixes)[1].count("in sync") == 1  # and then in step: nothing more


def test_a_plan_changed_in_the_app_rewrites_its_plan_md(repo, fixes, engineer):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    commit_all(repo)
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="Canary at 5%", user=engineer)

    ok, out, _ = sync(fixes, "--commit")

    assert ok and "INC-2041-checkout: written from the app" in out
    assert (path / "plan.md").read_text() == export_plan(plan.pk)
    assert "Canary at 5%" in (path / "plan.md").read_text()
    message = git(repo, "log", "-1", "--format=%B")
    assert "INC-2041" in message and "changed by alice" in message
    assert git(repo, "status", "--porcelain") == ""
    assert not (path / "spec.md").exists()  # no spec here: none written


def test_crlf_files_stay_crlf(fixes, engineer):
    path = folder(fixes, "INC-2041-checkout", DEMO.replace("\n", "\r\n").encode())
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="From the app", user=engineer)

    assert sync(fixes)[0]

    data = (path / "plan.md").read_bytes()
    assert b"From the app" in data
    assert data.count(b"\r\n") == data.count(b"\n")


def test_changed_on_both_sides_is_a_conflict_that_overwrites_neither(fixes, engineer):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="App side", user=engineer)
    file_side = DEMO.replace("**Status:** In Progress", "**Status:** In Review")
    (path / "plan.md").write_text(file_side)
    version = Plan.objects.get().version

    ok, _, err = sync(fixes)

    assert not ok
    assert "INC-2041-checkout: conflict" in err
    assert "-**Status:** In Progress" in err and "+**Status:** In Review" in err
    assert "App side" in err  # the app's side of the diff
    assert (path / "plan.md").read_text() == file_side
    assert Plan.objects.get().version == version and Plan.objects.get().status == "in_progress"
    assert FixFolder.objects.get().conflict_text == file_side
    assert not sync(fixes)[0]  # still a conflict, until someone chooses


def test_the_same_change_on_both_sides_is_no_conflict(fixes, engineer):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="Both", user=engineer)
    (path / "plan.md").write_text(export_plan(plan.pk))

    ok, out, _ = sync(fixes)

    assert ok and "same on both sides" in out
    assert sync(fixes)[1].count("in sync") == 1


def test_a_file_that_fails_to_import_is_reported_and_the_rest_sync(fixes):
    folder(fixes, "INC-1-broken", b"\x89PNG\r\n\x1a\nnot a plan")
    folder(fixes, "INC-2041-checkout", DEMO)

    ok, out, err = sync(fixes)

    assert not ok
    assert "INC-1-broken: failed: line 1:" in err
    assert "INC-2041-checkout: created" in out
    assert Plan.objects.count() == 1


def test_a_dirty_file_the_sync_would_write_refuses_the_commit(repo, fixes, engineer):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    commit_all(repo)
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="App side", user=engineer)
    # Someone's edit, not committed, in conflict with the app; the app's side is chosen.
    edited = DEMO.replace("**Status:** In Progress", "**Status:** In Review")
    (path / "plan.md").write_text(edited)

    ok, _, err = sync(fixes, "--take-app", "INC-2041-checkout", "--commit")

    assert not ok
    assert "not committed" in err and str(path / "plan.md") in err
    assert (path / "plan.md").read_text() == edited  # nothing was written
    assert commits(repo) == 2


def test_its_own_uncommitted_write_is_committed_with_the_next(repo, fixes, engineer):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    commit_all(repo)
    sync(fixes)
    plan = Plan.objects.get()
    # A sync without --commit wrote the file; nobody committed it.
    operations.add_log_entry(plan.pk, update="First", user=engineer)
    assert sync(fixes)[0]
    operations.add_log_entry(plan.pk, update="Second", user=engineer)

    ok, _, err = sync(fixes, "--commit")

    assert ok, err
    text = (path / "plan.md").read_text()
    assert "First" in text and "Second" in text
    assert git(repo, "status", "--porcelain") == "" and commits(repo) == 3


def test_a_deleted_folder_archives_its_plan(repo, fixes):
    folder(fixes, "INC-2041-checkout", DEMO)
    folder(fixes, "INC-7-filled", FILLED)
    sync(fixes)
    import shutil

    shutil.rmtree(fixes / "INC-7-filled")

    ok, out, _ = sync(fixes)

    assert ok and "INC-7-filled: archived" in out
    archived = Plan.objects.get(fix_folder__name="INC-7-filled")
    assert archived.archived_at is not None  # kept, never deleted
    assert Plan.objects.count() == 2
    assert "archived" not in sync(fixes)[1]  # once


def test_a_renamed_folder_is_followed(repo, fixes, engineer):
    folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    plan = Plan.objects.get()
    (fixes / "INC-2041-checkout").rename(fixes / "INC-2041-checkout-timeouts")

    ok, out, _ = sync(fixes)

    assert ok and "INC-2041-checkout-timeouts: renamed" in out
    assert Plan.objects.get().pk == plan.pk and Plan.objects.count() == 1
    assert FixFolder.objects.get().name == "INC-2041-checkout-timeouts"
    assert plan.history.filter(field="Folder", after="INC-2041-checkout-timeouts").exists()


def test_create_folders_gives_app_plans_a_folder(repo, fixes):
    plan = create_plan_from_template(fix_name="Retry storm", issue_id="inc-9")
    PlanSpec.objects.create(plan=plan, data=b"# Spec\n")

    ok, out, _ = sync(fixes, "--create-folders", "--commit")

    assert ok and "INC-9-retry-storm: folder created" in out
    path = fixes / "INC-9-retry-storm"
    assert (path / "plan.md").read_text() == export_plan(plan.pk)
    assert (path / "spec.md").read_bytes() == b"# Spec\n"
    assert "- inc-9: Retry storm" in git(repo, "log", "-1", "--format=%B")
    assert sync(fixes, "--create-folders")[1].count("in sync") == 1


def test_one_fix_folder_can_be_synced_alone(fixes):
    path = folder(fixes, "INC-2041-checkout", DEMO)

    assert sync(path)[0]

    assert FixFolder.objects.get().name == "INC-2041-checkout"


def test_two_runs_at_once_cannot_interleave(fixes):
    from plans.sync import locked

    folder(fixes, "INC-2041-checkout", DEMO)
    with locked(fixes):
        ok, _, err = sync(fixes)

    assert not ok and "another sync_fixes is running" in err
    assert not Plan.objects.exists()


@pytest.mark.parametrize("side", ["file", "app"])
def test_a_conflict_is_resolved_by_taking_a_side(fixes, engineer, side):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="App side", user=engineer)
    file_side = DEMO.replace("**Status:** In Progress", "**Status:** In Review")
    (path / "plan.md").write_text(file_side)
    assert not sync(fixes)[0]

    ok, out, _ = sync(fixes, f"--take-{side}", "INC-2041-checkout")

    assert ok, out
    plan.refresh_from_db()
    if side == "file":
        assert "updated from the file" in out and plan.status == "in_review"
        assert (path / "plan.md").read_text() == file_side
    else:
        assert "written from the app" in out and plan.status == "in_progress"
        assert "App side" in (path / "plan.md").read_text()
    assert FixFolder.objects.get().conflict_text == ""
    assert sync(fixes)[1].count("in sync") == 1


def test_a_change_undone_in_the_app_writes_and_commits_nothing(repo, fixes, engineer):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    commit_all(repo)
    sync(fixes, "--commit")
    plan = Plan.objects.get()
    # Once written by the app, the file is in the download's own form.
    operations.add_log_entry(plan.pk, update="Canary", user=engineer)
    assert sync(fixes, "--commit")[0]
    written = (path / "plan.md").stat().st_mtime_ns
    count = commits(repo)
    item = plan.checklist_items.first()
    for done in (not item.done, item.done):
        operations.set_item_done(plan.pk, item.kind, item.pk, done=done, user=engineer)

    ok, out, _ = sync(fixes, "--commit")

    assert ok, out
    assert (path / "plan.md").stat().st_mtime_ns == written
    assert commits(repo) == count
    assert sync(fixes)[1].count("in sync") == 1


def conflict(fixes, engineer) -> tuple[Path, Plan, str]:
    path = folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="App side", user=engineer)
    file_side = DEMO.replace("**Status:** In Progress", "**Status:** In Review")
    (path / "plan.md").write_text(file_side)
    assert not sync(fixes)[0]
    return path, plan, file_side


def test_the_plan_page_shows_its_folder_and_state(alice, fixes, engineer):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    plan = Plan.objects.get()

    page = alice.get(f"/plans/{plan.pk}/").text
    assert "docs/fixes/INC-2041-checkout" in page and "In sync" in page
    operations.add_log_entry(plan.pk, update="Here", user=engineer)
    assert "Changed here" in alice.get(f"/plans/{plan.pk}/").text
    (path / "plan.md").write_text(DEMO.replace("Progress", "Progresss"))
    sync(fixes)
    page = alice.get(f"/plans/{plan.pk}/").text
    assert "Conflict" in page and "Take the file's version" in page


@pytest.mark.parametrize("side", ["file", "app"])
def test_an_engineer_ends_a_conflict_on_the_plan_page(alice, fixes, engineer, side):
    path, plan, file_side = conflict(fixes, engineer)

    asked = alice.post(f"/plans/{plan.pk}/fix-folder/resolve/", {"take": side})
    assert asked.status_code == 200 and b"confirm" in asked.content
    done = alice.post(
        f"/plans/{plan.pk}/fix-folder/resolve/", {"take": side, "confirm": "yes"}, follow=True
    )

    assert done.status_code == 200 and "Conflict ended" in done.text
    plan.refresh_from_db()
    assert plan.status == ("in_review" if side == "file" else "in_progress")
    ok, out, _ = sync(fixes)
    assert ok, out
    if side == "file":
        assert "0 changed" in out and (path / "plan.md").read_text() == file_side
    else:
        assert "written from the app" in out and "App side" in (path / "plan.md").read_text()
    assert sync(fixes)[1].count("in sync") == 1


def test_ending_a_conflict_that_is_gone_or_with_no_side_says_so(alice, bob, fixes, engineer):
    _path, plan, _ = conflict(fixes, engineer)
    url = f"/plans/{plan.pk}/fix-folder/resolve/"

    assert alice.post(url, {"take": "both", "confirm": "yes"}).status_code == 400
    assert bob.post(url, {"take": "app", "confirm": "yes"}).status_code == 403
    alice.post(url, {"take": "app", "confirm": "yes"})
    again = alice.post(url, {"take": "file", "confirm": "yes"}, follow=True)
    assert "There is no conflict to end" in again.text
    assert Plan.objects.get().status == "in_progress"


def test_archived_plans_leave_the_dashboard_for_their_own_filter(alice, fixes):
    folder(fixes, "INC-2041-checkout", DEMO)
    folder(fixes, "INC-7-filled", FILLED)
    sync(fixes)
    plan = Plan.objects.get(fix_folder__name="INC-2041-checkout")
    import shutil

    shutil.rmtree(fixes / "INC-2041-checkout")
    sync(fixes)

    assert plan.fix_name not in alice.get("/").text
    archived = alice.get("/?show=archived")
    assert archived.status_code == 200 and plan.fix_name in archived.text
    page = alice.get(f"/plans/{plan.pk}/").text
    assert "Archived" in page and "gone from the repository" in page


def test_a_dry_run_says_what_it_would_do_and_does_nothing(fixes, engineer):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="Not yet written", user=engineer)
    folder(fixes, "INC-7-filled", FILLED)

    ok, out, _ = sync(fixes, "--dry-run")

    assert ok
    assert "INC-2041-checkout: would be written from the app" in out
    assert "INC-7-filled: would be created" in out and "Dry run" in out
    assert "Not yet written" not in (path / "plan.md").read_text()
    assert Plan.objects.count() == 1


def test_a_run_from_another_machine_is_refused_on_postgresql(fixes):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the database's own lock is PostgreSQL's")
    import psycopg

    folder(fixes, "INC-2041-checkout", DEMO)
    database = connection.settings_dict
    # Another machine's run: the same tree (docs/fixes), another connection, holding it.
    other = psycopg.connect(
        dbname=database["NAME"],
        user=database["USER"],
        host=database["HOST"],
        port=database["PORT"] or 5432,
        autocommit=True,
    )
    from plans.sync import tree_of

    tree = tree_of(fixes)
    key = int(hashlib.sha256(f"fixtracker-sync {tree}".encode()).hexdigest()[:15], 16)
    other.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        ok, _, err = sync(fixes)
    finally:
        other.close()

    assert not ok and "from another machine" in err
    assert not Plan.objects.exists()


def test_folders_with_spaces_and_accents_commit(repo, fixes, engineer):
    path = folder(fixes, "INC 9 café — retry", DEMO)
    commit_all(repo)
    sync(fixes)
    operations.add_log_entry(Plan.objects.get().pk, update="Spaced", user=engineer)

    ok, _, err = sync(fixes, "--commit")

    assert ok, err
    assert "Spaced" in (path / "plan.md").read_text()
    assert git(repo, "status", "--porcelain") == ""
    assert "Spaced" in git(repo, "show", "HEAD")
