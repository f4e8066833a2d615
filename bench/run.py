"""Time FixTracker's main actions beside a bare Django view, in one run, and print ratios.

    .venv/bin/python -m bench.run [--rounds N]

Runs on a throw-away SQLite database (or DATABASE_URL's server, in a test database), so
the numbers compare like with like on the same machine rather than promise absolutes.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    # One request-log line per timed request would drown the table.
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import get_runner

    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        run(args.rounds)
    finally:
        runner.teardown_databases(old_config)


def run(rounds: int) -> None:
    from django.contrib.auth.models import Permission, User
    from django.db import transaction
    from django.test import Client

    from plans.management.commands.load_demo import DEMO_FILE
    from plans.markdown import export_plan, import_plan
    from plans.models import StepTask

    demo_text = DEMO_FILE.read_text(encoding="utf-8")
    plan, _ = import_plan(demo_text)
    engineer = User.objects.create_user("bench")
    engineer.user_permissions.add(Permission.objects.get(codename="change_plan"))
    client = Client()
    client.force_login(engineer)
    htmx = {"HX-Request": "true"}
    task = StepTask.objects.filter(step__plan=plan).order_by("step__position", "position").last()
    tick_url = f"/plans/{plan.pk}/rows/tasks/{task.pk}/done/"
    wanted = iter(["true", "false"] * (rounds + 20))

    # The same session and middleware for every request, the bare view included.
    def bare_view():
        assert client.get("/bench/bare/").status_code == 200

    def plan_page():
        assert client.get(f"/plans/{plan.pk}/").status_code == 200

    def tick():
        response = client.post(tick_url, {"done": next(wanted)}, headers=htmx)
        assert response.status_code == 200

    from plans.operations import create_share_link

    _link, token = create_share_link(plan.pk)
    poll_url = f"/s/{token}/"
    etag = Client().get(poll_url, headers=htmx)["ETag"]
    stakeholder = Client()

    def stakeholder_poll_unchanged():
        response = stakeholder.get(poll_url, headers={**htmx, "If-None-Match": etag})
        assert response.status_code == 304

    def status_there_and_back():
        url = f"/plans/{plan.pk}/status/"
        for expected, to in [("in_progress", "in_review"), ("in_review", "in_progress")]:
            response = client.post(url, {"expected": expected, "to": to}, headers=htmx)
            assert response.status_code == 200

    def export():
        export_plan(plan.pk)

    def import_():
        with transaction.atomic():
            import_plan(demo_text)
            transaction.set_rollback(True)

    actions = {
        "bare Django view (GET)": bare_view,
        "plan page (GET)": plan_page,
        # Before the actions that change the plan, so the tag it sends stays current.
        "stakeholder poll (304)": stakeholder_poll_unchanged,
        "tick a task (HTMX)": tick,
        "status change x2 (HTMX)": status_there_and_back,
        "export plan": export,
        "import plan": import_,
    }
    timings = {name: measure(action, rounds) for name, action in actions.items()}
    base = timings["bare Django view (GET)"]
    print(f"{'action':<26}{'median':>12}{'ratio':>10}   ({rounds} rounds)")
    for name, seconds in timings.items():
        print(f"{name:<26}{seconds * 1000:>10.2f}ms{seconds / base:>9.1f}x")


def measure(action, rounds: int) -> float:
    for _ in range(min(20, rounds)):
        action()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


if __name__ == "__main__":
    main()
