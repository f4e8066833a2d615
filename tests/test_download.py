"""A plan downloads as Markdown, byte for byte what `manage.py export_plan` writes."""

import io

import pytest
from django.core.management import call_command

from plans.markdown import import_plan
from plans.models import Plan
from plans.operations import create_share_link
from tests.factories import filled_plan, template_plan

pytestmark = pytest.mark.django_db


def command_export(plan) -> bytes:
    out = io.StringIO()
    call_command("export_plan", str(plan.pk), stdout=out)
    return out.getvalue().encode()


def test_it_downloads_the_same_bytes_as_the_command(alice):
    plan = filled_plan()

    response = alice.get(f"/plans/{plan.pk}/export.md")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="AUTH-812-Login-sessions-expire-after-5-minutes.md"'
    )
    assert response.content == command_export(plan)


def test_non_ascii_names_use_filename_star_with_an_ascii_fallback(alice):
    plan = template_plan(issue_id="INC-7", fix_name="Caché déjà vu / 日本")

    disposition = alice.get(f"/plans/{plan.pk}/export.md")["Content-Disposition"]

    assert disposition == (
        'attachment; filename="INC-7-Cache-deja-vu.md"; '
        "filename*=UTF-8''INC-7-Cach%C3%A9-d%C3%A9j%C3%A0-vu-%E6%97%A5%E6%9C%AC.md"
    )


@pytest.mark.parametrize(
    ("issue_id", "fix_name", "expected"),
    [
        ("", "", "plan-{pk}.md"),
        ("../../etc", "passwd", "etc-passwd.md"),
        ("A:B", 'x<y>"z|?*', "A-B-x-y-z.md"),
        ("CON", "...", "plan-CON.md"),
    ],
)
def test_file_names_are_safe_on_every_filesystem(alice, issue_id, fix_name, expected):
    plan = template_plan(issue_id=issue_id, fix_name=fix_name)

    disposition = alice.get(f"/plans/{plan.pk}/export.md")["Content-Disposition"]

    assert disposition == f'attachment; filename="{expected.format(pk=plan.pk)}"'


def test_download_needs_login_but_not_change_permission(client, bob):
    plan = template_plan()

    assert client.get(f"/plans/{plan.pk}/export.md").status_code == 302
    assert bob.get(f"/plans/{plan.pk}/export.md").status_code == 200
    assert bob.get("/plans/999999/export.md").status_code == 404


def test_stakeholders_download_their_copy_without_internals(client):
    plan = filled_plan()
    plan.refresh_from_db()
    _link, token = create_share_link(plan.pk)

    response = client.get(f"/s/{token}/export.md")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Referrer-Policy"] == "no-referrer"
    text = response.content.decode()
    for secret in [plan.revert_commit, plan.cache_keys, plan.deploy_command, plan.notes]:
        assert secret not in text
    assert "Revert commit `{{COMMIT_HASH}}`" in text
    # Still a plan: it imports, with the same progress.
    copy, _warnings = import_plan(text)
    assert copy.fix_name == plan.fix_name and copy.status == plan.status
    ticked = Plan.objects.filter(pk__in=[plan.pk, copy.pk]).values_list(
        "steps__tasks__done", flat=True
    )
    assert sum(ticked) == 2 * sum(plan.steps.values_list("tasks__done", flat=True))


def test_a_change_is_in_the_next_download_at_once(alice):
    plan = template_plan()
    task = plan.steps.first().tasks.first()
    first = alice.get(f"/plans/{plan.pk}/export.md").content

    alice.post(f"/plans/{plan.pk}/rows/tasks/{task.pk}/done/", {"done": "true"})
    second = alice.get(f"/plans/{plan.pk}/export.md").content

    assert first != second
    assert second == command_export(plan)
    assert b"- [x] Apply temporary workaround" in second


INVISIBLE = [
    *map(chr, range(0x202A, 0x202F)),  # bidi embeddings and overrides: U+202E reverses
    *map(chr, range(0x2066, 0x206A)),  # bidi isolates
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u061c",  # Arabic letter mark
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\u2060",  # word joiner
    "\ufeff",  # byte order mark
    "\u00ad",  # soft hyphen
    "\x85",  # C1: next line
    "\x9b",  # C1: control sequence introducer
]


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda char: f"U+{ord(char):04X}")
def test_invisible_characters_are_dropped_from_the_file_name(alice, char):
    plan = template_plan(issue_id="INC-7", fix_name=f"Résumé{char}gnp.exe")

    disposition = alice.get(f"/plans/{plan.pk}/export.md")["Content-Disposition"]

    assert disposition == (
        'attachment; filename="INC-7-Resumegnp.exe.md"; '
        "filename*=UTF-8''INC-7-R%C3%A9sum%C3%A9gnp.exe.md"
    )


def test_a_right_to_left_override_cannot_disguise_an_ascii_name(alice):
    plan = template_plan(issue_id="INC-7", fix_name="invoice\u202egnp.exe")

    disposition = alice.get(f"/plans/{plan.pk}/export.md")["Content-Disposition"]

    assert disposition == 'attachment; filename="INC-7-invoicegnp.exe.md"'


def test_a_long_non_ascii_name_stays_within_what_filesystems_allow(alice, tmp_path):
    from django.core.management import call_command

    from plans.downloads import download_filename

    name = download_filename("事故-1", "長い名前" * 60, 1)
    assert len(f"000001-{name}".encode()) <= 255

    template_plan(issue_id="事故-1", fix_name="長い名前" * 50)
    call_command("export_all", str(tmp_path))
    assert len(list(tmp_path.iterdir())) == 1
