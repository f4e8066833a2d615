"""Bring progress-log times that were imported outside the range the importer now accepts
back inside it, keeping the original time in the entry's text.

Only PostgreSQL could store them (SQLite's conversion to UTC failed on import); there a
time past year 9999 in UTC cannot be read into Python, so the plan's page, its downloads
and `export_all` failed on it.
"""

from django.db import migrations

CLAMP = """
UPDATE plans_progresslogentry
SET "update" = LEFT('(logged at ' || logged_at::text || ') ' || "update", 1000),
    logged_at = CASE
        WHEN logged_at < '1970-01-01T00:00:00Z' THEN TIMESTAMPTZ '1970-01-01T00:00:00Z'
        ELSE TIMESTAMPTZ '2199-12-31T23:59:00Z'
    END
WHERE logged_at < '1970-01-01T00:00:00Z' OR logged_at >= '2200-01-01T00:00:00Z'
"""


def clamp_log_times(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CLAMP)


class Migration(migrations.Migration):
    dependencies = [("plans", "0004_text_limits")]

    operations = [migrations.RunPython(clamp_log_times, migrations.RunPython.noop)]
