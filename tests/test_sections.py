"""Header, overview, notes and rollback are edited in place, one form each."""

import json

import pytest

from plans.models import Plan, Priority
from tests.conftest import HTMX
from tests.factories import template_plan

pytestmark = pytest.mark.django_db

HEADER = {
    "fix_name": "Checkout timeout",
    "issue_id": "PAY-7",
    "author": "Alice",
    "created": "2026-11-20",
    "priority": "P1",
    "spec_title": "spec.md",
    "spec_link": "spec.md",
    "default_branch": "main",
    "reviewer": "",
    "test_command": "",
    "deploy_command": "",
}


def edit_form(client, plan, name) -> dict:
    """The form's fields as the edit fragment renders them, base included."""
    response = client.get(f"/plans/{plan.pk}/sections/{name}/edit/", headers=HTMX)
    form = response.context["edit_form"]
    data = {name: "" if v is None else str(v) for name, v in form.current.items()}
    return {**data, "base": form.initial["base"]}


def save(client, plan, name, data, **kwargs):
    return client.post(f"/plans/{plan.pk}/sections/{name}/edit/", data, **kwargs)


def test_edit_fragment_has_the_form_with_its_labels(alice):
    plan = template_plan(fix_name="Old name")

    response = alice.get(f"/plans/{plan.pk}/sections/header/edit/", headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_fix_name">Fix name</label>' in html
    assert 'value="Old name"' in html
    assert "<html" not in html


def test_it_saves_the_header(alice):
    plan = template_plan()
    data = {**edit_form(alice, plan, "header"), **HEADER}

    response = save(alice, plan, "header", data, headers=HTMX)

    assert response.status_code == 200
    plan.refresh_from_db()
    assert (plan.fix_name, plan.issue_id, plan.priority) == (
        "Checkout timeout",
        "PAY-7",
        Priority.P1,
    )
    assert plan.default_branch == "main"
    assert "Fix Implementation Plan: Checkout timeout" in response.content.decode()


def test_invalid_values_get_422_beside_the_field_and_nothing_is_saved(alice):
    plan = template_plan(fix_name="Keep me")
    data = {
        **edit_form(alice, plan, "header"),
        **HEADER,
        "fix_name": "Two\nlines",
        "priority": "P9",
    }

    response = save(alice, plan, "header", data, headers=HTMX)

    assert response.status_code == 422
    html = response.content.decode()
    assert "Must be a single line." in html
    assert "Select a valid choice." in html
    assert 'aria-invalid="true"' in html
    plan.refresh_from_db()
    assert plan.fix_name == "Keep me" and plan.priority == Priority.P2


def test_too_long_and_control_characters_are_refused(alice):
    plan = template_plan()
    base = edit_form(alice, plan, "overview")

    too_long = save(
        alice, plan, "header", {**edit_form(alice, plan, "header"), "fix_name": "x" * 201}
    )
    control = save(alice, plan, "overview", {**base, "overview": "bell \x07"}, headers=HTMX)

    assert too_long.status_code == 422
    assert control.status_code == 422 and b"control characters" in control.content


def test_overview_is_saved_as_markdown_and_shown_sanitised(alice):
    plan = template_plan()
    data = {
        **edit_form(alice, plan, "overview"),
        "overview": "A **bold** move\r\n<script>x()</script>",
    }

    response = save(alice, plan, "overview", data, headers=HTMX)

    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.overview == "A **bold** move\n<script>x()</script>"
    html = response.content.decode()
    assert "<strong>bold</strong>" in html and "<script>x()" not in html


def test_two_people_editing_different_fields_both_keep_their_change(alice):
    plan = template_plan(fix_name="Original", issue_id="OPS-1")
    mine = edit_form(alice, plan, "header")
    theirs = edit_form(alice, plan, "header")

    save(alice, plan, "header", {**theirs, "issue_id": "OPS-2"}, headers=HTMX)
    response = save(alice, plan, "header", {**mine, "fix_name": "Renamed"}, headers=HTMX)

    assert response.status_code == 200
    plan.refresh_from_db()
    assert (plan.fix_name, plan.issue_id) == ("Renamed", "OPS-2")


def test_the_same_field_changed_underneath_gets_409_with_the_current_value(alice):
    plan = template_plan(fix_name="Original")
    mine = edit_form(alice, plan, "header")
    theirs = edit_form(alice, plan, "header")
    save(alice, plan, "header", {**theirs, "fix_name": "Their name"}, headers=HTMX)

    response = save(alice, plan, "header", {**mine, "fix_name": "My name"}, headers=HTMX)

    assert response.status_code == 409
    assert "Someone else changed this to “Their name”" in response.content.decode()
    plan.refresh_from_db()
    assert plan.fix_name == "Their name"

    # The 409 form carries what is there now, so saving it again is a deliberate overwrite.
    again = response.context["edit_form"]
    resubmit = {**mine, "fix_name": "My name", "base": again.data["base"]}
    assert save(alice, plan, "header", resubmit, headers=HTMX).status_code == 200
    plan.refresh_from_db()
    assert plan.fix_name == "My name"


def test_a_missing_base_keeps_the_current_values_of_untouched_fields(alice):
    plan = template_plan(fix_name="Original", issue_id="OPS-1")
    data = {**edit_form(alice, plan, "header"), "base": "not json", "issue_id": "OPS-9"}

    assert save(alice, plan, "header", data, headers=HTMX).status_code == 200
    plan.refresh_from_db()
    assert (plan.fix_name, plan.issue_id) == ("Original", "OPS-9")


def test_saving_bumps_the_plans_last_change(alice):
    plan = template_plan()
    before = Plan.objects.get(pk=plan.pk).updated_at

    save(alice, plan, "notes", {**edit_form(alice, plan, "notes"), "notes": "new"}, headers=HTMX)

    assert Plan.objects.get(pk=plan.pk).updated_at > before


def test_rollback_fields_are_saved(alice):
    plan = template_plan()
    data = {**edit_form(alice, plan, "rollback"), "revert_commit": "abc123", "cache_keys": "cart:*"}

    response = save(alice, plan, "rollback", data, headers=HTMX)

    assert response.status_code == 200
    assert "git revert abc123" in response.content.decode()


def test_without_htmx_save_redirects_and_errors_render_the_whole_page(alice):
    plan = template_plan()
    good = {**edit_form(alice, plan, "notes"), "notes": "fine"}
    bad = {**edit_form(alice, plan, "header"), "priority": "P9"}

    saved = save(alice, plan, "notes", good)
    failed = save(alice, plan, "header", bad)

    assert saved.status_code == 302 and saved["Location"] == f"/plans/{plan.pk}/#section-notes"
    assert failed.status_code == 422
    assert b"<html" in failed.content and b"Select a valid choice." in failed.content


def test_edit_link_without_htmx_goes_to_the_page_with_the_form_open(alice):
    plan = template_plan()

    response = alice.get(f"/plans/{plan.pk}/sections/notes/edit/")

    assert response.status_code == 302
    assert response["Location"] == f"/plans/{plan.pk}/?edit=notes#section-notes"


def test_cancel_shows_the_section_again(alice):
    plan = template_plan()

    response = alice.get(f"/plans/{plan.pk}/sections/overview/", headers=HTMX)

    assert response.status_code == 200
    assert b'id="section-overview"' in response.content


def test_it_requires_change_permission(bob):
    plan = template_plan(fix_name="Original")

    assert bob.get(f"/plans/{plan.pk}/sections/header/edit/").status_code == 403
    assert save(bob, plan, "header", {**HEADER, "base": json.dumps({})}).status_code == 403
    plan.refresh_from_db()
    assert plan.fix_name == "Original"


def test_it_404s_for_unknown_section_or_plan(alice):
    plan = template_plan()

    assert alice.get(f"/plans/{plan.pk}/sections/status/edit/", headers=HTMX).status_code == 404
    assert save(alice, Plan(pk=999999), "header", HEADER, headers=HTMX).status_code == 404


def test_a_fix_name_or_issue_id_can_be_changed_but_not_blanked(alice):
    plan = template_plan(fix_name="Slow search", issue_id="SRCH-9")
    form = alice.get(f"/plans/{plan.pk}/sections/header/edit/", headers=HTMX).context["edit_form"]
    data = {name: "" if value is None else str(value) for name, value in form.current.items()}
    data["base"] = form.initial["base"]

    blanked = alice.post(
        f"/plans/{plan.pk}/sections/header/edit/",
        {**data, "fix_name": "", "issue_id": " "},
        headers=HTMX,
    )
    renamed = alice.post(
        f"/plans/{plan.pk}/sections/header/edit/",
        {**data, "fix_name": "Search times out"},
        headers=HTMX,
    )

    assert blanked.status_code == 422
    assert (
        "This plan has a fix name; it can be changed but not blanked." in blanked.content.decode()
    )
    assert (
        "This plan has an issue id; it can be changed but not blanked." in blanked.content.decode()
    )
    assert renamed.status_code == 200
    plan.refresh_from_db()
    assert (plan.fix_name, plan.issue_id) == ("Search times out", "SRCH-9")
