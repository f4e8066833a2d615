"""The webhook worker: `manage.py deliver_webhooks`, or `--once` for cron and tests.

It is django-tasks' own database worker (`db_worker`) on the "webhooks" queue, with the
housekeeping only this app knows: attempts whose worker died are queued again
(`plans.delivery.recover`) and old deliveries deleted (`plans.delivery.prune`).
"""

import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from plans import delivery
from plans.models import Delivery, DeliveryState

# How often a running worker looks for lost attempts and old deliveries.
HOUSEKEEPING_SECONDS = 30


class Command(BaseCommand):
    help = (
        "Deliver outgoing webhooks until stopped (SIGTERM or Ctrl+C ends it after the "
        "attempt in hand). With --once, deliver what is due now and exit."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Deliver what is due now, then exit."
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds between looks for due deliveries when there are none (default 1).",
        )

    def handle(self, *, once, interval, verbosity, **options):
        worker = {
            "queue_name": "webhooks",
            "reload": False,
            "startup_delay": not once,
            "interval": interval,
            # The worker's own log says each task started and finished; ours says what
            # each attempt did (plans.delivery).
            "verbosity": 0,
        }
        if once:
            began = timezone.now()
            delivery.recover()
            call_command("db_worker", batch=True, **worker)
            if verbosity:
                self.stdout.write(self._summary(began))
            return
        stop = threading.Event()
        keeper = threading.Thread(target=self._keep_house, args=(stop,), daemon=True)
        keeper.start()
        if verbosity:
            self.stdout.write("Delivering webhooks; Ctrl+C stops.")
        try:
            call_command("db_worker", **worker)
        finally:
            stop.set()

    def _keep_house(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                delivery.recover()
                delivery.prune()
            except Exception:
                # The database may be away a while; the next round tries again.
                delivery.logger.exception("webhook housekeeping failed")
            finally:
                connection.close()
            stop.wait(HOUSEKEEPING_SECONDS)

    def _summary(self, began) -> str:
        """What this run's attempts came to, by where they left their deliveries."""
        tried = Delivery.objects.filter(last_attempt_at__gte=began)
        counts = dict(tried.values_list("state").annotate(n=Count("pk")))
        if not counts:
            return "Nothing was due."
        labels = dict(DeliveryState.choices)
        said = ", ".join(f"{labels[state].lower()} {n}" for state, n in sorted(counts.items()))
        return f"Attempted {sum(counts.values())}: {said}."
