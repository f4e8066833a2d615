"""The SQL queries one request of each benchmarked endpoint runs, counted in-process.

Each request is made twice and the second is counted, as under load a worker is warm. The
two writes go there and back (tick then untick, advance then back), leaving the data as
seeded.
"""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.server import CSRF_SECRET


def count_queries(seeded: dict) -> dict[str, int]:
    client = Client()
    client.cookies["sessionid"] = seeded["session"]
    client.cookies["csrftoken"] = CSRF_SECRET
    htmx = {"HX-Request": "true", "X-CSRFToken": CSRF_SECRET}
    plan, token = seeded["large_plan"], seeded["token"]
    etag = client.get(f"/s/{token}/", headers=htmx)["ETag"]
    tick_url = f"/plans/{plan}/rows/tasks/{seeded['tick_tasks'][0]}/done/"
    status_url = f"/plans/{seeded['status_plans'][0]}/status/"
    ticks = iter(["true", "false"])
    moves = iter([("planning", "in_progress"), ("in_progress", "planning")])

    def move():
        expected, to = next(moves)
        return client.post(status_url, {"expected": expected, "to": to}, headers=htmx)

    requests = {
        "bare": lambda: client.get("/bench/bare/"),
        "bare_editor": lambda: client.get("/bench/bare-editor/"),
        "dashboard": lambda: client.get("/"),
        "dashboard_search": lambda: client.get("/?status=in_progress&priority=P1&q=checkout"),
        "large_plan": lambda: client.get(f"/plans/{plan}/"),
        "download": lambda: client.get(f"/plans/{plan}/export.md"),
        "poll304": lambda: client.get(f"/s/{token}/", headers={**htmx, "If-None-Match": etag}),
        "tick": lambda: client.post(tick_url, {"done": next(ticks)}, headers=htmx),
        "status": move,
    }
    counts = {}
    for key, request in requests.items():
        request()
        with CaptureQueriesContext(connection) as queries:
            response = request()
        assert response.status_code in (200, 304), (key, response.status_code)
        counts[key] = len(queries)
    return counts
