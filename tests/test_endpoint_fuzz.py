"""Whatever an editor sends to any URL of the app, the answer is never a server error.

Every URL and method of the authorization matrix (which fails when a URL is added without a
row there) gets requests with and without HTMX, its path ids and names swapped for odd
values, and every parameter the endpoint reads set to a plausible or an odd value: Unicode
digits, numbers past the database's integers, deeply nested JSON, a megabyte of text,
control characters, right-to-left overrides. A 500 fails the test with its traceback.
"""

import io
import os
import traceback
from urllib.parse import quote

import pytest
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import Permission
from django.core.signals import got_request_exception
from django.db import transaction
from django.forms import DateField
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from plans import forms, notify
from plans.models import Priority, Status, Webhook
from plans.operations import create_share_link
from plans.rows import ROW_KINDS
from plans.sections import SECTIONS
from plans.views.history import HistoryFilter
from tests.conftest import GOLDEN, HTMX
from tests.factories import template_plan
from tests.test_authorization_matrix import MATRIX

pytestmark = pytest.mark.django_db

# Digits that str.isdigit() accepts and int() refuses or reads as ASCII ones.
DIGITS = ["²", "٣", "\uff11", "\U0001d7d7"]
# Numbers no row has, or that overflow the database's integers (or Python's int()).
NUMBERS = ["0", "-1", "+1", " 1", "1.5", "1e3", str(2**31), str(2**63 - 1), str(2**63)]
NUMBERS += [str(-(2**63) - 1), "9" * 30, "9" * 5000]
# For the hidden `base`: too deep to decode, or not the object of strings it should be.
JSON = ["[" * 100_000, '{"a":' * 10_000, "[]", "null", "7"]
JSON += ['{"fix_name": 5, "created": ["2026-01-01"], "text": {"a": 1}, "title": null}']
TEXTS = [
    "x" * 1024 * 1024,
    "\x00",
    "a\x00b",
    "\x1b[31m\x07",
    "\x7f",
    "\r\n\r\n",
    "\u2028",
    "\ufeff",
    "",
    " ",
    "\t\n ",
    "\u00a0\u3000",
    "\u202etxt.exe",
    "\u200f\u202b",
    "../../etc/passwd",
    "%00",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
]
odd = st.one_of(st.sampled_from(DIGITS + NUMBERS + JSON + TEXTS), st.text(max_size=40))
odd_id = st.one_of(st.sampled_from(DIGITS + NUMBERS), odd)
# What each parameter is sent when it is not sent something plausible.
ODD_FOR = {
    "plan_id": odd_id,
    "row_id": odd_id,
    "link_id": odd_id,
    "pending_id": odd_id,
    "webhook_id": odd_id,
    "delivery_id": odd_id,
    "step": odd_id,
    "page": odd_id,
    "log_page": odd_id,
    "base": st.one_of(st.sampled_from(JSON), odd),
    "edit": st.one_of(st.builds("{}-{}".format, st.sampled_from(sorted(ROW_KINDS)), odd_id), odd),
    "username": odd,
    "overview": odd,
    "notes": odd,
}
TEXT = st.sampled_from(["Plain text", "Two\nlines", "é ü 中文"])


def plan_parent(kind, objects):
    return objects["rows"]["steps"] if kind.in_step else objects["plan"]


# The forms each URL binds to what it is sent, given the URL's kwargs, and the other fields
# it reads. A URL added to the matrix needs a line here.
READS = {
    "dashboard": lambda c, o: [],
    "my_work": lambda c, o: [],
    "login": lambda c, o: [AuthenticationForm, "next"],
    "logout": lambda c, o: ["next"],
    "plan_new": lambda c, o: [forms.NewPlanForm],
    "plan_import": lambda c, o: ["file"],
    "plan_import_confirm": lambda c, o: [],
    "plan": lambda c, o: [],
    "plan_export": lambda c, o: [],
    "plan_spec": lambda c, o: [],
    "plan_history": lambda c, o: [HistoryFilter, "page"],
    "plan_live": lambda c, o: ["since"],
    "plan_events": lambda c, o: ["since"],
    "plan_spec_download": lambda c, o: [],
    "plan_status": lambda c, o: [forms.StatusForm],
    "plan_log": lambda c, o: [forms.LogEntryForm],
    "fix_folder_resolve": lambda c, o: ["take", "confirm"],
    "share_link_create": lambda c, o: [forms.ShareLinkForm],
    "share_link_revoke": lambda c, o: [],
    "stakeholder": lambda c, o: [],
    "stakeholder_export": lambda c, o: [],
    "section": lambda c, o: [],
    "section_edit": lambda c, o: [s.form for s in SECTIONS.values() if s.name == c["name"]],
    "row_add": lambda c, o: [
        "step",
        *((k.add_form, f"add-{k.list_id(plan_parent(k, o))}") for k in chosen_kinds(c)),
    ],
    "row": lambda c, o: [],
    "row_edit": lambda c, o: [k.form for k in chosen_kinds(c)],
    "row_move": lambda c, o: ["direction"],
    "row_delete": lambda c, o: ["confirm"],
    "row_done": lambda c, o: [forms.DoneForm],
    "row_ticks": lambda c, o: ["shown", "ticked", "step"],
    "webhooks": lambda c, o: [forms.WebhookForm],
    "webhook": lambda c, o: [],
    "webhook_edit": lambda c, o: [forms.WebhookForm],
    "webhook_test": lambda c, o: [],
    "webhook_enable": lambda c, o: ["enabled"],
    "webhook_delete": lambda c, o: [],
    "webhook_redeliver": lambda c, o: [],
}
QUERY = ["edit", "log", "log_page", "q", "status", "priority", "page", "next"]
# Read by the stakeholder page (a conditional GET), the request log, the login throttle and
# a live stream opened again.
HEADERS = ["If-None-Match", "If-Modified-Since", "X-Request-ID", "X-Forwarded-For", "Last-Event-ID"]
ENDPOINTS = [(name, method) for name in sorted(MATRIX) for method in MATRIX[name][1]]
# Per endpoint: about 400 requests in all, a few seconds. A longer hunt for new failures:
# FIXTRACKER_FUZZ_EXAMPLES=200 (about two minutes).
EXAMPLES = int(os.environ.get("FIXTRACKER_FUZZ_EXAMPLES", "15"))


def chosen_kinds(chosen: dict) -> list:
    return [ROW_KINDS[chosen["kind"]]] if chosen["kind"] in ROW_KINDS else []


def test_every_url_says_what_it_reads():
    assert set(READS) == set(MATRIX)


@pytest.fixture
def objects(engineer):
    plan, other = template_plan(), template_plan()
    link, token = create_share_link(plan.pk)
    # Staff who manage webhooks too, so that requests to those pages get past the door.
    engineer.is_staff = True
    engineer.save()
    engineer.user_permissions.add(*Permission.objects.filter(codename__endswith="_webhook"))
    webhook = Webhook.objects.create(url="https://hooks.example.com/x", events=["plan.created"])
    notify.announce(None, timezone.now(), [notify.test_event("fuzz")], only=webhook)
    rows = {name: kind.rows_for(plan.pk).order_by("pk").first() for name, kind in ROW_KINDS.items()}
    return {
        "plan": plan,
        "row": rows["prerequisites"],  # for the matrix's kwargs
        "rows": rows,
        "theirs": {name: kind.rows_for(other.pk).first() for name, kind in ROW_KINDS.items()},
        "link": link,
        "token": token,
        "bases": [
            *(s.form(instance=plan).initial["base"] for s in SECTIONS.values()),
            *(k.form(instance=rows[k.name]).initial["base"] for k in ROW_KINDS.values()),
        ],
        "user": engineer,
        "webhook": webhook,
        "delivery": webhook.deliveries.get(),
    }


def plausible(field) -> st.SearchStrategy[str]:
    """A value the field would accept, so that requests get past it to what lies behind."""
    choices = getattr(field, "choices", None)
    if choices:
        return st.sampled_from([str(value) for value, _ in choices])
    if isinstance(field, DateField):
        return st.sampled_from(["2026-01-01", "9999-12-31", "0001-01-01"])
    return TEXT


def some_odd(draw, good: dict, *, most: int = 3, leave_out: int = 2) -> dict:
    """Plausible values, but a few parameters odd and a few left out."""
    keys = list(good)
    if not keys:
        return {}
    odd_keys = draw(st.sets(st.sampled_from(keys), max_size=most), label="odd")
    absent = draw(st.sets(st.sampled_from(keys), max_size=leave_out), label="absent") - odd_keys
    return {
        key: draw(ODD_FOR.get(key, odd) if key in odd_keys else good[key], label=key)
        for key in keys
        if key not in absent
    }


def path_values(draw, name: str, kwargs: dict, objects: dict) -> dict:
    """The URL's own kwargs: the real ones, or one of them odd (half the requests each)."""
    odd_key = draw(
        st.sampled_from([None] * max(1, len(kwargs)) + list(kwargs)), label="odd in path"
    )
    ticking = name in ("row_done", "row_ticks")
    kind_names = [k.name for k in ROW_KINDS.values() if k.checkable or not ticking]
    good = {
        "plan_id": st.just(objects["plan"].pk),
        "kind": st.sampled_from(kind_names),
        "name": st.sampled_from(sorted(SECTIONS)),
        "link_id": st.just(objects["link"].pk),
        "pending_id": st.just(999_999),
        "token": st.just(objects["token"]),
        "webhook_id": st.just(objects["webhook"].pk),
        "delivery_id": st.just(objects["delivery"].pk),
    }
    odd_for = dict(ODD_FOR)
    chosen = {}
    for key in kwargs:
        if key == "row_id":
            # A row of the URL's kind; when odd, also the ORM's id negative, huge or another
            # plan's.
            kind = chosen["kind"] if chosen["kind"] in ROW_KINDS else "prerequisites"
            mine, theirs = objects["rows"][kind].pk, objects["theirs"][kind].pk
            derived = [str(-mine), str(mine * 10**20), str(theirs)]
            good[key] = st.just(mine)
            odd_for[key] = st.one_of(st.sampled_from(derived), odd_id)
        chosen[key] = draw(odd_for.get(key, odd) if key == odd_key else good[key], label=key)
    return chosen


def field_values(draw, name: str, chosen: dict, objects: dict) -> dict:
    """Every field the endpoint reads, plausible or odd, and maybe one it does not read."""
    plan = objects["plan"]
    special = {
        "base": st.sampled_from(objects["bases"]),
        "step": st.sampled_from([str(step.pk) for step in plan.steps.all()]),
        "direction": st.sampled_from(["up", "down"]),
        "next": st.sampled_from(["/", f"/plans/{plan.pk}/", "https://evil.example/"]),
    }
    good = {}
    for entry in READS[name](chosen, objects):
        if isinstance(entry, str):
            good[entry] = special.get(entry, odd)
            continue
        form_class, prefix = entry if isinstance(entry, tuple) else (entry, None)
        for field_name, field in form_class.base_fields.items():
            posted = f"{prefix}-{field_name}" if prefix else field_name
            good[posted] = special.get(field_name, plausible(field))
    good.pop("file", None)
    fields = some_odd(draw, good)
    if draw(st.booleans(), label="stray field"):
        fields[draw(odd, label="stray name")] = draw(odd, label="stray value")
    if name == "plan_import" and draw(st.booleans(), label="file"):
        content = draw(
            st.one_of(
                st.just((GOLDEN / "fix-plan-template.md").read_bytes()),
                odd.map(str.encode),
                st.sampled_from([b"\xff\xfe\x00", b"x" * (1024 * 1024 + 1)]),
            ),
            label="file",
        )
        filename = draw(st.one_of(st.just("plan.md"), odd), label="filename")
        # Not an UploadedFile, which refuses odd names before the request is even made.
        fields["file"] = io.BytesIO(content)
        fields["file"].name = filename
    return fields


def query_values(draw, objects: dict) -> dict:
    plan, rows = objects["plan"], objects["rows"]
    edit_targets = [*SECTIONS, *(f"{name}-{row.pk}" for name, row in rows.items())]
    good = {
        "edit": st.sampled_from(edit_targets),
        "log": st.just("all"),
        "log_page": st.sampled_from(["1", "2"]),
        "q": TEXT,
        "status": st.sampled_from(Status.values),
        "priority": st.sampled_from(Priority.values),
        "page": st.sampled_from(["1", "2"]),
        "next": st.just(f"/plans/{plan.pk}/"),
    }
    return some_odd(draw, {key: good[key] for key in QUERY})


def url_with(name: str, kwargs: dict, chosen: dict) -> str:
    """reverse() refuses odd values, so reverse placeholders and put the values in after."""
    placeholders = {
        key: 7_000_000 + i if key.endswith("_id") else f"placeholder{i}"
        for i, key in enumerate(kwargs)
    }
    url = reverse(name, kwargs=placeholders)
    for key, placeholder in placeholders.items():
        url = url.replace(str(placeholder), quote(str(chosen[key]), safe=""))
    return url


def as_header(value: str) -> str:
    """What a WSGI server hands Django for a header: its UTF-8 bytes read as Latin-1."""
    return value.encode().decode("latin-1")


class ServerErrors:
    """Keeps the traceback of any exception a view lets escape, for the failure message."""

    def __init__(self):
        self.tracebacks: list[str] = []

    def __call__(self, sender, **kwargs):
        self.tracebacks.append(traceback.format_exc())


def describe(method: str, url: str, headers: dict, fields: dict) -> str:
    def short(value):
        text = repr(value)
        return text if len(text) < 80 else f"{text[:60]}… ({len(text)} chars)"

    shown = {key: short(value) for key, value in fields.items()}
    headers = {key: short(value) for key, value in headers.items()}
    return f"{method} {short(url)} headers={headers} fields={shown}"


@pytest.fixture
def debug_off(settings):
    """As in production: a crash is a 500 page, not a technical one."""
    settings.DEBUG = False


@pytest.mark.parametrize(("name", "method"), ENDPOINTS)
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_no_request_gets_a_server_error(name, method, data, objects, debug_off):
    kwargs = MATRIX[name][0](objects)
    chosen = path_values(data.draw, name, kwargs, objects)
    url = url_with(name, kwargs, chosen)
    headers = dict(HTMX) if data.draw(st.booleans(), label="htmx") else {}
    for header in HEADERS:
        if data.draw(st.booleans(), label=header):
            headers[header] = as_header(data.draw(odd, label=header))
    if method == "GET":
        fields = query_values(data.draw, objects)
    else:
        fields = field_values(data.draw, name, chosen, objects)
    errors = ServerErrors()
    got_request_exception.connect(errors)
    try:
        # Each request starts from the same plan: whatever it changed is rolled back.
        with transaction.atomic():
            client = Client(raise_request_exception=False)
            client.force_login(objects["user"])
            send = client.get if method == "GET" else client.post
            response = send(url, fields, headers=headers)
            transaction.set_rollback(True)
    finally:
        got_request_exception.disconnect(errors)

    assert response.status_code < 500, (
        describe(method, url, headers, fields) + "\n" + "\n".join(errors.tracebacks)
    )
