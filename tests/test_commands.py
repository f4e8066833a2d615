"""The set-up commands: the demo loads once however often `make run` is called."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from plans.management.commands import export_all
from plans.models import Plan
from tests.factories import filled_plan, template_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug_on(settings):
    """A developer's machine, as `make run` has it (pytest-django turns DEBUG off)."""
    settings.DEBUG = True


def test_load_demo_creates_one_plan_and_a_login(capsys, debug_on):
    call_command("load_demo")
    call_command("load_demo")

    plan = Plan.objects.get()
    assert plan.issue_id == "INC-2041"
    assert plan.steps.count() == 5 and plan.log_entries.count() == 4
    user = get_user_model().objects.get(username="demo")
    assert user.check_password("demo")
    assert user.has_perm("plans.change_plan")
    out = capsys.readouterr().out
    assert "FixTracker is at http://127.0.0.1:8000/" in out
    assert "Log in as demo / demo" in out
    assert f"http://127.0.0.1:8000/plans/{plan.pk}/" in out


def test_load_demo_does_not_reset_a_changed_password(debug_on):
    call_command("load_demo")
    user = get_user_model().objects.get(username="demo")
    user.set_password("a-better-one")
    user.save()

    call_command("load_demo")

    user.refresh_from_db()
    assert user.check_password("a-better-one")


def test_load_demo_refuses_with_debug_off_and_changes_nothing(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off") as refused:
        call_command("load_demo")

    assert "--create-known-password-login" in str(refused.value)
    assert not get_user_model().objects.exists()
    assert not Plan.objects.exists()


def test_load_demo_with_debug_off_creates_the_login_when_asked_by_name(settings, capsys):
    settings.DEBUG = False

    call_command("load_demo", "--create-known-password-login")

    user = get_user_model().objects.get(username="demo")
    assert user.check_password("demo") and user.has_perm("plans.change_plan")
    assert Plan.objects.get().issue_id == "INC-2041"
    assert "Log in as demo / demo" in capsys.readouterr().out


def test_export_all_writes_every_plan_and_import_restores_them(tmp_path, capsys):
    from plans.markdown import export_plan

    plans = [filled_plan(), template_plan(issue_id="OPS-1", fix_name="Disk full")]

    call_command("export_all", str(tmp_path / "backup"))

    folders = sorted((tmp_path / "backup").iterdir())
    assert [f.name for f in folders] == [
        f"{plans[0].pk:06d}-AUTH-812-Login-sessions-expire-after-5-minutes",
        f"{plans[1].pk:06d}-OPS-1-Disk-full",
    ]
    for plan, folder in zip(plans, folders, strict=True):
        assert [f.name for f in folder.iterdir()] == ["plan.md"]  # no spec came with them
        assert (folder / "plan.md").read_text(encoding="utf-8") == export_plan(plan.pk)
    assert "wrote 2 plans" in capsys.readouterr().out

    Plan.objects.all().delete()
    call_command("import_plan", str(tmp_path / "backup"))
    assert sorted(Plan.objects.values_list("issue_id", flat=True)) == ["AUTH-812", "OPS-1"]


# A time PostgreSQL stores but psycopg cannot load (year 10000 in UTC), as imports wrote
# before their range was checked; SQLite stores any text, and Django refuses month 13.
UNREADABLE_TIME = {"postgresql": "9999-12-31 23:59:00-14", "sqlite": "2026-13-01 00:00:00"}


def make_unreadable(plan):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE plans_progresslogentry SET logged_at = %s WHERE plan_id = %s",
            [UNREADABLE_TIME[connection.vendor], plan.pk],
        )


def test_export_all_writes_every_plan_it_can_read_and_names_the_one_it_cannot(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(export_all, "CHUNK", 2)  # the bad plan shares a chunk with a good one
    plans = [template_plan(issue_id=f"OPS-{n}", fix_name="Disk full") for n in range(5)]
    make_unreadable(plans[2])

    with pytest.raises(CommandError, match="1 plan could not be written"):
        call_command("export_all", str(tmp_path))

    written = sorted(f.name for f in tmp_path.glob("*/plan.md*"))
    assert written == ["plan.md"] * 4
    assert not (tmp_path / f"{plans[2].pk:06d}-OPS-2-Disk-full" / "plan.md").exists()
    out, err = capsys.readouterr()
    assert "wrote 4 plans" in out
    [line] = err.splitlines()
    assert line.startswith(f"plan {plans[2].pk} (OPS-2): ")
    assert Plan.objects.count() == 5  # the database is still usable after the failed read


def test_export_all_names_a_plan_whose_file_cannot_be_written(tmp_path, capsys):
    plans = [template_plan(issue_id=f"OPS-{n}", fix_name="Disk full") for n in range(3)]
    (tmp_path / f"{plans[1].pk:06d}-OPS-1-Disk-full" / "plan.md").mkdir(parents=True)

    with pytest.raises(CommandError, match="1 plan could not be written"):
        call_command("export_all", str(tmp_path), "--into-existing")

    assert (tmp_path / f"{plans[0].pk:06d}-OPS-0-Disk-full" / "plan.md").is_file()
    assert (tmp_path / f"{plans[2].pk:06d}-OPS-2-Disk-full" / "plan.md").is_file()
    assert not list(tmp_path.glob("*/*.partial"))
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"plan {plans[1].pk} (OPS-1): IsADirectoryError: ")


def test_export_all_refuses_a_folder_that_holds_files(tmp_path):
    template_plan(issue_id="OPS-1", fix_name="Disk full")
    (tmp_path / "000099-OPS-9-Deleted-since").mkdir()  # an older backup's plan

    with pytest.raises(CommandError, match="is not empty: a backup goes into a new or empty"):
        call_command("export_all", str(tmp_path))

    assert [p.name for p in tmp_path.iterdir()] == ["000099-OPS-9-Deleted-since"]


def test_the_demo_plans_spec_link_opens_its_spec(client, debug_on):
    call_command("load_demo")
    plan = Plan.objects.get()
    client.force_login(get_user_model().objects.get(username="demo"))

    response = client.get(f"/plans/{plan.pk}/spec/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "No spec file was imported" not in html
    assert "The capture call in <code>checkout/payments.py</code> has" in html
