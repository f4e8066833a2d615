"""Every URL, every method, every kind of visitor, against the status it must answer.

A URL added to the app without a row here fails `test_every_url_is_in_the_matrix`.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from plans.models import ChecklistKind, PlanSpec, Webhook
from plans.operations import create_share_link
from tests.factories import template_plan

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "reader", "editor", "stakeholder")
METHODS = ("GET", "POST", "PUT", "DELETE")
LOGIN = 302  # a login page redirect
WRONG_TOKEN = "not-a-real-token-" + "x" * 30


def _row(plan):
    return plan.checklist_items.get(kind=ChecklistKind.PREREQUISITE, position=0)


# name: (kwargs from the fixture objects, {method: statuses for ROLES}); any method not
# listed must answer 405 to everyone.
MATRIX = {
    "dashboard": (lambda o: {}, {"GET": (LOGIN, 200, 200, LOGIN)}),
    "my_work": (lambda o: {}, {"GET": (LOGIN, 200, 200, LOGIN)}),
    "login": (lambda o: {}, {"GET": (200, 200, 200, 200), "POST": (200, 200, 200, 200)}),
    "logout": (lambda o: {}, {"POST": (302, 302, 302, 302)}),
    "plan_new": (lambda o: {}, {"GET": (LOGIN, 403, 200, LOGIN), "POST": (LOGIN, 403, 422, LOGIN)}),
    "plan_import": (
        lambda o: {},
        {"GET": (LOGIN, 403, 200, LOGIN), "POST": (LOGIN, 403, 422, LOGIN)},
    ),
    "plan_import_confirm": (
        # No such preview: the editor is sent back to upload again.
        lambda o: {"pending_id": 999_999},
        {"GET": (LOGIN, 403, 302, LOGIN), "POST": (LOGIN, 403, 302, LOGIN)},
    ),
    "plan": (lambda o: {"plan_id": o["plan"].pk}, {"GET": (LOGIN, 200, 200, LOGIN)}),
    "plan_export": (lambda o: {"plan_id": o["plan"].pk}, {"GET": (LOGIN, 200, 200, LOGIN)}),
    "plan_spec": (lambda o: {"plan_id": o["plan"].pk}, {"GET": (LOGIN, 200, 200, LOGIN)}),
    "plan_history": (lambda o: {"plan_id": o["plan"].pk}, {"GET": (LOGIN, 200, 200, LOGIN)}),
    "plan_live": (lambda o: {"plan_id": o["plan"].pk}, {"GET": (LOGIN, 200, 200, LOGIN)}),
    "plan_events": (lambda o: {"plan_id": o["plan"].pk}, {"GET": (LOGIN, 200, 200, LOGIN)}),
    "plan_spec_download": (
        lambda o: {"plan_id": o["plan"].pk},
        {"GET": (LOGIN, 200, 200, LOGIN)},
    ),
    "plan_status": (lambda o: {"plan_id": o["plan"].pk}, {"POST": (LOGIN, 403, 422, LOGIN)}),
    "plan_log": (lambda o: {"plan_id": o["plan"].pk}, {"POST": (LOGIN, 403, 422, LOGIN)}),
    # Without a side to take: 400.
    "fix_folder_resolve": (
        lambda o: {"plan_id": o["plan"].pk},
        {"POST": (LOGIN, 403, 400, LOGIN)},
    ),
    "share_link_create": (
        lambda o: {"plan_id": o["plan"].pk},
        {"POST": (LOGIN, 403, 200, LOGIN)},
    ),
    "share_link_revoke": (
        lambda o: {"plan_id": o["plan"].pk, "link_id": o["link"].pk},
        {"POST": (LOGIN, 403, 200, LOGIN)},  # without HTMX or `confirm`: the question
    ),
    "stakeholder": (lambda o: {"token": o["token"]}, {"GET": (404, 404, 404, 200)}),
    "stakeholder_export": (lambda o: {"token": o["token"]}, {"GET": (404, 404, 404, 200)}),
    "section": (
        lambda o: {"plan_id": o["plan"].pk, "name": "header"},
        {"GET": (LOGIN, 200, 200, LOGIN)},
    ),
    "section_edit": (
        lambda o: {"plan_id": o["plan"].pk, "name": "header"},
        # Without HTMX the editor's GET goes to the plan page with the form open.
        {"GET": (LOGIN, 403, 302, LOGIN), "POST": (LOGIN, 403, 422, LOGIN)},
    ),
    "row_add": (
        lambda o: {"plan_id": o["plan"].pk, "kind": "prerequisites"},
        # Without HTMX the editor's GET goes to the plan page with the add form open.
        {"GET": (LOGIN, 403, 302, LOGIN), "POST": (LOGIN, 403, 422, LOGIN)},
    ),
    "row_ticks": (
        lambda o: {"plan_id": o["plan"].pk, "kind": "prerequisites"},
        {"POST": (LOGIN, 403, 302, LOGIN)},
    ),
    "row": (
        lambda o: {"plan_id": o["plan"].pk, "kind": "prerequisites", "row_id": o["row"].pk},
        {"GET": (LOGIN, 200, 200, LOGIN)},
    ),
    "row_edit": (
        lambda o: {"plan_id": o["plan"].pk, "kind": "prerequisites", "row_id": o["row"].pk},
        {"GET": (LOGIN, 403, 302, LOGIN), "POST": (LOGIN, 403, 422, LOGIN)},
    ),
    "row_move": (
        lambda o: {"plan_id": o["plan"].pk, "kind": "prerequisites", "row_id": o["row"].pk},
        {"POST": (LOGIN, 403, 400, LOGIN)},
    ),
    "row_delete": (
        lambda o: {"plan_id": o["plan"].pk, "kind": "prerequisites", "row_id": o["row"].pk},
        # An editor's plain POST without `confirm` gets the question.
        {"POST": (LOGIN, 403, 200, LOGIN)},
    ),
    "row_done": (
        lambda o: {"plan_id": o["plan"].pk, "kind": "prerequisites", "row_id": o["row"].pk},
        {"POST": (LOGIN, 403, 400, LOGIN)},
    ),
    # Staff who manage webhooks only (tests/test_webhook_pages.py): an editor is not staff.
    "webhooks": (lambda o: {}, {"GET": (LOGIN, 403, 403, LOGIN), "POST": (LOGIN, 403, 403, LOGIN)}),
    "webhook": (lambda o: {"webhook_id": o["webhook"].pk}, {"GET": (LOGIN, 403, 403, LOGIN)}),
    "webhook_edit": (
        lambda o: {"webhook_id": o["webhook"].pk},
        {"POST": (LOGIN, 403, 403, LOGIN)},
    ),
    "webhook_test": (
        lambda o: {"webhook_id": o["webhook"].pk},
        {"POST": (LOGIN, 403, 403, LOGIN)},
    ),
    "webhook_enable": (
        lambda o: {"webhook_id": o["webhook"].pk},
        {"POST": (LOGIN, 403, 403, LOGIN)},
    ),
    "webhook_delete": (
        lambda o: {"webhook_id": o["webhook"].pk},
        {"GET": (LOGIN, 403, 403, LOGIN), "POST": (LOGIN, 403, 403, LOGIN)},
    ),
    "webhook_redeliver": (
        lambda o: {"webhook_id": o["webhook"].pk, "delivery_id": 999_999},
        {"POST": (LOGIN, 403, 403, LOGIN)},
    ),
}


def url_names(resolver=None, namespace="") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django's admin checks its own permissions
            names |= url_names(pattern)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(pattern.name)
    return names


def test_every_url_is_in_the_matrix():
    assert url_names() == set(MATRIX)


@pytest.fixture
def objects(reader, engineer):
    plan = template_plan()
    PlanSpec.objects.create(plan=plan, data=b"# Fix Specification: X\n")
    link, token = create_share_link(plan.pk)
    webhook = Webhook.objects.create(url="https://hooks.example.com/x", events=["plan.created"])
    return {"plan": plan, "row": _row(plan), "link": link, "token": token, "webhook": webhook}


def client_for(role: str, reader, engineer) -> Client:
    client = Client()
    if role == "reader":
        client.force_login(reader)
    elif role == "editor":
        client.force_login(engineer)
    return client


CASES = [(name, method, role) for name in sorted(MATRIX) for method in METHODS for role in ROLES]


@pytest.mark.parametrize(("name", "method", "role"), CASES)
def test_matrix(name, method, role, objects, reader, engineer):
    kwargs_of, expected_by_method = MATRIX[name]
    kwargs = kwargs_of(objects)
    if name.startswith("stakeholder") and role != "stakeholder":
        kwargs["token"] = WRONG_TOKEN
    expected = expected_by_method.get(method, (405,) * len(ROLES))[ROLES.index(role)]
    client = client_for(role, reader, engineer)

    response = client.generic(method, reverse(name, kwargs=kwargs))

    assert response.status_code == expected
    if expected == LOGIN and role in {"anonymous", "stakeholder"} and name != "logout":
        assert response["Location"].startswith("/accounts/login/")
