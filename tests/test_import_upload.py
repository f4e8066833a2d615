"""Importing a Markdown plan from the browser: the importer's errors shown on the form."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from plans import limits
from plans.models import PendingImport, Plan
from tests.conftest import CORPUS, GOLDEN, upload_and_import

pytestmark = pytest.mark.django_db


def upload(client, content: bytes, name="plan.md"):
    """Upload a file and follow to its preview (or its refusal, on the form)."""
    return client.post("/plans/import/", {"file": SimpleUploadedFile(name, content)}, follow=True)


def test_the_dashboard_links_to_the_import_form(alice):
    assert b'href="/plans/import/"' in alice.get("/").content
    page = alice.get("/plans/import/")
    assert page.status_code == 200 and b'enctype="multipart/form-data"' in page.content


def test_an_upload_is_previewed_and_nothing_saved_until_import_is_pressed(alice):
    response = upload(
        alice, (CORPUS / "other_shapes" / "bug-report-checkout-timeout.md").read_bytes()
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing is saved yet." in html
    assert "<td>INC-2041</td>" in html and "<td>2, with 5 tasks</td>" in html
    assert "<td>2 of 7 checkboxes</td>" in html
    assert "<td>Root Cause</td><td>Notes</td>" in html
    assert "was read as priority P1 (High)" in html
    # Where each line went, in runs: the second task list of the file is step 2's tasks.
    assert (
        "<td>32\u201334</td><td><code>- [ ] Add a circuit breaker around the provider</code></td>"
        in html
    )
    assert "<td>Step 2: tasks</td>" in html
    assert not Plan.objects.exists()


def test_the_preview_names_plans_of_the_same_issue_already_here(alice):
    content = (CORPUS / "other_shapes" / "bug-report-checkout-timeout.md").read_bytes()
    assert upload_and_import(alice, content).status_code == 302
    first = Plan.objects.get()

    html = upload(alice, content).content.decode()

    assert "1 plan of this issue is here already:" in html
    assert f'<a href="/plans/{first.pk}/">{first}</a>' in html
    assert "Importing makes another plan beside it; nothing is merged or replaced." in html


def test_a_new_issue_is_previewed_without_that_notice(alice):
    html = upload(alice, (GOLDEN / "filled-plan.md").read_bytes()).content.decode()

    assert "here already" not in html


def test_the_preview_costs_a_fixed_number_of_queries(alice, django_assert_max_num_queries):
    content = (GOLDEN / "filled-plan.md").read_bytes()
    upload(alice, content)  # the first upload creates the session's CSRF and such

    with django_assert_max_num_queries(60):
        response = upload(alice, content)
    assert response.status_code == 200


def test_import_from_a_preview_needs_its_own_uploader_and_happens_once(
    alice, client_factory, django_user_model
):
    from django.contrib.auth.models import Permission

    response = upload(alice, (GOLDEN / "filled-plan.md").read_bytes())
    pending = response.context["pending"]
    carol = django_user_model.objects.create_user("carol")
    carol.user_permissions.add(Permission.objects.get(codename="change_plan"))
    other = client_factory()
    other.force_login(carol)

    assert other.post(f"/plans/import/{pending.pk}/").status_code == 302
    assert not Plan.objects.exists()
    assert alice.post(f"/plans/import/{pending.pk}/").status_code == 302
    again = alice.post(f"/plans/import/{pending.pk}/", follow=True)
    assert "That preview has expired or was imported already" in again.content.decode()
    assert Plan.objects.count() == 1


def test_the_preview_is_a_page_of_its_own_and_cancel_discards_the_upload(alice):
    uploaded = alice.post(
        "/plans/import/",
        {"file": SimpleUploadedFile("plan.md", (GOLDEN / "filled-plan.md").read_bytes())},
    )
    assert uploaded.status_code == 302  # reloading the preview does not upload again
    preview = alice.get(uploaded["Location"])
    assert preview.status_code == 200 and "Nothing is saved yet." in preview.content.decode()

    cancelled = alice.post(uploaded["Location"], {"cancel": "1"}, follow=True)

    assert "Nothing was imported from plan.md." in cancelled.content.decode()
    assert not PendingImport.objects.exists()
    # An Import pressed in a tab still showing the preview finds nothing to import.
    late = alice.post(uploaded["Location"], follow=True)
    assert "That preview has expired or was imported already" in late.content.decode()
    assert not Plan.objects.exists()


def test_it_imports_a_plan_and_lands_on_it(alice):
    response = upload_and_import(alice, (GOLDEN / "filled-plan.md").read_bytes())

    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/"
    page = alice.get(response["Location"]).content.decode()
    assert "Imported “AUTH-812: Login sessions expire after 5 minutes” from plan.md." in page


def test_notes_about_kept_text_are_shown(alice):
    response = upload_and_import(alice, (CORPUS / "extra-sections-and-rows.md").read_bytes())

    assert response.status_code == 302
    page = alice.get(response["Location"]).content.decode()
    assert 'class="message warning"' in page


def test_a_file_that_is_not_a_plan_shows_the_line_numbered_error(alice):
    response = upload(alice, (CORPUS / "not-a-plan.md").read_bytes())

    assert response.status_code == 422
    assert b"Not imported; nothing was saved." in response.content
    assert b"<li>line 1: this is not a fix plan" in response.content
    assert not Plan.objects.exists()


def test_every_problem_of_a_file_is_listed_on_the_form(alice):
    text = (CORPUS / "compact-no-blank-lines.md").read_text(encoding="utf-8")
    text = text.replace("- [ ] Stakeholders notified", "- [ ] " + "y" * 501)
    text = text.replace("**Issue:** SRCH-77", "**Issue:** " + "X" * 101)

    response = upload(alice, text.encode())

    assert response.status_code == 422
    html = response.content.decode()
    assert "<li>line 3: issue id is 101 characters; at most 100</li>" in html
    assert "text is 501 characters; at most 500" in html
    assert not Plan.objects.exists()


def test_a_file_over_the_upload_limit_is_refused_with_a_clear_message(alice):
    response = upload(alice, b"x" * (limits.MAX_IMPORT_BYTES + 1))

    assert response.status_code == 413
    assert b"the limit is 20 MB" in response.content
    assert not Plan.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe# Fix", b"line 1: the file starts as UTF-16 text but is not"),
        (b"# Fix\n\x00", b"line 2: contains a NUL byte; is this a text file?"),
        (b"", b"empty"),
    ],
)
def test_binary_or_empty_files_are_refused(alice, content, message):
    response = upload(alice, content)

    assert response.status_code == 422
    assert message in response.content
    assert not Plan.objects.exists()


def test_no_file_is_a_422(alice):
    response = alice.post("/plans/import/", {})

    assert response.status_code == 422 and b"This field is required." in response.content


def test_it_requires_change_permission(bob):
    assert bob.get("/plans/import/").status_code == 403
    assert upload(bob, (GOLDEN / "filled-plan.md").read_bytes()).status_code == 403
    assert not Plan.objects.exists()


def test_the_preview_of_a_file_of_many_notes_stays_small(alice):
    lines = "".join(f"Owner: p{n}\nDate: no {n}\n" for n in range(1_500))

    response = upload(alice, f"# X\n\n{lines}\n## Steps\n\n- [ ] a\n".encode())

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<li>line ") == 300 and " more; <code>manage.py import_plan" in html
    assert len(response.content) < 200_000
