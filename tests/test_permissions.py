"""Who may change plans: Django's change permission, given directly, through a group, or to
a superuser; the check costs one query."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from plans.models import ChecklistKind
from tests.conftest import HTMX
from tests.factories import template_plan

pytestmark = pytest.mark.django_db


def tick(user, plan) -> int:
    client = Client()
    client.force_login(user)
    item = plan.checklist_items.get(kind=ChecklistKind.PREREQUISITE, position=0)
    url = f"/plans/{plan.pk}/rows/prerequisites/{item.pk}/done/"
    return client.post(url, {"done": "true"}, headers=HTMX).status_code


def change_plan():
    return Permission.objects.get(codename="change_plan")


def test_a_group_gives_the_change_permission(django_user_model):
    responders = Group.objects.create(name="Responders")
    responders.permissions.add(change_plan())
    dana = django_user_model.objects.create_user("dana")
    dana.groups.add(responders)

    assert tick(dana, template_plan()) == 200


def test_a_permission_given_twice_still_counts_once(django_user_model):
    responders = Group.objects.create(name="Responders")
    responders.permissions.add(change_plan())
    dana = django_user_model.objects.create_user("dana")
    dana.groups.add(responders)
    dana.user_permissions.add(change_plan())

    assert dana.get_all_permissions() == {"plans.change_plan"}


def test_a_superuser_may_change_plans(django_user_model):
    root = django_user_model.objects.create_superuser("root", password="pw")

    assert tick(root, template_plan()) == 200


def test_another_permission_is_not_the_change_permission(django_user_model):
    viewer = django_user_model.objects.create_user("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_plan"))
    viewers = Group.objects.create(name="Viewers")
    viewers.permissions.add(Permission.objects.get(codename="delete_plan"))
    viewer.groups.add(viewers)

    assert tick(viewer, template_plan()) == 403
    assert viewer.get_all_permissions() == {"plans.view_plan", "plans.delete_plan"}


def test_an_inactive_user_has_no_permissions(django_user_model):
    gone = django_user_model.objects.create_user("gone", is_active=False)
    gone.user_permissions.add(change_plan())

    assert not gone.has_perm("plans.change_plan")


def test_the_check_is_remembered_for_the_request(engineer, django_assert_num_queries):
    # Django's ModelBackend: the user's own permissions, then their groups'.
    with django_assert_num_queries(2):
        assert engineer.has_perm("plans.change_plan")
        assert engineer.has_perm("plans.change_plan")
