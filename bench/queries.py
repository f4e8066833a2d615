"""The SQL queries one request of each benchmarked endpoint runs, counted in-process."""

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
    status_plan = seeded["status_plans"][0]
    requests = {
        "bare": lambda: client.get("/bench/bare/"),
        "bare_editor": lambda: client.get("/bench/bare-editor/"),
        "dashboard": lambda: client.get("/"),
        "dashboard_search": lambda: client.get("/?status=in_progress&priority=P1&q=checkout"),
        "large_plan": lambda: client.get(f"/plans/{plan}/"),
        "download": lambda: client.get(f"/plans/{plan}/export.md"),
        "poll304": lambda: client.get(f"/s/{token}/", headers={**htmx, "If-None-Match": etag}),
        "tick": lambda: client.post(
            f"/plans/{plan}/rows/tasks/{seeded['tick_tasks'][0]}/done/",
            {"done": "true"},
            headers=htmx,
        ),
        "status": lambda: client.post(
            f"/plans/{status_plan}/status/",
            {"expected": "planning", "to": "in_progress"},
            headers=htmx,
        ),
    }
    counts = {}
    for key, request in requests.items():
        with CaptureQueriesContext(connection) as queries:
            response = request()
        assert response.status_code in (200, 304), (key, response.status_code)
        counts[key] = len(queries)
    # Put the plans back as the load run expects them.
    client.post(
        f"/plans/{status_plan}/status/", {"expected": "in_progress", "to": "planning"}, headers=htmx
    )
    return counts
