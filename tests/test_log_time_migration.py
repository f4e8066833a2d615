"""Log times imported out of range before the importer refused them are brought back in range."""

import importlib

import pytest
from django.db import connection

from plans.markdown import export_plan
from plans.models import ProgressLogEntry
from tests.factories import template_plan

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="only PostgreSQL could store such times"
    ),
]

migration = importlib.import_module("plans.migrations.0005_log_times_in_range")


def test_an_out_of_range_log_time_is_clamped_and_kept_in_the_text():
    plan = template_plan()
    entry = ProgressLogEntry.objects.filter(plan=plan).get()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE plans_progresslogentry SET logged_at = '9999-12-31 23:59:00-14' WHERE id = %s",
            [entry.pk],
        )
    with pytest.raises(Exception, match="after year 10K"):
        export_plan(plan.pk)

    with connection.schema_editor() as editor:
        migration.clamp_log_times(None, editor)

    entry.refresh_from_db()
    assert entry.logged_at.year == 2199
    assert entry.update.startswith("(logged at 10000-01-01 13:59:00+00) Plan created")
    assert "Plan created" in export_plan(plan.pk)
