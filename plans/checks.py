"""Start-up checks of settings the app cannot guess (`manage.py check`, and every start)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def base_url_set(app_configs, **kwargs):
    if settings.FIXTRACKER_BASE_URL:
        return []
    return [
        checks.Warning(
            "FIXTRACKER_BASE_URL is not set: webhook messages carry no link to the plan.",
            hint="Set it to this deployment's address, e.g. https://fixtracker.example.com.",
            id="fixtracker.W001",
        )
    ]
