from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from plans.imports import check_import
from plans.limits import MAX_IMPORT_BYTES
from plans.markdown import PlanFormatError, import_plan
from plans.markdown.summary import summary


class Command(BaseCommand):
    help = (
        "Create one plan per Markdown file. A file that is not a valid plan is refused "
        "with the line at fault, and nothing of it is saved; the other files still import."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="plan.md files to import")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=(
                "say what each file would create and where each section would go (with -v 2, "
                "each line); save nothing"
            ),
        )

    def handle(self, *args, files, dry_run=False, **options):
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
                if dry_run:
                    self._dry_run(name, data, every_line=options["verbosity"] >= 2)
                    continue
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
            verb = "would not import" if dry_run else "were not imported"
            raise CommandError(f"{failed} of {len(files)} file(s) {verb}.")

    def _dry_run(self, name: str, data: bytes, *, every_line: bool) -> None:
        """Everything the import would do, in a transaction rolled back: the same checks,
        the same refusals, nothing written."""
        result = check_import(data)
        self.stdout.write(self.style.SUCCESS(f"{name}: would create this plan (dry run)"))
        for line in summary(result, every_line=every_line):
            self.stdout.write(f"  {line}")

    def _fail(self, name: str, *messages: str) -> int:
        for message in messages:
            self.stderr.write(self.style.ERROR(f"{name}: {message}"))
        return 1
