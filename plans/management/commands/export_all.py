"""Write every plan as a Markdown file: a backup people can read, that import_plan restores."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plans.downloads import download_filename
from plans.markdown.export import render_plan
from plans.markdown.store import document_from_plan, plans_with_children

CHUNK = 100


class Command(BaseCommand):
    help = "Write every plan to DIR as <id>-<issue>-<fix name>.md (restore: import_plan DIR/*.md)."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"cannot create {directory}: {error.strerror}") from None
        count = 0
        # Prefetching in chunks: nine queries per hundred plans, memory bounded.
        for plan in plans_with_children().order_by("pk").iterator(chunk_size=CHUNK):
            name = f"{plan.pk:06d}-{download_filename(plan.issue_id, plan.fix_name, plan.pk)}"
            path = directory / name
            partial = path.with_suffix(".md.partial")
            partial.write_text(render_plan(document_from_plan(plan)), encoding="utf-8")
            os.replace(partial, path)
            count += 1
        self.stdout.write(f"wrote {count} plan{'s' if count != 1 else ''} to {directory}")
