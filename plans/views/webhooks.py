"""The Webhooks page: staff add, check and mend the endpoints told of plans' events.

Plain forms that post and come back (the secret, shown once, is rendered, never
redirected). What a button does is in `plans.delivery` and `plans.notify`.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from plans import delivery, notify
from plans.forms import SUBSCRIBABLE, WebhookForm
from plans.models import Delivery, DeliveryState, Webhook, WebhookFormat
from plans.operations import author_name

# Deliveries an endpoint's page lists, newest first.
SHOWN = 50


def staff_with(permission: str):
    """Logged in, staff, and holding `plans.<permission>_webhook`; else 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not (user.is_staff and user.has_perm(f"plans.{permission}_webhook")):
                raise PermissionDenied("Only staff who manage webhooks can do this.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


@require_http_methods(["GET", "POST"])
@staff_with("view")
def webhook_list(request):
    form = WebhookForm()
    if request.method == "POST":
        if not request.user.has_perm("plans.add_webhook"):
            raise PermissionDenied("You may not add webhooks.")
        form = WebhookForm(request.POST)
        if form.is_valid():
            form.instance.created_by = request.user
            webhook = form.save()
            # Shown once, on the page this redirects to: a reload there adds nothing again.
            request.session[NEW_SECRET] = [webhook.pk, webhook.secret]
            return redirect("webhook", webhook.pk)
    webhooks = Webhook.objects.annotate(
        waiting=Count("deliveries", filter=Q(deliveries__state__in=WAITING)),
        held=Count("deliveries", filter=Q(deliveries__state=DeliveryState.HELD)),
    )
    status = 422 if form.is_bound else 200
    context = {
        "webhooks": webhooks,
        "form": form,
        "base_url": settings.FIXTRACKER_BASE_URL,
        "event_kinds": len(SUBSCRIBABLE),
    }
    return render(request, "plans/webhooks.html", context, status=status)


WAITING = [DeliveryState.PENDING, DeliveryState.SENDING]
# The session key that carries a new endpoint's secret to its page, once.
NEW_SECRET = "webhook_new_secret"


@require_GET
@staff_with("view")
def webhook_detail(request, webhook_id: int):
    webhook = get_object_or_404(Webhook, pk=webhook_id)
    new_secret = ""
    if NEW_SECRET in request.session:
        pk, secret = request.session.pop(NEW_SECRET)
        new_secret = secret if pk == webhook.pk else ""
    return _endpoint_page(request, webhook, new_secret=new_secret)


def _endpoint_page(request, webhook: Webhook, *, form=None, new_secret: str = "", status=200):
    deliveries = Delivery.objects.filter(webhook=webhook).select_related("event__plan")
    deliveries = list(deliveries[: SHOWN + 1])
    context = {
        "webhook": webhook,
        "deliveries": deliveries[:SHOWN],
        "more": len(deliveries) > SHOWN,
        "form": form or WebhookForm(instance=webhook),
        "new_secret": new_secret if webhook.format == WebhookFormat.STANDARD else "",
        "held": Delivery.objects.filter(webhook=webhook, state=DeliveryState.HELD).count(),
        "redeliverable": [DeliveryState.DELIVERED, DeliveryState.FAILED],
        "now": timezone.now(),
    }
    return render(request, "plans/webhook.html", context, status=status)


@require_POST
@staff_with("change")
def webhook_edit(request, webhook_id: int):
    webhook = get_object_or_404(Webhook, pk=webhook_id)
    was = webhook.format
    form = WebhookForm(request.POST, instance=webhook)
    if not form.is_valid():
        return _endpoint_page(request, webhook, form=form, status=422)
    if was != WebhookFormat.STANDARD and form.instance.format == WebhookFormat.STANDARD:
        # Signed from now on, with a secret its receiver has never been shown: a new one,
        # shown here once.
        form.instance.secret = delivery.new_secret()
        form.save()
        request.session[NEW_SECRET] = [webhook.pk, webhook.secret]
        messages.warning(request, "Saved. Messages are signed from now on, with the new secret.")
        return redirect("webhook", webhook.pk)
    form.save()
    messages.success(request, "Saved. Events from now on go as set here.")
    return redirect("webhook", webhook.pk)


@require_POST
@staff_with("change")
def webhook_test(request, webhook_id: int):
    webhook = get_object_or_404(Webhook, pk=webhook_id)
    with transaction.atomic():
        event = notify.test_event(author_name(request.user))
        notify.announce(None, timezone.now(), [event], only=webhook)
    if webhook.enabled:
        messages.success(request, "Test event queued; the worker sends it within seconds.")
    else:
        messages.warning(request, "Test event held: the endpoint is disabled. Enable it to send.")
    return redirect("webhook", webhook.pk)


@require_POST
@staff_with("change")
def webhook_redeliver(request, webhook_id: int, delivery_id: int):
    webhook = get_object_or_404(Webhook, pk=webhook_id)
    if delivery.redeliver(delivery_id, webhook.pk):
        messages.success(request, "Queued again, with the same webhook-id.")
    else:
        messages.warning(request, "It is being sent right now, or held: nothing to do.")
    return redirect("webhook", webhook.pk)


@require_POST
@staff_with("change")
def webhook_enable(request, webhook_id: int):
    webhook = get_object_or_404(Webhook, pk=webhook_id)
    if request.POST.get("enabled") == "false":
        delivery.disable(webhook.pk, f"Disabled by {author_name(request.user)}.")
        messages.success(request, "Disabled. Its events are held until it is enabled.")
    else:
        queued = delivery.enable(webhook.pk)
        held = f"{queued} held deliver{pluralize(queued, 'y,ies')}"
        messages.success(request, f"Enabled; {held} queued.")
    return redirect("webhook", webhook.pk)


@require_http_methods(["GET", "POST"])
@staff_with("delete")
def webhook_delete(request, webhook_id: int):
    webhook = get_object_or_404(Webhook, pk=webhook_id)
    if request.method == "POST":
        webhook.delete()
        messages.success(request, f"Deleted {webhook}; nothing more is sent to it.")
        return redirect("webhooks")
    return render(request, "plans/webhook_delete.html", {"webhook": webhook})
