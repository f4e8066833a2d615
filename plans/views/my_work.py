"""My work: the open tasks and steps the logged-in user owns, across plans not yet
deployed, soonest due first. Two queries whatever they number, each capped."""

import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, F
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from plans.dues import open_tasks
from plans.markdown.document import variables_of
from plans.models import Status, Step, StepTask

# The most of each a page lists; past that it says so.
SHOWN = 200
SOONEST = (F("due_time").asc(nulls_last=True), "pk")


@require_GET
@login_required
def my_work(request):
    me = request.user.get_username()
    tasks = list(
        StepTask.objects.filter(owner__iexact=me, done=False)
        .exclude(step__plan__status=Status.DEPLOYED)
        .select_related("step__plan")
        .annotate(due_time=Coalesce("step__due_at", "step__derived_due_at"))
        .order_by(*SOONEST)[: SHOWN + 1]
    )
    steps = list(
        Step.objects.filter(owner__iexact=me)
        .exclude(plan__status=Status.DEPLOYED)
        .filter(Exists(open_tasks()))
        .select_related("plan")
        .annotate(due_time=Coalesce("due_at", "derived_due_at"))
        .order_by(*SOONEST)[: SHOWN + 1]
    )
    now = timezone.now()
    items = [
        _item(task.due_time, task.step.plan, now, "Task", task.text, f"tasks-{task.pk}", task.step)
        for task in tasks[:SHOWN]
    ]
    items += [
        _item(step.due_time, step.plan, now, "Step", str(step), f"steps-{step.pk}")
        for step in steps[:SHOWN]
    ]
    # Soonest due first; what has no due time last.
    latest = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    items.sort(key=lambda item: item["due"] or latest)
    context = {"items": items, "more": len(tasks) > SHOWN or len(steps) > SHOWN, "me": me}
    return render(request, "plans/my_work.html", context)


def _item(due, plan, now, kind: str, text: str, anchor: str, step=None) -> dict:
    return {
        "due": due,
        # Deployed plans are left out above: what is past its due time here is overdue.
        "overdue": due is not None and due < now,
        "plan": plan,
        "variables": variables_of(plan),
        "kind": kind,
        "text": text,
        "anchor": anchor,
        "step": step,
    }
