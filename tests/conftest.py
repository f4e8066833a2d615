from pathlib import Path

import pytest

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
