"""The production path: deploy checks, compose file, health check, error pages, logs."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.db import connection
from django.test import Client

from bench.server import free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def manage(*args, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_check_deploy_is_clean_with_the_documented_settings():
    settings = env_example()
    # The check does not connect; point it at SQLite so it runs without the compose network.
    settings["DATABASE_URL"] = "sqlite:///:memory:"

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=settings)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_compose_runs_postgres_with_a_volume_and_healthcheck_and_waits_for_it():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    db, web = compose["services"]["db"], compose["services"]["web"]

    assert db["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]
    assert web["build"] == "."
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert "/healthz" in " ".join(web["healthcheck"]["test"])
    assert web["env_file"] == ".env"


def test_the_image_runs_as_a_non_root_user_with_gunicorn():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "FROM python:3.13-slim" in dockerfile
    assert "\nUSER fixtracker" in dockerfile
    assert "collectstatic" in dockerfile and "gunicorn fixtracker.wsgi" in dockerfile


@pytest.mark.django_db
def test_healthz_is_200_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_does_not_care_about_host_or_scheme(settings):
    settings.ALLOWED_HOSTS = ["fixtracker.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    response = Client().get("/healthz", HTTP_HOST="10.0.0.7:8000")

    assert response.status_code == 200


def test_healthz_is_503_within_seconds_when_the_database_is_down():
    script = (
        "from django.test import Client; r = Client().get('/healthz');"
        "print(r.status_code, r.content.decode())"
    )
    started = time.monotonic()
    result = manage(
        "shell", "-c", script, env={"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    )

    assert result.returncode == 0, result.stderr
    answer = result.stdout.strip().splitlines()[-1]
    assert answer == '503 {"status": "unavailable", "database": "unreachable"}'
    assert time.monotonic() - started < 15


@pytest.mark.django_db
def test_pages_carry_the_security_headers(alice):
    response = alice.get("/")

    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_the_404_page_is_the_apps_own(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert b"There is nothing at this address." in response.content
    assert b"app." in response.content  # the app's stylesheet


@pytest.mark.django_db
def test_the_403_page_says_why(bob):
    response = bob.get("/plans/new/")

    assert response.status_code == 403
    assert b"You can read plans but not change them." in response.content


@pytest.mark.django_db
@pytest.mark.urls("tests.raising_urls")
def test_a_500_is_logged_with_its_traceback_and_never_shown(caplog):
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"boom" not in response.content and b"Traceback" not in response.content
    errors = [r for r in caplog.records if r.levelname == "ERROR" and r.exc_info]
    assert errors and "boom: a bug, on purpose" in str(errors[0].exc_info[1])


@pytest.mark.django_db
@pytest.mark.urls("tests.raising_urls")
def test_a_database_error_answers_503_not_a_traceback():
    response = Client(raise_request_exception=False).get("/database-down/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"cannot reach its database" in response.content


@pytest.fixture
def json_log():
    """The project's formatter and filter on a handler of our own, as settings.LOGGING has."""
    import io
    import logging

    from fixtracker.logs import JsonFormatter, RequestIdFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("fixtracker")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_each_request_is_one_json_line_with_its_request_id(client, json_log):
    client.get("/accounts/login/", headers={"X-Request-ID": "abc-123-def-456"})
    client.get("/accounts/login/", headers={"X-Request-ID": "<script>"})

    first, second = [json.loads(line) for line in json_log.getvalue().splitlines()]
    assert first["request_id"] == "abc-123-def-456"
    assert first["status"] == 200 and first["logger"] == "fixtracker.request"
    assert {"time", "level", "message", "duration_ms", "method", "path"} <= set(first)
    assert len(second["request_id"]) == 32  # a made-up id replaces an unsafe one


@pytest.mark.django_db
def test_share_link_tokens_never_reach_the_log(client, json_log):
    from plans.operations import create_share_link
    from tests.factories import template_plan

    _link, token = create_share_link(template_plan().pk)
    client.get(f"/s/{token}/")
    client.get(f"/s/{token}/export.md")

    log = json_log.getvalue()
    assert token not in log
    assert [json.loads(line)["path"] for line in log.splitlines()] == [
        "/s/[token]/",
        "/s/[token]/export.md",
    ]


def get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.django_db
def test_make_serve_runs_gunicorn_with_hashed_static_files(tmp_path):
    if connection.vendor == "postgresql":
        database_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/fixtracker_serve_test"
    else:
        database_url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DATABASE_URL=database_url,
        PORT=str(port),
        WEB_CONCURRENCY="2",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    server = subprocess.Popen(
        ["make", "serve"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, server, seconds=60)
        status, headers, body = get(f"{base}/accounts/login/")
        assert status == 200 and headers["Server"].startswith("gunicorn")
        stylesheet = body.decode().split('href="/static/app.')[1].split('"')[0]
        status, headers, _ = get(f"{base}/static/app.{stylesheet}")
        assert status == 200 and "immutable" in headers["Cache-Control"]
    finally:
        server.terminate()
        server.wait(timeout=20)
