"""A real server for the concurrency tests: gunicorn with several workers, as in production.

It serves its own database (a SQLite file, or a PostgreSQL database when the suite runs on
PostgreSQL), seeded through manage.py; clients are threads speaking HTTP to it, with
sessions made in advance so that forty of them can start at the same instant.
"""

import http.cookiejar
import json
import os
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.server import (
    CSRF_SECRET,
    free_port,
    prepare_database,
    production_env,
    run_python,
    start_gunicorn,
    wait_until_healthy,
)

SEED = """
import json
from django.contrib.auth.models import Permission, User
from bench.seed import session_for
from plans.defaults import create_plan_from_template
from plans.models import Step, StepTask

users = []
for name in ["alice", "bob"]:
    user = User.objects.create_user(name)
    user.user_permissions.add(Permission.objects.get(codename="change_plan"))
    users.append(user)
plan = create_plan_from_template(fix_name="Race", issue_id="RACE-1")
# Five steps of eight tasks: forty tasks, forty clients.
StepTask.objects.filter(step__plan=plan).delete()
for step in Step.objects.filter(plan=plan):
    StepTask.objects.bulk_create(
        [StepTask(step=step, position=i, text=f"{step.title} task {i}") for i in range(8)]
    )
# Written row by row for speed: recorded as one change, as an admin's would be.
from django.utils import timezone
from plans.operations import record_change
record_change(plan.pk, timezone.now())
sessions = [session_for(users[i % 2]) for i in range(40)]
tasks = list(StepTask.objects.filter(step__plan=plan).values_list("pk", flat=True))
# Plans for an administrator to delete while people work on them.
doomed = [create_plan_from_template(fix_name=f"Doomed {i}").pk for i in range(8)]
admin = session_for(User.objects.create_superuser("root"))
seeded = {"plan": plan.pk, "tasks": tasks, "sessions": sessions, "doomed": doomed, "admin": admin}
print(json.dumps(seeded))
"""


@dataclass
class Served:
    url: str
    plan: int
    tasks: list[int]
    sessions: list[str]
    doomed: list[int]
    admin_session: str
    # The server's environment: for manage.py commands on its database.
    env: dict

    def client(self, i: int) -> "HttpClient":
        return HttpClient(self.url, self.sessions[i])


class HttpClient:
    """One browser's worth of HTTP: its session cookie, the CSRF cookie and header."""

    def __init__(self, base: str, session: str):
        self.base = base
        jar = http.cookiejar.CookieJar()
        host = urllib.parse.urlparse(base).hostname
        for name, value in [("sessionid", session), ("csrftoken", CSRF_SECRET)]:
            jar.set_cookie(
                http.cookiejar.Cookie(
                    0,
                    name,
                    value,
                    None,
                    False,
                    host,
                    False,
                    False,
                    "/",
                    True,
                    False,
                    None,
                    False,
                    None,
                    None,
                    {},
                )
            )
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def request(self, method: str, path: str, data: dict | None = None, htmx: bool = True):
        body = urllib.parse.urlencode(data or {}, doseq=True).encode() if data else None
        request = urllib.request.Request(self.base + path, data=body, method=method)
        request.add_header("X-CSRFToken", CSRF_SECRET)
        request.add_header("Referer", self.base + "/")
        if htmx:
            request.add_header("HX-Request", "true")
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, path: str, data: dict | None = None):
        return self.request("POST", path, data)

    def get(self, path: str, htmx: bool = False):
        return self.request("GET", path, htmx=htmx)


def _database_url(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url.rsplit("/", 1)[0] + "/fixtracker_concurrency"
    return f"sqlite:///{tmp / 'concurrency.sqlite3'}"


def _serve(tmp_path, instances: int, **settings: str):
    env = production_env(
        **{
            "DATABASE_URL": _database_url(tmp_path),
            "SECRET_KEY": "concurrency-tests-only-" + "x" * 40,
            "STATIC_ROOT": str(tmp_path / "static"),
            "WEB_CONCURRENCY": "4" if instances == 1 else "2",
            "GUNICORN_THREADS": "4",
            **settings,
        }
    )
    prepare_database(env)
    seeded = json.loads(run_python(env, "manage.py", "shell", "-v0", "-c", SEED).splitlines()[-1])
    servers = []
    try:
        for _ in range(instances):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            server = start_gunicorn(env, port, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            servers.append(server)
            wait_until_healthy(url, server)
            yield Served(
                url,
                seeded["plan"],
                seeded["tasks"],
                seeded["sessions"],
                seeded["doomed"],
                seeded["admin"],
                env,
            )
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)


@pytest.fixture
def served(tmp_path):
    yield from _serve(tmp_path, 1)


@pytest.fixture
def served_twice(tmp_path):
    """Two app servers, each its own gunicorn with its own workers, on one database."""
    instances = _serve(tmp_path, 2)
    first = next(instances)
    second = next(instances)
    yield first, second
    instances.close()
