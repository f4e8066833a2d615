"""Who may do what, and how an action answers: a fragment for HTMX, a redirect without it."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse

CHANGE_PERMISSION = "plans.change_plan"

# What a failed plain post carries back into the whole page: the open form and its messages.
PAGE_STATE = {
    "editing",
    "editing_kind",
    "editing_id",
    "edit_form",
    "open_add",
    "status_message",
    "log_form",
    "share_form",
}


def can_edit(user) -> bool:
    return user.has_perm(CHANGE_PERMISSION)


def editor_required(view):
    """Logged in and allowed to change plans; everyone else gets 403 from the endpoint."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not can_edit(request.user):
            raise PermissionDenied("You can read plans but not change them.")
        return view(request, *args, **kwargs)

    return wrapper


def plan_url(plan_id: int, anchor: str = "") -> str:
    url = reverse("plan", args=[plan_id])
    return f"{url}#{anchor}" if anchor else url


def answer(request, plan_id: int, anchor: str, template: str, context: dict, status: int = 200):
    """HTMX gets the fragment; a plain form post goes back to the plan page.

    A plain post that failed (409, 422) gets the whole plan page, with the form that failed
    open and its messages beside the fields, and the same status.
    """
    if request.htmx:
        return render(request, template, context, status=status)
    if status < 400:
        return redirect(plan_url(plan_id, anchor))
    from plans.views.plan import render_plan_page

    page_keys = {k: v for k, v in context.items() if k in PAGE_STATE}
    return render_plan_page(request, plan_id, status=status, **page_keys)


def unanswered(request) -> bool:
    """Whether an action that asks first still has to: with htmx its button's hx-confirm
    has asked; a plain post without JavaScript asks on a page, `ask`."""
    return not request.htmx and request.POST.get("confirm") != "yes"


def ask(
    request,
    plan,
    *,
    question: str,
    detail: str,
    note: str,
    answer: str,
    anchor: str,
    fields: tuple = (),
):
    """The page that asks before a plain post acts: the same post again with confirm=yes."""
    context = {
        "plan": plan,
        "question": question,
        "detail": detail,
        "note": note,
        "answer": answer,
        "anchor": anchor,
        "fields": fields,
    }
    return render(request, "plans/confirm.html", context)
