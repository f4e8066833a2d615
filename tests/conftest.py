import datetime
import os
from pathlib import Path

import pytest
from django.core.cache import caches
from django.utils import timezone
from hypothesis import settings as hypothesis_settings

# CI replays the same examples every run, so a red build always means a change broke
# something; a developer's run draws new ones and keeps looking for bugs.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "golden"
CORPUS = TESTS / "import_corpus"
SHARED_TEMPLATE = TESTS.parent.parent / "shared" / "template" / "fix-plan-template.md"


@pytest.fixture
def template_text() -> str:
    return (GOLDEN / "fix-plan-template.md").read_text(encoding="utf-8")


@pytest.fixture
def engineer(django_user_model):
    """Alice can change plans."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("alice", password="pw", first_name="Alice")
    user.user_permissions.add(Permission.objects.get(codename="change_plan"))
    return user


@pytest.fixture
def alice(client, engineer):
    client.force_login(engineer)
    return client


@pytest.fixture
def reader(django_user_model):
    """Bob is logged in but may not change plans."""
    return django_user_model.objects.create_user("bob", password="pw")


@pytest.fixture
def bob(client_factory, reader):
    client = client_factory()
    client.force_login(reader)
    return client


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client


HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2's deliberate slowness is for attackers; the tests make hundreds of users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_caches():
    """Each test starts with no rows drawn: what a test sees drawn, it drew."""
    for cache in caches.all():
        cache.clear()


def round_trip(client, plan):
    """Download a plan, upload it again through the preview, and check the new plan's
    download is the same bytes; returns the new plan."""
    from plans.markdown import export_plan
    from plans.models import Plan

    download = client.get(f"/plans/{plan.pk}/export.md").content
    response = upload_and_import(client, download)
    assert response.status_code == 302, response.content.decode()[:3000]
    copy = Plan.objects.latest("pk")
    assert export_plan(copy.pk).encode() == download
    return copy


def upload_and_import(client, content: bytes, name: str = "plan.md", **kwargs):
    """The browser's import: upload the file, see its preview, press Import.

    Returns the last answer: the redirect to the new plan, or the upload's refusal."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/plans/import/", {"file": SimpleUploadedFile(name, content)})
    if response.status_code != 302:
        return response
    assert client.get(response["Location"]).status_code == 200  # the preview
    return client.post(response["Location"], **kwargs)


# Outgoing webhooks: receivers on 127.0.0.1 (tests/receivers.py) and a clock to move on.


@pytest.fixture
def loopback_webhooks(settings):
    """Webhooks may call 127.0.0.1, where the tests' receivers listen; attempts are short."""
    settings.FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.FIXTRACKER_WEBHOOK_TIMEOUT_SECONDS = 2
    settings.FIXTRACKER_BASE_URL = "https://fixtracker.example.com"
    return settings


@pytest.fixture
def receiver():
    from tests.receivers import Receiver

    receiver = Receiver().start()
    yield receiver
    receiver.released.set()
    receiver.stop()


class Clock:
    """`timezone.now`, moved on by `advance` or `to`."""

    def __init__(self):
        self.real = timezone.now
        self.offset = datetime.timedelta()

    def __call__(self):
        return self.real() + self.offset

    def to(self, moment: datetime.datetime) -> None:
        self.offset += max(datetime.timedelta(), moment - self())

    def advance(self, **delta) -> None:
        self.offset += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock


# Fix folders in real temporary git repositories.


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git repository with a commit and an empty docs/fixes (tests/test_sync_fixes.py)."""
    from tests.test_sync_fixes import git

    repo = tmp_path / "repo"
    (repo / "docs" / "fixes").mkdir(parents=True)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "config", "user.name", "Dev")
    git(repo, "config", "user.email", "dev@example.com")
    (repo / "README.md").write_text("# Service\n")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "start")
    return repo


@pytest.fixture
def fixes(repo) -> Path:
    return repo / "docs" / "fixes"
