from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from plans.imports import (
    PLAN_FILE,
    SPEC_FILE,
    check_import,
    check_spec,
    fix_folders,
    present,
    read_file,
)
from plans.limits import CONTROL_CHARS_RE, MAX_IMPORT_BYTES, SPEC_BYTES
from plans.markdown import PlanFormatError, import_plan
from plans.markdown.summary import summary


class Command(BaseCommand):
    help = (
        "Create one plan per Markdown file, or per fix folder (plan.md, with its spec.md kept "
        "as it is) for a folder that is one or holds them. A file that is not a valid plan is "
        "refused with the line at fault, and nothing of it is saved; the others still import."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths",
            nargs="+",
            metavar="FILE_OR_DIR",
            help="plan.md files, fix folders, or folders of fix folders (docs/fixes)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=(
                "say what each file would create and where each section would go (with -v 2, "
                "each line); save nothing"
            ),
        )

    def handle(self, *args, paths, dry_run=False, **options):
        every_line = options["verbosity"] >= 2
        failed = tried = 0
        for name in paths:
            path = Path(name)
            if not path.is_dir():
                tried += 1
                failed += self._import(name, path, None, dry_run, every_line, in_folder=False)
                continue
            folders, others = fix_folders(path)
            for other, why in others:
                self.stdout.write(f"{_shown(other)}: {why}; skipped")
            if not folders:
                tried += 1
                failed += self._fail(
                    name,
                    f"no {PLAN_FILE} in this folder or in any folder in it; expected a fix "
                    f"folder ({PLAN_FILE} beside {SPEC_FILE}) or a folder of them",
                )
            for folder in folders:
                tried += 1
                spec = folder / SPEC_FILE
                spec = spec if present(spec) else None
                failed += self._import(str(folder), folder / PLAN_FILE, spec, dry_run, every_line)
        if failed:
            verb = "would not import" if dry_run else "were not imported"
            raise CommandError(f"{failed} of {tried} plan(s) {verb}.")

    def _import(
        self, name, path: Path, spec_path, dry_run: bool, every_line: bool, in_folder=True
    ) -> int:
        """Import one plan (or say what it would create); 1 if it fails, else 0."""
        try:
            # A file named on the command line is the operator's choice; one found in a fix
            # folder is the repository's, and a link there is not followed.
            data = read_file(path, MAX_IMPORT_BYTES, follow_link=not in_folder)
        except (OSError, ValueError) as error:
            return self._fail(name, getattr(error, "strerror", None) or str(error))
        spec = None
        if spec_path is not None:
            try:
                spec = read_file(spec_path, SPEC_BYTES)
                check_spec(spec)
            except (OSError, ValueError) as error:
                reason = getattr(error, "strerror", None) or str(error)
                return self._fail(name, f"{SPEC_FILE}: {reason}; nothing of this folder imported")
        try:
            if dry_run:
                result = check_import(data, spec=spec)
                self.stdout.write(
                    self.style.SUCCESS(f"{_shown(name)}: would create this plan (dry run)")
                )
                for line in summary(result, every_line=every_line):
                    self.stdout.write(f"  {line}")
                if spec is not None:
                    self.stdout.write(f"  {SPEC_FILE}: kept as it is ({len(spec)} bytes)")
                return 0
            plan, warnings = import_plan(data, spec=spec, source=str(name))
        except PlanFormatError as error:
            return self._fail(name, *str(error).splitlines())
        except ValidationError as error:
            return self._fail(name, "; ".join(error.messages))
        kept = f", with its {SPEC_FILE}" if spec is not None else ""
        self.stdout.write(
            self.style.SUCCESS(f"Created plan {plan.pk}: {plan} ({_shown(name)}{kept})")
        )
        for warning in warnings:
            self.stdout.write(f"  note: {warning}")
        return 0

    def _fail(self, name: str, *messages: str) -> int:
        for message in messages:
            self.stderr.write(self.style.ERROR(f"{_shown(name)}: {message}"))
        return 1


def _shown(name) -> str:
    """A path as printed: a folder named with terminal escapes must not drive the terminal."""
    return CONTROL_CHARS_RE.sub("\ufffd", str(name))
