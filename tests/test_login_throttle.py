"""Failed logins are throttled per client and username (django-axes), on both login pages."""

import logging
from datetime import timedelta
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.backends import ModelBackend
from django.core.management import call_command
from django.db.models import F
from django.test import RequestFactory

from fixtracker.login_throttle import client_ip
from tests.test_settings import run_check

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
LIMIT = 10


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    """Dozens of failed logins per test: PBKDF2's 1,000,000 rounds would take minutes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def carol(django_user_model):
    return django_user_model.objects.create_user("carol", password="carol-pw")


def log_in(client, username="alice", password="pw", url=LOGIN, **headers):
    return client.post(url, {"username": username, "password": password}, headers=headers)


def fail(client, times, username="alice", url=LOGIN, **headers):
    """`times` wrong passwords; the status of each answer."""
    return [log_in(client, username, "wrong", url, **headers).status_code for _ in range(times)]


def is_logged_in(client) -> bool:
    return client.get("/").status_code == 200


def test_the_tenth_failure_locks_the_client_out_of_that_username(client, engineer):
    assert fail(client, LIMIT - 1) == [200] * (LIMIT - 1)

    assert log_in(client, password="wrong").status_code == 429
    response = log_in(client)

    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert not is_logged_in(client)


def test_the_page_says_when_to_try_again_and_not_whether_the_account_exists(client, engineer):
    fail(client, LIMIT)
    fail(client, LIMIT, username="nobody")

    known, unknown = log_in(client), log_in(client, username="nobody")

    assert known.status_code == unknown.status_code == 429
    assert known.content == unknown.content
    assert b"Too many failed logins" in known.content
    assert b"try again in 15 minutes" in known.content
    assert known["Retry-After"] == "900"


def test_a_locked_out_attempt_never_checks_the_password(client, engineer):
    fail(client, LIMIT)

    with mock.patch.object(ModelBackend, "authenticate") as password_check:
        response = log_in(client)

    assert response.status_code == 429
    password_check.assert_not_called()


def test_the_same_username_from_another_client_still_logs_in(client, client_factory, engineer):
    fail(client, LIMIT)
    elsewhere = client_factory(REMOTE_ADDR="198.51.100.7")

    assert log_in(client).status_code == 429
    assert log_in(elsewhere).status_code == 302
    assert is_logged_in(elsewhere)


def test_another_username_from_the_locked_client_still_logs_in(client, engineer, carol):
    fail(client, LIMIT)

    assert log_in(client).status_code == 429
    assert log_in(client, "carol", "carol-pw").status_code == 302


def test_the_lock_lasts_the_cool_off_then_the_user_gets_in(client, engineer):
    fail(client, LIMIT)

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=14))
    assert log_in(client).status_code == 429

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=2))
    assert log_in(client).status_code == 302


def test_the_page_says_the_time_left_not_the_whole_cool_off(client, engineer):
    fail(client, LIMIT)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=12))

    response = log_in(client)

    assert response.status_code == 429
    assert b"try again in 3 minutes" in response.content
    assert 170 <= int(response["Retry-After"]) <= 180


def test_attempts_while_locked_out_do_not_extend_the_cool_off(client, engineer):
    fail(client, LIMIT)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=14))

    assert fail(client, 5) == [429] * 5

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=2))
    assert log_in(client).status_code == 302


def test_an_operator_can_lift_a_lock(client, engineer):
    fail(client, LIMIT)

    call_command("axes_reset_ip_username", "127.0.0.1", "alice")

    assert log_in(client).status_code == 302


def test_a_success_starts_the_count_again(client, engineer):
    fail(client, LIMIT - 1)
    assert log_in(client).status_code == 302
    client.post("/accounts/logout/")

    assert fail(client, LIMIT - 1) == [200] * (LIMIT - 1)
    assert fail(client, 1) == [429]


def test_the_lockout_is_logged_with_username_and_address(client, engineer, caplog):
    caplog.set_level(logging.WARNING)

    fail(client, LIMIT)

    lockouts = [r.getMessage() for r in caplog.records if "Locking out" in r.getMessage()]
    assert len(lockouts) == 1
    assert 'username: "alice"' in lockouts[0]
    assert 'ip_address: "127.0.0.1"' in lockouts[0]


def test_the_admin_login_is_throttled_too(client, admin_user):
    assert fail(client, LIMIT, "admin", ADMIN_LOGIN)[-1] == 429

    response = log_in(client, "admin", "password", ADMIN_LOGIN)

    assert response.status_code == 429
    assert b"Too many failed logins" in response.content


def test_without_a_proxy_x_forwarded_for_is_ignored(client, engineer, settings):
    settings.FIXTRACKER_PROXY_COUNT = 0

    answers = [
        log_in(client, password="wrong", X_Forwarded_For=f"192.0.2.{i}").status_code
        for i in range(LIMIT)
    ]

    assert answers[-1] == 429
    assert log_in(client, X_Forwarded_For="192.0.2.200").status_code == 429


def test_behind_a_proxy_a_forged_x_forwarded_for_does_not_escape(
    client_factory, engineer, settings
):
    settings.FIXTRACKER_PROXY_COUNT = 1
    via_proxy = client_factory(REMOTE_ADDR="10.0.0.2")

    answers = [
        log_in(via_proxy, password="wrong", X_Forwarded_For=f"192.0.2.{i}, 203.0.113.9").status_code
        for i in range(LIMIT)
    ]

    assert answers[-1] == 429
    assert log_in(via_proxy, X_Forwarded_For="192.0.2.200, 203.0.113.9").status_code == 429


def test_behind_a_proxy_clients_are_told_apart_by_the_address_it_saw(
    client_factory, engineer, settings
):
    settings.FIXTRACKER_PROXY_COUNT = 1
    attacker = client_factory(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    user = client_factory(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")

    fail(attacker, LIMIT)

    assert log_in(attacker).status_code == 429
    assert log_in(user).status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "client"),
    [
        (0, "192.0.2.1", "10.0.0.2"),
        (1, "192.0.2.1, 203.0.113.9", "203.0.113.9"),
        (2, "192.0.2.1, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (1, "", "10.0.0.2"),
        (2, "203.0.113.9", "10.0.0.2"),
        (1, "192.0.2.1, not-an-address", "10.0.0.2"),
    ],
)
def test_client_ip_counts_our_proxies_from_the_right(settings, proxies, forwarded_for, client):
    settings.FIXTRACKER_PROXY_COUNT = proxies
    request = RequestFactory().post(
        LOGIN, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for
    )

    assert client_ip(request) == client


@pytest.mark.parametrize(
    "setting",
    [
        "FIXTRACKER_LOGIN_FAILURE_LIMIT",
        "FIXTRACKER_LOGIN_COOLOFF_MINUTES",
        "FIXTRACKER_PROXY_COUNT",
    ],
)
def test_a_setting_that_would_disable_the_throttle_stops_start_up(setting):
    result = run_check(**{setting: "-1"})

    assert result.returncode != 0
    assert setting in result.stderr


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_an_overlong_username_is_refused_as_a_failed_login_not_a_server_error(client, url):
    # django-axes records a failed login's username in 255 characters; PostgreSQL refused more.
    response = client.post(url, {"username": "u" * 256, "password": "x"})

    assert response.status_code == 200
    assert b'type="password"' in response.content
    assert not AccessAttempt.objects.exists()
