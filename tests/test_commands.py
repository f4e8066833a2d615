"""The set-up commands: the demo loads once however often `make run` is called."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from plans.models import Plan
from tests.factories import filled_plan, template_plan

pytestmark = pytest.mark.django_db


def test_load_demo_creates_one_plan_and_a_login(capsys):
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


def test_load_demo_does_not_reset_a_changed_password():
    call_command("load_demo")
    user = get_user_model().objects.get(username="demo")
    user.set_password("a-better-one")
    user.save()

    call_command("load_demo")

    user.refresh_from_db()
    assert user.check_password("a-better-one")


def test_export_all_writes_every_plan_and_import_restores_them(tmp_path, capsys):
    from plans.markdown import export_plan

    plans = [filled_plan(), template_plan(issue_id="OPS-1", fix_name="Disk full")]

    call_command("export_all", str(tmp_path / "backup"))

    files = sorted((tmp_path / "backup").glob("*.md"))
    assert [f.name for f in files] == [
        f"{plans[0].pk:06d}-AUTH-812-Login-sessions-expire-after-5-minutes.md",
        f"{plans[1].pk:06d}-OPS-1-Disk-full.md",
    ]
    for plan, file in zip(plans, files, strict=True):
        assert file.read_text(encoding="utf-8") == export_plan(plan.pk)
    assert "wrote 2 plans" in capsys.readouterr().out

    Plan.objects.all().delete()
    call_command("import_plan", *map(str, files))
    assert sorted(Plan.objects.values_list("issue_id", flat=True)) == ["AUTH-812", "OPS-1"]
