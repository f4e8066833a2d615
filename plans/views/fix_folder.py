"""A plan's fix folder on the plan page: ending a conflict the last sync found."""

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from plans.markdown import PlanFormatError
from plans.models import Plan
from plans.sync import NoConflict, resolve
from plans.views.access import ask, editor_required, plan_url, unanswered

SIDES = {
    "file": ("Take the file's version?", "The plan is replaced by the file's text."),
    "app": ("Keep the app's version?", "The next sync writes the plan over the file."),
}


@require_POST
@editor_required
def resolve_conflict(request, plan_id: int):
    plan = get_object_or_404(Plan, pk=plan_id)
    take = request.POST.get("take", "")
    if take not in SIDES:
        raise BadRequest("Choose the file's version (take=file) or the app's (take=app).")
    question, note = SIDES[take]
    if unanswered(request):
        return ask(
            request,
            plan,
            question=question,
            detail=f"{plan}",
            note=f"{note} The other side's changes since the last sync are lost.",
            answer="Take the file's" if take == "file" else "Keep the app's",
            anchor="fix-folder",
            fields=(("take", take),),
        )
    try:
        resolve(plan.pk, take=take, user=request.user)
    except NoConflict:
        messages.info(request, "There is no conflict to end: someone, or a sync, ended it.")
    except PlanFormatError as error:
        messages.error(
            request, f"The file's version cannot be read (line {error.line}: {error.message})."
        )
    else:
        done = "the file's version taken" if take == "file" else "the app's version kept"
        messages.success(request, f"Conflict ended: {done}.")
    return redirect(plan_url(plan_id, "fix-folder"))
