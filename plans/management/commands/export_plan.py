from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plans.markdown import export_plan
from plans.models import Plan


class Command(BaseCommand):
    help = "Write a plan as Markdown in the fix-plan template's format (stdout by default)."

    def add_arguments(self, parser):
        parser.add_argument("plan_id", type=int, help="the plan's id")
        parser.add_argument("-o", "--output", help="write to this file instead of stdout")

    def handle(self, *args, plan_id, output, **options):
        try:
            text = export_plan(plan_id)
        except Plan.DoesNotExist:
            raise CommandError(f"There is no plan with id {plan_id}.") from None
        if output:
            Path(output).write_text(text, encoding="utf-8", newline="\n")
            self.stderr.write(f"Wrote plan {plan_id} to {output}")
        else:
            self.stdout.write(text, ending="")
