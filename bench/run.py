"""Time FixTracker's main actions beside the floor, in one run, and check the budget.

    .venv/bin/python -m bench.run [--rounds N] [--plans N]

The floor is what every engineer's request pays before FixTracker does anything: a bare
view behind the session, the user and the change permission. Each engineer's action is
timed beside it, on the same data: 10,000 plans (the dashboard) and one large plan of 20
steps x 25 tasks with 2,000 log entries (the page, a tick, a status change). The
stakeholder poll, which needs no login, is timed beside the bare view without one.

Runs on a throw-away SQLite database, or in a test database on DATABASE_URL's server, so
the ratios compare like with like on one machine rather than promise absolutes. In-process
the floor costs almost nothing (no HTTP, no network round trip), so these ratios weigh the
ORM and the templates far more than production does: this is the profiler's view. The
budget (issue 13) is judged on the production stack by `bench.load` (`make loadbench`).
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
    parser.add_argument("--plans", type=int, default=10_000)
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
        run(args.rounds, args.plans)
    finally:
        runner.teardown_databases(old_config)


def run(rounds: int, plan_count: int) -> list[str]:
    from django.db import connection
    from django.test import Client

    from bench.budget import BUDGET, PAGE_BYTES
    from bench.seed import seed_large_plan, seed_large_plan_light, seed_plans, seed_user
    from plans.models import Plan, StepTask
    from plans.operations import create_share_link

    started = time.monotonic()
    seed_plans(plan_count)
    plan = seed_large_plan()
    # The large plan's log is full (2,000 entries), and a status change logs itself.
    status_plan = seed_large_plan_light(0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"seeded {Plan.objects.count()} plans in {time.monotonic() - started:.0f} s")

    client = Client()
    client.force_login(seed_user())
    htmx = {"HX-Request": "true"}
    tasks = StepTask.objects.filter(step__plan=plan, position=1).order_by("step__position")
    tick_url = f"/plans/{plan.pk}/rows/tasks/{tasks[0].pk}/done/"
    # A teammate's change before each timed page: each a different task, flipped once, so
    # every page is drawn for a state of the plan never drawn before.
    teammate = iter(
        StepTask.objects.filter(step__plan=plan, position__gte=2)
        .order_by("step__position", "position")
        .values_list("pk", "done")
    )
    wanted = iter(["true", "false"] * (rounds + 50))
    moves = iter([("planning", "in_progress"), ("in_progress", "planning")] * (rounds + 50))
    _link, token = create_share_link(plan.pk)
    poll_url = f"/s/{token}/"
    stakeholder = Client()
    page_bytes = []

    def get(c, url, status=200, **kwargs):
        response = c.get(url, **kwargs)
        assert response.status_code == status, (url, response.status_code)
        return response

    def floor():
        get(client, "/bench/bare-editor/")

    def bare():
        get(stakeholder, "/bench/bare/")

    def dashboard():
        get(client, "/")

    def tick():
        response = client.post(tick_url, {"done": next(wanted)}, headers=htmx)
        assert response.status_code == 200

    def status():
        expected, to = next(moves)
        response = client.post(
            f"/plans/{status_plan}/status/", {"expected": expected, "to": to}, headers=htmx
        )
        assert response.status_code == 200

    def change_then_page():
        # A teammate's tick first, untimed, of a task not changed before.
        task_id, done = next(teammate)
        tick_url = f"/plans/{plan.pk}/rows/tasks/{task_id}/done/"
        client.post(tick_url, {"done": str(not done).lower()}, headers=htmx)
        start = time.perf_counter()
        response = get(client, f"/plans/{plan.pk}/")
        elapsed = time.perf_counter() - start
        page_bytes.append(len(response.content))
        return elapsed

    def poll():
        etag = get(stakeholder, poll_url, headers=htmx)["ETag"]

        def unchanged():
            get(stakeholder, poll_url, 304, headers={**htmx, "If-None-Match": etag})

        return unchanged

    # Each action right after its floor, so the drift of a shared machine cancels out.
    timings = {}
    for name, action in [
        ("dashboard, 10,000 plans", dashboard),
        ("tick a task", tick),
        ("status change", status),
        ("large plan page after a change", change_then_page),
    ]:
        timings.setdefault("editor", []).append(measure(floor, rounds))
        timings[name] = measure(action, rounds)
    timings["bare"] = [measure(bare, rounds)]
    timings["stakeholder poll (304)"] = measure(poll(), rounds)
    timings["editor"] = statistics.median(timings["editor"])
    timings["bare"] = timings["bare"][0]

    print(f"\n{'action':<34}{'median':>10}{'ratio':>9}{'budget':>9}   ({rounds} rounds)")
    print(f"{'floor: bare view, editor logged in':<34}{timings['editor'] * 1000:>8.2f}ms")
    print(f"{'bare view, no login':<34}{timings['bare'] * 1000:>8.2f}ms")
    over = []
    for name, (against, budget) in BUDGET.items():
        ratio = timings[name] / timings[against]
        mark = "within" if ratio <= budget else "over"
        if ratio > budget:
            over.append(name)
        print(
            f"{name:<34}{timings[name] * 1000:>8.2f}ms{ratio:>8.1f}x"
            f"{budget:>8.1f}x   {mark} (vs {'floor' if against == 'editor' else 'bare view'})"
        )
    size = max(page_bytes)
    print(
        f"{'large plan page size':<34}{size / 1000:>8.0f}KB{'':>9}{PAGE_BYTES // 1000:>7}KB", end=""
    )
    print("   ok" if size <= PAGE_BYTES else "   OVER")
    if size > PAGE_BYTES:
        over.append("large plan page size")
    return over


def measure(action, rounds: int) -> float:
    """The median seconds of `action`, or of what it returns when it times itself."""
    for _ in range(min(20, rounds)):
        action()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        timed = action()
        samples.append(timed if timed is not None else time.perf_counter() - start)
    return statistics.median(samples)


if __name__ == "__main__":
    main()
