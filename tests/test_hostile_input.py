"""Hostile values in every form: refused with a 4xx and a message, or saved and inert.

Each payload goes into every text field of every form at once; then the plan page, the
stakeholder page and the dashboard must show it as text, never as markup that runs.
"""

import pytest

from plans.markdown import export_plan
from plans.models import Plan
from plans.operations import create_share_link
from plans.rows import ROW_KINDS
from plans.sections import SECTIONS
from tests.conftest import HTMX
from tests.factories import template_plan

pytestmark = pytest.mark.django_db

# payload: what must never appear in a rendered page if the payload was saved.
PAYLOADS = {
    "<script>alert(1)</script>": "<script>alert(1)",
    '"><img src=x onerror=alert(1)>': "<img src=x onerror",
    "<svg onload=alert(1)>": "<svg onload",
    "[click](javascript:alert(1))": 'href="javascript:',
    "javascript:alert(1)": 'href="javascript:',
    "<a href='javascript:alert(1)'>x</a>": "href='javascript:",
    "{{ request.user.password }}{% debug %}": "pbkdf2",
    "\u202etxt.exe\u200f right-to-left": None,
    "\x1b[31mred\x07 bell": None,
    "' OR 1=1 --; DROP TABLE plans_plan;": None,
    "x" * (1024 * 1024): None,
}
OK = {200, 302}
REFUSED = {400, 409, 413, 422}


def text_fields(form) -> list[str]:
    return [
        name
        for name, field in form.fields.items()
        if name != "base" and not getattr(field, "choices", None) and name != "created"
    ]


def hostile_edit(client, url: str, payload: str) -> int:
    form = client.get(url, headers=HTMX).context["edit_form"]
    data = {name: "" if value is None else str(value) for name, value in form.current.items()}
    data["base"] = form.initial["base"]
    data.update({name: payload for name in text_fields(form)})
    return client.post(url, data, headers=HTMX).status_code


def every_form(client, plan: Plan, payload: str) -> list[int]:
    base = f"/plans/{plan.pk}"
    statuses = [hostile_edit(client, f"{base}/sections/{name}/edit/", payload) for name in SECTIONS]
    for kind in ROW_KINDS.values():
        row = kind.rows_for(plan.pk).order_by("pk").first()
        statuses.append(hostile_edit(client, f"{base}/rows/{kind.name}/{row.pk}/edit/", payload))
    posts = [
        (f"{base}/rows/prerequisites/add/", {"add-prerequisites-text": payload}),
        (f"{base}/rows/metrics/add/", {"add-metrics-metric": payload}),
        (f"{base}/log/", {"update": payload}),
        (f"{base}/share/", {"label": payload}),
        (f"{base}/status/", {"expected": payload, "to": payload}),
        (f"{base}/rows/tasks/1/done/", {"done": payload}),
        ("/plans/new/", {"fix_name": payload, "issue_id": payload, "priority": "P1"}),
    ]
    statuses += [client.post(url, data, headers=HTMX).status_code for url, data in posts]
    return statuses


@pytest.mark.parametrize("payload", list(PAYLOADS), ids=lambda p: repr(p[:20]))
def test_every_form_refuses_or_renders_inert(alice, payload):
    plan = template_plan(fix_name="Target", issue_id="XSS-1")

    statuses = every_form(alice, plan, payload)

    assert set(statuses) <= OK | REFUSED | {404}, statuses
    if payload.isprintable() and len(payload) < 1000:
        # Saved somewhere, so the pages below really have it to show.
        assert 200 in statuses
    _link, token = create_share_link(plan.pk)
    pages = [
        alice.get(f"/plans/{plan.pk}/").content.decode(),
        alice.get(f"/s/{token}/").content.decode(),
        alice.get("/").content.decode(),
    ]
    danger = PAYLOADS[payload]
    for html in pages:
        if danger:
            assert danger not in html
    # Whatever was saved still exports and reads back.
    assert export_plan(plan.pk).startswith("# Fix Implementation Plan: ")


def test_control_characters_are_refused_with_a_message(alice):
    plan = template_plan()
    url = f"/plans/{plan.pk}/sections/notes/edit/"
    form = alice.get(url, headers=HTMX).context["edit_form"]

    response = alice.post(url, {"base": form.initial["base"], "notes": "a\x1bb"}, headers=HTMX)

    assert response.status_code == 422
    assert b"control characters" in response.content


@pytest.mark.parametrize("plan_id", ["-1", "0", "99999999999999999999", "1e3", "%00"])
def test_strange_ids_are_404(alice, plan_id):
    assert alice.get(f"/plans/{plan_id}/").status_code == 404
    assert alice.post(f"/plans/{plan_id}/status/", {}).status_code == 404


@pytest.mark.parametrize("row_id", ["99999999999999999999", "9223372036854775808"])
def test_huge_row_ids_are_404(alice, row_id):
    plan = template_plan()

    assert (
        alice.post(f"/plans/{plan.pk}/rows/tasks/{row_id}/done/", {"done": "true"}).status_code
        == 404
    )
    assert alice.get(f"/plans/{plan.pk}/rows/metrics/{row_id}/").status_code == 404


def test_wrong_types_are_422(alice):
    plan = template_plan()
    url = f"/plans/{plan.pk}/sections/header/edit/"
    form = alice.get(url, headers=HTMX).context["edit_form"]
    data = {name: "" if v is None else str(v) for name, v in form.current.items()}

    response = alice.post(
        url, {**data, "base": form.initial["base"], "created": "yesterday-ish", "priority": 7}
    )

    assert response.status_code == 422
    assert b"Enter a valid date." in response.content
