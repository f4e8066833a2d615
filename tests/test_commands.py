"""The set-up commands: the demo loads once however often `make run` is called."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from plans.models import Plan

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
