"""Browser tests: Debian's Chromium driven by Playwright against Django's live server.

No browser download: the tests use /usr/bin/chromium (or $FIXTRACKER_CHROMIUM). Without one
they skip, saying why, unless FIXTRACKER_REQUIRE_BROWSER=1 (set by .ci/run) makes that a failure.
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the test code's ORM calls are
# still synchronous, and Django must be told so for this folder only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    for candidate in [os.environ.get("FIXTRACKER_CHROMIUM"), "/usr/bin/chromium"]:
        if candidate and os.path.exists(candidate):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "e2e" in item.nodeid.split("/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = find_chromium()
    if executable is None:
        reason = "no Chromium found (apt-get install -y chromium, or set FIXTRACKER_CHROMIUM)"
        if os.environ.get("FIXTRACKER_REQUIRE_BROWSER") == "1":
            pytest.fail(f"FIXTRACKER_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture
def editor(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("erin", password="incident-42", first_name="Erin")
    user.user_permissions.add(Permission.objects.get(codename="change_plan"))
    return user


def log_in(page, live_server, username="erin", password="incident-42"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
