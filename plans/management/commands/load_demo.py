"""The demo for `make run`: one plan and a staff login with a password everyone knows.

With DEBUG off the database may be production's, where a known login is a way in: the
command refuses there unless asked by name (`--create-known-password-login`).
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from plans.markdown import import_plan
from plans.models import Plan

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "demo-plan.md"
# Beside the plan, as in a fix folder: the plan's Spec link opens it.
DEMO_SPEC = DEMO_FILE.with_name("spec.md")
DEMO_ISSUE = "INC-2041"


class Command(BaseCommand):
    help = (
        "Load the demo plan and the demo login; running it again changes nothing. "
        "Refuses with DEBUG off unless given --create-known-password-login."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo")
        parser.add_argument("--url", default="http://127.0.0.1:8000/")
        parser.add_argument(
            "--create-known-password-login",
            action="store_true",
            help="Run even with DEBUG off, where the database may be production's.",
        )

    @transaction.atomic
    def handle(self, *args, username, password, url, create_known_password_login, **options):
        if not settings.DEBUG and not create_known_password_login:
            raise CommandError(
                "DEBUG is off, so this may be a production database: load_demo would create "
                f"the staff login {username!r} with a known password and every plan "
                "permission. Nothing was changed. For a demo, run it with DEBUG on (the "
                "default, as `make run` does); to create that login here anyway, add "
                "--create-known-password-login. The demo plan alone: "
                f"manage.py import_plan {DEMO_FILE}"
            )
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": "Demo", "last_name": "Engineer"}
        )
        if created:
            user.set_password(password)
            user.is_staff = True
            user.save()
            user.user_permissions.set(Permission.objects.filter(content_type__app_label="plans"))
        plan = Plan.objects.filter(issue_id=DEMO_ISSUE).order_by("pk").first()
        if plan is None:
            plan, _warnings = import_plan(
                DEMO_FILE.read_text(encoding="utf-8"),
                spec=DEMO_SPEC.read_bytes(),
                source=DEMO_FILE.name,
            )
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"  FixTracker is at {url}",
                    f"  Log in as {username} / {password}"
                    if created
                    else f"  Log in as {username}",
                    f"  Demo plan: {url}plans/{plan.pk}/",
                    "",
                ]
            )
        )
