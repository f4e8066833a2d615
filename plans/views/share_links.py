"""Making and revoking a plan's share links, on the plan page."""

import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from plans.forms import ShareLinkForm
from plans.limits import LimitReached
from plans.models import Plan, ShareLink
from plans.operations import create_share_link, revoke_share_link
from plans.sharing import links_of
from plans.views.access import answer, ask, editor_required, unanswered

TEMPLATE = "plans/partials/_share_links.html"


def share_links_context(plan: Plan, **extra) -> dict:
    return {
        "plan": plan,
        "can_edit": True,
        "share_links": links_of(plan.pk),
        "share_form": ShareLinkForm(),
        # The count in the section's summary is outside the swapped fragment.
        "count_oob": True,
        **extra,
    }


@require_POST
@editor_required
def create_link(request, plan_id: int):
    plan = get_object_or_404(Plan, pk=plan_id)
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        context = share_links_context(plan, share_form=form)
        return answer(request, plan_id, "share-links", TEMPLATE, context, 422)
    days = form.cleaned_data["expires_in"]
    expires_at = timezone.now() + datetime.timedelta(days=days) if days else None
    try:
        link, token = create_share_link(
            plan.pk, label=form.cleaned_data["label"], expires_at=expires_at, user=request.user
        )
    except Plan.DoesNotExist:
        raise Http404("This plan was deleted by someone else.") from None
    except LimitReached as full:
        form.add_error(None, f"{full} Revoke one to make room.")
        context = share_links_context(plan, share_form=form)
        return answer(request, plan_id, "share-links", TEMPLATE, context, 422)
    new_url = request.build_absolute_uri(reverse("stakeholder", args=[token]))
    context = share_links_context(plan, new_link=link, new_url=new_url)
    # The token exists only in this response; a redirect would lose it, so both paths render.
    if request.htmx:
        return render(request, TEMPLATE, context)
    from plans.views.plan import render_plan_page

    return render_plan_page(request, plan_id, new_link=link, new_url=new_url)


@require_POST
@editor_required
def revoke_link(request, plan_id: int, link_id: int):
    plan = get_object_or_404(Plan, pk=plan_id)
    link = get_object_or_404(ShareLink, pk=link_id, plan=plan)
    if unanswered(request):
        return ask(
            request,
            plan,
            question="Revoke this share link?",
            detail=link.label or f"Link {link.pk} (no label)",
            note="Anyone using it loses access. There is no undo: a new link has a new address.",
            answer="Revoke link",
            anchor="share-links",
        )
    revoke_share_link(plan.pk, link_id, user=request.user)
    context = share_links_context(plan)
    return answer(request, plan_id, "share-links", TEMPLATE, context)
