"""What an attack on `sync_fixes` tried, each kept as a test: the problems it found (each
failed before its fix) and the attacks that held."""

import os
import shutil
import signal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans import operations
from plans import sync as sync_module
from plans.markdown import export_plan
from plans.models import FixFolder, Plan, PlanSpec
from tests.test_sync_fixes import DEMO, FILLED, commit_all, commits, folder, git, sync

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- git / --commit


def test_relative_directory_commit_commits(repo, fixes, engineer, monkeypatch):
    """The docs' own form: `sync_fixes docs/fixes --commit` from the repository's root."""
    path = folder(fixes, "INC-2041-checkout", DEMO)
    commit_all(repo)
    monkeypatch.chdir(repo)
    assert sync("docs/fixes")[0]
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="Canary", user=engineer)
    count = commits(repo)

    ok, out, err = sync("docs/fixes", "--commit")

    assert ok, err
    assert "Canary" in (path / "plan.md").read_text()
    assert commits(repo) == count + 1, (out, git(repo, "status", "--porcelain"))


def test_relative_directory_commit_refuses_dirty(repo, fixes, engineer, monkeypatch):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    commit_all(repo)
    monkeypatch.chdir(repo)
    sync("docs/fixes")
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="Canary", user=engineer)
    (path / "plan.md").write_text(DEMO + "\nSomeone's uncommitted line\n")

    ok, out, err = sync("docs/fixes", "--take-app", "INC-2041-checkout", "--commit")

    assert not ok and "not committed" in err, (out, err)
    assert "Someone's uncommitted line" in (path / "plan.md").read_text()


@pytest.mark.parametrize("name", ["INC-2041 checkout", "INC-2041-café", 'INC-2041-"q"'])
def test_commit_of_folder_with_quoted_name(repo, fixes, engineer, name):
    folder(fixes, name, DEMO)
    commit_all(repo)
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="Canary", user=engineer)
    count = commits(repo)

    ok, _out, err = sync(fixes, "--commit")

    assert ok, err
    assert commits(repo) == count + 1
    assert git(repo, "status", "--porcelain") == ""


def test_dirty_check_with_quoted_name(repo, fixes, engineer):
    name = "INC-2041 checkout"
    path = folder(fixes, name, DEMO)
    commit_all(repo)
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="First", user=engineer)
    (path / "plan.md").write_text(DEMO + "\nSomeone's uncommitted line\n")
    ok, _out, err = sync(fixes, "--take-app", name, "--commit")
    assert not ok and "not committed" in err
    assert str(path / "plan.md") in err, err


def test_failing_hook_is_reported_not_a_traceback(repo, fixes, engineer):
    folder(fixes, "INC-2041-checkout", DEMO)
    commit_all(repo)
    sync(fixes)
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho no >&2\nexit 1\n")
    hook.chmod(0o755)
    operations.add_log_entry(Plan.objects.get().pk, update="Canary", user=engineer)

    ok, _out, err = sync(fixes, "--commit")

    assert not ok and "git failed" in err and "not committed" in err


def test_other_staged_changes_are_not_committed(repo, fixes, engineer):
    folder(fixes, "INC-2041-checkout", DEMO)
    commit_all(repo)
    sync(fixes)
    (repo / "README.md").write_text("# staged\n")
    git(repo, "add", "README.md")
    operations.add_log_entry(Plan.objects.get().pk, update="Canary", user=engineer)

    assert sync(fixes, "--commit")[0]

    assert "README.md" not in git(repo, "show", "--stat", "HEAD")
    assert git(repo, "status", "--porcelain").startswith("M  README.md")


def test_commit_with_no_commits_yet(tmp_path):
    repo = tmp_path / "r"
    (repo / "fixes").mkdir(parents=True)
    git(repo, "init", "--quiet")
    from plans.defaults import create_plan_from_template

    create_plan_from_template(fix_name="Retry storm", issue_id="INC-9")
    ok, _out, err = sync(
        repo / "fixes",
        "--create-folders",
        "--commit",
    )
    assert ok, err
    assert "FixTracker" in git(repo, "log", "-1", "--format=%B")


def test_commit_detached_head(repo, fixes, engineer):
    folder(fixes, "INC-2041-checkout", DEMO)
    commit_all(repo)
    git(repo, "checkout", "--quiet", "--detach")
    sync(fixes)
    operations.add_log_entry(Plan.objects.get().pk, update="Canary", user=engineer)
    ok, _out, err = sync(fixes, "--commit")
    assert ok, err


# ---------------------------------------------------------------- robustness


@pytest.mark.parametrize("bad", [b"\x89PNG\r\n\x1a\nimage", b"# Plan\n\x00\n"])
def test_unreadable_file_in_conflict_is_reported(fixes, engineer, bad):
    """App changed, and the file became something that is not text: a report, not a crash."""
    path = folder(fixes, "INC-2041-checkout", DEMO)
    folder(fixes, "INC-7-filled", FILLED)
    sync(fixes)
    plan = Plan.objects.get(issue_id="INC-2041")
    operations.add_log_entry(plan.pk, update="App side", user=engineer)
    (path / "plan.md").write_bytes(bad)
    (fixes / "INC-7-filled" / "plan.md").write_text(FILLED.replace("- [ ]", "- [x]", 1))

    ok, out, err = sync(fixes)  # raises PlanFormatError out of Sync.plan?

    assert not ok and "INC-2041-checkout: failed" in err
    assert "INC-7-filled: updated from the file" in out


def test_a_broken_file_reverted_is_in_sync_again(fixes):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    (path / "plan.md").write_bytes(b"\x89PNG\r\n\x1a\nnope")
    assert not sync(fixes)[0]
    (path / "plan.md").write_text(DEMO)  # git checkout: back to the synced text

    ok, _out, err = sync(fixes)

    assert ok, err


def test_fifo_plan_md_does_not_hang(fixes):
    path = fixes / "INC-1-fifo"
    path.mkdir()
    os.mkfifo(path / "plan.md")

    def boom(*_):
        raise TimeoutError("sync hung on a FIFO")

    before = signal.signal(signal.SIGALRM, boom)
    signal.alarm(5)
    try:
        ok, _out, err = sync(fixes)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
    assert not ok and "plan.md is not a regular file" in err


def test_create_folders_with_an_existing_directory(repo, fixes):
    from plans.defaults import create_plan_from_template

    create_plan_from_template(fix_name="Retry storm", issue_id="INC-9")
    (fixes / "INC-9-retry-storm").mkdir()
    (fixes / "INC-9-retry-storm" / "notes.txt").write_text("x")

    ok, _out, err = sync(fixes, "--create-folders")

    assert ok, err


# ---------------------------------------------------------------- data loss

DEMO_B = DEMO.replace(
    "# Fix Implementation Plan: Checkout times out when the payment provider is slow",
    "# Fix Implementation Plan: Database failover leaves checkout read-only",
)


def test_same_folder_name_in_two_trees_are_two_plans(repo, fixes):
    other = repo / "services" / "billing" / "fixes"
    other.mkdir(parents=True)
    folder(fixes, "INC-2041-checkout", DEMO)
    folder(other, "INC-2041-checkout", FILLED)
    assert sync(fixes)[0]
    first = Plan.objects.get()
    text = export_plan(first.pk)

    _ok, _out, _err = sync(other)

    first.refresh_from_db()
    assert export_plan(first.pk) == text, "plan of docs/fixes replaced by services/billing/fixes"


def test_reused_issue_id_does_not_overwrite_an_archived_plan(fixes):
    folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    old = Plan.objects.get()
    shutil.rmtree(fixes / "INC-2041-checkout")
    sync(fixes)  # archived
    folder(fixes, "INC-2041-db-failover", DEMO_B)  # another fix for the same incident

    _ok, _out, _err = sync(fixes)

    old.refresh_from_db()
    assert "Checkout times out" in old.fix_name, old.fix_name


def test_deleted_and_new_folder_same_issue_same_run(fixes):
    folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    old = Plan.objects.get()
    shutil.rmtree(fixes / "INC-2041-checkout")
    folder(fixes, "INC-2041-db-failover", DEMO_B)

    _ok, _out, _err = sync(fixes)

    old.refresh_from_db()
    assert Plan.objects.count() == 2 or "Checkout times out" in old.fix_name


def test_same_on_both_sides_keeps_the_files_spec(fixes, engineer):
    path = folder(fixes, "INC-2041-checkout", DEMO, spec=b"# Spec v1\n")
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="Both", user=engineer)
    (path / "plan.md").write_text(export_plan(plan.pk))
    (path / "spec.md").write_bytes(b"# Spec v2: root cause is the pool\n")

    _ok, out, _err = sync(fixes)

    app_spec = bytes(PlanSpec.objects.get(plan=plan).data)
    link = FixFolder.objects.get()
    assert app_spec == (path / "spec.md").read_bytes() or link.conflict_text, (app_spec, out)


def test_spec_deleted_in_the_file_stays_deleted(fixes, engineer):
    path = folder(fixes, "INC-2041-checkout", DEMO, spec=b"# Spec\n")
    sync(fixes)
    (path / "spec.md").unlink()
    assert sync(fixes)[0]
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="later", user=engineer)
    assert sync(fixes)[0]
    assert not (path / "spec.md").exists(), "spec.md deleted in the repo came back"


def test_app_edit_between_plan_and_apply_is_not_lost(fixes, engineer, monkeypatch):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    plan = Plan.objects.get()
    (path / "plan.md").write_text(
        DEMO.replace("- [ ] Rollback plan ready", "- [x] Rollback plan ready")
    )
    real = sync_module.Sync.apply

    def apply(self, steps, user=None):
        # An engineer logs while the sync runs (after it decided, before it acts).
        operations.add_log_entry(plan.pk, update="Written during the sync", user=engineer)
        return real(self, steps, user)

    monkeypatch.setattr(sync_module.Sync, "apply", apply)
    _ok, _out, _err = sync(fixes)
    monkeypatch.undo()

    logged = plan.log_entries.filter(update="Written during the sync").exists()
    assert logged or FixFolder.objects.get().conflict_text, "app edit silently replaced"


def test_app_edit_right_after_replace_is_written_later(fixes, engineer, monkeypatch):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    plan = Plan.objects.get()
    (path / "plan.md").write_text(
        DEMO.replace("- [ ] Rollback plan ready", "- [x] Rollback plan ready")
    )
    real = sync_module.replace_plan

    def replace(*a, **k):
        version = real(*a, **k)
        operations.add_log_entry(plan.pk, update="Right after", user=engineer)
        return version

    monkeypatch.setattr(sync_module, "replace_plan", replace)
    sync(fixes)
    monkeypatch.undo()

    _ok, out, _err = sync(fixes)
    assert "Right after" in (path / "plan.md").read_text(), out


def test_file_edit_between_plan_and_apply_is_not_overwritten(fixes, engineer, monkeypatch):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="App side", user=engineer)
    real = sync_module.Sync.apply
    edited = DEMO.replace("- [ ] Rollback plan ready", "- [x] Rollback plan ready")

    def apply(self, steps, user=None):
        (path / "plan.md").write_text(edited)  # saved in an editor during the sync
        return real(self, steps, user)

    monkeypatch.setattr(sync_module.Sync, "apply", apply)
    sync(fixes)
    monkeypatch.undo()

    assert (path / "plan.md").read_text() == edited or "[x] Rollback plan ready" in export_plan(
        plan.pk
    )


def test_resolve_on_page_racing_a_sync_does_not_stick(alice, fixes, engineer, monkeypatch):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="App side", user=engineer)
    (path / "plan.md").write_text(DEMO.replace("In Progress", "In Review", 1))
    assert not sync(fixes)[0]
    real = sync_module.Sync.apply

    def apply(self, steps, user=None):
        sync_module.resolve(plan.pk, take="file", user=engineer)
        return real(self, steps, user)

    monkeypatch.setattr(sync_module.Sync, "apply", apply)
    sync(fixes)
    monkeypatch.undo()

    ok, _out, err = sync(fixes)
    assert ok, err


def test_copied_folder(fixes):
    folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    shutil.copytree(fixes / "INC-2041-checkout", fixes / "INC-2041-checkout-v2")
    ok, _out, _err = sync(fixes)
    assert ok
    assert sync(fixes)[0]


# ---------------------------------------------------------------- encodings and idempotence


@pytest.mark.parametrize(
    "data",
    [
        DEMO.encode("utf-16"),
        b"\xef\xbb\xbf" + DEMO.encode(),
        DEMO.replace("Priya Raman", "Ren\xe9e").encode("cp1252"),
        DEMO.replace("\n", "\r\n", 20).encode(),
        DEMO.replace("\n", "  \n").encode(),
        DEMO.replace("\n", "\r").encode(),
    ],
    ids=["utf16", "bom", "cp1252", "mixed", "trailing", "cr"],
)
def test_odd_files_converge(fixes, engineer, data):
    path = folder(fixes, "INC-2041-checkout", data)
    assert sync(fixes)[0]
    assert "1 in sync" in sync(fixes)[1]
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="X", user=engineer)
    ok, out, err = sync(fixes)
    assert ok and "written from the app" in out, err
    ok, out, err = sync(fixes)
    assert ok and "1 in sync" in out, (out, err)
    assert "X" in (path / "plan.md").read_text(errors="replace")


# ---------------------------------------------------------------- the app


def test_xss_on_plan_page(alice, fixes, engineer):
    name = "INC-2041-<img src=x onerror=alert(1)>"
    path = folder(fixes, name, DEMO)
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="App side", user=engineer)
    (path / "plan.md").write_text(DEMO + "\n<script>alert(2)</script>\n")
    sync(fixes)
    page = alice.get(f"/plans/{plan.pk}/").text
    assert "<img src=x" not in page and "<script>alert(2)" not in page
    asked = alice.post(f"/plans/{plan.pk}/fix-folder/resolve/", {"take": "file"}).text
    assert "<img src=x" not in asked


def test_csrf_and_anonymous(client_factory, fixes, engineer):
    from django.test import Client

    path = folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="App side", user=engineer)
    (path / "plan.md").write_text(DEMO.replace("In Progress", "In Review", 1))
    sync(fixes)
    url = f"/plans/{plan.pk}/fix-folder/resolve/"
    anon = Client(enforce_csrf_checks=True)
    assert anon.post(url, {"take": "file", "confirm": "yes"}).status_code in (302, 403)
    c = Client(enforce_csrf_checks=True)
    c.force_login(engineer)
    r = c.post(url, {"take": "file", "confirm": "yes"})
    assert r.status_code == 403
    assert anon.get(url).status_code in (302, 405)
    assert FixFolder.objects.get().conflict_text


def test_page_queries(alice, fixes):
    from plans.defaults import create_plan_from_template

    bare = create_plan_from_template(fix_name="Retry storm", issue_id="INC-9")
    folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    plan = Plan.objects.get(fix_folder__isnull=False)
    alice.get(f"/plans/{bare.pk}/")
    with CaptureQueriesContext(connection) as a:
        alice.get(f"/plans/{bare.pk}/")
    with CaptureQueriesContext(connection) as b:
        alice.get(f"/plans/{plan.pk}/")
    assert abs(len(a) - len(b)) <= 1


def test_not_a_git_repo_commit_refused(tmp_path):
    d = tmp_path / "plain"
    d.mkdir()
    folder(d, "INC-2041-checkout", DEMO)
    ok, _out, err = sync(d, "--commit")
    assert not ok and "not in a git working tree" in err
    assert not Plan.objects.exists()


def test_single_folder_sync_of_renamed_folder(fixes, engineer):
    folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    Plan.objects.get()
    (fixes / "INC-2041-checkout").rename(fixes / "INC-2041-checkout-timeouts")
    _ok, out, _err = sync(fixes / "INC-2041-checkout-timeouts")
    assert Plan.objects.count() == 1, out


def test_symlinked_folder_archives(fixes, tmp_path):
    folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    shutil.move(fixes / "INC-2041-checkout", tmp_path / "elsewhere")
    (fixes / "INC-2041-checkout").symlink_to(tmp_path / "elsewhere")
    _ok, out, _err = sync(fixes)
    assert Plan.objects.get().archived_at is None, out


def test_nested_repo(repo, fixes, engineer):
    inner = fixes
    git(inner, "init", "--quiet")
    folder(inner, "INC-2041-checkout", DEMO)
    git(inner, "add", ".")
    git(inner, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "x")
    sync(inner)
    operations.add_log_entry(Plan.objects.get().pk, update="Canary", user=engineer)
    ok, _out, err = sync(inner, "--commit")
    assert ok, err
    assert git(inner, "status", "--porcelain") == ""


def test_keep_app_ends_a_spec_conflict(alice, fixes, engineer):
    path = folder(fixes, "INC-2041-checkout", DEMO, spec=b"# Spec v1\n")
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="App side", user=engineer)
    (path / "spec.md").write_bytes(b"# Spec v2\n")
    ok, _, err = sync(fixes)
    assert not ok and "conflict" in err
    alice.post(f"/plans/{plan.pk}/fix-folder/resolve/", {"take": "app", "confirm": "yes"})
    ok, _out, err = sync(fixes)
    assert ok, err
    assert sync(fixes)[0]


def test_take_file_ends_a_spec_conflict(alice, fixes, engineer):
    path = folder(fixes, "INC-2041-checkout", DEMO, spec=b"# Spec v1\n")
    sync(fixes)
    plan = Plan.objects.get()
    operations.add_log_entry(plan.pk, update="App side", user=engineer)
    (path / "spec.md").write_bytes(b"# Spec v2\n")
    assert not sync(fixes)[0]
    alice.post(f"/plans/{plan.pk}/fix-folder/resolve/", {"take": "file", "confirm": "yes"})
    assert bytes(PlanSpec.objects.get(plan=plan).data) == b"# Spec v2\n"


@pytest.mark.parametrize(
    "bad",
    [
        DEMO.replace("INC-2041", "INC-" + "9" * 200),
        DEMO.replace("**Author:** Priya Raman", "**Author:** " + "P" * 400),
        DEMO.replace("### Step 1: Immediate Mitigation (if needed)", "### Step 1: " + "M" * 600),
    ],
)
def test_overlong_fields_are_reported(fixes, bad):
    path = folder(fixes, "INC-2041-checkout", DEMO)
    sync(fixes)
    (path / "plan.md").write_text(bad)
    ok, out, err = sync(fixes)
    assert not ok and "INC-2041-checkout: failed" in err, (out, err)
