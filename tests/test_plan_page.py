"""The plan page shows every section of the template, in its order, editable in place."""

import re

import pytest
from django.utils import timezone

from plans.models import Plan, ProgressLogEntry, ShareLink, Step, StepTask
from tests.conftest import HTMX
from tests.factories import filled_plan, template_plan

pytestmark = pytest.mark.django_db

TEMPLATE_ORDER = [
    "Overview",
    "Prerequisites",
    "Implementation Steps",
    "Step 1: Immediate Mitigation (if needed)",
    "Step 2: Prepare Fix",
    "Step 3: Testing",
    "Step 4: Code Review",
    "Step 5: Deployment",
    "Rollback Plan",
    "Verification",
    "Success Criteria",
    "Monitoring",
    "Communication",
    "Stakeholder Updates",
    "Post-Mortem",
    "Timeline",
    "Notes",
    "Progress Log",
]


def headings(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html)
    ]


def test_it_requires_login(client):
    plan = template_plan()

    response = client.get(f"/plans/{plan.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_shows_every_section_in_template_order(alice):
    plan = template_plan(fix_name="Slow search", issue_id="SRCH-9")

    response = alice.get(f"/plans/{plan.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Fix Implementation Plan: Slow search" in html
    # The app's own "Share with stakeholders" panel is the one heading the template lacks.
    assert [h for h in headings(html) if h != "Share with stakeholders"] == TEMPLATE_ORDER
    assert "Root cause confirmed in spec" in html
    assert "Original bug no longer reproducible" in html
    assert "Schedule post-mortem meeting" in html
    assert '<span class="badge status-planning">Planning</span>' in html
    assert "0 of 29 checkboxes ticked" in html


def test_it_fills_plan_values_into_tasks_and_commands(alice):
    plan = filled_plan()

    html = alice.get(f"/plans/{plan.pk}/").content.decode()

    assert "Create feature branch from main" in html
    assert "Get approval from @sre-oncall" in html
    assert "pytest tests/auth -x" in html


def test_editor_sees_edit_controls(alice):
    plan = template_plan()

    html = alice.get(f"/plans/{plan.pk}/").content.decode()

    assert 'aria-label="Edit overview"' in html
    assert f'hx-post="/plans/{plan.pk}/status/"' in html
    assert 'name="update"' in html


def test_reader_without_change_permission_sees_no_controls(bob):
    plan = template_plan()

    response = bob.get(f"/plans/{plan.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "hx-post" not in html
    assert '<form method="post" action="/plans/' not in html
    assert "Edit" not in re.sub(r"<[^>]+>", "", html).replace("Editing", "")
    assert "needs the “change plan” permission" in html


def test_reader_cannot_open_a_form_through_the_url(bob):
    plan = template_plan()

    html = bob.get(f"/plans/{plan.pk}/?edit=header").content.decode()

    assert 'name="fix_name"' not in html


def test_it_404s_for_a_missing_plan(alice):
    assert alice.get("/plans/999999/").status_code == 404


def test_markdown_is_rendered_and_sanitised(alice):
    plan = template_plan(overview="**bold** <script>alert(1)</script> [x](javascript:alert(2))")

    html = alice.get(f"/plans/{plan.pk}/").content.decode()

    assert "<strong>bold</strong>" in html
    assert "<script>alert(1)" not in html
    assert "javascript:alert" not in html


def test_user_text_is_escaped(alice):
    plan = template_plan(fix_name="<img src=x onerror=alert(1)>")

    html = alice.get(f"/plans/{plan.pk}/").content.decode()

    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_edit_parameter_opens_that_form_without_javascript(alice):
    plan = template_plan()
    metric = plan.metrics.first()

    html = alice.get(f"/plans/{plan.pk}/?edit=metrics-{metric.pk}").content.decode()

    assert f'action="/plans/{plan.pk}/rows/metrics/{metric.pk}/edit/"' in html
    assert 'value="Error rate"' in html


def test_unknown_edit_parameter_is_ignored(alice):
    plan = template_plan()

    for target in ["bogus", "metrics-x", "metrics-999999", "steps-"]:
        assert alice.get(f"/plans/{plan.pk}/", {"edit": target}).status_code == 200


def test_it_rejects_post(alice):
    plan = template_plan()

    assert alice.post(f"/plans/{plan.pk}/").status_code == 405


def grow(plan, n: int) -> None:
    """Give a plan n steps of n tasks, n log entries and n revoked share links."""
    Step.objects.filter(plan=plan).delete()
    steps = Step.objects.bulk_create([Step(plan=plan, position=i, title=f"S{i}") for i in range(n)])
    StepTask.objects.bulk_create(
        [StepTask(step=s, position=j, text=f"T{j}") for s in steps for j in range(n)]
    )
    ProgressLogEntry.objects.bulk_create(
        [ProgressLogEntry(plan=plan, update=f"U{i}") for i in range(n)]
    )
    ShareLink.objects.bulk_create(
        [ShareLink(plan=plan, token_hash=f"{i}", revoked_at=timezone.now()) for i in range(n)]
    )


@pytest.mark.parametrize("n", [1, 50])
def test_query_count_does_not_grow_with_the_plan(alice, n, django_assert_max_num_queries):
    plan = template_plan()
    for i in range(n):
        template_plan(issue_id=f"OTHER-{i}")
    grow(plan, n)

    # session, user, plan, 7 child lists, log size, log page, the user's and their groups'
    # permissions, and the share links: live and latest ended, how many older.
    with django_assert_max_num_queries(17):
        response = alice.get(f"/plans/{plan.pk}/")
    assert response.status_code == 200
    assert f"Step {n}: S{n - 1}" in response.content.decode()


@pytest.mark.parametrize("n", [1, 50])
def test_htmx_fragments_keep_a_constant_query_count(alice, n, django_assert_max_num_queries):
    plan = template_plan()
    grow(plan, n)
    step = plan.steps.last()
    task = step.tasks.last()

    with django_assert_max_num_queries(13):
        alice.get(f"/plans/{plan.pk}/rows/steps/{step.pk}/", headers=HTMX)
    # The most a tick costs: the one that completes a step, logs it and times its phase.
    with django_assert_max_num_queries(20):
        alice.post(f"/plans/{plan.pk}/rows/tasks/{task.pk}/done/", {"done": "true"}, headers=HTMX)
    with django_assert_max_num_queries(13):
        alice.post(f"/plans/{plan.pk}/log/", {"update": "Still going"}, headers=HTMX)
    with django_assert_max_num_queries(14):
        alice.post(
            f"/plans/{plan.pk}/status/", {"expected": "planning", "to": "in_progress"}, headers=HTMX
        )


def test_a_long_log_shows_its_newest_entries_and_pages_to_the_rest(alice):
    from tests.test_stakeholder_page import add_log, entries

    plan = template_plan()
    add_log(plan, 60)

    page = alice.get(f"/plans/{plan.pk}/").content.decode()
    older = alice.get(f"/plans/{plan.pk}/", {"log_page": "2"}).content.decode()

    assert page.count("Update number") == 50 and "Plan created" not in page
    assert entries(1, 50, 61) in page and 'href="?log_page=2#progress-log"' in page
    assert older.count("Update number") == 10 and "Plan created" in older
    assert entries(51, 61, 61) in older and 'href="?log_page=1#progress-log"' in older


@pytest.mark.parametrize("log_page", ["1", "4", "99999"])
def test_each_page_of_a_long_log_costs_the_same(alice, log_page, django_assert_num_queries):
    from tests.test_stakeholder_page import add_log

    plan = template_plan()
    add_log(plan, 500)

    # session, user, plan, 7 child lists, log size, log page, 2 for permissions, share links,
    # the usernames an owner field suggests.
    with django_assert_num_queries(16):
        response = alice.get(f"/plans/{plan.pk}/", {"log_page": log_page})
    assert response.status_code == 200
    # The last page holds the plan's first entry alone.
    assert response.content.decode().count("Update number") == (0 if log_page == "99999" else 50)


def test_a_page_shown_again_shows_a_change_at_once(alice):
    plan = template_plan()
    task = StepTask.objects.filter(step__plan=plan).order_by("step__position", "position").first()
    alice.get(f"/plans/{plan.pk}/")

    alice.post(f"/plans/{plan.pk}/rows/tasks/{task.pk}/done/", {"done": "true"})
    html = alice.get(f"/plans/{plan.pk}/").content.decode()

    assert f'<li id="tasks-{task.pk}" class="done' in html


def test_without_javascript_a_lists_form_ticks_what_was_shown(alice, django_user_model):
    from django.contrib.auth.models import Permission
    from django.test import Client

    plan = template_plan()
    first, second = StepTask.objects.filter(step__plan=plan).order_by("step__position", "position")[
        :2
    ]
    carol = django_user_model.objects.create_user("carol")
    carol.user_permissions.add(Permission.objects.get(codename="change_plan"))
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(carol)
    html = strict.get(f"/plans/{plan.pk}/").content.decode()
    form = html[html.index(f'<form id="ticks-step-{first.step_id}-tasks"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    shown = re.search(r'name="shown" value="([^"]+)"', form).group(1)
    was = re.search(r'name="was" value="([^"]*)"', form).group(1)
    # Meanwhile a teammate ticks the second task: the form, which showed it unticked, does
    # not take it back, because its box was not changed here.
    alice.post(f"/plans/{plan.pk}/rows/tasks/{second.pk}/done/", {"done": "true"})

    response = strict.post(
        f"/plans/{plan.pk}/rows/tasks/ticks/",
        {
            "csrfmiddlewaretoken": token,
            "shown": shown,
            "was": was,
            "step": first.step_id,
            "ticked": [first.pk],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/plans/{plan.pk}/#step-{first.step_id}-tasks"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.done and first.done_by == carol
    assert second.done
    assert "\x00" not in html
    assert '<span class="muted">carol</span>' in html and "Alice" not in html


def test_a_reader_never_gets_the_page_cached_for_an_editor(alice, bob):
    plan = template_plan()
    alice.get(f"/plans/{plan.pk}/")

    html = bob.get(f"/plans/{plan.pk}/").content.decode()

    assert "/done/" not in html and "Share links" not in html and "Edit" not in html
    assert "You can read this plan" in html


def test_share_links_are_current_on_a_cached_page(alice):
    from plans.operations import create_share_link

    plan = template_plan()
    alice.get(f"/plans/{plan.pk}/")
    create_share_link(plan.pk, label="Exec team")

    html = alice.get(f"/plans/{plan.pk}/").content.decode()

    assert (
        'Share links <span id="share-links-count">(1 live)</span>' in html and "Exec team" in html
    )


def test_a_placeholder_not_yet_given_is_marked_as_one(alice):
    plan = template_plan(fix_name="Slow <search>")
    Plan.objects.filter(pk=plan.pk).update(default_branch="")
    plan.checklist_items.filter(position=0).update(text="Ask <b>{{REVIEWER}}</b> & {{NOPE}}")

    html = alice.get(f"/plans/{plan.pk}/").content.decode()

    assert '<span class="placeholder" title="Not set yet">{{DEFAULT_BRANCH}}</span>' in html
    # The row's text is one piece beside its box (a phone split it into columns).
    assert (
        '> <span>Ask &lt;b&gt;<span class="placeholder" title="Not set yet">{{REVIEWER}}</span>'
        '&lt;/b&gt; &amp; <span class="placeholder" title="Not set yet">{{NOPE}}</span></span>'
        "</label>"
    ) in html


def test_no_two_elements_of_the_page_share_an_id(alice):
    """A step's task list and a task once shared `tasks-<n>`: swaps landed in another step."""
    from collections import Counter

    plan = filled_plan()
    for target in ["", "header", f"prerequisites-{plan.checklist_items.first().pk}"]:
        html = alice.get(f"/plans/{plan.pk}/", {"edit": target} if target else {}).content.decode()
        ids = Counter(re.findall(r'\sid="([^"]+)"', html))
        assert [i for i, n in ids.items() if n > 1] == [], target


def test_code_spans_in_rows_and_the_log_show_as_code_and_stay_escaped(alice):
    from plans.operations import add_log_entry

    plan = template_plan()
    plan.checklist_items.filter(position=0).update(text="Set `timeout` to 3 s, not `<b>`")
    add_log_entry(plan.pk, update="Raised `pool_size` to 40; a lone ` stays", user=None)

    html = alice.get(f"/plans/{plan.pk}/").content.decode()

    assert "<span>Set <code>timeout</code> to 3 s, not <code>&lt;b&gt;</code></span>" in html
    assert "Raised <code>pool_size</code> to 40; a lone ` stays" in html
