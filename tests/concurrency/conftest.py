"""A real server for the concurrency tests: gunicorn with several workers, as in production.

It serves its own database (a SQLite file, or a PostgreSQL database when the suite runs on
PostgreSQL), seeded through manage.py; clients are threads speaking HTTP to it, with
sessions made in advance so that forty of them can start at the same instant.
"""

import http.cookiejar
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CSRF = "concurrencytestcsrfsecret0123456"  # 32 characters: a valid unmasked CSRF secret

SEED = """
import json
from django.contrib.auth.models import Permission, User
from django.contrib.sessions.backends.db import SessionStore
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
sessions = []
for i in range(40):
    user = users[i % 2]
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    sessions.append(store.session_key)
tasks = list(StepTask.objects.filter(step__plan=plan).values_list("pk", flat=True))
print(json.dumps({"plan": plan.pk, "tasks": tasks, "sessions": sessions}))
"""


@dataclass
class Served:
    url: str
    plan: int
    tasks: list[int]
    sessions: list[str]

    def client(self, i: int) -> "HttpClient":
        return HttpClient(self.url, self.sessions[i])


class HttpClient:
    """One browser's worth of HTTP: its session cookie, the CSRF cookie and header."""

    def __init__(self, base: str, session: str):
        self.base = base
        jar = http.cookiejar.CookieJar()
        host = urllib.parse.urlparse(base).hostname
        for name, value in [("sessionid", session), ("csrftoken", CSRF)]:
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
        request.add_header("X-CSRFToken", CSRF)
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url.rsplit("/", 1)[0] + "/fixtracker_concurrency"
    return f"sqlite:///{tmp / 'concurrency.sqlite3'}"


def _run(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def served(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DATABASE_URL=_database_url(tmp_path),
        DEBUG="0",
        FIXTRACKER_HTTPS="0",
        FIXTRACKER_BEHIND_PROXY="0",
        SECRET_KEY="concurrency-tests-only-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(tmp_path / "static"),
        WEB_CONCURRENCY="4",
        GUNICORN_THREADS="4",
        LOG_LEVEL="WARNING",
    )
    _run(env, "-m", "fixtracker.dbcreate", "--recreate")
    _run(env, "manage.py", "migrate", "--noinput", "-v0")
    _run(env, "manage.py", "collectstatic", "--noinput", "-v0")
    seeded = json.loads(_run(env, "manage.py", "shell", "-v0", "-c", SEED).splitlines()[-1])
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "fixtracker.wsgi",
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        assert server.poll() is None, server.stderr.read().decode()
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        assert time.monotonic() < deadline, "gunicorn did not start within 30 s"
        time.sleep(0.1)
    try:
        yield Served(url, seeded["plan"], seeded["tasks"], seeded["sessions"])
    finally:
        server.terminate()
        server.wait(timeout=20)
