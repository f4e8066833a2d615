"""Every change to a plan is in its history, with who and when, written by the change
itself; engineers read it at /plans/<id>/history/, newest first, by kind, a page at a time."""

import io

import pytest
from django.core.management import call_command

from plans import operations
from plans.models import ChangeKind, ChecklistKind, HistoryEntry, Plan, Status
from plans.rows import ROW_KINDS
from tests.conftest import HTMX, upload_and_import
from tests.factories import template_plan

pytestmark = pytest.mark.django_db


def entries(plan, kind=None):
    rows = HistoryEntry.objects.filter(plan=plan).order_by("id")
    return list(rows.filter(kind=kind) if kind else rows)


def latest(plan) -> HistoryEntry:
    return HistoryEntry.objects.filter(plan=plan).order_by("-id").first()


def form_data(client, url: str) -> dict:
    form = client.get(url, headers=HTMX).context["edit_form"]
    data = {name: "" if value is None else str(value) for name, value in form.current.items()}
    return {**data, "base": form.initial["base"]}


def prerequisite(plan, position=0):
    return plan.checklist_items.get(kind=ChecklistKind.PREREQUISITE, position=position)


def test_a_plan_made_in_the_app_starts_its_history(alice):
    response = alice.post(
        "/plans/new/", {"fix_name": "Slow search", "issue_id": "SRCH-1", "priority": "P1"}
    )

    plan = Plan.objects.get(issue_id="SRCH-1")
    assert response.status_code == 302
    (entry,) = entries(plan)
    assert (entry.kind, entry.actor, entry.user.username) == (ChangeKind.CREATED, "alice", "alice")
    assert entry.version == plan.version


def test_a_tick_and_an_untick_say_which_box_and_where(alice):
    plan = template_plan()
    item = prerequisite(plan)
    url = f"/plans/{plan.pk}/rows/prerequisites/{item.pk}/done/"

    assert alice.post(url, {"done": "true"}, headers=HTMX).status_code == 200
    assert alice.post(url, {"done": "true"}, headers=HTMX).status_code == 200  # no change
    assert alice.post(url, {"done": "false"}, headers=HTMX).status_code == 200

    ticks = entries(plan, ChangeKind.TICKED) + entries(plan, ChangeKind.UNTICKED)
    # An untick's text is what went: shown struck through, as a "before".
    assert [(e.kind, e.place, e.before, e.after) for e in ticks] == [
        (ChangeKind.TICKED, "Prerequisites", "", item.text),
        (ChangeKind.UNTICKED, "Prerequisites", item.text, ""),
    ]


def test_a_task_tick_names_its_step(alice):
    plan = template_plan()
    step = plan.steps.get(position=0)
    task = step.tasks.get(position=0)

    response = alice.post(
        f"/plans/{plan.pk}/rows/tasks/{task.pk}/done/", {"done": "true"}, headers=HTMX
    )

    assert response.status_code == 200
    tick, phase = entries(plan)[-2:]
    assert (tick.kind, tick.place, tick.after) == (ChangeKind.TICKED, str(step), task.text)
    # The first tick started the step's timeline phase: that is a change too.
    assert (phase.kind, phase.place, phase.field, phase.before, phase.after) == (
        ChangeKind.EDITED,
        "Timeline: Mitigation",
        "Status",
        "Not Started",
        "In Progress",
    )


def test_rows_added_edited_moved_and_deleted(alice):
    plan = template_plan()
    base = f"/plans/{plan.pk}/rows/prerequisites/"

    added = alice.post(f"{base}add/", {"add-prerequisites-text": "Flag ready"}, headers=HTMX)
    row = plan.checklist_items.get(text="Flag ready")
    data = {**form_data(alice, f"{base}{row.pk}/edit/"), "text": "Flag on in staging"}
    edited = alice.post(f"{base}{row.pk}/edit/", data, headers=HTMX)
    moved = alice.post(f"{base}{row.pk}/move/", {"direction": "up"}, headers=HTMX)
    deleted = alice.post(f"{base}{row.pk}/delete/", headers=HTMX)

    assert [r.status_code for r in (added, edited, moved, deleted)] == [200] * 4
    recorded = [
        (e.kind, e.place, e.field, e.before, e.after)
        for e in entries(plan)
        if e.kind != ChangeKind.CREATED
    ]
    assert recorded == [
        (ChangeKind.ADDED, "Prerequisites", "", "", "Flag ready"),
        (
            ChangeKind.EDITED,
            "Prerequisites: Flag ready",
            "Text",
            "Flag ready",
            "Flag on in staging",
        ),
        (ChangeKind.MOVED, "Prerequisites", "Flag on in staging", "5 of the list", "4 of the list"),
        (ChangeKind.DELETED, "Prerequisites", "", "Flag on in staging", ""),
    ]
    assert {e.actor for e in entries(plan)[1:]} == {"alice"}


def test_a_header_edit_records_each_field_before_and_after(alice):
    plan = template_plan(fix_name="Slow search", issue_id="SRCH-9")
    url = f"/plans/{plan.pk}/sections/header/edit/"
    data = {**form_data(alice, url), "fix_name": "Search times out", "priority": "P0"}

    assert alice.post(url, data, headers=HTMX).status_code == 200

    fields = [
        (e.kind, e.place, e.field, e.before, e.after) for e in entries(plan, ChangeKind.FIELD)
    ]
    assert fields == [
        (ChangeKind.FIELD, "Header", "Fix name", "Slow search", "Search times out"),
        (ChangeKind.FIELD, "Header", "Priority", "P2 (Medium)", "P0 (Critical)"),
    ]


def test_a_refused_edit_records_nothing(alice):
    plan = template_plan(fix_name="Slow search", issue_id="SRCH-9")
    url = f"/plans/{plan.pk}/sections/header/edit/"
    data = {**form_data(alice, url), "fix_name": "Two\nlines"}
    before = len(entries(plan))

    assert alice.post(url, data, headers=HTMX).status_code == 422

    assert len(entries(plan)) == before


def test_status_log_and_share_links(alice):
    plan = template_plan()
    status = alice.post(
        f"/plans/{plan.pk}/status/",
        {"expected": Status.PLANNING, "to": Status.IN_PROGRESS},
        headers=HTMX,
    )
    logged = alice.post(f"/plans/{plan.pk}/log/", {"update": "Paged the DBA"}, headers=HTMX)
    shared = alice.post(f"/plans/{plan.pk}/share/", {"label": "Exec team"}, headers=HTMX)
    link = plan.share_links.get()
    revoked = alice.post(f"/plans/{plan.pk}/share/{link.pk}/revoke/", headers=HTMX)

    assert [r.status_code for r in (status, logged, shared, revoked)] == [200] * 4
    recorded = [(e.kind, e.before, e.after) for e in entries(plan)[1:]]
    assert recorded == [
        (ChangeKind.STATUS, "Planning", "In Progress"),
        (ChangeKind.LOGGED, "", "Paged the DBA"),
        (ChangeKind.SHARE_CREATED, "", "Exec team"),
        (ChangeKind.SHARE_REVOKED, "Exec team", ""),
    ]


def test_an_import_names_its_file_and_who(alice, template_text):
    response = upload_and_import(alice, template_text.encode(), name="INC-7-plan.md")

    assert response.status_code == 302
    plan = Plan.objects.get()
    (entry,) = entries(plan)
    assert (entry.kind, entry.after, entry.actor) == (ChangeKind.IMPORTED, "INC-7-plan.md", "alice")


def test_an_import_by_command_has_no_user(tmp_path, template_text):
    path = tmp_path / "plan.md"
    path.write_text(template_text, encoding="utf-8")

    call_command("import_plan", str(path), stdout=io.StringIO())

    (entry,) = entries(Plan.objects.get())
    assert (entry.kind, entry.actor, entry.user) == (ChangeKind.IMPORTED, "", None)
    assert entry.after.endswith("plan.md")


def test_a_change_that_rolls_back_leaves_no_entry(engineer):
    plan = template_plan()
    before = len(entries(plan))

    with pytest.raises(RuntimeError), operations.changing(plan.pk, engineer) as change:
        change.record(ChangeKind.LOGGED, after="never")
        raise RuntimeError

    assert len(entries(plan)) == before


def test_the_admin_records_its_changes(admin_client):
    plan = template_plan(fix_name="Slow search")
    item = prerequisite(plan)

    response = admin_client.post(
        f"/admin/plans/checklistitem/{item.pk}/change/",
        {"text": "Edited in the admin", "depth": "0", "done": "on"},
    )

    assert response.status_code == 302
    recorded = {(e.kind, e.field, e.before, e.after, e.actor) for e in entries(plan)[1:]}
    assert recorded == {
        (ChangeKind.EDITED, "Text", item.text, "Edited in the admin", "admin"),
        (ChangeKind.EDITED, "Done", "no", "yes", "admin"),
    }


def test_the_history_page_lists_newest_first_and_filters(alice):
    plan = template_plan()
    for n in range(3):
        alice.post(f"/plans/{plan.pk}/log/", {"update": f"Update {n}"}, headers=HTMX)
    alice.post(
        f"/plans/{plan.pk}/rows/prerequisites/{prerequisite(plan).pk}/done/",
        {"done": "true"},
        headers=HTMX,
    )

    every = alice.get(f"/plans/{plan.pk}/history/")
    ticks = alice.get(f"/plans/{plan.pk}/history/?kind=ticked")
    odd = alice.get(f"/plans/{plan.pk}/history/?kind=nonsense")

    assert every.status_code == 200
    html = every.content.decode()
    assert html.index("Ticked") < html.index("Update 2") < html.index("Update 0")
    assert ticks.status_code == 200
    assert "Update 0" not in ticks.content.decode()
    assert "Ticked" in ticks.content.decode()
    assert odd.status_code == 400
    assert "no such kind of change" in odd.content.decode()


def test_the_history_page_goes_back_a_page_at_a_time(alice):
    plan = template_plan()
    for n in range(60):
        operations.add_log_entry(plan.pk, update=f"Update {n}", user=None)

    first = alice.get(f"/plans/{plan.pk}/history/?kind=logged")
    second = alice.get(f"/plans/{plan.pk}/history/?kind=logged&page=2")

    assert (first.status_code, second.status_code) == (200, 200)
    assert "Update 59" in first.content.decode()
    assert "Update 9<" not in first.content.decode()
    assert "Update 9<" in second.content.decode()
    assert "page=2" in first.content.decode() and "kind=logged" in first.content.decode()


@pytest.mark.parametrize("changes", [1, 200])
def test_the_history_page_runs_the_same_queries_however_long(
    alice, changes, django_assert_num_queries
):
    plan = template_plan()
    for n in range(changes):
        operations.add_log_entry(plan.pk, update=f"Update {n}", user=None)

    # session, user, the plan, 2 for permissions (readers see less), the count, the page.
    with django_assert_num_queries(7):
        response = alice.get(f"/plans/{plan.pk}/history/")
    assert response.status_code == 200


def test_the_history_needs_a_login_and_the_stakeholder_page_has_no_way_there(client, alice):
    plan = template_plan()
    _link, token = operations.create_share_link(plan.pk)
    client.logout()

    assert client.get(f"/plans/{plan.pk}/history/").status_code == 302
    stakeholder = client.get(f"/s/{token}/")
    assert stakeholder.status_code == 200
    assert "/history/" not in stakeholder.content.decode()


def test_the_plan_page_links_its_history(alice):
    plan = template_plan()

    response = alice.get(f"/plans/{plan.pk}/")

    assert response.status_code == 200
    assert f'href="/plans/{plan.pk}/history/"' in response.content.decode()


def test_every_list_names_itself_in_the_history():
    assert all(kind.title or kind.in_step for kind in ROW_KINDS.values())


def test_a_reader_sees_no_share_links_in_the_history(bob, admin_client):
    plan = template_plan()
    link, _token = operations.create_share_link(plan.pk, label="Acme CTO jane@acme.example")
    admin_client.post(
        f"/admin/plans/sharelink/{link.pk}/change/",
        {"label": "Acme CTO (renamed)", "expires_at_0": "", "expires_at_1": ""},
    )
    operations.add_log_entry(plan.pk, update="Paged the DBA", user=None)

    page = bob.get(f"/plans/{plan.pk}/history/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Paged the DBA" in html
    assert "Acme" not in html
    assert HistoryEntry.objects.filter(plan=plan, place__contains="share link").exists()


def test_a_long_value_is_kept_in_the_history_cut_short(alice):
    plan = template_plan()
    url = f"/plans/{plan.pk}/sections/overview/edit/"
    data = {**form_data(alice, url), "overview": "x" * 5000}

    assert alice.post(url, data, headers=HTMX).status_code == 200

    entry = latest(plan)
    assert entry.after == "x" * 2000 + "… (3000 more characters)"
    plan.refresh_from_db()
    assert plan.overview == "x" * 5000


def test_an_admin_save_that_changes_nothing_records_nothing(admin_client):
    # A text area sends its lines back with "\r\n", which the admin counts as a change.
    plan = template_plan()
    step = plan.steps.get(position=1)
    Step = type(step)
    Step.objects.filter(pk=step.pk).update(code="line one\nline two")
    before = len(entries(plan))

    response = admin_client.post(
        f"/admin/plans/step/{step.pk}/change/",
        {
            "title": step.title,
            "timeline": step.timeline,
            "owner": "",
            "due_at_0": "",
            "due_at_1": "",
            "code_language": step.code_language,
            "code": "line one\r\nline two",
            "test_commands_language": step.test_commands_language,
            "test_commands": step.test_commands.replace("\n", "\r\n"),
            "tasks-TOTAL_FORMS": "0",
            "tasks-INITIAL_FORMS": "0",
            "files-TOTAL_FORMS": "0",
            "files-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[-3000:]
    assert len(entries(plan)) == before


def test_a_due_time_in_the_history_says_its_zone(alice):
    plan = template_plan()
    step = plan.steps.get(position=0)
    url = f"/plans/{plan.pk}/rows/steps/{step.pk}/edit/"
    data = {**form_data(alice, url), "due_at": "2026-11-29T14:00"}

    assert alice.post(url, data, headers=HTMX).status_code == 200

    assert (latest(plan).field, latest(plan).after) == ("Due (UTC)", "2026-11-29 14:00 UTC")
