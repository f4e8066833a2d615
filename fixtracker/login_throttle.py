"""What django-axes asks of the project: who the client is, and the page a locked-out one gets.

The counting, the lock and the cool-off are django-axes' (settings.py, docs/security.md).
"""

import contextlib
import ipaddress
import math

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client, as the outermost of our own proxies saw it.

    Each proxy appends the address it was connected from to X-Forwarded-For, so with N of
    them in front the client is the N-th entry from the right. Anything left of it was sent
    by the client and could change on every attempt; REMOTE_ADDR is the nearest proxy,
    the same for everyone. Without proxies (or a header too short to hold them), REMOTE_ADDR.
    """
    address = request.META.get("REMOTE_ADDR")
    proxies = settings.FIXTRACKER_PROXY_COUNT
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(forwarded) >= proxies:
            with contextlib.suppress(ValueError):
                address = str(ipaddress.ip_address(forwarded[-proxies].strip()))
    return address


def locked_out(request: HttpRequest, response: HttpResponse, credentials: dict) -> HttpResponse:
    """429 with when to come back; the same page whether or not the username exists.

    The cool-off runs from the last failure that counted (attempts while locked out do not
    count), so the time left is what remains of it since then."""
    cooloff = settings.AXES_COOLOFF_TIME
    attempts = AxesProxyHandler.get_implementation().get_user_attempts(request, credentials)
    last = max((a.attempt_time for queryset in attempts for a in queryset), default=None)
    left = cooloff - (timezone.now() - last) if last else cooloff
    seconds = max(1, math.ceil(min(left, cooloff).total_seconds()))
    page = render(
        request,
        "registration/locked_out.html",
        {"minutes": math.ceil(seconds / 60)},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    page["Retry-After"] = str(seconds)
    return page
