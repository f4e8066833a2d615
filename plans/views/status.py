"""Moving a plan along Planning → In Progress → In Review → Deployed, one step at a time."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from plans import operations
from plans.forms import StatusForm
from plans.limits import LimitReached
from plans.models import Plan, Status
from plans.views.access import answer, ask, can_edit, editor_required, unanswered

TEMPLATE = "plans/partials/_status_changed.html"


def status_context(plan: Plan, user, **extra) -> dict:
    back, forward = operations.neighbours(plan.status)
    return {
        "plan": plan,
        "can_edit": can_edit(user),
        "status_back": back,
        "status_forward": forward,
        **extra,
    }


@require_POST
@editor_required
def change_status(request, plan_id: int):
    form = StatusForm(request.POST)
    if not form.is_valid():
        plan = get_object_or_404(Plan, pk=plan_id)
        message = " ".join(e for errors in form.errors.values() for e in errors)
        context = status_context(plan, request.user, status_message=message)
        return answer(request, plan_id, "plan-status", TEMPLATE, context, 422)
    expected, to = form.cleaned_data["expected"], form.cleaned_data["to"]
    if to == Status.DEPLOYED and unanswered(request):
        plan = get_object_or_404(Plan, pk=plan_id)
        if plan.boxes_done < plan.boxes_total:
            return ask(
                request,
                plan,
                question="Move to Deployed anyway?",
                detail=f"Only {plan.boxes_done} of {plan.boxes_total} checkboxes are ticked.",
                note="Stakeholders see Deployed at once.",
                answer="Move to Deployed",
                anchor="plan-status",
                fields=(("expected", expected), ("to", to)),
            )
    try:
        entries = operations.change_status(plan_id, expected=expected, to=to, user=request.user)
    except Plan.DoesNotExist:
        raise Http404("No such plan.") from None
    except LimitReached as full:
        plan = get_object_or_404(Plan, pk=plan_id)
        context = status_context(plan, request.user, status_message=f"Not moved: {full}")
        return answer(request, plan_id, "plan-status", TEMPLATE, context, 422)
    except operations.StaleStatus as stale:
        plan = get_object_or_404(Plan, pk=plan_id)
        message = (
            f"Someone else moved this plan to {stale.current.label} before you. "
            "Nothing was changed; check the plan and try again."
        )
        context = status_context(plan, request.user, status_message=message)
        return answer(request, plan_id, "plan-status", TEMPLATE, context, 409)
    plan = get_object_or_404(Plan, pk=plan_id)
    context = status_context(plan, request.user, new_log=entries, focus=True)
    return answer(request, plan_id, "plan-status", TEMPLATE, context)
