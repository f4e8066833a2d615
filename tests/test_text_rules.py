"""The same text rules in the forms and the importer: no control characters get stored, so
whatever is stored can be saved again in the forms and printed safely by `export_plan`."""

import pytest
from django.core.management import call_command

from plans.markdown import export_plan, import_plan, parse_plan
from tests.conftest import GOLDEN, HTMX
from tests.factories import template_plan

pytestmark = pytest.mark.django_db

CONTROLS = ["\x1b[2J", "\x01", "\x7f", "\x92", "\x9b"]


@pytest.mark.parametrize("control", CONTROLS)
def test_the_importer_replaces_control_characters_and_says_where(control):
    text = (GOLDEN / "filled-plan.md").read_text(encoding="utf-8")
    text = text.replace("### Step 1: ", f"### Step 1: a{control}b ", 1)
    line = text[: text.index("a" + control)].count("\n") + 1

    result = parse_plan(text)

    title = result.document.steps[0].title
    assert title.startswith("a\ufffd") and control[0] not in title
    assert any(w.startswith(f"line {line}: control characters (U+") for w in result.warnings)


def test_an_imported_plan_exports_no_terminal_escape_and_saves_again_in_the_form(alice, capsys):
    text = (GOLDEN / "filled-plan.md").read_text(encoding="utf-8")
    text = text.replace("## Overview\n\n", "## Overview\n\nOdd \x1b[2J\x92 bytes. ", 1)
    plan, _warnings = import_plan(text)

    call_command("export_plan", str(plan.pk))
    assert "\x1b" not in capsys.readouterr().out

    form = alice.get(f"/plans/{plan.pk}/sections/overview/edit/", headers=HTMX).context["edit_form"]
    data = {"overview": plan.overview + " More.", "base": form.initial["base"]}
    response = alice.post(f"/plans/{plan.pk}/sections/overview/edit/", data, headers=HTMX)
    assert response.status_code == 200
    assert "\x1b" not in export_plan(plan.pk)


@pytest.mark.parametrize("control", CONTROLS)
def test_the_forms_refuse_the_same_control_characters(alice, control):
    plan = template_plan()

    response = alice.post(
        f"/plans/{plan.pk}/sections/overview/edit/", {"overview": f"a{control}b"}, headers=HTMX
    )

    assert response.status_code == 422
    assert "control characters" in response.text
