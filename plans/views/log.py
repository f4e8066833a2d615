"""Adding an entry to a plan's progress log."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from plans import operations
from plans.forms import LogEntryForm
from plans.limits import LimitReached
from plans.models import Plan
from plans.views.access import answer, editor_required

TEMPLATE = "plans/partials/_log_added.html"


@require_POST
@editor_required
def add_log_entry(request, plan_id: int):
    plan = get_object_or_404(Plan, pk=plan_id)
    form = LogEntryForm(request.POST)
    if not form.is_valid():
        context = {"plan": plan, "log_form": form, "can_edit": True, "focus_log": True}
        return answer(request, plan_id, "progress-log", TEMPLATE, context, 422)
    try:
        entry = operations.add_log_entry(
            plan_id, update=form.cleaned_data["update"], user=request.user
        )
    except Plan.DoesNotExist:
        raise Http404("This plan was deleted by someone else.") from None
    except LimitReached as full:
        form.add_error("update", str(full))
        context = {"plan": plan, "log_form": form, "can_edit": True, "focus_log": True}
        return answer(request, plan_id, "progress-log", TEMPLATE, context, 422)
    # The input keeps the focus for the next entry: updates come in bursts.
    context = {
        "plan": plan,
        "log_form": LogEntryForm(),
        "new_log": [entry],
        "can_edit": True,
        "focus_log": True,
    }
    return answer(request, plan_id, "progress-log", TEMPLATE, context)
