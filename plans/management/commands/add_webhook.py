"""Add an outgoing webhook from a script: `manage.py add_webhook URL --format slack`."""

from django.core.management.base import BaseCommand, CommandError

from plans.forms import SUBSCRIBABLE, WebhookForm
from plans.models import Priority, WebhookFormat

EVENTS = [value for value, _ in SUBSCRIBABLE]


class Command(BaseCommand):
    help = (
        "Add an outgoing webhook and print its id (then, for the standard format, its "
        "signing secret, which is not shown again). Checked as the Webhooks page checks it."
    )

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--format", choices=WebhookFormat.values, default="standard")
        parser.add_argument(
            "--events",
            nargs="+",
            metavar="EVENT",
            default=EVENTS,
            help=f"Among {', '.join(EVENTS)} (default: all). Commas also separate them.",
        )
        parser.add_argument(
            "--priorities",
            nargs="+",
            metavar="P",
            default=[],
            help=f"Only for plans of these priorities ({', '.join(Priority.values)}).",
        )
        parser.add_argument("--label", default="")
        parser.add_argument("--secret", default="", help="whsec_… (default: a new random one)")

    def handle(self, *, url, format, events, priorities, label, secret, **options):
        for value in [url, label, secret, *events, *priorities]:
            try:
                value.encode()
            except UnicodeError:
                raise CommandError(f"Not text (UTF-8): {value!r}") from None
        form = WebhookForm(
            {
                "url": url,
                "label": label,
                "format": format,
                "events": _split(events),
                "priorities": _split(priorities),
                "secret": secret,
            }
        )
        if not form.is_valid():
            problems = [
                f"{name if name != '__all__' else 'webhook'}: {' '.join(errors)}"
                for name, errors in form.errors.items()
            ]
            raise CommandError("; ".join(problems))
        webhook = form.save()
        self.stdout.write(str(webhook.pk))
        if webhook.format == WebhookFormat.STANDARD:
            self.stderr.write(f"Signing secret (shown once): {webhook.secret}")


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]
