"""Write every plan as a fix folder (plan.md, and the spec.md it came with): a backup
people can read, that `import_plan DIR` restores.

One plan that cannot be read or written never stops the backup: every other plan is
written, each one that was not is named on stderr, and the command fails at the end.
"""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from plans.downloads import download_filename
from plans.imports import PLAN_FILE, SPEC_FILE
from plans.markdown.export import render_plan
from plans.markdown.store import document_from_plan, plans_with_children
from plans.models import Plan, PlanSpec

CHUNK = 100


class Command(BaseCommand):
    help = (
        "Write every plan to DIR as a fix folder <id>-<issue>-<fix name>/ holding plan.md and "
        "the plan's spec.md, if it has one (restore: import_plan DIR)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--into-existing",
            action="store_true",
            help=(
                "write into a folder that already holds files; folders there of plans "
                "deleted or renamed since stay, and import_plan DIR would restore them too"
            ),
        )

    def handle(self, *args, directory: Path, into_existing=False, **options):
        if not into_existing and directory.is_dir() and any(directory.iterdir()):
            raise CommandError(
                f"{directory} is not empty: a backup goes into a new or empty folder, so that "
                "restoring it brings back only today's plans (or pass --into-existing)"
            )
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"cannot create {directory}: {error.strerror}") from None
        written = failed = 0
        for chunk in _chunks():
            try:
                plans = _read([pk for pk, _issue_id in chunk])
            except Exception:
                plans = None  # one unreadable row fails its chunk: read the plans one by one
            for pk, issue_id in chunk:
                try:
                    plan = plans.get(pk) if plans is not None else _read([pk]).get(pk)
                    if plan is None:
                        continue  # deleted since the chunk was listed
                    _write(plan, directory)
                except Exception as error:  # whatever it is, the other plans are written
                    failed += 1
                    reason = " ".join(f"{type(error).__name__}: {error}".split())
                    self.stderr.write(f"plan {pk} ({issue_id or 'no issue id'}): {reason}")
                else:
                    written += 1
        self.stdout.write(f"wrote {written} plan{'s' if written != 1 else ''} to {directory}")
        if failed:
            raise CommandError(
                f"{failed} plan{'s' if failed != 1 else ''} could not be written (listed above)"
            )


def _chunks():
    """(id, issue id) of every plan, CHUNK at a time, by keyset: memory stays bounded."""
    last = 0
    while chunk := list(
        Plan.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "issue_id")[:CHUNK]
    ):
        yield chunk
        last = chunk[-1][0]


def _read(pks: list[int]) -> dict[int, Plan]:
    """The plans with every child, in ten queries however many (a spec is read when written).

    Each read is its own transaction or savepoint: on PostgreSQL a failed query would
    otherwise poison the enclosing transaction and every read after it.
    """
    with transaction.atomic():
        plans = {plan.pk: plan for plan in plans_with_children().filter(pk__in=pks)}
        with_spec = set(PlanSpec.objects.filter(plan__in=pks).values_list("plan_id", flat=True))
    for pk, plan in plans.items():
        plan.has_spec = pk in with_spec
    return plans


def _write(plan: Plan, directory: Path) -> None:
    stem = download_filename(plan.issue_id, plan.fix_name, plan.pk).removesuffix(".md")
    folder = directory / f"{plan.pk:06d}-{stem}"
    folder.mkdir(exist_ok=True)
    _replace(folder / PLAN_FILE, render_plan(document_from_plan(plan)).encode())
    if plan.has_spec:
        with transaction.atomic():
            spec = PlanSpec.objects.filter(plan=plan).values_list("data", flat=True).first()
        if spec is not None:
            _replace(folder / SPEC_FILE, bytes(spec))


def _replace(path: Path, data: bytes) -> None:
    """Write the file whole or not at all: a backup never holds half a plan."""
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
