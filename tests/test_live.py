"""An engineer's open plan page asks /plans/<id>/live/ whether the plan changed: 304 while
it has not, from a fixed number of queries; otherwise the new version and what teammates
did, in words, from the plan's history."""

import pytest

from plans import operations
from plans.models import ChecklistKind
from tests.factories import template_plan

pytestmark = pytest.mark.django_db


def etag(plan) -> str:
    plan.refresh_from_db(fields=["version"])
    return f'"live-{plan.pk}-{plan.version}"'


def live(client, plan, since, **headers):
    return client.get(f"/plans/{plan.pk}/live/", {"since": since}, headers=headers)


def prerequisite(plan):
    return plan.checklist_items.get(kind=ChecklistKind.PREREQUISITE, position=0)


def test_the_plan_page_carries_its_version_and_where_to_ask(alice):
    plan = template_plan()

    page = alice.get(f"/plans/{plan.pk}/").content.decode()

    assert f'data-url="/plans/{plan.pk}/live/"' in page
    assert f'data-version="{plan.version}"' in page
    assert f'data-etag="&quot;live-{plan.pk}-{plan.version}&quot;"' in page


def test_an_unchanged_plan_answers_304_from_the_same_few_queries(alice, django_assert_num_queries):
    plan = template_plan()
    tag = etag(plan)

    # session, user, the plan's version.
    with django_assert_num_queries(3):
        response = live(alice, plan, plan.version, **{"If-None-Match": tag})

    assert response.status_code == 304
    assert response["ETag"] == tag
    assert response["Cache-Control"] == "private, no-cache"


def test_a_teammates_tick_is_named(alice, django_user_model):
    plan = template_plan()
    seen, tag = plan.version, etag(plan)
    priya = django_user_model.objects.create_user("priya")
    item = prerequisite(plan)
    operations.set_item_done(plan.pk, item.kind, item.pk, done=True, user=priya)

    response = live(alice, plan, seen, **{"If-None-Match": tag})

    assert response.status_code == 200
    assert response.json() == {"version": seen + 1, "news": [f"priya ticked “{item.text}”"]}
    assert response["ETag"] == etag(plan)


def test_ones_own_changes_are_not_named_but_still_change_the_version(alice, engineer):
    # Made in another tab, perhaps: this page has not seen them and must draw them.
    plan = template_plan()
    seen = plan.version
    operations.add_log_entry(plan.pk, update="Paged the DBA", user=engineer)

    response = live(alice, plan, seen, **{"If-None-Match": f'"live-{plan.pk}-{seen}"'})

    assert response.status_code == 200
    assert response.json() == {"version": seen + 1, "news": []}


def test_a_reader_is_not_told_of_share_links(bob, django_user_model):
    plan = template_plan()
    seen = plan.version
    priya = django_user_model.objects.create_user("priya")
    operations.create_share_link(plan.pk, label="Acme CTO", user=priya)
    operations.add_log_entry(plan.pk, update="Paged the DBA", user=priya)

    news = live(bob, plan, seen).json()["news"]

    assert news == ["priya logged “Paged the DBA”"]


def test_many_changes_are_named_up_to_five(alice):
    plan = template_plan()
    seen = plan.version
    for n in range(7):
        operations.add_log_entry(plan.pk, update=f"Update {n}", user=None)

    news = live(alice, plan, seen).json()["news"]

    assert news == [f"A command logged “Update {n}”" for n in (6, 5, 4, 3, 2)] + ["…and more"]


@pytest.mark.parametrize("changes", [1, 30])
def test_a_changed_plan_answers_from_the_same_few_queries(
    alice, changes, django_assert_num_queries
):
    plan = template_plan()
    seen = plan.version
    for n in range(changes):
        operations.add_log_entry(plan.pk, update=f"Update {n}", user=None)

    # session, user, the plan's version, 2 for permissions (readers are told less), the
    # changes since.
    with django_assert_num_queries(6):
        response = live(alice, plan, seen)
    assert response.status_code == 200


def test_it_needs_a_login_and_a_plan(client, alice):
    plan = template_plan()

    gone = alice.get("/plans/999999/live/")
    odd = live(alice, plan, "x")
    alice.logout()
    anonymous = live(client, plan, plan.version)

    assert gone.status_code == 404
    assert odd.status_code == 200  # a version that is no number asks for everything
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
