"""Settings come from the environment and refuse unsafe or malformed values."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_check(DEBUG="0", ALLOWED_HOSTS="fixtracker.example.com")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_starts_with_a_secret_key_when_debug_is_off():
    result = run_check(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="fixtracker.example.com")

    assert result.returncode == 0, result.stderr


def test_rejects_a_malformed_boolean():
    result = run_check(DEBUG="maybe")

    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def settings_value(name: str, **env) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    environment.update(env)
    code = f"from django.conf import settings; print(settings.{name})"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_webhooks_may_reach_loopback_only_on_a_developers_machine():
    production = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.com"}

    assert settings_value("FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS", **production) == "[]"
    assert settings_value("FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS", DEBUG="1") == str(
        ["127.0.0.0/8", "::1/128"]
    )
    allowed = settings_value(
        "FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS",
        **production,
        FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS="10.2.0.0/16, 10.3.0.0/16",
    )
    assert allowed == str(["10.2.0.0/16", "10.3.0.0/16"])


def test_without_a_base_url_the_check_warns_that_messages_have_no_link():
    result = run_check(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="example.com")

    assert result.returncode == 0
    assert "fixtracker.W001" in result.stderr and "FIXTRACKER_BASE_URL" in result.stderr
    quiet = run_check(
        DEBUG="0",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="example.com",
        FIXTRACKER_BASE_URL="https://fixtracker.example.com",
    )
    assert "W001" not in quiet.stderr


def test_a_malformed_allowed_network_stops_start_up():
    result = run_check(FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS="10.0.0.0/8,intranet")

    assert result.returncode != 0
    assert "FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS holds 'intranet'" in result.stderr
