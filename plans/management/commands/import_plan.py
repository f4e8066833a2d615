from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from plans.limits import MAX_IMPORT_BYTES
from plans.markdown import PlanFormatError, import_plan


class Command(BaseCommand):
    help = (
        "Create one plan per Markdown file. A file that is not a valid plan is refused "
        "with the line at fault, and nothing of it is saved; the other files still import."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="plan.md files to import")

    def handle(self, *args, files, **options):
        failed = 0
        for name in files:
            try:
                size = Path(name).stat().st_size
                if size > MAX_IMPORT_BYTES:
                    failed += self._fail(
                        name, f"{size} bytes; a plan file may be at most {MAX_IMPORT_BYTES} bytes"
                    )
                    continue
                data = Path(name).read_bytes()
            except OSError as error:
                failed += self._fail(name, error.strerror or str(error))
                continue
            try:
                plan, warnings = import_plan(data)
            except PlanFormatError as error:
                failed += self._fail(name, *str(error).splitlines())
                continue
            except ValidationError as error:
                failed += self._fail(name, "; ".join(error.messages))
                continue
            self.stdout.write(self.style.SUCCESS(f"Created plan {plan.pk}: {plan} ({name})"))
            for warning in warnings:
                self.stdout.write(f"  note: {warning}")
        if failed:
            raise CommandError(f"{failed} of {len(files)} file(s) were not imported.")

    def _fail(self, name: str, *messages: str) -> int:
        for message in messages:
            self.stderr.write(self.style.ERROR(f"{name}: {message}"))
        return 1
